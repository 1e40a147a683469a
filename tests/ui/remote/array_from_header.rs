use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/tags", accepts(tags(source = "header")))]
    async fn tags(tags: Vec<String>) -> lb::Result<usize> {
        Ok(tags.len())
    }
}

fn main() {}
