//! LoopBack's REST connector: a datasource whose `operations` describe calls to a third-party
//! HTTP API as templates (see the guide, `lb::guide::rest_connector`), each exposed as named functions
//! (`geocode(street, city, zipcode)`), called with [`RestDataSource::invoke`].
//!
//! Requests are what `loopback-connector-rest` 5.0.5 sends for the same configuration and call
//! (`tests/rest_differential.rs` compares the two). Differences, each a bug of the original
//! (`docs/compat.md`): path values are percent-encoded; a `number` that is not one, or a
//! missing required variable, is a 400 error, not NaN or an exception; a parameter's default
//! does not override the argument; a remote status ≥ 400 is an error carrying the status,
//! headers and body; `responsePath` is RFC 9535 JSONPath plus JSONPath-Plus's common script
//! forms.

mod crud;
mod json_path;
mod operation;
pub(crate) mod template;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use serde_json::{Map, Value};

pub use crud::{CrudDialect, RestCrud};
pub use operation::{Operation, Param, RestRequest, Source};

use crate::connector::BoxFuture;
use crate::{Error, Result};
use operation::config_error;

/// What came back from the remote API (after execute hooks may change it).
#[derive(Debug, Clone, PartialEq)]
pub struct RestResponse {
    /// The request that was sent.
    pub request: RestRequest,
    /// HTTP status.
    pub status: u16,
    /// Response headers (lower-case names, text values).
    pub headers: Map<String, Value>,
    /// The body: parsed JSON, or the text when it is not JSON.
    pub body: Value,
}

/// The timeout of a request when none is configured (`options.timeout`), in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;

/// The largest response body read from a remote API.
pub const MAX_RESPONSE: usize = 16 << 20;

type BeforeFn = Arc<dyn Fn(RestRequest) -> BoxFuture<'static, Result<RestRequest>> + Send + Sync>;
type AfterFn = Arc<dyn Fn(RestResponse) -> BoxFuture<'static, Result<RestResponse>> + Send + Sync>;

/// A function of the datasource: which operation, with which parameters.
#[derive(Debug, Clone)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// Its parameters, in call order.
    pub params: Vec<Param>,
    /// The operation it calls.
    pub operation: Arc<Operation>,
}

/// A REST datasource (`"connector": "rest"`).
#[derive(Clone)]
pub struct RestDataSource {
    client: reqwest::Client,
    /// Headers of every request (`options.headers`; an operation's own win).
    headers: Vec<(String, String)>,
    /// Timeout of every request (`options.timeout`, ms).
    timeout_ms: Option<u64>,
    /// `options.useQuerystring`: arrays in the query as repeated names.
    use_querystring: bool,
    functions: Arc<HashMap<String, Function>>,
    /// The operations in declaration order (`invoke_template` calls the last one, as
    /// LoopBack's `dataSource.invoke` does).
    operations: Arc<Vec<Arc<Operation>>>,
    before: Vec<BeforeFn>,
    after: Vec<AfterFn>,
}

impl std::fmt::Debug for RestDataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.functions.keys().collect();
        names.sort();
        f.debug_struct("RestDataSource")
            .field("functions", &names)
            .finish()
    }
}

