use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
pub struct Label {
    pub name: String,
}

// referencesMany keeps a list of Label ids, not one
#[derive(Serialize, Deserialize, Model)]
#[model(references_many(labels, model = Label, foreign_key = "labelIds"))]
#[serde(rename_all = "camelCase")]
pub struct Post {
    pub label_ids: Option<i64>,
}

fn main() {}
