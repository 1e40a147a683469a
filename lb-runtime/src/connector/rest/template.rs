//! The template grammar of LoopBack's REST connector: `{name}`, `{name=default}`,
//! `{name:type}`, `{name=default:type}`, required `{!name}` / `{^name}`, in any string value
//! or key of a template. A string that is exactly one variable takes the variable's typed
//! value; variables inside other text are joined as text (a missing optional one is empty).
//!
//! Values are coerced as `loopback-connector-rest` does: `number` with JavaScript's
//! `Number()`, `boolean` turning the text `false` (any case) into `false` and other text
//! through unchanged, other values by truthiness; `object`/`json` parse a default written as
//! JSON text; every other type (`string`, `integer`, `array`, ...) passes the value as given.
//! A `template.variables` entry overrides a variable's type, default and required flag.
//!
//! Unlike the original: a `number` that is not one is an error (400, not NaN), and a missing
//! required variable is an error with a status (400), not an exception.

use serde_json::{Map, Value};

use crate::value::js;
use crate::{Error, Result};

pub(crate) use lb_core::template::{parse, variables, Piece, VarType, Variable};

/// What the template's variables take their values from.
pub(crate) trait Lookup {
    /// The argument of variable `name`, if it was given (not null).
    fn get(&self, name: &str) -> Option<&Value>;

    /// The variable's definition for the whole template (its type, default and required flag
    /// after `template.variables`), if it differs from the occurrence being rendered.
    fn schema(&self, name: &str) -> Option<&Variable> {
        let _ = name;
        None
    }
}

impl Lookup for Map<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        Map::get(self, name).filter(|v| !v.is_null())
    }
}

fn type_error(var: &Variable, ty: &str, v: &Value) -> Error {
    Error::bad_request(format!("Variable {} must be {ty}, not {v}", var.name))
        .with_code("INVALID_VARIABLE")
}

/// A value in the variable's type, by LoopBack's rules (see the module docs). `from_default`:
/// the value is the variable's default text.
pub(crate) fn coerce(var: &Variable, v: Value, from_default: bool) -> Result<Value> {
    let Some(ty) = &var.ty else {
        return Ok(v);
    };
    Ok(match ty {
        VarType::Number => match js::to_number(&v).filter(|n| n.is_finite()) {
            Some(n) => js::number(n),
            None => return Err(type_error(var, "a number", &v)),
        },
        VarType::Boolean => match v {
            Value::Bool(_) => v,
            Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            Value::String(_) => v,
            other => Value::Bool(js::truthy(&other)),
        },
        VarType::Object | VarType::Json if from_default => match &v {
            Value::String(s) => serde_json::from_str(s).unwrap_or(v),
            _ => v,
        },
        _ => v,
    })
}

/// The value of a variable: the argument, else its default, else `None` (an error when it is
/// required).
pub(crate) fn value(var: &Variable, args: &dyn Lookup) -> Result<Option<Value>> {
    let schema = args.schema(&var.name).unwrap_or(var);
    let (raw, from_default) = match args.get(&var.name) {
        Some(v) => (v.clone(), false),
        None => match &schema.default {
            Some(d) => (Value::String(d.clone()), true),
            None if var.required || schema.required => {
                return Err(Error::bad_request(format!(
                    "Required variable {} has no value",
                    var.name
                ))
                .with_code("REQUIRED_VARIABLE"))
            }
            None => return Ok(None),
        },
    };
    coerce(schema, raw, from_default).map(Some)
}

/// A template string rendered: `None` for a whole-value variable without a value.
/// `encode` turns each substituted text piece into what the output needs (percent-encoding in
/// URLs); `raw_first` leaves a variable that starts the string as it is (a base URL).
pub(crate) fn render(
    s: &str,
    args: &dyn Lookup,
    encode: &dyn Fn(&str) -> String,
    raw_first: bool,
) -> Result<Option<Value>> {
    let pieces = parse(s);
    if let [Piece::Var(var)] = pieces.as_slice() {
        // the whole value: typed
        return match value(var, args)? {
            Some(Value::String(t)) if !raw_first => Ok(Some(Value::String(encode(&t)))),
            other => Ok(other),
        };
    }
    let mut out = String::new();
    for (i, p) in pieces.iter().enumerate() {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Var(var) => {
                let text = match value(var, args)? {
                    None => String::new(),
                    Some(Value::String(t)) => t,
                    Some(v) => js::to_js_string(&v),
                };
                if i == 0 && raw_first {
                    out.push_str(&text);
                } else {
                    out.push_str(&encode(&text));
                }
            }
        }
    }
    Ok(Some(Value::String(out)))
}

