use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Event {
    #[property(default = "x", default_fn = "now")]
    pub at: Option<String>,
}

fn main() {}
