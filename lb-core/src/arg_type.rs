//! LoopBack's argument and property types (`accepts[].type`, `returns[].type`).

use std::fmt;

/// A LoopBack argument/return type (`accepts[].type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgType {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `integer` (a safe integer).
    Integer,
    /// `boolean`.
    Boolean,
    /// `date`.
    Date,
    /// `object` (also a model name).
    Object,
    /// `array` / `[T]`; the item type when declared.
    Array(Option<Box<ArgType>>),
    /// `any`.
    Any,
    /// `GeoPoint`.
    GeoPoint,
}

impl ArgType {
    /// The spellings [`ArgType::parse`] knows, for messages.
    pub const NAMES: &'static str =
        "string, number, integer, boolean, date, object, array, [T], any, GeoPoint";

    /// Parses LoopBack's spelling, case-insensitively as strong-remoting does (`"number"`,
    /// `"String"`, `"[string]"`, `"GeoPoint"`); `None` if unknown.
    pub fn parse(s: &str) -> Option<ArgType> {
        let t = s.trim();
        if let Some(inner) = t.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            return Some(ArgType::Array(Some(Box::new(ArgType::parse(inner)?))));
        }
        Some(match t.to_ascii_lowercase().as_str() {
            "string" => ArgType::String,
            "number" => ArgType::Number,
            "integer" => ArgType::Integer,
            "boolean" => ArgType::Boolean,
            "date" => ArgType::Date,
            "object" => ArgType::Object,
            "array" => ArgType::Array(None),
            "any" => ArgType::Any,
            "geopoint" => ArgType::GeoPoint,
            _ => return None,
        })
    }

    /// An array of `item`.
    pub fn array_of(item: ArgType) -> ArgType {
        ArgType::Array(Some(Box::new(item)))
    }

    /// Whether a value of this type can come from one string (a path segment or a header).
    pub fn is_scalar(&self) -> bool {
        !matches!(self, ArgType::Object | ArgType::Array(_))
    }
}

impl fmt::Display for ArgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgType::String => f.write_str("string"),
            ArgType::Number => f.write_str("number"),
            ArgType::Integer => f.write_str("integer"),
            ArgType::Boolean => f.write_str("boolean"),
            ArgType::Date => f.write_str("date"),
            ArgType::Object => f.write_str("object"),
            ArgType::Array(None) => f.write_str("array"),
            ArgType::Array(Some(t)) => write!(f, "[{t}]"),
            ArgType::Any => f.write_str("any"),
            ArgType::GeoPoint => f.write_str("GeoPoint"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in [
            "string", "number", "integer", "boolean", "date", "object", "array", "any",
        ] {
            assert_eq!(ArgType::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(ArgType::parse("GeoPoint"), Some(ArgType::GeoPoint));
        assert_eq!(ArgType::parse("String"), Some(ArgType::String));
        assert_eq!(ArgType::parse("[number]").unwrap().to_string(), "[number]");
        assert_eq!(ArgType::parse("[nope]"), None);
        assert_eq!(ArgType::parse("float"), None);
    }
}
