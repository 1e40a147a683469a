//! Relations at run time: the relation operations (`owned`, `linked`, over the traits of
//! `many`) and the relation endpoints (`/locations/:id/inventory`, ...), which are remote
//! methods of the source model so hooks and `sharedMethods` apply to them. `include` is the
//! repository's (`repository/include.rs`).

pub(crate) mod linked;
pub(crate) mod many;
pub(crate) mod owned;
mod routes;
pub(crate) mod scope;

pub(crate) use routes::remote_methods;

use serde_json::Value;

use crate::repository::Repository;
use crate::value::js;
use crate::{Error, Result};

/// The value the related rows' foreign key holds: the parent's primary key.
pub(crate) fn parent_key(
    def: &crate::model::ModelDefinition,
    rel: &crate::model::RelationDefinition,
    inv: &crate::remote::Invocation,
) -> Result<Value> {
    let pk = rel.referenced_key(def);
    inv.instance
        .as_ref()
        .and_then(|r| r.get(pk).map(std::borrow::Cow::into_owned))
        .filter(|v| !v.is_null())
        .ok_or_else(|| Error::internal(format!("{}: the instance has no {pk}", def.name)))
}

/// LoopBack's 404 for a target that is not related to this parent.
pub(crate) fn not_found(id: &Value, target: &str) -> Error {
    Error::new(
        axum::http::StatusCode::NOT_FOUND,
        format!(
            "No instance with id {} found for {target}",
            js::to_js_string(id)
        ),
    )
}

/// The repository of the model an endpoint is called on (inside the call's transaction).
pub(crate) fn repository(inv: &crate::remote::Invocation, name: &str) -> Result<Repository> {
    inv.app
        .repository(name)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| Error::internal(format!("model {name} is not attached to the app")))
}
