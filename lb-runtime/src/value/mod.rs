//! JSON values with LoopBack's (JavaScript's) semantics: numbers, dates, GeoPoints,
//! loose equality and ordering, and coercion by declared property type.

pub(crate) mod date;
mod geo;
pub(crate) mod js;
pub(crate) mod path;
mod record;
mod slot;
pub(crate) mod write;

pub use geo::{DistanceUnit, GeoPoint};
pub use record::Record;
pub(crate) use record::WithoutHidden;
pub use slot::Slot;

/// A JSON object: the representation of a model instance (a row) inside lb.
pub type Object = serde_json::Map<String, serde_json::Value>;
