use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(path = "/merge", accepts(a(source = "body"), b(source = "body")))]
    async fn merge(a: serde_json::Value, b: serde_json::Value) -> lb::Result<Vec<serde_json::Value>> {
        Ok(vec![a, b])
    }
}

fn main() {}
