//! The middleware `middleware.json` can name, as LoopBack 3 apps name them: `cors`,
//! `compression`, `helmet` / `helmet#…`, `loopback#static` / `serve-static`,
//! `body-parser#json` / `#urlencoded`, `request-id`, `timeout` / `connect-timeout`,
//! `loopback#status`, `loopback#favicon`, `loopback#rest`, `loopback#urlNotFound` and
//! `strong-error-handler`. Each is either a middleware ([`Wrap`]) or a setting of the app
//! (body limits, the REST root, how errors are rendered).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;
use tower::ServiceExt;

use super::cors::Cors;
use super::endpoint::{Endpoint, Route, Wrap};
use super::headers::SecurityHeaders;
use super::stack::wrap_layer;
use crate::future::BoxFuture;
use crate::{Error, Result};

/// What a named middleware becomes.
pub(crate) enum Builtin {
    /// A middleware at its phase.
    Wrap(Wrap),
    /// Nothing to run (`origin: false`, `loopback#rest` at the app's REST root, the
    /// `Cannot GET` end every app has).
    Nothing,
    /// `body-parser`'s `limit`: the largest body the REST API reads.
    BodyLimit(usize),
    /// `strong-error-handler`'s settings.
    ErrorHandler(ErrorHandler),
    /// `loopback#rest` mounted at another path: the REST root.
    RestRoot(String),
}

/// `strong-error-handler`'s settings (`debug`, `log`, `safeFields`).
#[derive(Debug, Clone, Default)]
pub struct ErrorHandler {
    /// Development mode: messages of 5xx errors and a stack line.
    pub debug: Option<bool>,
    /// Log every error answered (4xx too), not only 5xx.
    pub log: Option<bool>,
    /// Fields of a 5xx error kept in production answers (`code`, `details`, `name`,
    /// `message`).
    pub safe_fields: Vec<String>,
}

/// The fields an lb error can carry, the ones `safeFields` may name.
pub(super) const SAFE_FIELDS: [&str; 4] = ["code", "details", "name", "message"];

impl ErrorHandler {
    fn from_json(params: &Value) -> Result<ErrorHandler> {
        let mut h = ErrorHandler::default();
        let Some(o) = params.as_object() else {
            if params.is_null() {
                return Ok(h);
            }
            return Err(Error::internal(format!(
                "strong-error-handler: params must be an object, not {params}"
            )));
        };
        for (k, v) in o {
            match k.as_str() {
                "debug" => h.debug = Some(bool_param("strong-error-handler", k, v)?),
                "log" => h.log = Some(bool_param("strong-error-handler", k, v)?),
                "safeFields" => {
                    let list: Vec<String> = match v {
                        Value::String(s) => vec![s.clone()],
                        Value::Array(a) => a
                            .iter()
                            .map(|x| x.as_str().map(String::from))
                            .collect::<Option<_>>()
                            .ok_or_else(|| {
                                Error::internal(
                                    "strong-error-handler: safeFields must be a list of names",
                                )
                            })?,
                        _ => {
                            return Err(Error::internal(
                                "strong-error-handler: safeFields must be a list of names",
                            ))
                        }
                    };
                    if let Some(f) = list.iter().find(|f| !SAFE_FIELDS.contains(&f.as_str())) {
                        return Err(Error::internal(format!(
                            "strong-error-handler: safeFields names {f:?}, which no lb error carries (an lb error has {})",
                            SAFE_FIELDS.join(", ")
                        )));
                    }
                    h.safe_fields = list;
                }
                // rendering options lb has one answer for
                "defaultType" | "negotiateContentType" => {}
                other => {
                    return Err(Error::internal(format!(
                        "strong-error-handler: unknown option `{other}` (debug, log, safeFields)"
                    )))
                }
            }
        }
        Ok(h)
    }
}

fn bool_param(who: &str, key: &str, v: &Value) -> Result<bool> {
    v.as_bool()
        .ok_or_else(|| Error::internal(format!("{who}: `{key}` must be true or false, not {v}")))
}

