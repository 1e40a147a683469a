//! One operation of a REST datasource: its template (`method`, `url`, `headers`, `query`,
//! `body`, `options`, `responsePath`, `fullResponse`) and the functions that call it, turned
//! into a request for given arguments.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
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
    /// An explicit source: the value goes there, under the parameter's name, instead of
    /// where the template put the variable.
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
    /// `responsePath`, parsed.
    pub response_path: Option<JsonPath>,
    /// `responsePath` as written.
    pub response_path_text: Option<String>,
    /// Wrap the `responsePath` matches in an array (LoopBack), or give the first one.
    pub wrap: bool,
    /// Give `{statusCode, headers, body}` instead of the body.
    pub full_response: bool,
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
    /// Query parameters (values as text; arrays repeat the name).
    pub query: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// Timeout in milliseconds, if any.
    pub timeout_ms: Option<u64>,
}

/// The arguments with function defaults applied; an explicit source moves a value.
struct Args<'a> {
    values: &'a Map<String, Value>,
    /// Parameters whose value goes to another place than the template's.
    moved: &'a [&'a str],
}

impl Lookup for Args<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        if self.moved.contains(&name) {
            return None;
        }
        self.values.get(name).filter(|v| !v.is_null())
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(_) | Value::Array(_) => v.to_string(),
        other => js::to_js_string(other),
    }
}

/// `(name, value)` pairs of a rendered object; null entries left out (LoopBack), arrays
/// repeated.
fn pairs(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Value::Object(o) = v {
        for (k, x) in o {
            match x {
                Value::Null => {}
                Value::Array(a) => out.extend(
                    a.iter()
                        .filter(|i| !i.is_null())
                        .map(|i| (k.clone(), text(i))),
                ),
                other => out.push((k.clone(), text(other))),
            }
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
        let response_path = match &response_path_text {
            None => None,
            Some(p) => Some(JsonPath::parse(p).map_err(|e| {
                config_error(&format!("responsePath {p:?} is not RFC 9535 JSONPath: {e}"))
            })?),
        };
        Ok(Operation {
            variables: template::variables(template),
            template: t.clone(),
            response_path,
            response_path_text,
            wrap: t.get("responsePathWrap").and_then(Value::as_bool) != Some(false),
            full_response: t.get("fullResponse").and_then(Value::as_bool) == Some(true),
        })
    }

    /// The source of a variable: where the template first uses it.
    pub fn source_of(&self, name: &str) -> Source {
        self.variables
            .iter()
            .find(|(_, v)| v.name == name)
            .map_or(Source::Query, |(root, _)| Source::of_root(root))
    }

    /// The request for `args` (named), the functions' `params` giving defaults and sources.
    pub fn request(&self, params: &[Param], args: &Map<String, Value>) -> Result<RestRequest> {
        let mut values = args.clone();
        for p in params {
            if values.get(&p.name).is_none_or(Value::is_null) {
                if let Some(d) = &p.default {
                    values.insert(p.name.clone(), d.clone());
                }
            }
        }
        let moved: Vec<&str> = params
            .iter()
            .filter(|p| p.source.is_some_and(|s| s != self.source_of(&p.name)))
            .map(|p| p.name.as_str())
            .collect();
        let lookup = Args {
            values: &values,
            moved: &moved,
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
        let mut headers = match t.get("headers") {
            Some(h) => pairs(&template::render_value(h, &lookup)?),
            None => Vec::new(),
        };
        let mut query = match t.get("query") {
            Some(q) => pairs(&template::render_value(q, &lookup)?),
            None => Vec::new(),
        };
        let mut body = match t.get("body") {
            Some(b) => Some(template::render_value(b, &lookup)?),
            None => None,
        };
        let options = match t.get("options") {
            Some(o) => template::render_value(o, &lookup)?,
            None => Value::Null,
        };
        let timeout_ms = options.get("timeout").and_then(Value::as_u64);
        // the operation's `options.headers` under the template's own headers
        for (k, v) in pairs(options.get("headers").unwrap_or(&Value::Null)) {
            if !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(&k)) {
                headers.push((k, v));
            }
        }
        // the parameters with their own source, under their names
        for p in params {
            let Some(source) = p.source.filter(|_| moved.contains(&p.name.as_str())) else {
                continue;
            };
            let Some(v) = values.get(&p.name).filter(|v| !v.is_null()) else {
                continue;
            };
            match source {
                Source::Header => headers.push((p.name.clone(), text(v))),
                Source::Query => query.push((p.name.clone(), text(v))),
                Source::Body => {
                    let b = body.get_or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(o) = b {
                        o.insert(p.name.clone(), v.clone());
                    }
                }
                // a path value has no place of its own: it stays where the template has it
                Source::Path => {}
            }
        }
        Ok(RestRequest {
            method,
            url,
            headers,
            query,
            body,
            timeout_ms,
        })
    }

    /// The answer of a successful call: `fullResponse`, the `responsePath` matches, or the
    /// body.
    pub fn answer(&self, status: u16, headers: Value, body: Value) -> Value {
        if self.full_response {
            return serde_json::json!({"statusCode": status, "headers": headers, "body": body});
        }
        match &self.response_path {
            None => body,
            Some(p) => {
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
    fn a_parameter_source_is_honoured() {
        let op = Operation::new(&json!({"url": "http://h/x", "body": {"b": "{b}"}})).unwrap();
        let params =
            Operation::params(&json!(["a", {"name": "b", "source": "header"}, "n=5"])).unwrap();
        let r = op.request(&params, &args(json!({"b": "v"}))).unwrap();
        assert_eq!(r.headers, vec![("b".to_string(), "v".to_string())]);
        assert_eq!(r.body, Some(json!({"b": null})));
    }
}
