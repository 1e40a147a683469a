use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(
    plural = "notes",
    belongs_to(owner, model = Note, foreign_key = "ownerId"),
    acl = "ALOW $everyone",
    acl = "ALLOW $authenticatd",
    acl = "ALLOW $owner WRTIE",
    acl = "ALLOW role:admin * findByID",
    acl = "ALLOW $authenticated READ find,__get__ownr",
    acl = "DENY rol:admin",
    acl = "ALLOW",
    acl = "ALLOW admin",
    acl_error_status = 404
)]
pub struct Note {
    pub title: Option<String>,
    #[serde(rename = "ownerId")]
    pub owner_id: Option<i64>,
}

fn main() {}
