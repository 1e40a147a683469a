use lb::Model;
use serde::Deserialize;

#[derive(Deserialize, Model)]
pub struct Note {
    pub text: Option<String>,
}

fn main() {}
