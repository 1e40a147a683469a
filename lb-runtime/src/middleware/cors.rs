//! CORS as the `cors` package LoopBack 3's scaffold puts at `initial` answers it
//! (`{origin: true, credentials: true, maxAge: 86400}`): the request's origin reflected, with
//! `Vary: Origin`; every `OPTIONS` request is a preflight answered 204 with the allowed
//! methods, the requested headers reflected (`Vary: Access-Control-Request-Headers`) and the
//! max age; other requests go on and their answers — errors included — carry the headers.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::Entry;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::endpoint::{Decorate, Endpoint, HeadersOnly, Route, Wrap};
use super::headers::static_value;
use crate::future::BoxFuture;
use crate::{Error, Result};

/// Which origins are allowed (`cors`'s `origin` option).
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// `true`: any origin, reflected (with `Vary: Origin`).
    Reflect,
    /// `"*"`: `Access-Control-Allow-Origin: *`.
    Any,
    /// A fixed origin, always sent (with `Vary: Origin`).
    Fixed(String),
    /// These origins, reflected when the request's is one of them.
    List(Vec<String>),
}

/// The options of the `cors` package; [`Cors::default`] is the LoopBack 3 scaffold's.
#[derive(Debug, Clone)]
pub struct Cors {
    /// Allowed origins.
    pub origin: Origin,
    /// `Access-Control-Allow-Credentials: true`.
    pub credentials: bool,
    /// `Access-Control-Max-Age` of preflight answers, in seconds.
    pub max_age: Option<u64>,
    /// `Access-Control-Allow-Methods` (default `GET,HEAD,PUT,PATCH,POST,DELETE`).
    pub methods: Vec<String>,
    /// `Access-Control-Allow-Headers`; `None`: the request's `Access-Control-Request-Headers`.
    pub allowed_headers: Option<Vec<String>>,
    /// `Access-Control-Expose-Headers`.
    pub exposed_headers: Vec<String>,
    /// The status of a preflight answer (204).
    pub options_success_status: StatusCode,
    /// Preflight requests go on to the next middleware instead of being answered.
    pub preflight_continue: bool,
}

impl Default for Cors {
    fn default() -> Cors {
        Cors {
            origin: Origin::Reflect,
            credentials: true,
            max_age: Some(86_400),
            methods: ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"]
                .map(String::from)
                .to_vec(),
            allowed_headers: None,
            exposed_headers: Vec::new(),
            options_success_status: StatusCode::NO_CONTENT,
            preflight_continue: false,
        }
    }
}

impl Cors {
    /// The `cors` package's options as JSON (`middleware.json`'s `params`, `remoting.cors`):
    /// starts from the package's own defaults (`origin: "*"`, no credentials), as `cors(params)`
    /// does. `Ok(None)`: `origin: false`, CORS off.
    pub fn from_json(params: &Value) -> Result<Option<Cors>> {
        let bad = |key: &str, want: &str| {
            Error::internal(format!("cors: `{key}` must be {want}, not {}", params[key]))
        };
        let obj = match params {
            Value::Null => return Ok(Some(Cors::package_defaults())),
            Value::Bool(false) => return Ok(None),
            Value::Object(o) => o,
            _ => {
                return Err(Error::internal(format!(
                    "cors: params must be an object, not {params}"
                )))
            }
        };
        let mut c = Cors::package_defaults();
        for (key, v) in obj {
            match key.as_str() {
                "origin" => {
                    c.origin = match v {
                        Value::Bool(false) => return Ok(None),
                        Value::Bool(true) => Origin::Reflect,
                        Value::String(s) if s == "*" => Origin::Any,
                        Value::String(s) => Origin::Fixed(s.clone()),
                        Value::Array(a) => Origin::List(strings(a).ok_or_else(|| {
                            bad("origin", "true, false, \"*\", an origin or a list of origins")
                        })?),
                        _ => return Err(bad("origin", "true, false, \"*\", an origin or a list of origins")),
                    }
                }
                "credentials" => c.credentials = v.as_bool().ok_or_else(|| bad(key, "a boolean"))?,
                "maxAge" => {
                    c.max_age = match v {
                        Value::Null => None,
                        Value::Number(n) => Some(n.as_u64().ok_or_else(|| bad(key, "seconds"))?),
                        Value::String(s) => Some(s.parse().map_err(|_| bad(key, "seconds"))?),
                        _ => return Err(bad(key, "seconds")),
                    }
                }
                "methods" => c.methods = list(v).ok_or_else(|| bad(key, "a list of methods"))?,
                "allowedHeaders" | "headers" => {
                    c.allowed_headers = Some(list(v).ok_or_else(|| bad(key, "a list of headers"))?)
                }
                "exposedHeaders" => {
                    c.exposed_headers = list(v).ok_or_else(|| bad(key, "a list of headers"))?
                }
                "optionsSuccessStatus" => {
                    c.options_success_status = v
                        .as_u64()
                        .and_then(|n| u16::try_from(n).ok())
                        .and_then(|n| StatusCode::from_u16(n).ok())
                        .ok_or_else(|| bad(key, "an HTTP status"))?
                }
                "preflightContinue" => {
                    c.preflight_continue = v.as_bool().ok_or_else(|| bad(key, "a boolean"))?
                }
                other => {
                    return Err(Error::internal(format!(
                        "cors: unknown option `{other}` (origin, credentials, maxAge, methods, allowedHeaders, exposedHeaders, optionsSuccessStatus, preflightContinue)"
                    )))
                }
            }
        }
        Ok(Some(c))
    }

