use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/by-slug/{slug}")]
    async fn by_slug(app: &lb::App) -> lb::Result<u32> {
        let _ = app;
        Ok(1)
    }
}

fn main() {}
