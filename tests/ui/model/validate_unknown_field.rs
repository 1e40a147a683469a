use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(validate(nmae, with = Self::ok))]
pub struct Account {
    pub name: String,
}

impl Account {
    fn ok(&self) -> bool {
        true
    }
}

fn main() {}
