// The models the guide's examples share, included by each example as a hidden line
// (`# include!("../docs/guide/models.rs");`). Not a module: items only.

#[allow(unused_imports)]
use lb::{App, GeoPoint, Model};
#[allow(unused_imports)]
use serde::{Deserialize, Serialize};
#[allow(unused_imports)]
use serde_json::json;

/// A store location.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Model)]
#[model(path = "locations", has_many(inventory, model = Inventory, foreign_key = "locationId"))]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize, Model)]
#[model(path = "inventories", belongs_to(location, model = Location, foreign_key = "locationId"))]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub product_id: Option<String>,
    pub location_id: Option<f64>,
    pub available: Option<f64>,
    pub total: Option<f64>,
}

/// An app on a memory datasource with two locations (1: Burlingame, 2: San Mateo) and three
/// inventory rows (two at location 1, one at location 2).
#[allow(dead_code)]
async fn app() -> App {
    let app = App::builder()
        .model::<Location>()
        .model::<Inventory>()
        .build()
        .expect("the guide's app builds");
    for (city, zip) in [("Burlingame", 94010.0), ("San Mateo", 94401.0)] {
        let l = Location { city: Some(city.into()), zipcode: Some(zip), ..Default::default() };
        Location::create(&app, &l).await.expect("a location");
    }
    for (loc, product, available) in [(1.0, "p1", 3.0), (1.0, "p2", 10.0), (2.0, "p1", 0.0)] {
        let i = Inventory {
            location_id: Some(loc),
            product_id: Some(product.into()),
            available: Some(available),
            total: Some(10.0),
            ..Default::default()
        };
        Inventory::create(&app, &i).await.expect("an inventory row");
    }
    app
}
