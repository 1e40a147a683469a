use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/page", accepts(n(required, default = 1)))]
    async fn page(n: u32) -> lb::Result<u32> {
        Ok(n)
    }
}

fn main() {}