fn text_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    match v {
        Some(Value::Object(o)) => o
            .iter()
            .filter(|(_, x)| !x.is_null())
            .map(|(k, x)| {
                let t = match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), t)
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl RestDataSource {
    /// A datasource from LoopBack's settings: `{"options": {headers, timeout, strictSSL},
    /// "operations": [{"template": {..}, "functions": {"name": [params]}}]}`.
    pub fn from_settings(settings: &Value) -> Result<RestDataSource> {
        let options = settings.get("options");
        let strict_ssl = options
            .and_then(|o| o.get("strictSSL"))
            .and_then(Value::as_bool)
            != Some(false);
        // rustls with ring (no C build); installing twice is harmless
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .tls_danger_accept_invalid_certs(!strict_ssl)
            .build()
            .map_err(|e| config_error(&format!("HTTP client: {e}")))?;
        let mut functions = HashMap::new();
        let mut operations = Vec::new();
        let ops = match settings.get("operations") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(other) => {
                return Err(config_error(&format!(
                    "operations must be an array, not {other}"
                )))
            }
        };
        for (i, op) in ops.iter().enumerate() {
            let template = op
                .get("template")
                .ok_or_else(|| config_error(&format!("operation {i} has no template")))?;
            let operation = Arc::new(Operation::new(template)?);
            operations.push(operation.clone());
            let fns = match op.get("functions") {
                Some(Value::Object(f)) => f.clone(),
                None | Some(Value::Null) => Map::new(),
                Some(other) => {
                    return Err(config_error(&format!(
                        "operation {i}: functions must be an object, not {other}"
                    )))
                }
            };
            for (name, params) in fns {
                // a parameter that names no variable of the template is accepted and unused,
                // as LoopBack does (`rest_client!` refuses it at compile time)
                let params = Operation::params(&params)?;
                if functions.contains_key(&name) {
                    return Err(config_error(&format!("function {name} is declared twice")));
                }
                functions.insert(
                    name.clone(),
                    Function {
                        name,
                        params,
                        operation: operation.clone(),
                    },
                );
            }
        }
        Ok(RestDataSource {
            client,
            headers: text_pairs(options.and_then(|o| o.get("headers"))),
            timeout_ms: options
                .and_then(|o| o.get("timeout"))
                .and_then(Value::as_u64),
            use_querystring: options
                .and_then(|o| o.get("useQuerystring"))
                .and_then(Value::as_bool)
                == Some(true),
            functions: Arc::new(functions),
            operations: Arc::new(operations),
            before: Vec::new(),
            after: Vec::new(),
        })
    }

    /// The functions, by name.
    pub fn functions(&self) -> impl Iterator<Item = &Function> {
        self.functions.values()
    }

    /// A function by name.
    pub fn function(&self, name: &str) -> Option<&Function> {
        self.functions.get(name)
    }

    /// Adds a `before execute` hook: it gets the outgoing request and gives it back, changed
    /// or not; an error stops the call.
    pub fn before_execute<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(RestRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<RestRequest>> + Send + 'static,
    {
        self.before.push(Arc::new(move |r| Box::pin(f(r))));
        self
    }

    /// Adds an `after execute` hook: it gets the response (and the request) and gives it back,
    /// changed or not; an error becomes the call's error.
    pub fn after_execute<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(RestResponse) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<RestResponse>> + Send + 'static,
    {
        self.after.push(Arc::new(move |r| Box::pin(f(r))));
        self
    }

    /// Calls function `name` with `args`: an object of named arguments, or an array of
    /// positional ones (in the function's parameter order).
    pub async fn invoke(&self, name: &str, args: Value) -> Result<Value> {
        let f = self.functions.get(name).ok_or_else(|| {
            Error::internal(format!("the rest datasource has no function {name}"))
        })?;
        let named = named_args(name, &f.params, args)?;
        self.call(&f.operation, &f.params, named).await
    }

    /// Calls the last operation's template with named `args`, as LoopBack's
    /// `dataSource.invoke(params)` does: the way to call an operation that declares no
    /// `functions`.
    pub async fn invoke_template(&self, args: Value) -> Result<Value> {
        let last = self
            .operations
            .len()
            .checked_sub(1)
            .ok_or_else(|| Error::internal("the rest datasource has no operation to invoke"))?;
        self.invoke_operation(last, args).await
    }

    /// Calls operation `index` (declaration order) with named `args`.
    pub async fn invoke_operation(&self, index: usize, args: Value) -> Result<Value> {
        let op = self.operations.get(index).ok_or_else(|| {
            Error::internal(format!("the rest datasource has no operation {index}"))
        })?;
        let named = named_args(&format!("operation {index}"), &[], args)?;
        self.call(op, &[], named).await
    }

    async fn call(
        &self,
        op: &Operation,
        params: &[Param],
        args: Map<String, Value>,
    ) -> Result<Value> {
        // a responsePath lb cannot read fails this operation's calls, not the app
        if let Some(Err(msg)) = &op.response_path {
            return Err(config_error(msg));
        }
        let request = op.request(params, &args, self.use_querystring)?;
        let response = self.execute(request).await?;
        Ok(op.answer(
            response.status,
            Value::Object(response.headers),
            response.body,
        ))
    }

    /// Sends a request through the hooks; a status ≥ 400 is an error with the status, headers
    /// and body.
    pub async fn execute(&self, request: RestRequest) -> Result<RestResponse> {
        // a `lb::rest_connector` span per call: method, host and path (never the query, where
        // API keys live), status and duration
        let span = tracing::debug_span!(
            target: "lb::rest_connector",
            "rest_connector",
            http.request.method = %request.method,
            server.address = tracing::field::Empty,
            url.path = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
        );
        if span.is_disabled() {
            return self.send(request).await;
        }
        if let Ok(u) = reqwest::Url::parse(&request.url) {
            span.record("server.address", u.host_str().unwrap_or(""));
            span.record("url.path", u.path());
        }
        let started = std::time::Instant::now();
        let result = self.send(request).instrument(span.clone()).await;
        let status = match &result {
            Ok(r) => r.status,
            Err(e) => e.status.as_u16(),
        };
        span.record("http.response.status_code", status);
        span.in_scope(|| {
            tracing::debug!(
                target: "lb::rest_connector",
                status,
                duration_ms = started.elapsed().as_secs_f64() * 1000.0,
                "answered"
            )
        });
        result
    }

    async fn send(&self, request: RestRequest) -> Result<RestResponse> {
        let mut request = request;
        for h in &self.before {
            request = h(request).await?;
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::bad_request(format!("{} is not an HTTP method", request.method)))?;
        let mut url = reqwest::Url::parse(&request.url)
            .map_err(|e| Error::bad_request(format!("{} is not a URL: {e}", request.url)))?;
        if !request.query.is_empty() {
            let added = query_string(&request.query);
            let q = match url.query() {
                Some(q) if !q.is_empty() => format!("{q}&{added}"),
                _ => added,
            };
            url.set_query(Some(&q));
        }
        let mut rb = self.client.request(method, url);
        for (k, v) in &self.headers {
            if !request
                .headers
                .iter()
                .any(|(h, _)| h.eq_ignore_ascii_case(k))
            {
                rb = rb.header(k, v);
            }
        }
        for (k, v) in &request.headers {
            rb = rb.header(k, v);
        }
        let has = |name: &str| {
            request
                .headers
                .iter()
                .any(|(h, _)| h.eq_ignore_ascii_case(name))
                || self
                    .headers
                    .iter()
                    .any(|(h, _)| h.eq_ignore_ascii_case(name))
        };
        if request.json && !has("accept") {
            rb = rb.header(reqwest::header::ACCEPT, "application/json");
        }
        if let Some(b) = &request.body {
            if !has("content-type") {
                rb = rb.header(reqwest::header::CONTENT_TYPE, "application/json");
            }
            rb = rb.body(match b {
                Value::String(s) if !request.json => s.clone(),
                other => other.to_string(),
            });
        }
        // a remote that never answers cannot hold a request forever
        let timeout = request
            .timeout_ms
            .or(self.timeout_ms)
            .or(Some(DEFAULT_TIMEOUT_MS));
        if let Some(ms) = timeout {
            rb = rb.timeout(Duration::from_millis(ms));
        }
        let res = rb
            .send()
            .await
            .map_err(|e| transport_error(&request, e, timeout))?;
        let status = res.status().as_u16();
        let mut headers = Map::new();
        for (k, v) in res.headers() {
            headers.insert(
                k.as_str().to_string(),
                Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
            );
        }
        let mut res = res;
        let mut bytes = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| transport_error(&request, e, timeout))?
        {
            if bytes.len() + chunk.len() > MAX_RESPONSE {
                return Err(Error::new(
                    axum::http::StatusCode::BAD_GATEWAY,
                    format!(
                        "{} {} answered more than {MAX_RESPONSE} bytes",
                        request.method, request.url
                    ),
                )
                .with_code("REMOTE_TOO_LARGE"));
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&bytes);
        // JSON mode parses any answer that is JSON, whatever its content type (LoopBack)
        let body = if bytes.is_empty() {
            Value::Null
        } else if response_json(&request, &headers) {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(text.into_owned()))
        } else {
            Value::String(text.into_owned())
        };
        let mut response = RestResponse {
            request,
            status,
            headers,
            body,
        };
        for h in &self.after {
            response = h(response).await?;
        }
        if response.status >= 400 {
            return Err(remote_error(&response));
        }
        Ok(response)
    }
}

