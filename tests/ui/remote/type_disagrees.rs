use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/echo", accepts(text(type = "number")))]
    async fn echo(text: String) -> lb::Result<String> {
        Ok(text)
    }
}

fn main() {}
