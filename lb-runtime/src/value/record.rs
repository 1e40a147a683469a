//! `Record`: a stored instance. Rows of a model's own table are compact — one [`Slot`] per
//! declared property, by position, with the key names shared from the `ModelDefinition`, plus a
//! map only for dynamic properties — so a row costs a few hundred bytes and a filter reads a
//! property by index. Any other object (a `fields` projection, a foreign row) is kept as its
//! JSON object. Either way the serialized REST JSON is cached once a list read made it.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::slot::Slot;
use super::Object;
use crate::model::ModelDefinition;

/// An instance as connectors return it.
#[derive(Debug, Default)]
pub struct Record {
    repr: Repr,
    json: OnceLock<bytes::Bytes>,
}

#[derive(Debug, Clone)]
enum Repr {
    /// Any JSON object, keys in its own order.
    Object(Box<Object>),
    /// A row in its model's layout.
    Compact {
        def: &'static ModelDefinition,
        /// One slot per declared property, in definition order.
        slots: Box<[Slot]>,
        /// Dynamic (undeclared) properties in insertion order.
        extra: Option<Box<Object>>,
    },
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Object(Box::default())
    }
}

impl Clone for Record {
    fn clone(&self) -> Self {
        Record {
            repr: self.repr.clone(),
            json: OnceLock::new(),
        }
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Self) -> bool {
        self.to_object() == other.to_object()
    }
}

impl From<Object> for Record {
    fn from(data: Object) -> Self {
        Record::new(data)
    }
}

impl Record {
    /// A record kept as the object it is (properties found by name).
    pub fn new(data: Object) -> Self {
        Record {
            repr: Repr::Object(Box::new(data)),
            json: OnceLock::new(),
        }
    }

    /// A row in `def`'s layout: declared properties in definition order (LoopBack's key order
    /// for an instance, an injected id after the declared ones), then dynamic ones in the order
    /// given.
    pub fn compact(def: &'static ModelDefinition, data: Object) -> Self {
        let mut slots: Box<[Slot]> = vec![Slot::Absent; def.properties.len()].into();
        let mut extra = Object::new();
        let mut next = 0;
        for (k, v) in data {
            // the usual case: keys already in definition order, found without a search
            let index = match def.properties.get(next) {
                Some(p) if p.name == k => Some(next),
                _ => def.property_index(&k),
            };
            match index {
                Some(i) => {
                    slots[i] = Slot::from_value(v);
                    next = i + 1;
                }
                None => {
                    extra.insert(k, v);
                }
            }
        }
        Record {
            repr: Repr::Compact {
                def,
                slots,
                extra: (!extra.is_empty()).then(|| Box::new(extra)),
            },
            json: OnceLock::new(),
        }
    }

    /// Whether declared property `index` equals the scalar `x`, answered from a compact
    /// record's slot without building a value: an absent property or a scalar of another kind
    /// is not equal, numbers compare by value (`1` and `1.0` agree). `None` when the slot
    /// cannot tell (null, arrays, objects, a plain record): evaluate the condition instead.
    #[inline]
    pub fn slot_equals(&self, index: usize, x: &Value) -> Option<bool> {
        let Repr::Compact { slots, .. } = &self.repr else {
            return None;
        };
        Some(match (slots.get(index)?, x) {
            (Slot::Absent, _) => false,
            (Slot::Str(s), Value::String(t)) => **s == **t,
            (Slot::Number(n), Value::Number(m)) => n == m || n.as_f64() == m.as_f64(),
            (Slot::Bool(b), Value::Bool(c)) => b == c,
            (Slot::Str(_) | Slot::Number(_) | Slot::Bool(_), _) => false,
            _ => return None,
        })
    }

