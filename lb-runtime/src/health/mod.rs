//! `/health`, `/live` and `/ready` in the shapes and statuses of LoopBack 4's
//! `@loopback/health` (cloud-health): the app's lifecycle state, each datasource pinged as a
//! readiness check, and checks of the app's own.
//!
//! | state | `/ready` | `/live` | `/health` |
//! |---|---|---|---|
//! | STARTING | 503 | 200 | 503 |
//! | UP | 200 | 200 | 200 |
//! | a check DOWN | 503 | 503 (a liveness check) | 503 |
//! | STOPPING / STOPPED | 503 | 503 | 503 |
//!
//! The body: `{"status":"UP","checks":[{"name":"db","state":"UP","data":{"reason":""}}]}`.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::connector::Connector;
use crate::future::BoxFuture;
use crate::middleware::{Endpoint, Route, Wrap};

/// Where the app is in its life, as cloud-health names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// Built, not serving yet.
    Starting = 0,
    /// Serving.
    Up = 1,
    /// A shutdown began: no new work should come (readiness fails first).
    Stopping = 2,
    /// Shut down.
    Stopped = 3,
}

impl State {
    /// The name in answers (`UP`, …).
    pub fn name(self) -> &'static str {
        match self {
            State::Starting => "STARTING",
            State::Up => "UP",
            State::Stopping => "STOPPING",
            State::Stopped => "STOPPED",
        }
    }
}

/// The app's lifecycle state, shared by the server (which moves it) and the health routes.
#[derive(Debug, Default)]
pub struct Lifecycle(AtomicU8);

impl Lifecycle {
    /// The current state.
    pub fn state(&self) -> State {
        match self.0.load(Ordering::Acquire) {
            0 => State::Starting,
            1 => State::Up,
            2 => State::Stopping,
            _ => State::Stopped,
        }
    }

    /// Moves to `state`.
    pub fn set(&self, state: State) {
        self.0.store(state as u8, Ordering::Release);
    }
}

/// Which probe a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// `/live` (and `/health`): is the process working at all? Do not check dependencies here.
    Live,
    /// `/ready` (and `/health`): can it serve requests now (datasources reachable)?
    Ready,
}

/// A check: `Ok` is UP, `Err(reason)` is DOWN.
pub type CheckFn = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// A named check of one probe.
#[derive(Clone)]
pub struct Check {
    /// Its name in answers.
    pub name: String,
    /// Its probe.
    pub probe: Probe,
    /// The check itself.
    pub run: CheckFn,
}

/// Where the health routes are and how long a check may take. `None` turns a route off.
#[derive(Debug, Clone)]
pub struct HealthOptions {
    /// `/health`: every check.
    pub health_path: Option<String>,
    /// `/live`: liveness checks.
    pub live_path: Option<String>,
    /// `/ready`: readiness checks (every datasource is one).
    pub ready_path: Option<String>,
    /// Time a check has before it is DOWN (`timed out`). Default 3 s.
    pub check_timeout: Duration,
    /// Ping every datasource as a readiness check (default `true`).
    pub ping_datasources: bool,
    /// List the routes in the OpenAPI document (default `false`, as LoopBack 4's
    /// `openApiSpec`).
    pub openapi: bool,
}

impl Default for HealthOptions {
    fn default() -> HealthOptions {
        HealthOptions {
            health_path: Some("/health".into()),
            live_path: Some("/live".into()),
            ready_path: Some("/ready".into()),
            check_timeout: Duration::from_secs(3),
            ping_datasources: true,
            openapi: false,
        }
    }
}

/// A readiness check that pings a datasource.
pub fn datasource_check(name: &str, connector: Arc<dyn Connector>) -> Check {
    Check {
        name: name.to_string(),
        probe: Probe::Ready,
        run: Arc::new(move || {
            let c = connector.clone();
            Box::pin(async move { c.ping().await.map_err(|e| e.message) })
        }),
    }
}

/// The health routes as a middleware (answered before the app's routes).
pub fn wrap(options: HealthOptions, checks: Vec<Check>, lifecycle: Arc<Lifecycle>) -> Wrap {
    let shared = Arc::new((options, checks, lifecycle));
    Arc::new(move |inner: Route| {
        Arc::new(HealthService {
            shared: shared.clone(),
            inner,
        }) as Route
    })
}

type Shared = Arc<(HealthOptions, Vec<Check>, Arc<Lifecycle>)>;

struct HealthService {
    shared: Shared,
    inner: Route,
}

impl Endpoint for HealthService {
    fn call(&self, req: Request) -> BoxFuture<'static, axum::response::Response> {
        let (options, _, _) = &*self.shared;
        let path = req.uri().path();
        let is = |p: &Option<String>| p.as_deref() == Some(path);
        let which = if is(&options.health_path) {
            None
        } else if is(&options.live_path) {
            Some(Probe::Live)
        } else if is(&options.ready_path) {
            Some(Probe::Ready)
        } else {
            // not a health route: the rest of the chain, at no cost
            return self.inner.call(req);
        };
        if !(req.method() == Method::GET || req.method() == Method::HEAD) {
            return self.inner.call(req);
        }
        let shared = self.shared.clone();
        Box::pin(async move {
            let (status, body) = report(&shared, which).await;
            let mut res = crate::rest::json_response(status, &body);
            res.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            res
        })
    }
}

/// The status and body of a probe (`None`: `/health`, every check).
async fn report(shared: &Shared, which: Option<Probe>) -> (StatusCode, Value) {
    let (options, checks, lifecycle) = &**shared;
    let state = lifecycle.state();
    let chosen: Vec<&Check> = checks
        .iter()
        .filter(|c| which.is_none_or(|p| p == c.probe))
        .collect();
    // every check at once, each within the timeout
    let results = futures_join(chosen.iter().map(|c| {
        let run = (c.run)();
        let limit = options.check_timeout;
        async move {
            match tokio::time::timeout(limit, run).await {
                Ok(Ok(())) => None,
                Ok(Err(reason)) => Some(reason),
                Err(_) => Some(format!("timed out after {} ms", limit.as_millis())),
            }
        }
    }))
    .await;
    // a check that panicked: DOWN, and the probe answers 500 (cloud-health's "check threw")
    let threw = results.iter().any(Option::is_none);
    let results: Vec<Option<String>> = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Some("the check failed".to_string())))
        .collect();
    let down = results.iter().any(Option::is_some);
    let list: Vec<Value> = chosen
        .iter()
        .zip(&results)
        .map(|(c, r)| {
            json!({
                "name": c.name,
                "state": if r.is_some() { "DOWN" } else { "UP" },
                "data": {"reason": r.clone().unwrap_or_default()},
            })
        })
        .collect();
    let (status, code) = match (state, which) {
        _ if threw => ("DOWN", StatusCode::INTERNAL_SERVER_ERROR),
        (State::Stopping | State::Stopped, _) => (state.name(), StatusCode::SERVICE_UNAVAILABLE),
        (_, _) if down => ("DOWN", StatusCode::SERVICE_UNAVAILABLE),
        (State::Starting, Some(Probe::Live)) => ("STARTING", StatusCode::OK),
        (State::Starting, _) => ("STARTING", StatusCode::SERVICE_UNAVAILABLE),
        (State::Up, _) => ("UP", StatusCode::OK),
    };
    (code, json!({"status": status, "checks": list}))
}

/// Runs the futures concurrently, results in order (`None`: it panicked).
async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Vec<Option<T>>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.ok());
    }
    out
}
