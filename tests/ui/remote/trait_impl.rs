use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Widget {
    pub name: Option<String>,
}

pub trait Greeter {
    fn greet(&self) -> String;
}

#[lb::remote_methods]
impl Greeter for Widget {
    fn greet(&self) -> String {
        "hi".into()
    }
}

fn main() {}
