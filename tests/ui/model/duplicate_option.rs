use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(plural = "notes", plural = "memos")]
pub struct Note {
    pub text: Option<String>,
}

fn main() {}
