use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Address {
    pub city: String,
}

#[derive(Serialize, Deserialize, Model)]
pub struct Customer {
    pub address: Option<Address>,
}

fn main() {}
