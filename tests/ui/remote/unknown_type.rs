use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/double", accepts(n(type = "numbr")))]
    async fn double(n: f64) -> lb::Result<f64> {
        Ok(n * 2.0)
    }
}

fn main() {}
