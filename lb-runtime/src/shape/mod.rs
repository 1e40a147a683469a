//! LoopBack's `toJSON`: how a model instance looks in an answer. The one place that knows the
//! rules; every answer kind (rows, hooked results, relation rows, includes, remote-method
//! results holding instances, change-stream events) is shaped here.
//!
//! * At the top level of an answer, hidden properties are left out.
//! * Nested in another instance (an include, an embedded relation), hidden *and* protected
//!   properties are left out.
//! * Unset properties are left out (a stored `null` stays `null`); a typed value's `None`
//!   field is unset ([`unset_left_out`]).
//!
//! Repositories carry raw rows; whoever puts a row into an answer — the output stage, an
//! include embedding related rows, change publishing (so notification payloads never carry
//! a hidden property) — shapes it here; no other module removes properties.

use serde_json::{Map, Value};

use crate::connector::Row;
use crate::model::ModelDefinition;
use crate::value::{Object, WithoutHidden};

/// Where an instance appears in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// The answer itself, or an element of the answer's list.
    Top,
    /// Inside another instance (includes).
    Nested,
}

fn left_out(def: &ModelDefinition, level: Level) -> impl Fn(&str) -> bool + '_ {
    move |k| match level {
        Level::Top => def.is_hidden(k),
        Level::Nested => def.property(k).is_some_and(|p| p.hidden || p.protected),
    }
}

/// Whether shaping at `level` can remove anything from an instance of `def`.
fn removes_any(def: &ModelDefinition, level: Level) -> bool {
    match level {
        Level::Top => !def.hidden().is_empty(),
        Level::Nested => def.properties.iter().any(|p| p.hidden || p.protected),
    }
}

/// An instance's JSON object shaped in place.
pub(crate) fn object(def: &ModelDefinition, o: &mut Map<String, Value>, level: Level) {
    if removes_any(def, level) {
        let out = left_out(def, level);
        o.retain(|k, _| !out(k));
    }
}

/// A value holding instances of `def` shaped in place: an instance, a list of them, or
/// `null`. Other values are left as they are.
pub(crate) fn value(def: &ModelDefinition, v: &mut Value, level: Level) {
    match v {
        Value::Object(o) => object(def, o, level),
        Value::Array(items) => items.iter_mut().for_each(|x| value(def, x, level)),
        _ => {}
    }
}

/// A row as it appears at `level`.
pub(crate) fn row(def: &ModelDefinition, row: &Row, level: Level) -> Value {
    let mut o: Object = row.to_object();
    object(def, &mut o, level);
    Value::Object(o)
}

/// Serializes a top-level row without its hidden properties (no intermediate JSON value).
pub(crate) fn top_serializer<'a>(def: &'a ModelDefinition, row: &'a Row) -> WithoutHidden<'a> {
    WithoutHidden {
        row,
        hidden: def.hidden(),
    }
}

/// A typed value (a `#[derive(Model)]` struct, a list of them) as an instance: its `None`
/// fields (JSON `null`) are unset, so they are left out, as the built-in methods leave out
/// unset properties.
pub(crate) fn unset_left_out(v: &mut Value) {
    match v {
        Value::Object(o) => o.retain(|_, x| !x.is_null()),
        Value::Array(items) => items.iter_mut().for_each(unset_left_out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DataType;
    use serde_json::json;

    fn def() -> &'static ModelDefinition {
        Box::leak(Box::new(
            ModelDefinition::builder("Thing")
                .property("name", DataType::String, |p| p)
                .property("secret", DataType::String, |p| p.hidden())
                .property("note", DataType::String, |p| p.protected())
                .build(),
        ))
    }

    #[test]
    fn top_level_hides_hidden_and_keeps_protected() {
        let mut v = json!([{"id": 1, "name": "a", "secret": "s", "note": "n"}, null]);
        value(def(), &mut v, Level::Top);
        assert_eq!(v, json!([{"id": 1, "name": "a", "note": "n"}, null]));
    }

    #[test]
    fn nested_hides_hidden_and_protected() {
        let mut v = json!({"id": 1, "name": "a", "secret": "s", "note": "n"});
        value(def(), &mut v, Level::Nested);
        assert_eq!(v, json!({"id": 1, "name": "a"}));
    }

    #[test]
    fn typed_none_fields_are_unset() {
        let mut v = json!([{"id": 1, "name": null, "tags": []}]);
        unset_left_out(&mut v);
        assert_eq!(v, json!([{"id": 1, "tags": []}]));
    }
}
