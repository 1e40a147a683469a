use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(path = "/sum")]
    async fn sum((a, b): (u32, u32)) -> lb::Result<u32> {
        Ok(a + b)
    }
}

fn main() {}
