//! Prometheus metrics on the `metrics` facade with its Prometheus exporter: OpenTelemetry's
//! HTTP server semantics (`http_server_request_duration_seconds{http_request_method,
//! http_route,http_response_status_code}` with the advised buckets, labelled by the route
//! template — never the raw path — and `http_server_active_requests`), datasource operation
//! durations, pool connections and change-stream subscribers, rendered at `/metrics`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::connector::Connector;
use crate::future::BoxFuture;
use crate::middleware::{Endpoint, Route, Wrap};
use crate::rest::MatchedRoute;
use crate::{Error, Result};

pub use super::histogram::DURATION_BUCKETS;
use super::histogram::{self, Histogram};

/// Where `/metrics` is served, and whether the answer lists the process's metrics only.
#[derive(Debug, Clone)]
pub struct MetricsOptions {
    /// The path of the Prometheus scrape endpoint (`/metrics`).
    pub path: String,
    /// List it in the OpenAPI document (default `false`).
    pub openapi: bool,
}

impl Default for MetricsOptions {
    fn default() -> MetricsOptions {
        MetricsOptions {
            path: "/metrics".into(),
            openapi: false,
        }
    }
}

/// The process's Prometheus recorder, installed the first time an app asks for metrics (the
/// `metrics` facade has one recorder per process: every app of the process shares it).
pub fn recorder() -> Result<PrometheusHandle> {
    static HANDLE: OnceLock<std::result::Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_duration_seconds".into()),
                    &DURATION_BUCKETS,
                )
                .map_err(|e| e.to_string())?;
            let handle = builder.install_recorder().map_err(|e| {
                format!("metrics: the process already has a metrics recorder ({e}); lb installs the Prometheus one")
            })?;
            // histograms keep every sample until upkeep drains them: without it memory grows
            // with every request between two scrapes
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("lb-metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    upkeep.run_upkeep();
                })
                .map_err(|e| format!("metrics: the upkeep thread did not start: {e}"))?;
            Ok(handle)
        })
        .clone()
        .map_err(Error::internal)
}

/// What the scrape endpoint samples when scraped.
pub struct Sampled {
    /// The app's datasources (pool connections).
    pub datasources: Vec<(String, Arc<dyn Connector>)>,
    /// Change-stream subscribers now.
    pub subscribers: Arc<dyn Fn() -> usize + Send + Sync>,
}

/// The route part of a histogram's labels: a matched route (by its address: the app keeps
/// its routes for its lifetime), or one of the two fixed values.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum RouteKey {
    Matched(usize),
    Unmatched,
    Other,
}

/// Histogram and gauge handles already registered, so a request costs a map lookup, not a
/// registry lookup with its labels built.
#[derive(Default)]
struct Handles {
    durations: RwLock<FastMap<SeriesKey, Arc<Histogram>>>,
    /// Requests in flight per method label (published as a gauge when scraped: no shared
    /// gauge updated twice per request).
    active: [std::sync::atomic::AtomicI64; METHODS.len()],
}

/// Method label, route, status.
type SeriesKey = (&'static str, RouteKey, u16);

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

impl Handles {
    fn record(
        &self,
        method: &'static str,
        res: &Response,
        matched: Option<&Arc<MatchedRoute>>,
        nanos: u64,
    ) {
        let route = match matched {
            Some(m) => RouteKey::Matched(Arc::as_ptr(m) as usize),
            None if res.status() == StatusCode::NOT_FOUND => RouteKey::Unmatched,
            None => RouteKey::Other,
        };
        let key = (method, route, res.status().as_u16());
        if let Some(h) = self
            .durations
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return h.record(nanos);
        }
        let template = match (route, matched) {
            (RouteKey::Matched(_), Some(m)) => m.template.as_str(),
            (RouteKey::Unmatched, _) => "unmatched",
            _ => "other",
        };
        let h = histogram::HTTP_DURATION.series(&[
            ("http_request_method", method),
            ("http_route", template),
            ("http_response_status_code", res.status().as_str()),
        ]);
        h.record(nanos);
        self.durations
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, h);
    }
}

/// The HTTP metrics and the scrape endpoint as a middleware (outermost: every answer counts).
pub fn wrap(options: MetricsOptions, handle: PrometheusHandle, sampled: Sampled) -> Wrap {
    let shared = Arc::new(Metrics {
        options,
        handle,
        sampled,
        handles: Handles::default(),
    });
    Arc::new(move |inner: Route| {
        Arc::new(MetricsService {
            shared: shared.clone(),
            inner,
        }) as Route
    })
}

struct Metrics {
    options: MetricsOptions,
    handle: PrometheusHandle,
    sampled: Sampled,
    handles: Handles,
}

struct MetricsService {
    shared: Arc<Metrics>,
    inner: Route,
}

impl Endpoint for MetricsService {
    fn call(&self, req: Request) -> BoxFuture<'static, Response> {
        let m = &self.shared;
        if req.uri().path() == m.options.path
            && (req.method() == Method::GET || req.method() == Method::HEAD)
        {
            let res = scrape(m);
            return Box::pin(async move { res });
        }
        let method = method_label(req.method());
        let slot = METHODS
            .iter()
            .position(|x| *x == method)
            .unwrap_or(METHODS.len() - 1);
        let active = &m.handles.active[slot];
        active.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let started = histogram::now();
        let answer = crate::rest::with_matched_route(self.inner.call(req));
        let m = m.clone();
        Box::pin(async move {
            let (res, matched) = answer.await;
            m.handles.active[slot].fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            m.handles.record(
                method,
                &res,
                matched.as_ref(),
                histogram::nanos_since(started),
            );
            res
        })
    }
}

/// The method labels, `_OTHER` last.
const METHODS: [&str; 10] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "_OTHER",
];

/// OpenTelemetry's method label: the known methods, `_OTHER` for the rest (bounded).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "_OTHER",
    }
}

fn scrape(m: &Metrics) -> Response {
    let (handle, sampled) = (&m.handle, &m.sampled);
    for (method, n) in METHODS.iter().zip(&m.handles.active) {
        let n = n.load(std::sync::atomic::Ordering::Relaxed);
        metrics::gauge!("http_server_active_requests", "http_request_method" => *method)
            .set(n as f64);
    }
    for (name, c) in &sampled.datasources {
        if let Some((open, idle)) = c.pool_usage() {
            metrics::gauge!("lb_datasource_pool_connections", "datasource" => name.clone(), "state" => "open")
                .set(f64::from(open));
            metrics::gauge!("lb_datasource_pool_connections", "datasource" => name.clone(), "state" => "idle")
                .set(f64::from(idle));
        }
    }
    metrics::gauge!("lb_change_stream_subscribers").set((sampled.subscribers)() as f64);
    handle.run_upkeep();
    let mut text = handle.render();
    if !text.is_empty() && !text.ends_with("\n\n") {
        text.push('\n');
    }
    histogram::HTTP_DURATION.render(&mut text);
    histogram::DATASOURCE_DURATION.render(&mut text);
    let mut res = Response::new(axum::body::Body::from(text));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
