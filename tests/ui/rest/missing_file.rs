lb::rest_client! {
    pub struct Geocoder = "config/no-such-file.json";
}

fn main() {}
