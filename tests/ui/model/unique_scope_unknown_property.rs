use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Account {
    #[property(unique(scoped_to("tenent"), ignore_case))]
    pub name: String,
    pub tenant: String,
}

fn main() {}
