//! Reading a remote method's arguments from the request: the declared source (or
//! strong-remoting's lookup order), coercion, defaults and the required check.

use serde_json::{Map, Value};

use super::coerce;
use super::{Accept, Source};
use crate::rest::Call;
use crate::{Error, Result};

/// `<arg> is a required argument` (400).
pub fn required(arg: &str) -> Error {
    Error::bad_request(format!("{arg} is a required argument"))
}

/// The raw value of an argument and whether it came from a JSON body (strict coercion).
fn raw(a: &Accept, call: &Call) -> Option<(Value, bool)> {
    let json = call.body_is_json();
    let string = |s: &str| Value::String(s.to_string());
    let header = || {
        call.headers
            .get(a.arg.as_ref())
            .and_then(|h| h.to_str().ok())
            .map(string)
    };
    let body_field = || {
        call.body
            .as_object()
            .and_then(|o| o.get(a.arg.as_ref()))
            .cloned()
    };
    match a.source {
        Source::Path => call.param(&a.arg).map(|p| (string(p), false)),
        Source::Query => call
            .query()
            .get(a.arg.as_ref())
            .cloned()
            .map(|v| (v, false)),
        Source::Header => header().map(|v| (v, false)),
        Source::Body => (!call.body.is_null()).then(|| (call.body.clone(), json)),
        Source::Form => body_field().map(|v| (v, json)),
        Source::Req | Source::Context => None,
        Source::Auto => call
            .param(&a.arg)
            .map(|p| (string(p), false))
            .or_else(|| body_field().map(|v| (v, json)))
            .or_else(|| {
                call.query()
                    .get(a.arg.as_ref())
                    .cloned()
                    .map(|v| (v, false))
            })
            .or_else(|| header().map(|v| (v, false))),
    }
}

/// One value coerced to the argument's type: strictly when it came from a JSON body.
fn coerce_one(a: &Accept, v: Value, strict: bool) -> Result<Option<Value>> {
    if strict {
        coerce::strict(&a.arg, &a.ty, v)
    } else {
        coerce::sloppy(&a.arg, &a.ty, v)
    }
}

/// The coerced arguments by name; absent optional arguments are left out.
pub fn build(accepts: &[Accept], call: &Call) -> Result<Map<String, Value>> {
    let mut args = Map::new();
    for a in accepts.iter().filter(|a| !a.source.is_request()) {
        let value = match raw(a, call) {
            None => None,
            Some((Value::String(s), _)) if s.is_empty() => None,
            Some((Value::Array(items), strict)) if a.allow_array => {
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    out.push(coerce_one(a, v, strict)?.unwrap_or(Value::Null));
                }
                Some(Value::Array(out))
            }
            Some((v, strict)) => coerce_one(a, v, strict)?,
        };
        // a default goes through the same coercion as a request value (`"2020-01-01"` for a
        // date becomes its ISO form)
        let value = match (value, &a.default) {
            (None, Some(d)) => coerce::sloppy(&a.arg, &a.ty, d.clone())?,
            (value, _) => value,
        };
        match value {
            None | Some(Value::Null) if a.required => return Err(required(&a.arg)),
            None => {}
            Some(v) => {
                args.insert(a.arg.to_string(), v);
            }
        }
    }
    Ok(args)
}
