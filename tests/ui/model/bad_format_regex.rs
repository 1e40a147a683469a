use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct User {
    #[property(format = "([a-z]")]
    pub login: Option<String>,
}

fn main() {}
