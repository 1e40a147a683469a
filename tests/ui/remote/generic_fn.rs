use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/echo")]
    async fn echo<T: serde::Serialize>(text: String) -> lb::Result<String> {
        Ok(text)
    }
}

fn main() {}
