use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Location {
    #[property(id)]
    pub id: i64,
    pub name: String,
}

// the foreign key is a string, Location's id a number
#[derive(Serialize, Deserialize, Model)]
#[model(belongs_to(location, model = Location, foreign_key = "locationId"))]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub location_id: Option<String>,
}

fn main() {}
