//! JSON values of the model <-> bound SQL arguments, by the property's LoopBack type.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::statement::Arg;
use super::Dialect;
use crate::model::DataType;
use crate::value::{date, js};

/// The argument that stores `v` in a column of type `t` (writes: values are already coerced
/// by the repository; anything else is stored as JSON in JSON columns or as its text).
pub(super) fn write_arg(d: Dialect, t: &DataType, v: &Value) -> Arg {
    if v.is_null() {
        return Arg::Null;
    }
    match t {
        DataType::String => Arg::Text(match v {
            Value::String(s) => s.clone(),
            other => js::to_js_string(other),
        }),
        DataType::Integer | DataType::Number | DataType::Boolean | DataType::Date => {
            scalar_arg(d, t, v).unwrap_or(Arg::Null)
        }
        _ => json_arg(d, v),
    }
}

/// The argument a condition compares a column of type `t` with; `None` when `v` cannot be a
/// value of that type (the comparison is false, as in JavaScript).
pub(super) fn scalar_arg(d: Dialect, t: &DataType, v: &Value) -> Option<Arg> {
    if d == Dialect::Postgres && has_nul(v) {
        // PostgreSQL text and jsonb cannot hold U+0000: no stored value equals this one
        return None;
    }
    match t {
        DataType::String => Some(Arg::Text(match v {
            Value::String(s) => s.clone(),
            Value::Null => return None,
            other => js::to_js_string(other),
        })),
        DataType::Integer | DataType::Number => {
            let f = match v {
                Value::Bool(b) => f64::from(u8::from(*b)),
                Value::Number(_) | Value::String(_) => js::to_number(v)?,
                _ => return None,
            };
            if !f.is_finite() {
                return None;
            }
            Some(number_arg(f))
        }
        DataType::Boolean => match v {
            Value::Bool(b) => Some(Arg::Bool(*b)),
            Value::Number(n) => match n.as_f64() {
                Some(0.0) => Some(Arg::Bool(false)),
                Some(1.0) => Some(Arg::Bool(true)),
                _ => None,
            },
            Value::String(s) if s == "true" => Some(Arg::Bool(true)),
            Value::String(s) if s == "false" => Some(Arg::Bool(false)),
            _ => None,
        },
        DataType::Date => {
            let ms = date::parse_value(v)?;
            Some(date_arg(d, ms)?)
        }
        _ => Some(json_arg(d, v)),
    }
}

/// A value inside a JSON document compared as a SQL scalar (SQLite, MySQL) or as `jsonb`.
pub(super) fn path_arg(d: Dialect, v: &Value) -> Option<Arg> {
    if d == Dialect::Postgres {
        if has_nul(v) {
            return None;
        }
        return Some(Arg::Json(v.clone()));
    }
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(if d == Dialect::Mysql {
            Arg::Text(b.to_string())
        } else {
            Arg::Bool(*b)
        }),
        Value::Number(n) => Some(number_arg(n.as_f64()?)),
        Value::String(s) => Some(Arg::Text(s.clone())),
        _ => None,
    }
}

fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(a) => a.iter().any(has_nul),
        Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// `Int` for integral values, else `Float`.
pub(super) fn number_arg(f: f64) -> Arg {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Arg::Int(f as i64)
    } else {
        Arg::Float(f)
    }
}

/// A date: ISO text on SQLite (it sorts chronologically), a timestamp elsewhere.
fn date_arg(d: Dialect, ms: i64) -> Option<Arg> {
    Some(match d {
        Dialect::Sqlite => Arg::Text(date::format_millis(ms)),
        _ => Arg::Date(DateTime::<Utc>::from_timestamp_millis(ms)?),
    })
}

/// A JSON document: `jsonb` on PostgreSQL, its text elsewhere.
pub(super) fn json_arg(d: Dialect, v: &Value) -> Arg {
    match d {
        Dialect::Postgres => Arg::Json(v.clone()),
        _ => Arg::Text(v.to_string()),
    }
}

/// A timestamp read from the database, in LoopBack's format.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(super) fn date_value(t: DateTime<Utc>) -> Value {
    Value::String(date::format_millis(t.timestamp_millis()))
}