/// A size as the `bytes` package reads it: `100kb`, `1mb`, `512` (bytes), 1024-based.
pub fn parse_size(v: &Value) -> Result<usize> {
    let bad = || {
        Error::internal(format!(
            "a size such as \"100kb\" or a number of bytes, not {v}"
        ))
    };
    match v {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(bad),
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            let digits_end = s
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(s.len());
            let (num, unit) = s.split_at(digits_end);
            let num: f64 = num.parse().map_err(|_| bad())?;
            let mult: f64 = match unit.trim() {
                "" | "b" => 1.0,
                "kb" => 1024.0,
                "mb" => 1024.0 * 1024.0,
                "gb" => 1024.0 * 1024.0 * 1024.0,
                _ => return Err(bad()),
            };
            Ok((num * mult).floor() as usize)
        }
        _ => Err(bad()),
    }
}

/// A duration as `connect-timeout` reads it (`ms`): `"15s"`, `"500ms"`, `"2m"`, or
/// milliseconds as a number.
pub fn parse_duration(v: &Value) -> Result<Duration> {
    let bad = || {
        Error::internal(format!(
            "a duration such as \"15s\" or milliseconds, not {v}"
        ))
    };
    match v {
        Value::Number(n) => n.as_u64().map(Duration::from_millis).ok_or_else(bad),
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            let end = s
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(s.len());
            let (num, unit) = s.split_at(end);
            let num: f64 = num.parse().map_err(|_| bad())?;
            let ms = match unit.trim() {
                "" | "ms" => num,
                "s" | "sec" | "secs" => num * 1000.0,
                "m" | "min" | "mins" => num * 60_000.0,
                "h" | "hr" | "hrs" => num * 3_600_000.0,
                _ => return Err(bad()),
            };
            Ok(Duration::from_millis(ms as u64))
        }
        _ => Err(bad()),
    }
}

