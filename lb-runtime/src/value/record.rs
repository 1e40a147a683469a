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
    /// Fingerprints of the first `FINGERPRINTS` declared properties' scalar values.
    fingerprints: [u64; FINGERPRINTS],
    /// Bit `i`: `fingerprints[i]` is set (the property is present with a scalar value).
    fingerprinted: u8,
    json: OnceLock<bytes::Bytes>,
}

/// How many leading properties get a fingerprint (kept inline: no pointer to chase).
const FINGERPRINTS: usize = 8;

/// A 64-bit fingerprint of a scalar value (strings, numbers, booleans). Equal values have equal
/// fingerprints (numbers compare by value: `5` and `5.0` agree); `None` for other values.
pub fn fingerprint(v: &Value) -> Option<u64> {
    const FNV: u64 = 0xcbf2_9ce4_8422_2325;
    let mix = |seed: u64, bytes: &[u8]| {
        bytes.iter().fold(seed, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        })
    };
    match v {
        Value::String(s) => Some(mix(FNV, s.as_bytes())),
        Value::Number(n) => {
            let f = n.as_f64()?;
            let f = if f == 0.0 { 0.0 } else { f };
            Some(mix(FNV ^ 0x9e37_79b9_7f4a_7c15, &f.to_bits().to_le_bytes()))
        }
        Value::Bool(b) => Some(mix(FNV ^ 0x51_7cc1_b727_220a, &[u8::from(*b)])),
        _ => None,
    }
}

impl Clone for Record {
    fn clone(&self) -> Self {
        Record {
            data: self.data.clone(),
            layout: self.layout,
            layout_known: self.layout_known,
            fingerprints: self.fingerprints,
            fingerprinted: self.fingerprinted,
            json: OnceLock::new(),
        }
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
        Record {
            data,
            layout: 0,
            layout_known: false,
            fingerprints: [0; FINGERPRINTS],
            fingerprinted: 0,
            json: OnceLock::new(),
        }
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
            known = data
                .keys()
                .skip(declared)
                .all(|k| def.property_index(k).is_none());
        }
        let mut r = Record::new(data);
        r.layout = layout;
        r.layout_known = known;
        if known {
            let mut values = r.data.values();
            for i in 0..def.properties.len().min(FINGERPRINTS) {
                if layout & (1 << i) == 0 {
                    continue;
                }
                if let Some(fp) = values.next().and_then(fingerprint) {
                    r.fingerprints[i] = fp;
                    r.fingerprinted |= 1 << i;
                }
            }
        }
        r
    }

    /// `true` when the record cannot equal a value with fingerprint `fp` at declared property
    /// `index` (absent, or present with another fingerprint); `false` when it may.
    #[inline]
    pub fn fingerprint_differs(&self, index: usize, fp: u64) -> bool {
        if !self.layout_known || index >= FINGERPRINTS {
            return false;
        }
        if self.layout & (1 << index) == 0 {
            return true;
        }
        self.fingerprinted & (1 << index) != 0 && self.fingerprints[index] != fp
    }

    /// Whether the keys are in canonical order (positional lookups apply).
    pub fn is_canonical(&self) -> bool {
        self.layout_known
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

    /// The REST JSON like [`Record::rest_json`], without filling the cache when it is empty
    /// (a freshly written row is answered once; caching it would only cost memory).
    pub fn rest_json_uncached(&self, hidden: &[String]) -> bytes::Bytes {
        match self.json.get() {
            Some(b) => b.clone(),
            None => serde_json::to_vec(&WithoutHidden {
                row: &self.data,
                hidden,
            })
            .unwrap_or_default()
            .into(),
        }
    }

    /// The REST JSON of the record without the `hidden` properties, serialized once.
    /// Callers pass the same model's hidden list every time.
    pub fn rest_json(&self, hidden: &[String]) -> &bytes::Bytes {
        self.json.get_or_init(|| {
            serde_json::to_vec(&WithoutHidden {
                row: &self.data,
                hidden,
            })
            .unwrap_or_default()
            .into()
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
        let Value::Object(o) = json!({"a": "x", "c": "z", "id": 1, "extra": true}) else {
            unreachable!()
        };
        let r = Record::canonical(&def, o);
        assert_eq!(r.get_at("a", Some(0)), Some(&json!("x")));
        assert_eq!(r.get_at("b", Some(1)), None);
        assert_eq!(r.get_at("c", Some(2)), Some(&json!("z")));
        assert_eq!(r.get_at("id", Some(3)), Some(&json!(1)));
        assert_eq!(r.get_at("extra", None), Some(&json!(true)));
        // fingerprints: a differing value or an absent property cannot match; equal may
        assert!(r.fingerprint_differs(0, fingerprint(&json!("y")).unwrap()));
        assert!(!r.fingerprint_differs(0, fingerprint(&json!("x")).unwrap()));
        assert!(r.fingerprint_differs(1, fingerprint(&json!(5)).unwrap()));
        assert!(
            !r.fingerprint_differs(3, fingerprint(&json!(1.0)).unwrap()),
            "1 and 1.0 agree"
        );
        // out of canonical order: falls back to names
        let Value::Object(o) = json!({"c": "z", "a": "x"}) else {
            unreachable!()
        };
        let r = Record::canonical(&def, o);
        assert_eq!(r.get_at("a", Some(0)), Some(&json!("x")));
        assert_eq!(r.get_at("c", Some(2)), Some(&json!("z")));
    }
}