    /// The `cors` package's own defaults: `*`, no credentials, no max age.
    fn package_defaults() -> Cors {
        Cors {
            origin: Origin::Any,
            credentials: false,
            max_age: None,
            ..Cors::default()
        }
    }

    /// As a middleware.
    pub fn wrap(self) -> Wrap {
        let cors = Arc::new(Prepared::new(self));
        Arc::new(move |inner: Route| {
            Arc::new(CorsService {
                cors: cors.clone(),
                inner,
            }) as Route
        })
    }

    /// The headers of a preflight answer to a request with these headers (a simple answer's
    /// are [`Prepared::simple`]'s).
    fn preflight(&self, req: &HeaderMap, out: &mut HeaderMap) {
        let origin = req.get(header::ORIGIN);
        let mut vary: Vec<&str> = Vec::new();
        match &self.origin {
            Origin::Any => {
                out.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            Origin::Fixed(o) => {
                if let Ok(v) = HeaderValue::from_str(o) {
                    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
                }
                vary.push("Origin");
            }
            Origin::Reflect | Origin::List(_) => {
                let allowed = match &self.origin {
                    Origin::List(l) => origin
                        .and_then(|o| o.to_str().ok())
                        .is_some_and(|o| l.iter().any(|a| a == o)),
                    _ => true,
                };
                if let (true, Some(o)) = (allowed, origin) {
                    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
                }
                vary.push("Origin");
            }
        }
        if self.credentials {
            out.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if let Ok(v) = HeaderValue::from_str(&self.methods.join(",")) {
            out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
        }
        let allowed = match &self.allowed_headers {
            Some(h) => HeaderValue::from_str(&h.join(",")).ok(),
            None => {
                vary.push("Access-Control-Request-Headers");
                req.get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned()
            }
        };
        if let Some(v) = allowed.filter(|v| !v.is_empty()) {
            out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
        }
        if let Some(age) = self.max_age.filter(|a| *a > 0) {
            out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(age));
        }
        if !self.exposed_headers.is_empty() {
            if let Ok(v) = HeaderValue::from_str(&self.exposed_headers.join(",")) {
                out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
            }
        }
        if !vary.is_empty() {
            add_vary(out, &vary);
        }
    }
}

/// Appends field names to `Vary` as the `vary` package does (no duplicates, `*` wins).
pub(crate) fn add_vary(out: &mut HeaderMap, names: &[&str]) {
    let current = out
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if current.trim() == "*" {
        return;
    }
    let mut fields: Vec<String> = current
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    for n in names {
        if !fields.iter().any(|f| f.eq_ignore_ascii_case(n)) {
            fields.push((*n).to_string());
        }
    }
    if let Ok(v) = HeaderValue::from_str(&fields.join(", ")) {
        out.insert(header::VARY, v);
    }
}

fn strings(a: &[Value]) -> Option<Vec<String>> {
    a.iter().map(|v| v.as_str().map(String::from)).collect()
}

/// A list as an array or a comma-separated string.
fn list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Array(a) => strings(a),
        Value::String(s) => Some(
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        ),
        _ => None,
    }
}

