//! Security headers as `helmet` sets them: the LoopBack 3 scaffold's selection
//! ([`SecurityHeaders::scaffold`]), helmet 3's defaults ([`SecurityHeaders::helmet`]) and each
//! of helmet's middleware by name (`helmet#frameguard`, …) for `middleware.json`.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

use axum::extract::Request;
use axum::http::header::Entry;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use serde_json::Value;

use super::endpoint::{Decorate, Endpoint, HeadersOnly, Route, Wrap};
use crate::future::BoxFuture;
use crate::{Error, Result};

/// Headers set on every answer (unless the route set its own) and headers removed.
#[derive(Debug, Clone, Default)]
pub struct SecurityHeaders {
    set: Vec<(HeaderName, HeaderValue)>,
    remove: Vec<HeaderName>,
}

impl SecurityHeaders {
    /// What LoopBack 3's scaffold (`lb app`) turns on in `middleware.json`:
    /// `helmet#xssFilter`, `helmet#frameguard` (`deny`), `helmet#hsts` (max age 0, sub
    /// domains), `helmet#hidePoweredBy`, `helmet#ieNoOpen`, `helmet#noSniff`.
    pub fn scaffold() -> SecurityHeaders {
        let mut h = SecurityHeaders::default();
        for (name, params) in [
            ("xssFilter", Value::Null),
            ("frameguard", serde_json::json!(["deny"])),
            (
                "hsts",
                serde_json::json!({"maxAge": 0, "includeSubdomains": true}),
            ),
            ("hidePoweredBy", Value::Null),
            ("ieNoOpen", Value::Null),
            ("noSniff", Value::Null),
        ] {
            h.add(name, &params).expect("the scaffold's own settings");
        }
        h
    }

    /// `helmet()` of helmet 3: DNS prefetch control off, frameguard `SAMEORIGIN`, no
    /// `X-Powered-By`, HSTS 180 days with sub domains, `X-Download-Options`, `nosniff`, the
    /// XSS filter.
    pub fn helmet() -> SecurityHeaders {
        let mut h = SecurityHeaders::default();
        for name in [
            "dnsPrefetchControl",
            "frameguard",
            "hidePoweredBy",
            "hsts",
            "ieNoOpen",
            "noSniff",
            "xssFilter",
        ] {
            h.add(name, &Value::Null).expect("helmet's own defaults");
        }
        h
    }

