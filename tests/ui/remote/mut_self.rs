use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    #[remote_method(path = "/rename")]
    async fn rename(&mut self, name: String) -> lb::Result<()> {
        self.name = Some(name);
        Ok(())
    }
}

fn main() {}
