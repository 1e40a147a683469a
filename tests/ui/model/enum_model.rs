use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub enum Shape {
    Circle,
}

fn main() {}
