use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(path = "/make", status = 999)]
    async fn make() -> lb::Result<u32> {
        Ok(1)
    }
}

fn main() {}
