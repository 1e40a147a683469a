use lb::Model;
use serde::{Deserialize, Serialize};

pub struct Warehouse {
    pub name: String,
}

#[derive(Serialize, Deserialize, Model)]
#[model(belongs_to(warehouse, model = Warehouse))]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub warehouse_id: Option<i64>,
}

fn main() {}
