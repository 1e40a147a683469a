use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/greet", returns(arg = "greeting", rot))]
    async fn greet() -> lb::Result<String> {
        Ok("hi".into())
    }
}

fn main() {}
