use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(index(unique))]
pub struct Account {
    pub owner: String,
}

fn main() {}
