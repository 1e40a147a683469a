use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Event {
    #[property(default_fn = "tomorrow")]
    pub at: Option<lb::DateTime>,
}

fn main() {}
