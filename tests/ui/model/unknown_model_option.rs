use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(plurl = "people")]
pub struct Person {
    pub name: Option<String>,
}

fn main() {}