    /// Adds one header to set.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.set.retain(|(n, _)| *n != name);
        self.set.push((name, value));
        self
    }

    /// Adds helmet's middleware `name` with its `params` (as in `helmet#name`).
    pub fn add(&mut self, name: &str, params: &Value) -> Result<()> {
        let bad = |want: &str| {
            Error::internal(format!(
                "helmet#{name}: params must be {want}, not {params}"
            ))
        };
        let mut set = |n: &'static str, v: String| -> Result<()> {
            let value = static_value(&v).ok_or_else(|| bad("header text"))?;
            let name = HeaderName::from_static(n);
            self.set.retain(|(k, _)| *k != name);
            self.set.push((name, value));
            Ok(())
        };
        // helmet's params: an options object, or (frameguard) the action as the first argument
        let first = match params {
            Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        match name {
            "xssFilter" => set("x-xss-protection", "1; mode=block".into())?,
            "frameguard" => {
                let action = match &first {
                    Value::Null => "sameorigin".to_string(),
                    Value::String(s) => s.to_ascii_lowercase(),
                    Value::Object(o) => o
                        .get("action")
                        .and_then(Value::as_str)
                        .unwrap_or("sameorigin")
                        .to_ascii_lowercase(),
                    _ => return Err(bad("\"deny\", \"sameorigin\" or {\"action\": ..}")),
                };
                let v = match action.as_str() {
                    "deny" => "DENY",
                    "sameorigin" => "SAMEORIGIN",
                    _ => return Err(bad("\"deny\" or \"sameorigin\"")),
                };
                set("x-frame-options", v.into())?
            }
            "hsts" => {
                let o = first.as_object().cloned().unwrap_or_default();
                let max_age = match o.get("maxAge") {
                    None => 15_552_000,
                    Some(v) => v.as_u64().ok_or_else(|| bad("{\"maxAge\": seconds, ..}"))?,
                };
                let subs = o
                    .get("includeSubDomains")
                    .or_else(|| o.get("includeSubdomains"))
                    .map_or(Some(true), Value::as_bool)
                    .ok_or_else(|| bad("includeSubDomains: a boolean"))?;
                let preload = o.get("preload").and_then(Value::as_bool).unwrap_or(false);
                let mut v = format!("max-age={max_age}");
                if subs {
                    v.push_str("; includeSubDomains");
                }
                if preload {
                    v.push_str("; preload");
                }
                set("strict-transport-security", v)?
            }
            "hidePoweredBy" => self.remove.push(HeaderName::from_static("x-powered-by")),
            "ieNoOpen" => set("x-download-options", "noopen".into())?,
            "noSniff" => set("x-content-type-options", "nosniff".into())?,
            "dnsPrefetchControl" => {
                let allow = first
                    .get("allow")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                set("x-dns-prefetch-control", if allow { "on" } else { "off" }.into())?
            }
            "noCache" => {
                set("surrogate-control", "no-store".into())?;
                set(
                    "cache-control",
                    "no-store, no-cache, must-revalidate, proxy-revalidate".into(),
                )?;
                set("pragma", "no-cache".into())?;
                set("expires", "0".into())?
            }
            "referrerPolicy" => {
                let policy = first
                    .get("policy")
                    .and_then(Value::as_str)
                    .unwrap_or("no-referrer")
                    .to_string();
                set("referrer-policy", policy)?
            }
            other => {
                return Err(Error::internal(format!(
                    "helmet#{other}: not one of helmet's middleware lb knows (xssFilter, frameguard, hsts, hidePoweredBy, ieNoOpen, noSniff, dnsPrefetchControl, noCache, referrerPolicy)"
                )))
            }
        }
        Ok(())
    }

    /// As a middleware.
    pub fn wrap(self) -> Wrap {
        let h = Arc::new(self);
        Arc::new(move |inner: Route| {
            Arc::new(HeadersService {
                headers: h.clone(),
                inner,
            }) as Route
        })
    }
}

struct HeadersService {
    headers: Arc<SecurityHeaders>,
    inner: Route,
}

impl Endpoint for HeadersService {
    fn call(&self, req: Request) -> BoxFuture<'static, Response> {
        let h = self.headers.clone();
        let answer = self.inner.call(req);
        Box::pin(async move {
            let mut res = answer.await;
            h.decorate(None, &mut res);
            res
        })
    }

    fn headers_only(&self) -> Option<HeadersOnly> {
        Some(HeadersOnly {
            decorators: vec![self.headers.clone() as Arc<dyn Decorate>],
            inner: self.inner.clone(),
        })
    }
}

impl Decorate for SecurityHeaders {
    fn capture(&self, _req: &Request) -> Option<Option<HeaderValue>> {
        Some(None)
    }

    /// Sets the headers the answer does not have yet, removes the others.
    fn decorate(&self, _: Option<HeaderValue>, res: &mut Response) {
        let out = res.headers_mut();
        for (name, value) in &self.set {
            if let Entry::Vacant(slot) = out.entry(name) {
                slot.insert(value.clone());
            }
        }
        for name in &self.remove {
            out.remove(name);
        }
    }
}

/// A header value that is free to clone onto every answer: its text kept for the process's
/// life, once per distinct text (apps built again and again share them). `None`: not a
/// valid header value.
pub(crate) fn static_value(text: &str) -> Option<HeaderValue> {
    static TEXTS: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Mutex::default);
    HeaderValue::from_str(text).ok()?;
    let mut texts = TEXTS.lock().unwrap_or_else(|e| e.into_inner());
    let kept = match texts.get(text) {
        Some(t) => *t,
        None => {
            let t: &'static str = Box::leak(text.to_string().into_boxed_str());
            texts.insert(t);
            t
        }
    };
    Some(HeaderValue::from_static(kept))
}
