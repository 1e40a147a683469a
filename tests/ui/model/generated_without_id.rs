use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Note {
    #[property(generated)]
    pub code: Option<i64>,
}

fn main() {}
