//! Prometheus metrics on the `metrics` facade with its Prometheus exporter: OpenTelemetry's
//! HTTP server semantics (`http_server_request_duration_seconds{http_request_method,
//! http_route,http_response_status_code}` with the advised buckets, labelled by the route
//! template — never the raw path — and `http_server_active_requests`), datasource operation
//! durations, pool connections and change-stream subscribers, rendered at `/metrics`.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tower::util::BoxCloneSyncService;
use tower::ServiceExt;

use crate::connector::Connector;
use crate::middleware::{Route, Wrap};
use crate::rest::MatchedRoute;
use crate::{Error, Result};

/// OpenTelemetry's advised buckets for HTTP durations, in seconds.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Where `/metrics` is served, and whether the answer lists the process's metrics only.
#[derive(Debug, Clone)]
pub struct MetricsOptions {
    /// The path of the Prometheus scrape endpoint (`/metrics`).
    pub path: String,
}

impl Default for MetricsOptions {
    fn default() -> MetricsOptions {
        MetricsOptions {
            path: "/metrics".into(),
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
            builder.install_recorder().map_err(|e| {
                format!("metrics: the process already has a metrics recorder ({e}); lb installs the Prometheus one")
            })
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

/// The HTTP metrics and the scrape endpoint as a middleware (outermost: every answer counts).
pub fn wrap(options: MetricsOptions, handle: PrometheusHandle, sampled: Sampled) -> Wrap {
    let shared = Arc::new((options, handle, sampled));
    Arc::new(move |inner: Route| {
        let shared = shared.clone();
        BoxCloneSyncService::new(tower::service_fn(move |req: Request| {
            let shared = shared.clone();
            let inner = inner.clone();
            async move {
                let (options, handle, sampled) = &*shared;
                if req.uri().path() == options.path
                    && (req.method() == Method::GET || req.method() == Method::HEAD)
                {
                    return Ok::<_, Infallible>(scrape(handle, sampled));
                }
                let method = method_label(req.method());
                let active =
                    metrics::gauge!("http_server_active_requests", "http_request_method" => method);
                active.increment(1.0);
                let started = Instant::now();
                let res = inner.oneshot(req).await?;
                active.decrement(1.0);
                let route: String = match res.extensions().get::<Arc<MatchedRoute>>() {
                    Some(m) => m.template.clone(),
                    None if res.status() == StatusCode::NOT_FOUND => "unmatched".into(),
                    None => "other".into(),
                };
                metrics::histogram!(
                    "http_server_request_duration_seconds",
                    "http_request_method" => method,
                    "http_route" => route,
                    "http_response_status_code" => res.status().as_str().to_string(),
                )
                .record(started.elapsed().as_secs_f64());
                Ok(res)
            }
        }))
    })
}

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

fn scrape(handle: &PrometheusHandle, sampled: &Sampled) -> Response {
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
    let mut res = Response::new(axum::body::Body::from(handle.render()));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res.extensions_mut().insert(Arc::new(MatchedRoute {
        template: "/metrics".into(),
        method: "metrics".into(),
        model: String::new(),
    }));
    res
}
