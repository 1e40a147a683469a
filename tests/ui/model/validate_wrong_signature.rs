use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(validate(name, with = Self::check))]
pub struct Account {
    pub name: String,
}

impl Account {
    // a validator says whether the instance is valid: `fn(&self) -> bool`
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}
