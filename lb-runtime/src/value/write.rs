//! Coercion of written values (request bodies, typed API data) by declared property type.
//!
//! Follows LoopBack 3's juggler, except where COMPAT.md says to do better: a number property
//! given a non-numeric string, an invalid date and an invalid GeoPoint are validation errors
//! (422) instead of a silent `null` or a 500.

use serde_json::Value;

use super::{date, js, GeoPoint};
use crate::model::DataType;

/// Why a value could not be coerced.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Invalid {
    /// A 422 validation failure: code, message, and how to print the value (None = as JSON).
    Validation {
        /// LoopBack code (`numericality.number`).
        code: &'static str,
        /// LoopBack message (`is not a number`).
        message: &'static str,
        /// Literal to print instead of the value (`Invalid Date`).
        literal: Option<&'static str>,
    },
    /// A 400 error with this message (LoopBack's List errors).
    BadRequest(String),
}

fn invalid(code: &'static str, message: &'static str, literal: Option<&'static str>) -> Invalid {
    Invalid::Validation {
        code,
        message,
        literal,
    }
}

/// Like [`coerce`], handing the original value back with the error (for the message). Types
/// whose coercion cannot fail keep no copy.
pub(crate) fn coerce_keep(t: &DataType, v: Value) -> Result<Value, (Invalid, Value)> {
    match t {
        DataType::String | DataType::Any | DataType::Object | DataType::Boolean => {
            coerce(t, v).map_err(|e| (e, Value::Null))
        }
        DataType::GeoPoint if is_plain_geopoint(&v) => Ok(v),
        _ => {
            let original = v.clone();
            coerce(t, v).map_err(|e| (e, original))
        }
    }
}

