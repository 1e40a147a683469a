//! strong-remoting's argument coercion (spec §7.2): "sloppy" for strings from the query, path,
//! headers and non-JSON bodies; "strict" for values of a JSON body. `Ok(None)` is `undefined`.

use serde_json::Value;

use super::ArgType;
use crate::value::{date, js, GeoPoint};
use crate::{Error, Result};

/// The largest integer a JavaScript number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

fn bad(msg: &str) -> Error {
    Error::bad_request(msg)
}

fn not_a(kind: &str) -> Error {
    bad(&format!("Value is not {kind}."))
}

fn invalid_date(arg: &str) -> Error {
    bad(&format!(
        "Invalid argument \"{arg}\". Value is not a valid date."
    ))
}

/// Coerces a value read from a string source (query, path, header, urlencoded body).
pub(crate) fn sloppy(arg: &str, ty: &ArgType, v: Value) -> Result<Option<Value>> {
    if matches!(&v, Value::String(s) if s.is_empty()) {
        return Ok(None);
    }
    match ty {
        ArgType::String => Ok(Some(Value::String(match v {
            Value::String(s) => s,
            other => js::to_js_string(&other),
        }))),
        ArgType::Number | ArgType::Integer => {
            let f = match &v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) if s.trim() == "null" => None,
                Value::String(s) => js::string_to_number(s),
                Value::Bool(_) | Value::Null => None,
                other => js::to_number(other),
            };
            number(ty, f)
        }
        ArgType::Boolean => match &v {
            Value::Bool(b) => Ok(Some(Value::Bool(*b))),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(Value::Bool(true))),
                "false" | "0" => Ok(Some(Value::Bool(false))),
                _ => Err(not_a("a boolean")),
            },
            Value::Number(n) if n.as_f64() == Some(1.0) => Ok(Some(Value::Bool(true))),
            Value::Number(n) if n.as_f64() == Some(0.0) => Ok(Some(Value::Bool(false))),
            _ => Err(not_a("a boolean")),
        },
        ArgType::Date => {
            let ms = match &v {
                Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
                    .parse::<f64>()
                    .ok()
                    .and_then(|f| date::parse_value(&js::number(f))),
                other => date::parse_value(other),
            };
            ms.map(|ms| Some(Value::String(date::format_millis(ms))))
                .ok_or_else(|| invalid_date(arg))
        }
        ArgType::Object => match v {
            Value::String(s) => {
                let t = s.trim();
                if t == "null" {
                    Ok(Some(Value::Null))
                } else if t.starts_with('{') && t.ends_with('}') {
                    match serde_json::from_str::<Value>(t) {
                        Ok(o @ Value::Object(_)) => Ok(Some(o)),
                        _ => Err(bad("Cannot parse JSON-encoded object value.")),
                    }
                } else {
                    Err(not_a("an object"))
                }
            }
            o @ Value::Object(_) => Ok(Some(o)),
            _ => Err(not_a("an object")),
        },
        ArgType::Array(item) => {
            let items = match v {
                Value::String(s) if s.trim_start().starts_with('[') => {
                    match serde_json::from_str::<Value>(s.trim()) {
                        Ok(Value::Array(a)) => a,
                        _ => return Err(bad("Cannot parse JSON-encoded array value.")),
                    }
                }
                // qs turns `a[0]=x&a[1]=y` into an object only when indexes are sparse
                Value::Array(a) => a,
                other => vec![other],
            };
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                let c = match item.as_deref() {
                    Some(t) => sloppy(arg, t, x)?,
                    None => sloppy(arg, &ArgType::Any, x)?,
                };
                out.push(c.unwrap_or(Value::Null));
            }
            Ok(Some(Value::Array(out)))
        }
        ArgType::Any => Ok(Some(match v {
            Value::String(s) => any_string(s),
            other => other,
        })),
        ArgType::GeoPoint => geo(v).map(Some),
    }
}

/// Coerces a value of a JSON body: types must already match.
pub(crate) fn strict(arg: &str, ty: &ArgType, v: Value) -> Result<Option<Value>> {
    if v.is_null() {
        return Ok(Some(Value::Null));
    }
    match ty {
        ArgType::String => match v {
            s @ Value::String(_) => Ok(Some(s)),
            _ => Err(not_a("a string")),
        },
        ArgType::Number | ArgType::Integer => match &v {
            Value::Number(n) => number(ty, n.as_f64()),
            _ => Err(not_a("a number")),
        },
        ArgType::Boolean => match v {
            b @ Value::Bool(_) => Ok(Some(b)),
            _ => Err(not_a("a boolean")),
        },
        ArgType::Date => match &v {
            Value::Number(_) | Value::String(_) => date::parse_value(&v)
                .map(|ms| Some(Value::String(date::format_millis(ms))))
                .ok_or_else(|| invalid_date(arg)),
            _ => Err(invalid_date(arg)),
        },
        ArgType::Object => match v {
            o @ Value::Object(_) => Ok(Some(o)),
            _ => Err(not_a("an object")),
        },
        ArgType::Array(item) => match v {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    let c = match item.as_deref() {
                        Some(t) => strict(arg, t, x)?,
                        None => Some(x),
                    };
                    out.push(c.unwrap_or(Value::Null));
                }
                Ok(Some(Value::Array(out)))
            }
            _ => Err(not_a("an array")),
        },
        ArgType::Any => Ok(Some(v)),
        ArgType::GeoPoint => geo(v).map(Some),
    }
}

