use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

pub struct Opaque(pub u8);

#[lb::remote_methods]
impl Widget {
    #[remote_method(path = "/take")]
    async fn take(thing: Opaque) -> lb::Result<u8> {
        Ok(thing.0)
    }
}

fn main() {}