/// Coerces `v` to `t`. `null` stays `null` for every type.
pub(crate) fn coerce(t: &DataType, v: Value) -> Result<Value, Invalid> {
    if v.is_null() {
        return Ok(v);
    }
    match t {
        DataType::Any | DataType::Object => Ok(v),
        DataType::String => Ok(match v {
            Value::String(_) => v,
            other => Value::String(js::to_js_string(&other)),
        }),
        DataType::Number | DataType::Integer => {
            let n = match &v {
                Value::Number(n) => n.as_f64(),
                Value::Object(_) => None,
                other => js::to_number(other),
            };
            match n {
                Some(f) if f.is_finite() => {
                    if *t == DataType::Integer && f.fract() != 0.0 {
                        Err(invalid("numericality.int", "is not an integer", None))
                    } else {
                        Ok(js::number(f))
                    }
                }
                _ => Err(invalid("numericality.number", "is not a number", None)),
            }
        }
        DataType::Boolean => Ok(Value::Bool(match &v {
            Value::String(s) => !matches!(s.as_str(), "false" | "0" | ""),
            other => js::truthy(other),
        })),
        // years 0000–9999 only: the range of RFC 3339 date-times (the documented format) and
        // of SQL timestamp columns
        DataType::Date => match date::parse_value(&v).filter(|ms| date::RFC3339_RANGE.contains(ms))
        {
            Some(ms) => Ok(Value::String(date::format_millis(ms))),
            None => Err(invalid("date", "is not a valid date", Some("Invalid Date"))),
        },
        // already `{"lat": n, "lng": n}` in range: kept as it is (no new object)
        DataType::GeoPoint if is_plain_geopoint(&v) => Ok(v),
        DataType::GeoPoint => match GeoPoint::from_json(&v) {
            Ok(p) => Ok(p.to_json()),
            Err(_) => Err(invalid("geopoint", "is not a valid GeoPoint", None)),
        },
        DataType::Array(item) => {
            let items = match v {
                Value::Array(a) => a,
                Value::String(s) => match serde_json::from_str::<Value>(&s) {
                    Ok(Value::Array(a)) => a,
                    _ => {
                        return Err(Invalid::BadRequest(format!(
                            "could not create List from JSON string: {}",
                            Value::String(s)
                        )))
                    }
                },
                other => {
                    return Err(Invalid::BadRequest(format!(
                        "Items must be an array: {other}"
                    )))
                }
            };
            items
                .into_iter()
                .map(|x| coerce(item, x))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
    }
}

fn is_plain_geopoint(v: &Value) -> bool {
    let Value::Object(o) = v else { return false };
    let mut it = o.iter();
    match (it.next(), it.next(), it.next()) {
        (Some((k1, Value::Number(lat))), Some((k2, Value::Number(lng))), None)
            if k1 == "lat" && k2 == "lng" =>
        {
            lat.as_f64().is_some_and(|f| (-90.0..=90.0).contains(&f))
                && lng.as_f64().is_some_and(|f| (-180.0..=180.0).contains(&f))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_are_stored_within_rfc3339_years() {
        let d = |v: Value| coerce(&DataType::Date, v).map_err(|_| ());
        assert_eq!(
            d(json!("9999-12-31T23:59:59.999Z")),
            Ok(json!("9999-12-31T23:59:59.999Z"))
        );
        assert_eq!(
            d(json!("0000-01-01T00:00:00.000Z")),
            Ok(json!("0000-01-01T00:00:00.000Z"))
        );
        assert_eq!(d(json!("+040779-04-20T02:28:36.106Z")), Err(()));
        assert_eq!(
            d(json!(1224703160916106.0)),
            Err(()),
            "year 40779 in epoch ms"
        );
        assert_eq!(d(json!(-62167219200001i64)), Err(()), "before year 0");
    }

    #[test]
    fn loopback_write_table() {
        assert_eq!(coerce(&DataType::String, json!(5)), Ok(json!("5")));
        assert_eq!(coerce(&DataType::String, json!([1, 2])), Ok(json!("1,2")));
        assert_eq!(coerce(&DataType::Number, json!("12.5")), Ok(json!(12.5)));
        assert_eq!(coerce(&DataType::Number, json!("1e3")), Ok(json!(1000)));
        assert_eq!(coerce(&DataType::Number, json!("")), Ok(json!(0)));
        assert_eq!(coerce(&DataType::Number, json!([3])), Ok(json!(3)));
        assert_eq!(coerce(&DataType::Number, json!(true)), Ok(json!(1)));
        assert!(matches!(
            coerce(&DataType::Number, json!("abc")),
            Err(Invalid::Validation {
                code: "numericality.number",
                ..
            })
        ));
        assert!(matches!(
            coerce(&DataType::Integer, json!(1.5)),
            Err(Invalid::Validation {
                code: "numericality.int",
                ..
            })
        ));
        assert_eq!(coerce(&DataType::Boolean, json!("no")), Ok(json!(true)));
        assert_eq!(coerce(&DataType::Boolean, json!("0")), Ok(json!(false)));
        assert_eq!(
            coerce(&DataType::Date, json!("2020-01-01")),
            Ok(json!("2020-01-01T00:00:00.000Z"))
        );
        assert_eq!(
            coerce(&DataType::Date, json!(0)),
            Ok(json!("1970-01-01T00:00:00.000Z"))
        );
        assert_eq!(
            coerce(&DataType::Array(Box::new(DataType::String)), json!([1, 2])),
            Ok(json!(["1", "2"]))
        );
        assert_eq!(
            coerce(
                &DataType::Array(Box::new(DataType::String)),
                json!("[\"a\"]")
            ),
            Ok(json!(["a"]))
        );
        assert_eq!(
            coerce(&DataType::Array(Box::new(DataType::String)), json!("x")),
            Err(Invalid::BadRequest(
                "could not create List from JSON string: \"x\"".into()
            ))
        );
        assert_eq!(
            coerce(&DataType::GeoPoint, json!("10,20")),
            Ok(json!({"lat":10,"lng":20}))
        );
        assert_eq!(coerce(&DataType::Number, json!(null)), Ok(json!(null)));
    }
}
