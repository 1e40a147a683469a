//! LoopBack property types and the mapping from Rust types to them.

use std::collections::{BTreeMap, HashMap};

use super::KeyType;
use crate::value::GeoPoint;

/// A LoopBack property type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataType {
    /// `string`
    String,
    /// `number` (floating point)
    Number,
    /// `number`, validated as an integer (Rust integer types)
    Integer,
    /// `boolean`
    Boolean,
    /// `date` (ISO-8601 on the wire, `2020-01-01T00:00:00.000Z`)
    Date,
    /// `GeoPoint` (`{"lat":..,"lng":..}`)
    GeoPoint,
    /// `object` (any JSON object, stored as given)
    Object,
    /// `[T]`
    Array(Box<DataType>),
    /// `any`
    Any,
}

impl DataType {
    /// LoopBack's name of the type (`number`, `[string]`, ...).
    pub fn lb_name(&self) -> String {
        match self {
            DataType::String => "string".into(),
            DataType::Number | DataType::Integer => "number".into(),
            DataType::Boolean => "boolean".into(),
            DataType::Date => "date".into(),
            DataType::GeoPoint => "GeoPoint".into(),
            DataType::Object => "object".into(),
            DataType::Array(t) => format!("[{}]", t.lb_name()),
            DataType::Any => "any".into(),
        }
    }

    /// Parses LoopBack's type names (`"string"`, `"number"`, `"[string]"`, `"array"`...).
    pub fn from_lb_name(name: &str) -> Option<DataType> {
        let n = name.trim();
        if let Some(inner) = n.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            return Some(DataType::Array(Box::new(DataType::from_lb_name(inner)?)));
        }
        Some(match n.to_ascii_lowercase().as_str() {
            "string" => DataType::String,
            "number" => DataType::Number,
            "integer" => DataType::Integer,
            "boolean" => DataType::Boolean,
            "date" => DataType::Date,
            "geopoint" => DataType::GeoPoint,
            "object" => DataType::Object,
            "array" => DataType::Array(Box::new(DataType::Any)),
            "any" => DataType::Any,
            _ => return None,
        })
    }

    /// Whether the type is numeric.
    pub fn is_numeric(&self) -> bool {
        matches!(self, DataType::Number | DataType::Integer)
    }
}

/// A Rust type that can be a model property: it knows its LoopBack type.
///
/// Implemented for strings, numbers, `bool`, `chrono::DateTime<Utc>`, [`GeoPoint`],
/// `Vec<T>`, `Option<T>` (optional, nullable), `serde_json::Value` (any) and JSON object maps.
/// Nested structs are objects: declare them with `#[property(type = "object")]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported model property type",
    label = "unsupported property type",
    note = "supported: String, integers, floats, bool, chrono::DateTime<Utc>, lb::GeoPoint, Vec<T>, Option<T>, serde_json::Value, JSON maps",
    note = "for a nested serde struct add `#[property(type = \"object\")]` to the field"
)]
pub trait PropertyValue {
    /// The LoopBack type.
    fn data_type() -> DataType;
    /// The type as relation keys compare it (compile-time checks of `#[derive(Model)]`);
    /// `any` unless said otherwise.
    #[doc(hidden)]
    const KEY_TYPE: KeyType = KeyType::ANY;
    /// `true` for `Option<T>`: the property may be absent or null.
    fn optional() -> bool {
        false
    }
}

macro_rules! property_value {
    ($dt:expr, $kt:expr => $($t:ty),*) => {$(
        impl PropertyValue for $t {
            fn data_type() -> DataType { $dt }
            const KEY_TYPE: KeyType = $kt;
        }
    )*};
}
property_value!(DataType::String, KeyType::STRING => String, Box<str>, std::sync::Arc<str>);
property_value!(DataType::Integer, KeyType::NUMBER => i8, i16, i32, i64, u8, u16, u32, u64, isize, usize);
property_value!(DataType::Number, KeyType::NUMBER => f32, f64);
property_value!(DataType::Boolean, KeyType::BOOLEAN => bool);
property_value!(DataType::Date, KeyType::DATE => chrono::DateTime<chrono::Utc>);
property_value!(DataType::GeoPoint, KeyType::OTHER => GeoPoint);
property_value!(DataType::Any, KeyType::ANY => serde_json::Value);
property_value!(DataType::Object, KeyType::OTHER => serde_json::Map<String, serde_json::Value>);

impl<V> PropertyValue for HashMap<String, V> {
    fn data_type() -> DataType {
        DataType::Object
    }
    const KEY_TYPE: KeyType = KeyType::OTHER;
}
impl<V> PropertyValue for BTreeMap<String, V> {
    fn data_type() -> DataType {
        DataType::Object
    }
    const KEY_TYPE: KeyType = KeyType::OTHER;
}
impl<T: PropertyValue> PropertyValue for Vec<T> {
    fn data_type() -> DataType {
        DataType::Array(Box::new(T::data_type()))
    }
    const KEY_TYPE: KeyType = T::KEY_TYPE.list();
}
impl<T: PropertyValue> PropertyValue for Option<T> {
    fn data_type() -> DataType {
        T::data_type()
    }
    const KEY_TYPE: KeyType = T::KEY_TYPE;
    fn optional() -> bool {
        true
    }
}
