use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Person {
    #[property(requird)]
    pub name: Option<String>,
}

fn main() {}
