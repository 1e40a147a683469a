lb::rest_client! {
    pub struct Geocoder = r#"{"operations": [ {"template": } ]}"#;
}

fn main() {}
