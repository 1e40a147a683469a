use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/greet", accepts(nmae(required)))]
    async fn greet(name: String) -> lb::Result<String> {
        Ok(name)
    }
}

fn main() {}
