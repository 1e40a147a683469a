//! One operation of a REST datasource: its template (`method`, `url`, `headers`, `query`,
//! `body`, `options`, `responsePath`, `fullResponse`) and the functions that call it, turned
//! into a request for given arguments.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::collections::HashMap;

use serde_json::{Map, Value};
use serde_json_path::JsonPath;

use super::template::{self, Lookup, Variable};
use crate::value::js;
use crate::{Error, Result};

/// What a substituted URL piece is encoded with: everything but RFC 3986's unreserved
/// characters, so `/`, `?`, `#` and `&` in a value cannot change the URL's shape.
const URL_PIECE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Where an argument goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// In the URL.
    Path,
    /// In the query string.
    Query,
    /// In the JSON body.
    Body,
    /// In a header.
    Header,
}

impl Source {
    /// The source of a template root property (`url` → path, ...); others: query.
    pub fn of_root(root: &str) -> Source {
        match root {
            "url" => Source::Path,
            "body" => Source::Body,
            "headers" => Source::Header,
            _ => Source::Query,
        }
    }

    /// A `source` setting of a function parameter.
    pub fn parse(s: &str) -> Option<Source> {
        Some(match s {
            "path" => Source::Path,
            "query" => Source::Query,
            "body" => Source::Body,
            "header" | "headers" => Source::Header,
            _ => return None,
        })
    }

    /// The name used in OpenAPI / remote-method metadata.
    pub fn name(self) -> &'static str {
        match self {
            Source::Path => "path",
            Source::Query => "query",
            Source::Body => "body",
            Source::Header => "header",
        }
    }
}

/// A parameter of a function: `"street"`, `"n=5"` or `{"name": "b", "source": "header"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name (the template variable it fills).
    pub name: String,
    /// A default given in the function (`"n=5"`).
    pub default: Option<Value>,
    /// An explicit source: where a client of the function exposed as a REST method gives the
    /// value (LoopBack's remoting metadata); the template still decides where it is sent.
    pub source: Option<Source>,
}

impl Param {
    fn from_json(v: &Value) -> Result<Param> {
        match v {
            Value::String(s) => Ok(match s.split_once('=') {
                Some((n, d)) => Param {
                    name: n.trim().to_string(),
                    default: Some(Value::String(d.trim().to_string())),
                    source: None,
                },
                None => Param {
                    name: s.trim().to_string(),
                    default: None,
                    source: None,
                },
            }),
            Value::Object(o) => {
                let name = o
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| config_error("a function parameter needs a `name`"))?;
                let source = match o.get("source").and_then(Value::as_str) {
                    None => None,
                    Some(s) => Some(Source::parse(s).ok_or_else(|| {
                        config_error(&format!("parameter {name}: unknown source {s:?}"))
                    })?),
                };
                Ok(Param {
                    name: name.to_string(),
                    default: o.get("default").cloned(),
                    source,
                })
            }
            other => Err(config_error(&format!(
                "a function parameter is a name or an object, not {other}"
            ))),
        }
    }
}

pub(super) fn config_error(msg: &str) -> Error {
    Error::internal(format!("rest datasource: {msg}"))
}

/// An operation: one template, several functions.
#[derive(Debug)]
pub struct Operation {
    /// The template as configured.
    pub template: Map<String, Value>,
    /// The variables, with the root they were found under.
    pub variables: Vec<(String, Variable)>,
    /// `responsePath`, parsed (JSONPath-Plus forms read as RFC 9535); an error names the
    /// path and is the error of every call of the operation, not of the app's start.
    pub response_path: Option<std::result::Result<JsonPath, String>>,
    /// `responsePath` as written.
    pub response_path_text: Option<String>,
    /// Wrap the `responsePath` matches in an array (LoopBack), or give the first one.
    pub wrap: bool,
    /// Give `{statusCode, headers, body}` instead of the body.
    pub full_response: bool,
    /// Each variable's definition for the whole template: the last occurrence's type and
    /// default (LoopBack reads them in that order), then `template.variables`.
    schema: HashMap<String, Variable>,
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct RestRequest {
    /// HTTP verb (upper case).
    pub method: String,
    /// The URL without the query string of `query`.
    pub url: String,
    /// Headers (values as text).
    pub headers: Vec<(String, String)>,
    /// Query parameters, as text: arrays and objects already spread into `name[0]`,
    /// `name[key]` (LoopBack's `qs`), or repeated names with `use_querystring`.
    pub query: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// Timeout in milliseconds, if any.
    pub timeout_ms: Option<u64>,
    /// JSON mode (LoopBack's default): `accept: application/json` unless an accept header is
    /// set, and an answer whose text is JSON is parsed whatever its content type. Off when
    /// the template's `accept` or `content-type` header is something else.
    pub json: bool,
}

/// The arguments with function defaults applied, and the template's variable definitions.
struct Args<'a> {
    values: &'a Map<String, Value>,
    schema: &'a HashMap<String, Variable>,
}