/// A JSON template rendered: strings (values and keys) through [`render`]; a whole-value
/// variable without a value becomes `null`.
pub(crate) fn render_value(v: &Value, args: &dyn Lookup) -> Result<Value> {
    let same = |t: &str| t.to_string();
    Ok(match v {
        Value::String(s) => render(s, args, &same, true)?.unwrap_or(Value::Null),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| render_value(x, args))
                .collect::<Result<_>>()?,
        ),
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, x) in o {
                let key = match render(k, args, &same, true)? {
                    Some(Value::String(k)) => k,
                    Some(other) => js::to_js_string(&other),
                    // a key whose variable has no value: the entry is left out
                    None => continue,
                };
                out.insert(key, render_value(x, args)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn grammar() {
        assert_eq!(
            parse("{!a}{b=5:number}x{^c:boolean}{d = hi}"),
            vec![
                Piece::Var(Variable {
                    name: "a".into(),
                    default: None,
                    ty: None,
                    required: true
                }),
                Piece::Var(Variable {
                    name: "b".into(),
                    default: Some("5".into()),
                    ty: Some(VarType::Number),
                    required: false
                }),
                Piece::Text("x".into()),
                Piece::Var(Variable {
                    name: "c".into(),
                    default: None,
                    ty: Some(VarType::Boolean),
                    required: true
                }),
                Piece::Var(Variable {
                    name: "d".into(),
                    default: Some("hi".into()),
                    ty: None,
                    required: false
                }),
            ]
        );
        assert_eq!(parse("plain"), vec![Piece::Text("plain".into())]);
        assert_eq!(
            parse("{not a var}"),
            vec![Piece::Text("{not a var}".into())]
        );
    }

    #[test]
    fn whole_values_keep_their_type_and_concatenation_is_text() {
        let a = args(json!({"x": 50, "y": "YYY", "n": "12", "o": "{\"k\":1}"}));
        assert_eq!(
            render_value(&json!("{x=100}ABC{^y}123"), &a).unwrap(),
            json!("50ABCYYY123")
        );
        assert_eq!(render_value(&json!("{n:number}"), &a).unwrap(), json!(12));
        // a given object text stays text (LoopBack parses only a default)
        assert_eq!(
            render_value(&json!("{o:object}"), &a).unwrap(),
            json!("{\"k\":1}")
        );
        // LoopBack does not coerce `integer`: the default stays text
        assert_eq!(
            render_value(&json!("{m=7:integer}"), &a).unwrap(),
            json!("7")
        );
        assert_eq!(render_value(&json!("{missing}"), &a).unwrap(), Value::Null);
        assert_eq!(
            render_value(&json!("a{missing}b"), &a).unwrap(),
            json!("ab")
        );
        assert_eq!(
            render_value(&json!({"{y}": "{x}", "k{missing}": 1}), &a).unwrap(),
            json!({"YYY": 50, "k": 1})
        );
        let e = render_value(&json!("{!absent}"), &a).unwrap_err();
        assert_eq!(e.status.as_u16(), 400);
        assert_eq!(e.message, "Required variable absent has no value");
        let bad = args(json!({"n": "abc", "b": "yes"}));
        assert_eq!(
            render_value(&json!("{n:number}"), &bad)
                .unwrap_err()
                .message,
            "Variable n must be a number, not \"abc\""
        );
        // booleans: the text `false` is false, other text passes, other values by truthiness
        assert_eq!(
            render_value(&json!("{b:boolean}"), &bad).unwrap(),
            json!("yes")
        );
        assert_eq!(
            render_value(&json!("{b:boolean}"), &args(json!({"b": "FALSE"}))).unwrap(),
            json!(false)
        );
        assert_eq!(
            render_value(&json!("{b:boolean}"), &args(json!({"b": 0}))).unwrap(),
            json!(false)
        );
    }
}
