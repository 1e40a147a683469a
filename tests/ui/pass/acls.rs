//! ACLs declared on the model: every form compiles, and the definition holds LoopBack's JSON.
use lb::Model;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Model)]
#[model(
    plural = "notes",
    belongs_to(owner, model = Note, foreign_key = "ownerId"),
    acl = "DENY $everyone",
    acl = "ALLOW $authenticated READ",
    acl = "allow $authenticated write create",
    acl = "ALLOW $owner WRITE patchAttributes,updateAttributes,__get__owner",
    acl = "ALLOW role:admin",
    acl = "DENY user:7 * deleteById",
    acl = "ALLOW app:ops EXECUTE",
    acl_error_status = 403
)]
pub struct Note {
    pub title: Option<String>,
    #[serde(rename = "ownerId")]
    pub owner_id: Option<i64>,
}

fn main() {
    let def = <Note as lb::typed::Model>::definition();
    assert_eq!(def.acls.len(), 7);
    assert_eq!(
        def.acls[0],
        serde_json::json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY", "accessType": "*"})
    );
    assert_eq!(def.acls[2]["accessType"], "WRITE");
    assert_eq!(def.acls[2]["property"], "create");
    assert_eq!(def.acls[3]["property"], serde_json::json!(["patchAttributes", "updateAttributes", "__get__owner"]));
    assert_eq!(def.acls[4]["principalId"], "admin");
    assert_eq!(def.acls[5]["principalType"], "USER");
    assert_eq!(def.acl_error_status, Some(403));
}
