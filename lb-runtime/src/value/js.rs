//! JavaScript semantics that LoopBack's behaviour depends on: `Number(x)`, `String(x)`,
//! loose equality (`==`), relational comparison, and number output.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// `Number(s)` for a string: trims whitespace, `""` is 0, accepts `0x`/`0o`/`0b`, exponents,
/// `Infinity`. `None` is NaN.
pub(crate) fn string_to_number(s: &str) -> Option<f64> {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return Some(0.0);
    }
    let radix = |p: &str, r: u32| -> Option<f64> {
        if p.is_empty() || !p.chars().all(|c| c.is_digit(r)) {
            return None;
        }
        u128::from_str_radix(p, r).ok().map(|v| v as f64)
    };
    let lower = t.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        return radix(h, 16);
    }
    if let Some(o) = lower.strip_prefix("0o") {
        return radix(o, 8);
    }
    if let Some(b) = lower.strip_prefix("0b") {
        return radix(b, 2);
    }
    match t {
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    // Rust's float grammar is a superset on a few points ("inf", "nan"); JS only takes digits.
    let valid = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && t.bytes().any(|b| b.is_ascii_digit());
    if !valid {
        return None;
    }
    t.parse::<f64>().ok()
}

/// `Number(v)` for any JSON value (`None` = NaN).
pub(crate) fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Null => Some(0.0),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => n.as_f64(),
        Value::String(s) => string_to_number(s),
        Value::Array(a) => match a.as_slice() {
            [] => Some(0.0),
            [one] => to_number(&Value::String(to_js_string(one))),
            _ => None,
        },
        Value::Object(_) => None,
    }
}

/// Rewrites every number as JavaScript would write it (`94010.0` from a Rust `f64` becomes
/// `94010`), so values that came from Rust types read like LoopBack's.
pub(crate) fn normalize_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                *v = number(f);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(normalize_numbers),
        Value::Object(o) => o.values_mut().for_each(normalize_numbers),
        _ => {}
    }
}

/// A JSON number from an `f64`, written as JavaScript would (`1`, not `1.0`).
pub(crate) fn number(f: f64) -> Value {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        Value::Number(Number::from(f as i64))
    } else {
        Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// `String(f)` for a finite or infinite number.
pub(crate) fn number_to_string(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i128)
    } else {
        let s = format!("{f}");
        s
    }
}

/// `String(v)`: strings as-is, numbers in JS notation, `[1,2]` → `"1,2"`, objects →
/// `"[object Object]"`, null → `"null"`.
pub(crate) fn to_js_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n
            .as_f64()
            .map(number_to_string)
            .unwrap_or_else(|| n.to_string()),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                if x.is_null() {
                    String::new()
                } else {
                    to_js_string(x)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// JavaScript truthiness.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// Loose equality `a == b` where `None` is `undefined`.
pub(crate) fn loose_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    let (a, b) = match (a, b) {
        (None | Some(Value::Null), None | Some(Value::Null)) => return true,
        (None | Some(Value::Null), _) | (_, None | Some(Value::Null)) => return false,
        (Some(a), Some(b)) => (a, b),
    };
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        // Objects and arrays compare by reference in JS; two parsed values are never the same
        // reference, but LoopBack users expect structural equality for GeoPoints and objects.
        (Value::Object(_), Value::Object(_)) | (Value::Array(_), Value::Array(_)) => a == b,
        (Value::Object(_), _) | (_, Value::Object(_)) => to_js_string(a) == to_js_string(b),
        (Value::Array(_), _) | (_, Value::Array(_)) => {
            // an array is converted to a primitive (its string), then compared again
            let (arr, other) = if a.is_array() { (a, b) } else { (b, a) };
            loose_eq(Some(&Value::String(to_js_string(arr))), Some(other))
        }
        _ => match (to_number(a), to_number(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        },
    }
}

/// Relational comparison as JS's `<`/`>` do it: two strings compare by UTF-16 code units,
/// anything else numerically. `None` when incomparable (NaN involved).
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    // ToPrimitive: arrays and objects become their strings first
    let prim = |v: &Value| match v {
        Value::Array(_) | Value::Object(_) => Value::String(to_js_string(v)),
        other => other.clone(),
    };
    if matches!(a, Value::Array(_) | Value::Object(_))
        || matches!(b, Value::Array(_) | Value::Object(_))
    {
        return compare(&prim(a), &prim(b));
    }
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(compare_utf16(x, y)),
        _ => to_number(a)?.partial_cmp(&to_number(b)?),
    }
}

/// Orders strings by UTF-16 code units (JavaScript's string order).
pub(crate) fn compare_utf16(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The matching key of a value (`1` and `"1"` relate, as LoopBack's loose comparison).
pub(crate) fn key_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        // integers exactly (ids beyond 2^53 stay distinct); other numbers as JavaScript
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        other => Some(to_js_string(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn number_parsing_like_js() {
        assert_eq!(string_to_number("42"), Some(42.0));
        assert_eq!(string_to_number(" 5 "), Some(5.0));
        assert_eq!(string_to_number(""), Some(0.0));
        assert_eq!(string_to_number("1e3"), Some(1000.0));
        assert_eq!(string_to_number("0x10"), Some(16.0));
        assert_eq!(string_to_number("abc"), None);
        assert_eq!(string_to_number("inf"), None);
        assert_eq!(string_to_number("null"), None);
    }

    #[test]
    fn loose_equality() {
        assert!(loose_eq(Some(&json!("3")), Some(&json!(3))));
        assert!(loose_eq(None, Some(&json!(null))));
        assert!(!loose_eq(Some(&json!(0)), Some(&json!(null))));
        assert!(loose_eq(Some(&json!(true)), Some(&json!(1))));
        assert!(!loose_eq(Some(&json!("a")), Some(&json!("b"))));
    }

    #[test]
    fn number_output() {
        assert_eq!(number(1.0).to_string(), "1");
        assert_eq!(number(1.5).to_string(), "1.5");
        assert_eq!(to_js_string(&json!([1, "a", null])), "1,a,");
    }

    #[test]
    fn utf16_order() {
        assert_eq!(compare_utf16("Fig", "apple"), Ordering::Less);
        // U+FF21 (BMP) sorts after a surrogate pair in UTF-16 but before it by code point
        assert_eq!(compare_utf16("\u{FF21}", "\u{1F600}"), Ordering::Greater);
    }
}
