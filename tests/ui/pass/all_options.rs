//! Every supported property type and option compiles, and the definition says what was declared.
use lb::{DataType, GeoPoint, Model, Strict};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Address {
    pub city: String,
}

/// A customer.
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(name = "Client", plural = "clientele", path = "/clients", strict = "filter", force_id = false,
        public = true, replace_on_put = false, description = "People we serve", fields_mod = "client_fields",
        resource_name = "people")]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    #[property(id, generated)]
    pub customer_id: Option<u32>,
    /// The full name
    #[property(required, length(min = 1, max = 40), format = "^[A-Z]")]
    pub full_name: String,
    #[property(inclusion("gold", "silver"), default = "silver")]
    pub tier: Option<String>,
    #[property(exclusion("admin"), unique)]
    pub login: Option<String>,
    pub score: Option<f32>,
    pub visits: Option<i64>,
    pub active: Option<bool>,
    #[property(default_fn = "now")]
    pub since: Option<lb::DateTime>,
    #[property(default_fn = "uuid")]
    pub token: Option<String>,
    pub tags: Option<Vec<String>>,
    pub location: Option<GeoPoint>,
    pub extra: Option<serde_json::Value>,
    pub meta: Option<serde_json::Map<String, serde_json::Value>>,
    #[property(type = "object")]
    pub address: Option<Address>,
    #[property(hidden)]
    pub password: Option<String>,
    #[property(protected)]
    pub email: Option<String>,
    #[serde(rename = "balanceCents", default)]
    pub balance: i64,
    #[serde(skip)]
    pub cache: Option<String>,
    #[property(default = -1)]
    pub rank: Option<i64>,
}

fn main() {
    let d = Customer::definition();
    assert_eq!((d.name.as_str(), d.plural.as_str(), d.rest_path()), ("Client", "clientele", "clients"));
    assert_eq!(d.strict, Strict::Filter);
    assert_eq!(d.resource_name.as_deref(), Some("people"));
    assert!(!d.force_id && !d.replace_on_put && d.public);
    assert_eq!(d.id().name, "customerId");
    let names: Vec<&str> = d.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["customerId", "fullName", "tier", "login", "score", "visits", "active", "since", "token",
        "tags", "location", "extra", "meta", "address", "password", "email", "balanceCents", "rank"]);
    let full = d.property("fullName").unwrap();
    assert!(full.required && full.description.as_deref() == Some("The full name"));
    assert_eq!(d.property("visits").unwrap().data_type, DataType::Integer);
    assert_eq!(d.property("tags").unwrap().data_type, DataType::Array(Box::new(DataType::String)));
    assert_eq!(d.property("address").unwrap().data_type, DataType::Object);
    assert!(!d.property("balanceCents").unwrap().required, "serde(default) makes it optional");
    assert!(d.is_hidden("password") && d.property("email").unwrap().protected);
    let _ = client_fields::full_name.eq("Ann");
    let _ = client_fields::tags.eq("vip");
}
