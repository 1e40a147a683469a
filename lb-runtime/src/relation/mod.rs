//! Relations at run time: `include` (batched: one query per relation and level) and the
//! relation endpoints (`/locations/:id/inventory`, ...), which are remote methods of the source
//! model so hooks and `sharedMethods` apply to them.

mod include;
mod linked;
mod routes;
mod typed;

pub use include::{find_by_id_with_include, find_with_include};
pub(crate) use routes::remote_methods;
pub use typed::{BelongsTo, BelongsToAny, HasMany, HasManyThrough, HasOne, ReferencesMany};

use serde_json::Value;

use crate::connector::Row;
use crate::model::ModelDefinition;
use crate::value::{js, Object};

/// A row as the value embedded in another model's answer: hidden and protected properties
/// left out (LoopBack's rule for nested objects).
pub(crate) fn embedded(def: &ModelDefinition, row: &Row) -> Value {
    let mut o = row.to_object();
    for p in &def.properties {
        if p.hidden || p.protected {
            o.remove(&p.name);
        }
    }
    Value::Object(o)
}

/// A row as a top-level answer: hidden properties left out.
pub(crate) fn visible(def: &ModelDefinition, row: &Row) -> Value {
    let mut o: Object = row.to_object();
    for h in def.hidden() {
        o.remove(h);
    }
    Value::Object(o)
}

/// The matching key of a value (`1` and `"1"` relate, as LoopBack's loose comparison).
pub(crate) fn key_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        // integers exactly (ids beyond 2^53 stay distinct); other numbers as JavaScript
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        other => Some(js::to_js_string(other)),
    }
}