fn number(ty: &ArgType, f: Option<f64>) -> Result<Option<Value>> {
    let f = f.filter(|f| !f.is_nan()).ok_or_else(|| not_a("a number"))?;
    if *ty == ArgType::Integer && !(f.fract() == 0.0 && f.abs() <= MAX_SAFE) {
        return Err(not_a("a safe integer"));
    }
    if !f.is_finite() {
        return Err(not_a("a number"));
    }
    Ok(Some(js::number(f)))
}

/// `any` from a string, as strong-remoting reads it: `null`; `true`/`false` in any case;
/// an integer without leading zeros (`-?(0|[1-9][0-9]*)`) or a decimal (`-?[0-9]*\.[0-9]+`) in
/// the safe range as a number; a JSON object or array parsed; anything else stays a string
/// (`1e3`, `+5`, `007`, `0x10`). Every method's `any` arguments — a built-in's `:id` too —
/// are read with this one rule.
pub(crate) fn any_string(s: String) -> Value {
    if s == "null" {
        return Value::Null;
    }
    if s.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if is_int(&s) || is_float(&s) {
        if let Ok(f) = s.parse::<f64>() {
            if f.abs() <= MAX_SAFE {
                return js::number(f);
            }
        }
    }
    let t = s.trim();
    if (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']')) {
        if let Ok(v) = serde_json::from_str::<Value>(t) {
            return v;
        }
    }
    Value::String(s)
}