/// The options with the header values every answer shares, made once.
struct Prepared {
    cors: Cors,
    /// `Access-Control-Allow-Origin` when it does not depend on the request.
    fixed_origin: Option<HeaderValue>,
    /// `Vary: Origin` is due on every answer (the origin is reflected or fixed).
    vary_origin: bool,
    expose: Option<HeaderValue>,
}

impl Prepared {
    fn new(cors: Cors) -> Prepared {
        let fixed_origin = match &cors.origin {
            Origin::Any => Some(HeaderValue::from_static("*")),
            Origin::Fixed(o) => static_value(o),
            _ => None,
        };
        let expose = (!cors.exposed_headers.is_empty())
            .then(|| static_value(&cors.exposed_headers.join(",")))
            .flatten();
        Prepared {
            vary_origin: cors.origin != Origin::Any,
            cors,
            fixed_origin,
            expose,
        }
    }

    /// The headers of a simple (not preflight) answer, onto `out`: set before the route ran in
    /// Express, so a header the route set itself wins; `Vary` is merged.
    fn simple(&self, origin: Option<HeaderValue>, out: &mut HeaderMap) {
        let allowed = match (&self.fixed_origin, &self.cors.origin) {
            (Some(v), _) => Some(v.clone()),
            (None, Origin::List(l)) => {
                origin.filter(|o| o.to_str().is_ok_and(|o| l.iter().any(|a| a == o)))
            }
            (None, _) => origin,
        };
        if let Some(v) = allowed {
            out.entry(header::ACCESS_CONTROL_ALLOW_ORIGIN).or_insert(v);
        }
        if self.cors.credentials {
            out.entry(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
                .or_insert(HeaderValue::from_static("true"));
        }
        if let Some(v) = &self.expose {
            out.entry(header::ACCESS_CONTROL_EXPOSE_HEADERS)
                .or_insert_with(|| v.clone());
        }
        if self.vary_origin {
            match out.entry(header::VARY) {
                Entry::Vacant(slot) => {
                    slot.insert(HeaderValue::from_static("Origin"));
                }
                Entry::Occupied(_) => add_vary(out, &["Origin"]),
            }
        }
    }
}

struct CorsService {
    cors: Arc<Prepared>,
    inner: Route,
}

impl Endpoint for CorsService {
    fn call(&self, req: Request) -> BoxFuture<'static, Response> {
        let p = &self.cors;
        if req.method() == Method::OPTIONS && !p.cors.preflight_continue {
            let mut headers = HeaderMap::new();
            p.cors.preflight(req.headers(), &mut headers);
            let mut res = Response::new(Body::empty());
            *res.status_mut() = p.cors.options_success_status;
            res.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            merge(res.headers_mut(), headers);
            return Box::pin(async move { res });
        }
        if req.method() == Method::OPTIONS {
            // a preflight that goes on: its headers are the preflight's
            let mut headers = HeaderMap::new();
            p.cors.preflight(req.headers(), &mut headers);
            let answer = self.inner.call(req);
            return Box::pin(async move {
                let mut res = answer.await;
                merge(res.headers_mut(), headers);
                res
            });
        }
        let origin = req.headers().get(header::ORIGIN).cloned();
        let answer = self.inner.call(req);
        let p = p.clone();
        Box::pin(async move {
            let mut res = answer.await;
            p.simple(origin, res.headers_mut());
            res
        })
    }

    fn headers_only(&self) -> Option<HeadersOnly> {
        Some(HeadersOnly {
            decorators: vec![self.cors.clone() as Arc<dyn Decorate>],
            inner: self.inner.clone(),
        })
    }
}

/// A simple request's CORS headers (a preflight needs the whole middleware).
impl Decorate for Prepared {
    fn capture(&self, req: &Request) -> Option<Option<HeaderValue>> {
        (req.method() != Method::OPTIONS).then(|| req.headers().get(header::ORIGIN).cloned())
    }

    fn decorate(&self, origin: Option<HeaderValue>, res: &mut Response) {
        self.simple(origin, res.headers_mut());
    }
}

/// The CORS headers onto an answer: set before the route ran in Express, so a header the
/// route set itself wins; `Vary` is merged.
fn merge(out: &mut HeaderMap, cors: HeaderMap) {
    for (name, value) in &cors {
        if name == header::VARY {
            let names: Vec<&str> = value
                .to_str()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .collect();
            add_vary(out, &names);
        } else if !out.contains_key(name) {
            out.insert(name.clone(), value.clone());
        }
    }
}
