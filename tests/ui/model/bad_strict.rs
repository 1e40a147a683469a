use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(strict = "loose")]
pub struct Note {
    pub text: Option<String>,
}

fn main() {}
