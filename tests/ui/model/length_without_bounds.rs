use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Note {
    #[property(length())]
    pub text: Option<String>,
}

fn main() {}
