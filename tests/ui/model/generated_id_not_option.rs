use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Item {
    #[property(id, generated)]
    pub id: i64,
}

fn main() {}
