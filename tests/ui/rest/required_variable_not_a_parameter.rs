lb::rest_client! {
    pub struct Geocoder = r#"{"operations": [{
        "template": {"url": "http://maps/geocode", "query": {"key": "{!key}", "address": "{address}"}},
        "functions": {"geocode": ["address"]}
    }]}"#;
}

fn main() {}
