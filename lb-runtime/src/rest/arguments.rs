//! The read-arguments stage: one reader for every method kind — built-in, relation, remote
//! and REST-datasource functions. An argument is read from its declared source (or
//! strong-remoting's lookup order: path, body property, query, header), coerced to its type
//! (strictly when it came from a JSON body, one element at a time when arrays are allowed),
//! given its default, and checked when required. Values the before hooks set are taken as
//! they are.

use serde_json::{Map, Value};

use super::builtin_spec as spec;
use super::call::Call;
use crate::filter::{self, Filter, ParseOptions, Where};
use crate::remote::coerce;
use crate::remote::{Accept, Source};
use crate::{Error, Result};

/// The raw value of argument `name` from `source` and whether it came from a JSON body (its
/// values are coerced strictly).
pub(crate) fn raw(call: &Call, name: &str, source: Source) -> Option<(Value, bool)> {
    let json = call.body_is_json();
    let string = |s: &str| Value::String(s.to_string());
    let path = || call.param(name).map(|p| (string(p), false));
    let query = || call.query().get(name).cloned().map(|v| (v, false));
    let header = || {
        call.headers
            .get(name)
            .and_then(|h| h.to_str().ok())
            .map(|h| (string(h), false))
    };
    let body_field = || {
        call.body
            .as_object()
            .and_then(|o| o.get(name))
            .cloned()
            .map(|v| (v, json))
    };
    match source {
        Source::Path => path(),
        Source::Query => query(),
        Source::Header => header(),
        Source::Body => (!call.body.is_null()).then(|| (call.body.clone(), json)),
        Source::Form => body_field(),
        Source::Req | Source::Context => None,
        Source::Auto => path().or_else(body_field).or_else(query).or_else(header),
    }
}

/// A raw value coerced to the argument's type (`""` is absent).
fn coerce(a: &Accept, raw: Option<(Value, bool)>) -> Result<Option<Value>> {
    let one = |v: Value, strict: bool| {
        if strict {
            coerce::strict(&a.arg, &a.ty, v)
        } else {
            coerce::sloppy(&a.arg, &a.ty, v)
        }
    };
    match raw {
        None => Ok(None),
        Some((Value::String(s), _)) if s.is_empty() => Ok(None),
        Some((Value::Array(items), strict)) if a.allow_array => {
            let mut out = Vec::with_capacity(items.len());
            for v in items {
                out.push(one(v, strict)?.unwrap_or(Value::Null));
            }
            Ok(Some(Value::Array(out)))
        }
        Some((v, strict)) => one(v, strict),
    }
}

/// The default of an absent argument (coerced like a request value: `"2020-01-01"` for a
/// date becomes its ISO form), then the required check.
fn complete(a: &Accept, value: Option<Value>) -> Result<Option<Value>> {
    let value = match (value, &a.default) {
        (None, Some(d)) => coerce::sloppy(&a.arg, &a.ty, d.clone())?,
        (value, _) => value,
    };
    match value {
        None | Some(Value::Null) if a.required => Err(Error::required_argument(&a.arg)),
        value => Ok(value),
    }
}

/// One argument: as the before hooks left it, else read from the request. A `filter` or
/// `where` sent as text (a query parameter or a header) is parsed only within the app's
/// `max_filter_bytes`.
pub(crate) fn read(call: &Call, a: &Accept) -> Result<Option<Value>> {
    if let Some(v) = call.overridden(&a.arg) {
        return Ok(Some(v));
    }
    let raw = raw(call, &a.arg, a.source);
    if let (Some((Value::String(text), _)), "filter" | "where") = (&raw, &*a.arg) {
        let max = call.app.query_limits().max_filter_bytes;
        if text.len() > max {
            return Err(Error::bad_request(format!(
                "The {} is longer than {max} bytes",
                a.arg
            )));
        }
    }
    complete(a, coerce(a, raw)?)
}

/// The body argument moved out of the call (no copy; `data` as the hooks left it), coerced.
pub(crate) fn take_body(call: &mut Call, a: &Accept) -> Result<Option<Value>> {
    if let Some(v) = call.take_overridden(&a.arg) {
        return Ok(Some(v));
    }
    let json = call.body_is_json();
    let body = std::mem::take(&mut call.body);
    let raw = (!body.is_null()).then_some((body, json));
    complete(a, coerce(a, raw)?)
}

/// Every declared argument the request has, by name (what hooks see and change); the ones
/// read from the request object itself (`req`, `context`) are the method's own business.
pub(crate) fn read_all(call: &Call, accepts: &[Accept]) -> Result<Map<String, Value>> {
    let mut args = Map::new();
    for a in accepts.iter().filter(|a| !a.source.is_request()) {
        if let Some(v) = read(call, a)? {
            args.insert(a.arg.to_string(), v);
        }
    }
    Ok(args)
}

/// The `filter` argument, parsed and validated.
pub(crate) fn filter(call: &Call) -> Result<Filter> {
    match read(call, &spec::filter())? {
        None | Some(Value::Null) => Ok(Filter::default()),
        Some(v) => filter::parse_filter(call.model(), &v, rest_options(call, false)),
    }
}

/// The REST parse options with the app's limits; `write`: the `where` of a write.
pub(crate) fn rest_options(call: &Call, write: bool) -> ParseOptions {
    let opts = if write {
        ParseOptions::rest_write()
    } else {
        ParseOptions::rest()
    };
    opts.with_limits(call.app.query_limits())
}

/// The `where` argument read from `source`, parsed; `None` when the request has none. The
/// `where` of a write (`write`) never widens: a condition on a hidden property matches no
/// instance there, where a read drops it (LoopBack).
pub(crate) fn where_arg(call: &Call, source: Source, write: bool) -> Result<Option<Option<Where>>> {
    let opts = rest_options(call, write);
    match read(call, &spec::where_(source))? {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => Ok(Some(filter::parse_where(call.model(), &v, opts)?)),
    }
}

/// The `data` argument (the body) moved out of the call, as [`spec::data`] declares it
/// for this method (`null` when absent).
pub(crate) fn data(call: &mut Call, accept: &Accept) -> Result<Value> {
    Ok(take_body(call, accept)?.unwrap_or(Value::Null))
}
