use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Note {
    #[property(default = String::new())]
    pub text: Option<String>,
}

fn main() {}
