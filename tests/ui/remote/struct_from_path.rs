use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[derive(Deserialize)]
pub struct Range {
    pub from: u32,
    pub to: u32,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(verb = "get", path = "/range/{range}")]
    async fn in_range(range: Range) -> lb::Result<u32> {
        Ok(range.to - range.from)
    }
}

fn main() {}
