//! `Record`: a stored instance — its JSON object plus two things that make reads cheap:
//! which declared properties it has (so a filter finds a property by position, without
//! comparing key strings) and its serialized REST JSON (written once, copied on every read).

use std::ops::Deref;
use std::sync::OnceLock;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::Object;
use crate::model::ModelDefinition;

/// An instance as connectors return it. Dereferences to its JSON [`Object`].
#[derive(Debug, Default)]
pub struct Record {
    data: Object,
    /// Bit `i` set: declared property `i` is present; valid when `layout_known`.
    layout: u64,
    layout_known: bool,
    json: OnceLock<Box<[u8]>>,
}

impl Clone for Record {
    fn clone(&self) -> Self {
        Record { data: self.data.clone(), layout: self.layout, layout_known: self.layout_known, json: OnceLock::new() }
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
    }
}

impl Deref for Record {
    type Target = Object;
    fn deref(&self) -> &Object {
        &self.data
    }
}

impl From<Object> for Record {
    fn from(data: Object) -> Self {
        Record::new(data)
    }
}

impl Record {
    /// A record with no layout knowledge (properties are found by name).
    pub fn new(data: Object) -> Self {
        Record { data, layout: 0, layout_known: false, json: OnceLock::new() }
    }

    /// A record whose keys are in the model's canonical order (declared properties in
    /// definition order, then dynamic ones); lookups by property index need no key compare.
    pub fn canonical(def: &ModelDefinition, data: Object) -> Self {
        let mut layout = 0u64;
        let mut known = def.properties.len() <= 64;
        if known {
            let mut keys = data.keys();
            let mut next = keys.next();
            for (i, p) in def.properties.iter().enumerate() {
                if next.is_some_and(|k| *k == p.name) {
                    layout |= 1 << i;
                    next = keys.next();
                }
            }
            // every remaining key must be dynamic (not a declared property out of order)
            let declared = layout.count_ones() as usize;
            known = data.keys().skip(declared).all(|k| def.property_index(k).is_none());
        }
        Record { data, layout, layout_known: known, json: OnceLock::new() }
    }

    /// The JSON object.
    pub fn object(&self) -> &Object {
        &self.data
    }

    /// The JSON object, taken out.
    pub fn into_object(self) -> Object {
        self.data
    }

    /// A property value; `index` is the property's position in the model definition when
    /// known (then no key is compared).
    #[inline]
    pub fn get_at(&self, name: &str, index: Option<usize>) -> Option<&Value> {
        if let (true, Some(i)) = (self.layout_known, index) {
            if i < 64 {
                if self.layout & (1 << i) == 0 {
                    return None;
                }
                let pos = (self.layout & ((1u64 << i) - 1)).count_ones() as usize;
                return self.data.iter().nth(pos).map(|(_, v)| v);
            }
        }
        crate::filter::eval::get(&self.data, name)
    }

    /// The REST JSON of the record without the `hidden` properties, serialized once.
    /// Callers pass the same model's hidden list every time.
    pub fn rest_json(&self, hidden: &[String]) -> &[u8] {
        self.json.get_or_init(|| {
            serde_json::to_vec(&WithoutHidden { row: &self.data, hidden }).unwrap_or_default().into_boxed_slice()
        })
    }
}

/// Serializes an object without some keys.
pub struct WithoutHidden<'a> {
    /// The object.
    pub row: &'a Object,
    /// Keys to leave out.
    pub hidden: &'a [String],
}

impl Serialize for WithoutHidden<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.hidden.is_empty() {
            return self.row.serialize(s);
        }
        let mut m = s.serialize_map(None)?;
        for (k, v) in self.row {
            if !self.hidden.iter().any(|h| h == k) {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DataType, ModelDefinition};
    use serde_json::json;

    #[test]
    fn positional_lookup_matches_named_lookup() {
        let def = ModelDefinition::builder("T")
            .property("a", DataType::String, |p| p)
            .property("b", DataType::Number, |p| p)
            .property("c", DataType::String, |p| p)
            .build();
        let Value::Object(o) = json!({"a": "x", "c": "z", "id": 1, "extra": true}) else { unreachable!() };
        let r = Record::canonical(&def, o);
        assert_eq!(r.get_at("a", Some(0)), Some(&json!("x")));
        assert_eq!(r.get_at("b", Some(1)), None);
        assert_eq!(r.get_at("c", Some(2)), Some(&json!("z")));
        assert_eq!(r.get_at("id", Some(3)), Some(&json!(1)));
        assert_eq!(r.get_at("extra", None), Some(&json!(true)));
        // out of canonical order: falls back to names
        let Value::Object(o) = json!({"c": "z", "a": "x"}) else { unreachable!() };
        let r = Record::canonical(&def, o);
        assert_eq!(r.get_at("a", Some(0)), Some(&json!("x")));
        assert_eq!(r.get_at("c", Some(2)), Some(&json!("z")));
    }
}
