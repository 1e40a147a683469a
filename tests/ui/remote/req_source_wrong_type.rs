use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/agent", accepts(agent(source = "req")))]
    async fn agent(agent: String) -> lb::Result<String> {
        Ok(agent)
    }
}

fn main() {}