impl Lookup for Args<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    fn schema(&self, name: &str) -> Option<&Variable> {
        self.schema.get(name)
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(_) | Value::Array(_) => v.to_string(),
        other => js::to_js_string(other),
    }
}

/// `(name, value)` header pairs of a rendered object; null entries left out (LoopBack).
fn pairs(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Value::Object(o) = v {
        for (k, x) in o {
            if !x.is_null() {
                out.push((k.clone(), text(x)));
            }
        }
    }
    out
}

/// Query pairs of a rendered `query` object as `request` sends them: null entries left out;
/// arrays and objects as `qs` writes them (`tags[0]=a`, `f[k]=v`), or with `useQuerystring`
/// as Node's `querystring` does (arrays repeat the name, other non-scalars are empty).
fn query_pairs(v: &Value, use_querystring: bool) -> Vec<(String, String)> {
    fn scalar(v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(_) | Value::Object(_) => String::new(),
            other => js::to_js_string(other),
        }
    }
    fn spread(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(o) => o
                .iter()
                .for_each(|(k, x)| spread(&format!("{prefix}[{k}]"), x, out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| spread(&format!("{prefix}[{i}]"), x, out)),
            other => out.push((prefix.to_string(), scalar(other))),
        }
    }
    let mut out = Vec::new();
    let Value::Object(o) = v else { return out };
    for (k, x) in o.iter().filter(|(_, x)| !x.is_null()) {
        match x {
            Value::Array(a) if use_querystring => {
                out.extend(a.iter().map(|i| (k.clone(), scalar(i))));
            }
            _ if use_querystring => out.push((k.clone(), scalar(x))),
            _ => spread(k, x, &mut out),
        }
    }
    out
}

impl Operation {
    /// An operation from its `template`.
    pub fn new(template: &Value) -> Result<Operation> {
        let Value::Object(t) = template else {
            return Err(config_error("an operation's template must be an object"));
        };
        if !t.get("url").is_some_and(Value::is_string) {
            return Err(config_error("an operation's template needs a `url`"));
        }
        let response_path_text = t
            .get("responsePath")
            .and_then(Value::as_str)
            .map(str::to_string);
        let response_path = response_path_text.as_deref().map(|p| {
            JsonPath::parse(&super::json_path::rfc9535(p))
                .map_err(|e| format!("responsePath {p:?} is not JSONPath that lb can read: {e}"))
        });
        let variables = template::variables(template);
        let mut schema: HashMap<String, Variable> = HashMap::new();
        for (_, v) in &variables {
            schema.insert(v.name.clone(), v.clone());
        }
        if let Some(Value::Object(declared)) = t.get("variables") {
            for (name, d) in declared {
                let Some(v) = schema.get_mut(name) else {
                    continue;
                };
                if let Some(ty) = d.get("type").and_then(Value::as_str) {
                    v.ty = Some(template::VarType::parse(ty));
                }
                if let Some(r) = d.get("required").and_then(Value::as_bool) {
                    v.required = r;
                }
                if let Some(dv) = d.get("default").filter(|x| !x.is_null()) {
                    v.default = Some(text(dv));
                }
            }
        }
        Ok(Operation {
            variables,
            template: t.clone(),
            response_path,
            response_path_text,
            wrap: t.get("responsePathWrap").and_then(Value::as_bool) != Some(false),
            full_response: t.get("fullResponse").and_then(Value::as_bool) == Some(true),
            schema,
        })
    }

    /// The source of a variable: where the template first uses it.
    pub fn source_of(&self, name: &str) -> Source {
        self.variables
            .iter()
            .find(|(_, v)| v.name == name)
            .map_or(Source::Query, |(root, _)| Source::of_root(root))
    }