/// `^-?(?:[0-9]|[1-9][0-9]*)$`
fn is_int(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    match d.as_bytes() {
        [b'0'..=b'9'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// `^-?([0-9]+)?\.[0-9]+$`
fn is_float(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    match d.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && !frac.is_empty()
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// A GeoPoint from any of its forms, with LoopBack's messages.
fn geo(v: Value) -> Result<Value> {
    if let Value::String(s) = &v {
        let t = s.trim();
        if t.starts_with('{') || t.starts_with('[') {
            if let Ok(parsed) = serde_json::from_str::<Value>(t) {
                return geo(parsed);
            }
        }
        if s.split(',').count() != 2 {
            return Err(bad(
                "must provide a \"lat,lng\" string when creating a GeoPoint with string",
            ));
        }
    }
    GeoPoint::from_json(&v)
        .map(GeoPoint::to_json)
        .map_err(|m| bad(&m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_strings_follow_strong_remoting() {
        let a = |s: &str| any_string(s.to_string());
        assert_eq!(a("null"), Value::Null);
        assert_eq!(a("TRUE"), json!(true));
        assert_eq!(a("False"), json!(false));
        assert_eq!(a("42"), json!(42));
        assert_eq!(a("-7"), json!(-7));
        assert_eq!(a("0"), json!(0));
        assert_eq!(a("1.5"), json!(1.5));
        assert_eq!(a(".5"), json!(0.5));
        assert_eq!(a("-.5"), json!(-0.5));
        assert_eq!(a("{\"a\":1}"), json!({"a": 1}));
        assert_eq!(a("[1,2]"), json!([1, 2]));
        // not numbers for strong-remoting: they stay strings
        for s in [
            "007",
            "1e3",
            "+5",
            "0x10",
            "1.",
            "9007199254740993",
            " 1",
            "abc",
            "{bad",
        ] {
            assert_eq!(a(s), Value::String(s.to_string()), "{s}");
        }
    }
    use serde_json::json;

    fn s(ty: &str, v: Value) -> std::result::Result<Option<Value>, String> {
        sloppy("a", &ArgType::parse(ty).unwrap(), v).map_err(|e| e.message)
    }

    fn j(ty: &str, v: Value) -> std::result::Result<Option<Value>, String> {
        strict("a", &ArgType::parse(ty).unwrap(), v).map_err(|e| e.message)
    }

    #[test]
    fn sloppy_rows_of_the_spec_table() {
        assert_eq!(s("string", json!("123")), Ok(Some(json!("123"))));
        assert_eq!(s("string", json!("null")), Ok(Some(json!("null"))));
        assert_eq!(s("string", json!(["x", "y"])), Ok(Some(json!("x,y"))));
        assert_eq!(s("number", json!("42")), Ok(Some(json!(42))));
        assert_eq!(s("number", json!("1e3")), Ok(Some(json!(1000))));
        assert_eq!(s("number", json!("0x10")), Ok(Some(json!(16))));
        assert_eq!(s("number", json!("1.5")), Ok(Some(json!(1.5))));
        for bad in ["abc", "null", "Infinity"] {
            assert_eq!(
                s("number", json!(bad)),
                Err("Value is not a number.".into()),
                "{bad}"
            );
        }
        assert_eq!(s("integer", json!("7")), Ok(Some(json!(7))));
        assert_eq!(
            s("integer", json!("1.5")),
            Err("Value is not a safe integer.".into())
        );
        assert_eq!(
            s("integer", json!("9007199254740993")),
            Err("Value is not a safe integer.".into())
        );
        for (t, want) in [("true", true), ("FALSE", false), ("1", true), ("0", false)] {
            assert_eq!(s("boolean", json!(t)), Ok(Some(json!(want))), "{t}");
        }
        assert_eq!(
            s("boolean", json!("yes")),
            Err("Value is not a boolean.".into())
        );
        assert_eq!(
            s("date", json!("0")),
            Ok(Some(json!("1970-01-01T00:00:00.000Z")))
        );
        assert_eq!(
            s("date", json!("2020-01-02")),
            Ok(Some(json!("2020-01-02T00:00:00.000Z")))
        );
        assert_eq!(
            s("date", json!("soon")),
            Err("Invalid argument \"a\". Value is not a valid date.".into())
        );
        assert_eq!(s("object", json!("{\"x\":1}")), Ok(Some(json!({"x": 1}))));
        assert_eq!(s("object", json!({"x": "1"})), Ok(Some(json!({"x": "1"}))));
        assert_eq!(
            s("object", json!("x")),
            Err("Value is not an object.".into())
        );
        assert_eq!(s("array", json!("[1,2]")), Ok(Some(json!([1, 2]))));
        assert_eq!(s("[number]", json!("3")), Ok(Some(json!([3]))));
        assert_eq!(s("[number]", json!(["4", "5"])), Ok(Some(json!([4, 5]))));
        assert_eq!(s("any", json!("true")), Ok(Some(json!(true))));
        assert_eq!(s("any", json!("1.50")), Ok(Some(json!(1.5))));
        assert_eq!(s("any", json!("{}")), Ok(Some(json!({}))));
        assert_eq!(s("any", json!("null")), Ok(Some(json!(null))));
        assert_eq!(s("any", json!("0x10")), Ok(Some(json!("0x10"))));
        assert_eq!(
            s("any", json!("12345678901234567890")),
            Ok(Some(json!("12345678901234567890")))
        );
        for ty in [
            "string", "number", "boolean", "date", "object", "array", "any",
        ] {
            assert_eq!(
                s(ty, json!("")),
                Ok(None),
                "empty string is absent for {ty}"
            );
        }
        assert_eq!(
            s("GeoPoint", json!("37.5,-122")),
            Ok(Some(json!({"lat": 37.5, "lng": -122})))
        );
        assert_eq!(
            s("GeoPoint", json!({"lat": "1", "lng": "2"})),
            Ok(Some(json!({"lat": 1, "lng": 2})))
        );
        assert_eq!(
            s("GeoPoint", json!("bad")),
            Err("must provide a \"lat,lng\" string when creating a GeoPoint with string".into())
        );
        assert_eq!(
            s("GeoPoint", json!({"lat": "91", "lng": "0"})),
            Err("lat must be <= 90".into())
        );
    }

    #[test]
    fn strict_rows_of_the_spec_table() {
        assert_eq!(j("string", json!("x")), Ok(Some(json!("x"))));
        assert_eq!(j("string", json!(1)), Err("Value is not a string.".into()));
        assert_eq!(j("number", json!(2)), Ok(Some(json!(2))));
        assert_eq!(
            j("number", json!("2")),
            Err("Value is not a number.".into())
        );
        assert_eq!(
            j("integer", json!(2.5)),
            Err("Value is not a safe integer.".into())
        );
        assert_eq!(
            j("boolean", json!("true")),
            Err("Value is not a boolean.".into())
        );
        assert_eq!(
            j("date", json!(0)),
            Ok(Some(json!("1970-01-01T00:00:00.000Z")))
        );
        assert_eq!(
            j("date", json!(true)),
            Err("Invalid argument \"a\". Value is not a valid date.".into())
        );
        assert_eq!(
            j("object", json!([1])),
            Err("Value is not an object.".into())
        );
        assert_eq!(j("[string]", json!(["a"])), Ok(Some(json!(["a"]))));
        assert_eq!(
            j("[string]", json!([1])),
            Err("Value is not a string.".into())
        );
        assert_eq!(j("array", json!({})), Err("Value is not an array.".into()));
        assert_eq!(j("any", json!({"k": [1]})), Ok(Some(json!({"k": [1]}))));
        assert_eq!(j("number", json!(null)), Ok(Some(json!(null))));
    }
}
