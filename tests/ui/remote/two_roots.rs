use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/pair", returns(arg = "a", root), returns(arg = "b", root))]
    async fn pair() -> lb::Result<(u32, u32)> {
        Ok((1, 2))
    }
}

fn main() {}
