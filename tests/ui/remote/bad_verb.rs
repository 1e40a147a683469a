use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "fetch", path = "/ping")]
    async fn ping() -> lb::Result<String> {
        Ok("pong".into())
    }
}

fn main() {}
