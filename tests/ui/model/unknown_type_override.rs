use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Note {
    #[property(type = "blob")]
    pub data: Option<String>,
}

fn main() {}
