//! A small geocoding service in Google's answer shape (`/maps/api/geocode/json?address=..`),
//! so the example runs without the internet: a few known addresses, `ZERO_RESULTS` otherwise.

use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

/// Known addresses (street, city, zipcode as the example sends them) and their coordinates.
const KNOWN: &[(&str, f64, f64)] = &[
    ("107 S B St,San Mateo,94401", 37.5670042, -122.3240212),
    (
        "2 Embarcadero Center,San Francisco,94111",
        37.7948736,
        -122.3977461,
    ),
    ("1 Infinite Loop,Cupertino,95014", 37.3318598, -122.0302485),
];

async fn geocode(Query(q): Query<Map<String, Value>>) -> Json<Value> {
    let address = q.get("address").and_then(Value::as_str).unwrap_or_default();
    match KNOWN.iter().find(|(a, _, _)| *a == address) {
        Some((a, lat, lng)) => Json(json!({
            "status": "OK",
            "results": [{"formatted_address": a, "geometry": {"location": {"lat": lat, "lng": lng}}}]
        })),
        None => Json(json!({"status": "ZERO_RESULTS", "results": []})),
    }
}

/// The stub's routes.
pub fn router() -> Router {
    Router::new().route("/maps/api/geocode/json", get(geocode))
}
