use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/exists")]
    async fn exists_check(&self) -> lb::Result<bool> {
        Ok(true)
    }
}

fn main() {}
