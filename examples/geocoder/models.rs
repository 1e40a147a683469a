//! The geocoder example's model: a `Location` whose `geo` is filled from a geocoding service
//! called through a REST datasource.

use lb::{GeoPoint, Model};
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
    pub zipcode: Option<String>,
    pub name: Option<String>,
    pub geo: Option<GeoPoint>,
}

#[lb::remote_methods]
impl Location {
    /// Fills `geo` from the geocoding service (the `geo` datasource's `geocode` function)
    #[remote_method(verb = "post", path = "/geocode", returns(arg = "location", root))]
    pub async fn locate(&self, app: &lb::App) -> lb::Result<Location> {
        let geo = app
            .rest("geo")
            .ok_or_else(|| lb::Error::internal("the geo datasource is not configured"))?;
        // LoopBack's responsePath answer: the matches in an array
        let found = geo
            .invoke(
                "geocode",
                serde_json::json!([self.street, self.city, self.zipcode]),
            )
            .await?;
        let point = found
            .get(0)
            .cloned()
            .ok_or_else(|| lb::Error::not_found("the geocoding service found no such address"))?;
        let id = self.id.unwrap_or_default();
        Location::patch_attributes(app, id, serde_json::json!({ "geo": point })).await
    }
}
