// Every mistake of every function is reported in one pass, and the struct still exists with
// the functions that are right: code using it reports nothing more.
lb::rest_client! {
    pub struct Maps = r#"{"operations": [{
        "template": {"url": "http://maps/{!region}/geocode", "query": {"address": "{street},{city}"}},
        "functions": {
            "geocode": ["stret", "city"],
            "lookup": ["region", "street"],
            "broken": ["region", "nope", 3]
        }
    }]}"#;
}

fn main() {
    let maps = Maps::new().unwrap();
    let _ = maps.lookup("eu", Some("1 Main"));
}
