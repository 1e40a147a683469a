use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Wrapper<T> {
    pub value: Option<T>,
}

fn main() {}