/// The arguments of a call by name: an object of named ones, `null` for none, or an array of
/// positional ones in `params` order.
fn named_args(what: &str, params: &[Param], args: Value) -> Result<Map<String, Value>> {
    match args {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(Map::new()),
        Value::Array(a) if a.len() > params.len() => Err(Error::bad_request(format!(
            "{what} takes {} arguments, not {}",
            params.len(),
            a.len()
        ))),
        Value::Array(a) => Ok(params
            .iter()
            .zip(a)
            .map(|(p, v)| (p.name.clone(), v))
            .collect()),
        other => Err(Error::bad_request(format!(
            "the arguments of {what} are an object or an array, not {other}"
        ))),
    }
}

/// Whether an answer is read as JSON: in JSON mode always (when its text parses), else only
/// when it says it is JSON.
fn response_json(request: &RestRequest, headers: &Map<String, Value>) -> bool {
    request.json
        || headers
            .get("content-type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("json"))
}

/// What `request` puts after `?`: every character but RFC 3986's unreserved ones
/// percent-encoded (a space is `%20`), in both of its query modes.
fn query_string(pairs: &[(String, String)]) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const QS: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, QS),
                utf8_percent_encode(v, QS)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A remote status ≥ 400 as lb's error: that status, the body as message, and
/// `details: {statusCode, headers, body}`.
fn remote_error(r: &RestResponse) -> Error {
    let status =
        axum::http::StatusCode::from_u16(r.status).unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
    let message = match &r.body {
        Value::String(s) => s.clone(),
        Value::Null => format!("{} answered {}", r.request.url, r.status),
        other => other.to_string(),
    };
    // the remote's cookies are not the client's business
    let mut headers = r.headers.clone();
    headers.remove("set-cookie");
    Error::new(status, message)
        .with_code("REMOTE_ERROR")
        .with_details(serde_json::json!({
            "statusCode": r.status,
            "headers": headers,
            "body": r.body,
        }))
}

fn transport_error(r: &RestRequest, e: reqwest::Error, timeout: Option<u64>) -> Error {
    if e.is_timeout() {
        return Error::new(
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            format!(
                "{} {} timed out after {} ms",
                r.method,
                r.url,
                timeout.unwrap_or_default()
            ),
        )
        .with_code("REMOTE_TIMEOUT");
    }
    // the error without its URL: the query string may hold credentials
    Error::new(
        axum::http::StatusCode::BAD_GATEWAY,
        format!("{} {} failed: {}", r.method, r.url, e.without_url()),
    )
    .with_code("REMOTE_UNREACHABLE")
}
