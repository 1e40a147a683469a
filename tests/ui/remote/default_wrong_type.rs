use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/page", accepts(n(default = "first")))]
    async fn page(n: Option<u32>) -> lb::Result<u32> {
        Ok(n.unwrap_or(0))
    }
}

fn main() {}
