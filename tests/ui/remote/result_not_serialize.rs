use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

pub struct Opaque(pub u8);

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/give")]
    async fn give() -> lb::Result<Opaque> {
        Ok(Opaque(1))
    }
}

fn main() {}
