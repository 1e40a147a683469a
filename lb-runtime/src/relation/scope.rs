//! The rules that tie a hasMany/hasOne's target rows to one parent, shared by the relation
//! endpoints and the typed accessors (one place, so both scope, fill and check alike).

use serde_json::{json, Map, Value};

use crate::connector::Row;
use crate::filter::{parse_where, ParseOptions, Where};
use crate::model::{ModelDefinition, RelationDefinition};
use crate::value::js::key_of;
use crate::Result;

/// The relation's own condition on the target: `{fk: key}` and, for a polymorphic relation,
/// `{discriminator: source model}` — lb's own, so never stripped (a hidden foreign key still
/// scopes the query) — AND-ed with the caller's condition.
pub(crate) fn scoped_where(
    target: &ModelDefinition,
    rel: &RelationDefinition,
    source: &ModelDefinition,
    key: &Value,
    client: Option<Where>,
) -> Result<Where> {
    let mut own = json!({ &rel.foreign_key: key });
    if let Some(d) = &rel.discriminator {
        own[d] = Value::String(source.name.clone());
    }
    let mut w = parse_where(target, &own, ParseOptions::default())?.unwrap_or_default();
    if let Some(c) = client {
        w.0.extend(c.0);
    }
    Ok(w)
}

/// The data of a new related instance: its foreign key set to the parent (LoopBack silently
/// overrides it) and, polymorphic, its discriminator to the source model. `null` is `{}`.
pub(crate) fn with_key(
    body: Value,
    rel: &RelationDefinition,
    source: &ModelDefinition,
    key: &Value,
) -> Result<Value> {
    let mut o = match body {
        Value::Object(o) => o,
        Value::Null => Map::new(),
        _ => return Err(crate::repository::not_an_object()),
    };
    o.insert(rel.foreign_key.clone(), key.clone());
    if let Some(d) = &rel.discriminator {
        o.insert(d.clone(), Value::String(source.name.clone()));
    }
    Ok(Value::Object(o))
}

/// Whether a target row is this parent's (its foreign key holds the parent's key).
pub(crate) fn is_related(row: &Row, rel: &RelationDefinition, key: &Value) -> bool {
    row.get(&rel.foreign_key).and_then(|v| key_of(&v)) == key_of(key)
}
