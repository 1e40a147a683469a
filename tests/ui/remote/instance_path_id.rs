use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/{id}/label")]
    async fn label(&self, id: u32) -> lb::Result<String> {
        Ok(format!("{id}"))
    }
}

fn main() {}
