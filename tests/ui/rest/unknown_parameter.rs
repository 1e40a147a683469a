lb::rest_client! {
    pub struct Geocoder = r#"{"operations": [{
        "template": {"url": "http://maps/geocode", "query": {"address": "{street},{city}"}},
        "functions": {"geocode": ["stret", "city"]}
    }]}"#;
}

fn main() {}