/// The middleware `name` with its `params`; relative paths are read from `base` (the
/// folder of `middleware.json`). `mount`: the one path `loopback#status` answers at or static
/// files are served under (`/` when `None`).
pub(crate) fn named(
    name: &str,
    params: &Value,
    base: &Path,
    mount: Option<&str>,
) -> Result<Builtin> {
    let mount = mount.unwrap_or("/");
    let no_params = |who: &str| -> Result<()> {
        match params {
            Value::Null => Ok(()),
            Value::Object(o) if o.is_empty() => Ok(()),
            _ => Err(Error::internal(format!(
                "{who} takes no params, not {params}"
            ))),
        }
    };
    Ok(match name {
        "cors" => match Cors::from_json(params)? {
            Some(c) => Builtin::Wrap(c.wrap()),
            None => Builtin::Nothing,
        },
        "helmet" => {
            no_params("helmet")?;
            Builtin::Wrap(SecurityHeaders::helmet().wrap())
        }
        n if n.starts_with("helmet#") => {
            let mut h = SecurityHeaders::default();
            h.add(&n["helmet#".len()..], params)?;
            Builtin::Wrap(h.wrap())
        }
        "compression" => Builtin::Wrap(compression(params)?),
        "loopback#static" | "serve-static" | "loopback.static" => {
            let dir = match params {
                Value::String(s) => s.clone(),
                Value::Array(a) => a
                    .first()
                    .and_then(Value::as_str)
                    .map(String::from)
                    .ok_or_else(|| Error::internal(format!("{name}: params must start with a folder, not {params}")))?,
                Value::Object(o) => o
                    .get("root")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .ok_or_else(|| Error::internal(format!("{name}: params must name a folder (`root`)")))?,
                _ => return Err(Error::internal(format!("{name}: params must name a folder, not {params}"))),
            };
            Builtin::Wrap(static_files_at(mount, resolve(base, &dir)))
        }
        "body-parser#json" | "body-parser#urlencoded" | "body-parser#raw" | "body-parser#text" => {
            match params.get("limit") {
                Some(l) => Builtin::BodyLimit(
                    parse_size(l).map_err(|e| Error::internal(format!("{name}: limit: {}", e.message)))?,
                ),
                None => Builtin::Nothing,
            }
        }
        "request-id" | "express-request-id" => {
            no_params(name)?;
            Builtin::Wrap(request_id())
        }
        "timeout" | "connect-timeout" => {
            let t = match params {
                Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                Value::Object(o) => o.get("time").cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            let d = parse_duration(&t).map_err(|e| Error::internal(format!("{name}: {}", e.message)))?;
            Builtin::Wrap(timeout(d))
        }
        "loopback#status" => {
            no_params(name)?;
            Builtin::Wrap(status(mount))
        }
        "loopback#favicon" | "serve-favicon" => Builtin::Wrap(favicon(params, base)?),
        "loopback#urlNotFound" => {
            no_params(name)?;
            Builtin::Nothing
        }
        "loopback#rest" => {
            no_params(name)?;
            Builtin::Nothing
        }
        "loopback#token" => {
            return Err(Error::internal(
                "loopback#token: tokens are read by the app's authorizer (lb::rest::AclAuthorizer and its TokenSources), not by a middleware",
            ))
        }
        "strong-error-handler" | "loopback#errorHandler" => {
            Builtin::ErrorHandler(ErrorHandler::from_json(params)?)
        }
        other => {
            return Err(Error::internal(format!(
                "unknown middleware `{other}` (lb knows cors, compression, helmet, helmet#<name>, loopback#static, serve-static, body-parser#json, body-parser#urlencoded, request-id, timeout, loopback#status, loopback#favicon, loopback#rest, loopback#urlNotFound, strong-error-handler; register your own with AppBuilder::middleware_factory)"
            )));
        }
    })
}

/// `$!../client` (LoopBack's "relative to this file") or a plain relative path, from `base`.
fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = p.strip_prefix("$!").unwrap_or(p);
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// tower-http's compression (gzip, deflate, brotli) above `threshold` bytes (the
/// `compression` package's default: 1 kB).
fn compression(params: &Value) -> Result<Wrap> {
    use tower_http::compression::{predicate::SizeAbove, CompressionLayer, Predicate};
    let threshold = match params.get("threshold") {
        None => 1024,
        Some(v) => parse_size(v)
            .map_err(|e| Error::internal(format!("compression: threshold: {}", e.message)))?,
    };
    if let Some(o) = params.as_object() {
        if let Some(k) = o.keys().find(|k| *k != "threshold") {
            return Err(Error::internal(format!(
                "compression: unknown option `{k}` (threshold)"
            )));
        }
    }
    let size = u16::try_from(threshold).unwrap_or(u16::MAX);
    // the default predicate's rules (no images, no event streams) plus the threshold
    let when = SizeAbove::new(size)
        .and(tower_http::compression::predicate::NotForContentType::GRPC)
        .and(tower_http::compression::predicate::NotForContentType::IMAGES)
        .and(tower_http::compression::predicate::NotForContentType::SSE);
    Ok(wrap_layer(CompressionLayer::new().compress_when(when)))
}

/// `X-Request-Id` on every request and its answer: the client's when it sent one, else a new
/// UUID (tower-http's request-id middleware).
pub fn request_id() -> Wrap {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    let layer = tower::ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id());
    wrap_layer(layer)
}

/// Answers 503 in LoopBack's envelope when the rest of the chain takes longer than `limit`.
pub fn timeout(limit: Duration) -> Wrap {
    Arc::new(move |inner: Route| {
        Arc::new(move |req: Request| -> BoxFuture<'static, Response> {
            let answer = inner.call(req);
            Box::pin(async move {
                match tokio::time::timeout(limit, answer).await {
                    Ok(r) => r,
                    Err(_) => crate::rest::error_response(&Error::request_timeout(limit), false),
                }
            })
        }) as Route
    })
}

/// `loopback#status`: `GET path` answers `{"started": <date>, "uptime": <seconds>}`.
pub fn status(path: &str) -> Wrap {
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let path: Arc<str> = Arc::from(path);
    Arc::new(move |inner: Route| {
        let path = path.clone();
        Arc::new(Answering {
            inner,
            answer: Box::new(move |req: &Request| {
                if !(req.method() == Method::GET || req.method() == Method::HEAD)
                    || req.uri().path() != &*path
                {
                    return None;
                }
                let body = serde_json::json!({
                    "started": started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "uptime": clock.elapsed().as_secs_f64(),
                });
                Some(crate::rest::json_response(StatusCode::OK, &body))
            }),
        }) as Route
    })
}

