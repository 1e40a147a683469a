use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/greet")]
    async fn greet(name: &str) -> lb::Result<String> {
        Ok(name.to_string())
    }
}

fn main() {}
