use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(id_injection = false)]
pub struct Note {
    pub text: Option<String>,
}

fn main() {}