/// `loopback#favicon`: `/favicon.ico` from a file (params: its path), or 204 without one.
fn favicon(params: &Value, base: &Path) -> Result<Wrap> {
    let icon: Option<bytes::Bytes> = match params {
        Value::Null => None,
        Value::Object(o) if o.is_empty() => None,
        Value::String(p) => {
            let path = resolve(base, p);
            Some(
                std::fs::read(&path)
                    .map_err(|e| {
                        Error::internal(format!("loopback#favicon: {}: {e}", path.display()))
                    })?
                    .into(),
            )
        }
        _ => {
            return Err(Error::internal(format!(
                "loopback#favicon: params must be the icon's path, not {params}"
            )))
        }
    };
    Ok(Arc::new(move |inner: Route| {
        let icon = icon.clone();
        Arc::new(Answering {
            inner,
            answer: Box::new(move |req: &Request| {
                if req.uri().path() != "/favicon.ico"
                    || !(req.method() == Method::GET || req.method() == Method::HEAD)
                {
                    return None;
                }
                let mut res = match &icon {
                    Some(b) => Response::new(Body::from(b.clone())),
                    None => {
                        let mut r = Response::new(Body::empty());
                        *r.status_mut() = StatusCode::NO_CONTENT;
                        r
                    }
                };
                res.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000"),
                );
                if icon.is_some() {
                    res.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("image/x-icon"),
                    );
                }
                Some(res)
            }),
        }) as Route
    }))
}

/// Answers the requests `answer` takes; the others go on at no cost (the rest of the chain's
/// own future is returned).
struct Answering {
    inner: Route,
    answer: Answer,
}

/// What an [`Answering`] middleware answers (`None`: not its request).
type Answer = Box<dyn Fn(&Request) -> Option<Response> + Send + Sync>;

impl Endpoint for Answering {
    fn call(&self, req: Request) -> BoxFuture<'static, Response> {
        match (self.answer)(&req) {
            Some(res) => Box::pin(async move { res }),
            None => self.inner.call(req),
        }
    }
}

/// Static files from `dir` (tower-http's `ServeDir`): a `GET`/`HEAD` for a file that exists
/// is answered, anything else goes on down the chain.
pub fn static_files(dir: impl Into<PathBuf>) -> Wrap {
    static_files_at("/", dir)
}

/// Static files of `dir` under the URL path `mount` (`/public/a.css` → `dir/a.css`), as
/// Express's `app.use(mount, serveStatic(dir))`.
pub fn static_files_at(mount: &str, dir: impl Into<PathBuf>) -> Wrap {
    let dir: PathBuf = dir.into();
    let mount: Arc<str> = Arc::from(mount.trim_end_matches('/'));
    Arc::new(move |inner: Route| {
        let mount = mount.clone();
        let serve =
            tower_http::services::ServeDir::new(&dir).append_index_html_on_directories(true);
        Arc::new(move |req: Request| -> BoxFuture<'static, Response> {
            if !(req.method() == Method::GET || req.method() == Method::HEAD) {
                return inner.call(req);
            }
            let Some(rest) = req
                .uri()
                .path()
                .strip_prefix(&*mount)
                .filter(|r| r.is_empty() || r.starts_with('/'))
            else {
                return inner.call(req);
            };
            let Ok(uri) = (if rest.is_empty() { "/" } else { rest }).parse::<axum::http::Uri>()
            else {
                return inner.call(req);
            };
            // the file lookup sees the head only: the request goes on whole when there is no
            // file
            let mut probe = Request::new(Body::empty());
            *probe.method_mut() = req.method().clone();
            *probe.uri_mut() = uri;
            *probe.headers_mut() = req.headers().clone();
            let serve = serve.clone();
            let inner = inner.clone();
            Box::pin(async move {
                match serve.oneshot(probe).await {
                    Ok(res) if res.status() != StatusCode::NOT_FOUND => res.map(Body::new),
                    _ => inner.call(req).await,
                }
            })
        }) as Route
    })
}