    /// The record as a JSON object.
    pub fn to_object(&self) -> Object {
        match &self.repr {
            Repr::Object(o) => (**o).clone(),
            Repr::Compact { def, slots, extra } => {
                let n = slots.len() + extra.as_ref().map_or(0, |e| e.len());
                let mut o = Object::with_capacity(n);
                for (p, s) in def.properties.iter().zip(slots.iter()) {
                    if let Some(v) = s.value() {
                        o.insert(p.name.clone(), v.into_owned());
                    }
                }
                if let Some(e) = extra {
                    o.extend(e.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                o
            }
        }
    }

    /// The record as a JSON object, taken out.
    pub fn into_object(self) -> Object {
        match self.repr {
            Repr::Object(o) => *o,
            Repr::Compact { def, slots, extra } => {
                let n = slots.len() + extra.as_ref().map_or(0, |e| e.len());
                let mut o = Object::with_capacity(n);
                for (p, s) in def.properties.iter().zip(slots.into_vec()) {
                    if let Some(v) = s.into_value() {
                        o.insert(p.name.clone(), v);
                    }
                }
                if let Some(e) = extra {
                    o.extend(*e);
                }
                o
            }
        }
    }

    /// Whether every property name of the record satisfies `keep`.
    pub fn all_keys(&self, mut keep: impl FnMut(&str) -> bool) -> bool {
        match &self.repr {
            Repr::Object(o) => o.keys().all(|k| keep(k)),
            Repr::Compact { def, slots, extra } => {
                def.properties
                    .iter()
                    .zip(slots.iter())
                    .all(|(p, s)| !s.is_present() || keep(&p.name))
                    && extra.as_ref().is_none_or(|e| e.keys().all(|k| keep(k)))
            }
        }
    }

    /// A property value by name (a dotted name reads nested objects and arrays); `None` is
    /// `undefined`.
    pub fn get(&self, name: &str) -> Option<Cow<'_, Value>> {
        match &self.repr {
            Repr::Object(o) => super::path::get(o, name).map(Cow::Borrowed),
            Repr::Compact { def, .. } => self.get_at(name, def.property_index(name)),
        }
    }

    /// A property value; `index` is the property's position in the model definition when
    /// known (then no key is compared).
    #[inline]
    pub fn get_at(&self, name: &str, index: Option<usize>) -> Option<Cow<'_, Value>> {
        match &self.repr {
            Repr::Object(o) => super::path::get(o, name).map(Cow::Borrowed),
            Repr::Compact { def, slots, extra } => {
                // a caller without a precomputed position (a where built at run time)
                let index = index.or_else(|| def.property_index(name));
                if let Some(s) = index.and_then(|i| slots.get(i)) {
                    return s.value();
                }
                if let Some(v) = extra.as_ref().and_then(|e| e.get(name)) {
                    return Some(Cow::Borrowed(v));
                }
                let (head, rest) = name.split_once('.')?;
                let top = match def.property_index(head) {
                    Some(i) => slots[i].value()?,
                    None => Cow::Borrowed(extra.as_ref()?.get(head)?),
                };
                match top {
                    Cow::Borrowed(v) => super::path::nested(v, rest).map(Cow::Borrowed),
                    Cow::Owned(v) => super::path::nested(&v, rest).cloned().map(Cow::Owned),
                }
            }
        }
    }

    /// The REST JSON like [`Record::rest_json`], without filling the cache when it is empty
    /// (a freshly written row is answered once; caching it would only cost memory).
    pub fn rest_json_uncached(&self, hidden: &[String]) -> bytes::Bytes {
        match self.json.get() {
            Some(b) => b.clone(),
            None => self.serialize_without(hidden),
        }
    }

    /// The REST JSON of the record without the `hidden` properties, serialized once.
    /// Callers pass the same model's hidden list every time.
    pub fn rest_json(&self, hidden: &[String]) -> &bytes::Bytes {
        self.json.get_or_init(|| self.serialize_without(hidden))
    }

    fn serialize_without(&self, hidden: &[String]) -> bytes::Bytes {
        serde_json::to_vec(&WithoutHidden { row: self, hidden })
            .unwrap_or_default()
            .into()
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WithoutHidden {
            row: self,
            hidden: &[],
        }
        .serialize(s)
    }
}

