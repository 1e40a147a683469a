use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(path = "/reset", returns(arg = "done"))]
    async fn reset() -> lb::Result<()> {
        Ok(())
    }
}

fn main() {}
