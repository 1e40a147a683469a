use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Pair {
    #[property(id)]
    pub a: String,
    #[property(id)]
    pub b: String,
}

fn main() {}
