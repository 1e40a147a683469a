use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/lookup", accepts(key(source = "path")))]
    async fn lookup(key: String) -> lb::Result<String> {
        Ok(key)
    }
}

fn main() {}
