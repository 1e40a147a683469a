//! The models of the locations example: they mirror the LoopBack 3 app in
//! `shared/bench/lb3` (Location, Inventory, Product).

use lb::{DateTime, GeoPoint, Model};
use serde::{Deserialize, Serialize};

/// A store location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(path = "locations")]
pub struct Location {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub zipcode: Option<f64>,
    pub name: Option<String>,
    pub geo: Option<GeoPoint>,
}

/// Stock of a product at a location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(path = "inventories")]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub product_id: Option<String>,
    pub location_id: Option<f64>,
    pub available: Option<f64>,
    pub total: Option<f64>,
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

/// A product for sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(path = "products")]
pub struct Product {
    #[property(length(max = 20), unique)]
    pub name: String,
    pub price: Option<f64>,
    pub active: Option<bool>,
    pub created: Option<DateTime>,
    pub tags: Option<Vec<String>>,
    #[property(hidden)]
    pub secret: Option<String>,
    #[property(default = "new", inclusion("new", "used", "refurbished"))]
    pub status: Option<String>,
    #[property(default = 0)]
    pub qty: Option<f64>,
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}
