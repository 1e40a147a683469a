use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Account {
    #[property(numericality(int))]
    pub balance: f64,
}

fn main() {}