/// Serializes a record without some keys.
pub(crate) struct WithoutHidden<'a> {
    /// The record.
    pub row: &'a Record,
    /// Keys to leave out.
    pub hidden: &'a [String],
}

impl Serialize for WithoutHidden<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let shown = |k: &str| !self.hidden.iter().any(|h| h == k);
        match &self.row.repr {
            Repr::Object(o) if self.hidden.is_empty() => o.serialize(s),
            Repr::Object(o) => {
                let mut m = s.serialize_map(None)?;
                for (k, v) in o.iter().filter(|(k, _)| shown(k)) {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Repr::Compact { def, slots, extra } => {
                let mut m = s.serialize_map(None)?;
                for (p, v) in def.properties.iter().zip(slots.iter()) {
                    if v.is_present() && shown(&p.name) {
                        m.serialize_entry(&p.name, v)?;
                    }
                }
                for (k, v) in extra.iter().flat_map(|e| e.iter()) {
                    if shown(k) {
                        m.serialize_entry(k, v)?;
                    }
                }
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DataType, ModelDefinition};
    use serde_json::json;

    fn object(v: Value) -> Object {
        match v {
            Value::Object(o) => o,
            _ => unreachable!(),
        }
    }

    #[test]
    fn compact_rows_keep_values_and_key_order() {
        let def: &'static ModelDefinition = Box::leak(Box::new(
            ModelDefinition::builder("T")
                .property("a", DataType::String, |p| p)
                .property("b", DataType::Number, |p| p)
                .property("c", DataType::String, |p| p.hidden())
                .build(),
        ));
        // keys out of order, a dynamic property, an id injected after the declared ones
        let given = json!({"extra": true, "c": "z", "a": "x", "id": 1});
        let r = Record::compact(def, object(given));
        assert_eq!(r.get_at("a", Some(0)).as_deref(), Some(&json!("x")));
        assert_eq!(r.get_at("b", Some(1)), None);
        assert_eq!(r.get("c").as_deref(), Some(&json!("z")));
        assert_eq!(r.get("id").as_deref(), Some(&json!(1)));
        assert_eq!(r.get("extra").as_deref(), Some(&json!(true)));
        let keys: Vec<String> = r.to_object().keys().cloned().collect();
        assert_eq!(
            keys,
            ["a", "c", "id", "extra"],
            "declared order, then dynamic"
        );
        assert_eq!(
            &r.rest_json(def.hidden())[..],
            br#"{"a":"x","id":1,"extra":true}"#,
            "hidden properties never serialized"
        );
        assert_eq!(r.clone().into_object(), r.to_object());
        assert!(r.all_keys(|k| k != "b"));
        assert!(!r.all_keys(|k| k != "extra"));
        // equality from the slots: a differing value, another kind or an absent property
        // is not equal
        assert_eq!(r.slot_equals(0, &json!("y")), Some(false));
        assert_eq!(r.slot_equals(0, &json!("x")), Some(true));
        assert_eq!(r.slot_equals(0, &json!(5)), Some(false));
        assert_eq!(r.slot_equals(1, &json!(5)), Some(false));
        assert_eq!(r.slot_equals(3, &json!(1.0)), Some(true), "1 and 1.0 agree");
        assert_eq!(r.slot_equals(3, &json!(2)), Some(false));
        // dotted names read nested values of compact and plain rows alike
        let nested = json!({"a": "x", "o": {"p": [10, {"q": 2}]}});
        let r = Record::compact(def, object(nested.clone()));
        assert_eq!(r.get("o.p.1.q").as_deref(), Some(&json!(2)));
        let plain = Record::new(object(nested));
        assert_eq!(plain.get("o.p.0").as_deref(), Some(&json!(10)));
        assert_eq!(
            plain.slot_equals(0, &json!("x")),
            None,
            "plain rows are evaluated"
        );
    }
}
