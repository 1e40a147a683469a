use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(index(properties("owner", "lable"), unique))]
pub struct Account {
    pub owner: String,
    pub label: String,
}

fn main() {}
