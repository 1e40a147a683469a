use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Country {
    pub code: String,
    pub name: String,
}

// `primary_key` names the target property the foreign key refers to
#[derive(Serialize, Deserialize, Model)]
#[model(belongs_to(country, model = Country, foreign_key = "countryCode", primary_key = "code"))]
#[serde(rename_all = "camelCase")]
pub struct City {
    pub country_code: Option<i64>,
}

fn main() {}
