use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Note {
    pub id: Option<i64>,
    pub text: Option<String>,
}

fn main() {}
