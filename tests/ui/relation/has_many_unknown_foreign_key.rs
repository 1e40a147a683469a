use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(has_many(inventory, model = Inventory, foreign_key = "locationid"))]
pub struct Location {
    pub name: String,
}

#[derive(Serialize, Deserialize, Model)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub location_id: Option<i64>,
}

fn main() {}
