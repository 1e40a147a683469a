//! `Slot`: one property value of a stored row in a compact form (24 bytes; strings are one
//! exact-size allocation, canonical GeoPoints none), turned back into JSON on demand.

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Number, Value};

use super::js;

/// A property value as a stored row keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    /// The property is not set (`undefined`).
    Absent,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, exactly as given.
    Number(Number),
    /// A string.
    Str(Box<str>),
    /// `{"lat":..,"lng":..}` whose numbers are in LoopBack's canonical form (`js::number`).
    Geo(f64, f64),
    /// Anything else (arrays, objects), boxed.
    Other(Box<Value>),
}

impl Slot {
    /// The compact form of `v`.
    pub fn from_value(v: Value) -> Slot {
        match v {
            Value::Null => Slot::Null,
            Value::Bool(b) => Slot::Bool(b),
            Value::Number(n) => Slot::Number(n),
            Value::String(s) => Slot::Str(s.into_boxed_str()),
            Value::Object(o) => match canonical_geo(&o) {
                Some((lat, lng)) => Slot::Geo(lat, lng),
                None => Slot::Other(Box::new(Value::Object(o))),
            },
            v @ Value::Array(_) => Slot::Other(Box::new(v)),
        }
    }

    /// The JSON value (`None` when absent); borrowed when the slot holds a `Value`.
    pub fn value(&self) -> Option<Cow<'_, Value>> {
        Some(match self {
            Slot::Absent => return None,
            Slot::Null => Cow::Owned(Value::Null),
            Slot::Bool(b) => Cow::Owned(Value::Bool(*b)),
            Slot::Number(n) => Cow::Owned(Value::Number(n.clone())),
            Slot::Str(s) => Cow::Owned(Value::String(s.to_string())),
            Slot::Geo(lat, lng) => Cow::Owned(geo_json(*lat, *lng)),
            Slot::Other(v) => Cow::Borrowed(v),
        })
    }

    /// The JSON value, taken out.
    pub fn into_value(self) -> Option<Value> {
        match self {
            Slot::Other(v) => Some(*v),
            Slot::Str(s) => Some(Value::String(s.into_string())),
            s => s.value().map(Cow::into_owned),
        }
    }

    /// Whether the property is set.
    pub fn is_present(&self) -> bool {
        !matches!(self, Slot::Absent)
    }
}

fn geo_json(lat: f64, lng: f64) -> Value {
    let mut o = serde_json::Map::with_capacity(2);
    o.insert("lat".into(), js::number(lat));
    o.insert("lng".into(), js::number(lng));
    Value::Object(o)
}

/// `(lat, lng)` when `o` is exactly `{"lat": n, "lng": n}` with numbers that [`js::number`]
/// reproduces (so the slot turns back into the same JSON).
fn canonical_geo(o: &serde_json::Map<String, Value>) -> Option<(f64, f64)> {
    let mut it = o.iter();
    let (Some((k1, Value::Number(a))), Some((k2, Value::Number(b))), None) =
        (it.next(), it.next(), it.next())
    else {
        return None;
    };
    if k1 != "lat" || k2 != "lng" {
        return None;
    }
    let (lat, lng) = (a.as_f64()?, b.as_f64()?);
    let same = |f: f64, n: &Number| matches!(js::number(f), Value::Number(m) if m == *n);
    (same(lat, a) && same(lng, b)).then_some((lat, lng))
}

impl Serialize for Slot {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Slot::Absent | Slot::Null => s.serialize_unit(),
            Slot::Bool(b) => s.serialize_bool(*b),
            Slot::Number(n) => n.serialize(s),
            Slot::Str(x) => s.serialize_str(x),
            Slot::Geo(lat, lng) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("lat", &js::number(*lat))?;
                m.serialize_entry("lng", &js::number(*lng))?;
                m.end()
            }
            Slot::Other(v) => v.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_value_round_trips() {
        for v in [
            json!(null),
            json!(true),
            json!(5),
            json!(5.0),
            json!(-0.5),
            json!(18446744073709551615u64),
            json!("x"),
            json!({"lat": 37.5, "lng": -122}),
            json!({"lat": 37.0, "lng": -122}),
            json!({"lng": 1, "lat": 2}),
            json!({"lat": 1, "lng": 2, "x": 3}),
            json!([1, "a"]),
        ] {
            let s = Slot::from_value(v.clone());
            assert_eq!(s.value().as_deref(), Some(&v), "{v}");
            assert_eq!(serde_json::to_value(&s).unwrap(), v, "{v}");
            assert_eq!(s.clone().into_value(), Some(v.clone()), "{v}");
        }
        assert!(matches!(
            Slot::from_value(json!({"lat": 37.5, "lng": -122})),
            Slot::Geo(..)
        ));
        assert!(
            matches!(
                Slot::from_value(json!({"lat": 37.0, "lng": 1})),
                Slot::Other(_)
            ),
            "37.0 is not the canonical form of 37: kept as given"
        );
        assert_eq!(std::mem::size_of::<Slot>(), 24);
    }
}
