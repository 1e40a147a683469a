use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Timer {
    pub elapsed: std::time::Duration,
}

fn main() {}
