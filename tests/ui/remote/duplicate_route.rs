use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/stats")]
    async fn stats() -> lb::Result<u32> {
        Ok(1)
    }

    #[remote_method(verb = "get", path = "/STATS")]
    async fn statistics() -> lb::Result<u32> {
        Ok(2)
    }
}

fn main() {}