    /// The request for `args` (named), the functions' `params` giving defaults. A parameter's
    /// `source` does not move its value: as in LoopBack, it only says where a client of the
    /// function exposed as a REST method puts it; the template decides where it is sent.
    /// `use_querystring`: the datasource's `options.useQuerystring` (the template's wins).
    pub fn request(
        &self,
        params: &[Param],
        args: &Map<String, Value>,
        use_querystring: bool,
    ) -> Result<RestRequest> {
        let mut values = args.clone();
        for p in params {
            if values.get(&p.name).is_none_or(Value::is_null) {
                if let Some(d) = &p.default {
                    values.insert(p.name.clone(), d.clone());
                }
            }
        }
        let lookup = Args {
            values: &values,
            schema: &self.schema,
        };
        let t = &self.template;
        let method = match t.get("method") {
            Some(m) => text(&template::render_value(m, &lookup)?).to_uppercase(),
            None => "GET".to_string(),
        };
        let url_template = t.get("url").and_then(Value::as_str).unwrap_or_default();
        let encode = |s: &str| utf8_percent_encode(s, URL_PIECE).to_string();
        let url = match template::render(url_template, &lookup, &encode, true)? {
            Some(v) => text(&v),
            None => String::new(),
        };
        let options = match t.get("options") {
            Some(o) => template::render_value(o, &lookup)?,
            None => Value::Null,
        };
        // the template's headers; only without them the operation's `options.headers`
        // (LoopBack passes `options` entries the request does not have already)
        let headers = match t.get("headers") {
            Some(h) => pairs(&template::render_value(h, &lookup)?),
            None => pairs(options.get("headers").unwrap_or(&Value::Null)),
        };
        let use_querystring = options
            .get("useQuerystring")
            .and_then(Value::as_bool)
            .unwrap_or(use_querystring);
        let query = match t.get("query") {
            Some(q) => query_pairs(&template::render_value(q, &lookup)?, use_querystring),
            None => Vec::new(),
        };
        let body = match t.get("body") {
            Some(b) => Some(template::render_value(b, &lookup)?),
            None => None,
        };
        let timeout_ms = options.get("timeout").and_then(Value::as_u64);
        // LoopBack's json flag: set by the last accept or content-type header, else on
        let json = headers
            .iter()
            .rev()
            .find(|(k, _)| {
                k.eq_ignore_ascii_case("accept") || k.eq_ignore_ascii_case("content-type")
            })
            .is_none_or(|(_, v)| v == "application/json");
        Ok(RestRequest {
            method,
            url,
            headers,
            query,
            body,
            timeout_ms,
            json,
        })
    }

    /// The answer of a successful call: `fullResponse`, the `responsePath` matches, or the
    /// body.
    pub fn answer(&self, status: u16, headers: Value, body: Value) -> Value {
        if self.full_response {
            return serde_json::json!({"statusCode": status, "headers": headers, "body": body});
        }
        match &self.response_path {
            None | Some(Err(_)) => body,
            Some(Ok(p)) => {
                let found: Vec<Value> = p.query(&body).all().into_iter().cloned().collect();
                if self.wrap {
                    Value::Array(found)
                } else {
                    found.into_iter().next().unwrap_or(Value::Null)
                }
            }
        }
    }

    /// The parameters of a function as declared.
    pub fn params(list: &Value) -> Result<Vec<Param>> {
        match list {
            Value::Array(a) => a.iter().map(Param::from_json).collect(),
            other => Err(config_error(&format!(
                "a function's parameters are an array, not {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn sources_encoding_and_dropping() {
        let op = Operation::new(&json!({
            "method": "post",
            "url": "{base=http//h}/things/{id}/x",
            "headers": {"x-key": "{key}", "x-none": "{none}"},
            "query": {"q": "{q}", "opt": "{opt}", "n": "{n:number}"},
            "body": {"data": "{data}", "missing": "{missing}"},
            "responsePath": "$.a[*].b"
        }))
        .unwrap();
        assert_eq!(op.source_of("id"), Source::Path);
        assert_eq!(op.source_of("key"), Source::Header);
        assert_eq!(op.source_of("data"), Source::Body);
        assert_eq!(op.source_of("q"), Source::Query);
        let r = op
            .request(
                &[],
                &args(json!({"base": "http://h:1", "id": "a/b c?d", "key": "k", "q": "x&y=z", "n": "3", "data": {"k": [1]}})),
                false,
            )
            .unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "http://h:1/things/a%2Fb%20c%3Fd/x");
        assert_eq!(r.headers, vec![("x-key".to_string(), "k".to_string())]);
        assert_eq!(
            r.query,
            vec![
                ("q".to_string(), "x&y=z".to_string()),
                ("n".to_string(), "3".to_string())
            ]
        );
        assert_eq!(r.body, Some(json!({"data": {"k": [1]}, "missing": null})));
        assert_eq!(
            op.answer(200, json!({}), json!({"a": [{"b": 1}, {"b": 2}]})),
            json!([1, 2])
        );
    }

    #[test]
    fn a_parameter_source_does_not_move_its_value() {
        let op = Operation::new(&json!({"url": "http://h/x", "body": {"b": "{b}"}})).unwrap();
        let params =
            Operation::params(&json!(["a", {"name": "b", "source": "header"}, "n=5"])).unwrap();
        let r = op
            .request(&params, &args(json!({"b": "v"})), false)
            .unwrap();
        assert!(r.headers.is_empty());
        assert_eq!(r.body, Some(json!({"b": "v"})));
    }
}
