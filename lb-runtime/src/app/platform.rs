//! The builder's middleware methods and how the app's routes are wrapped by them: the
//! pipeline the server runs (the routes alone when no middleware is registered).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use tower::{Layer, Service};

use super::{App, AppBuilder};
use crate::future::BoxFuture;
use crate::middleware::{
    self, wrap_layer, Cors, Factory, Middlewares, Phase, Route, RouteService, Scope,
    SecurityHeaders, Slot, Wrap,
};
use crate::rest::AppService;
use crate::Result;

/// What the builder collects for the platform: middleware, factories named by
/// `middleware.json`, the app's free-form settings.
#[derive(Clone)]
pub(crate) struct Platform {
    pub middlewares: Middlewares,
    pub factories: HashMap<String, Factory>,
    /// `config.json`'s settings (LoopBack's `app.get(key)`).
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// `/health`, `/live`, `/ready`, when turned on, and the app's own checks.
    pub health: Option<crate::health::HealthOptions>,
    pub checks: Vec<crate::health::Check>,
    /// `/metrics` and the HTTP metrics, when turned on.
    pub metrics: Option<crate::telemetry::MetricsOptions>,
    pub recorder: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// The app's lifecycle state (the server moves it; health reads it).
    pub lifecycle: Arc<crate::health::Lifecycle>,
    /// When the builder was made (start-up time is logged from it).
    pub created: std::time::Instant,
    /// Trace every datasource call (`None`: when a subscriber wants `lb::connector` spans at
    /// build time).
    pub trace_datasources: Option<bool>,
}

impl Default for Platform {
    fn default() -> Platform {
        Platform {
            middlewares: Middlewares::default(),
            factories: HashMap::new(),
            settings: serde_json::Map::new(),
            health: None,
            checks: Vec::new(),
            metrics: None,
            recorder: None,
            lifecycle: Arc::default(),
            created: std::time::Instant::now(),
            trace_datasources: None,
        }
    }
}

impl AppBuilder {
    /// Runs a tower `layer` at a middleware phase, as LoopBack's `app.middleware(phase, fn)`:
    /// `Phase::Initial`, `Phase::Routes.before()`, `Slot::parse("final:after")?`. Layers at one
    /// slot run in the order they were added. See the README's "Operating lb" for what each
    /// phase sees.
    pub fn middleware<L, S, B>(self, slot: impl Into<Slot>, layer: L) -> Self
    where
        L: Layer<RouteService, Service = S> + Send + Sync + 'static,
        S: Service<Request, Response = axum::http::Response<B>> + Clone + Send + Sync + 'static,
        S::Future: Send + 'static,
        S::Error: std::fmt::Display + Send + 'static,
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        let name = std::any::type_name::<L>();
        self.middleware_wrap(slot, name, Scope::default(), wrap_layer(layer))
    }

    /// Runs a [`Wrap`] (a type-erased middleware) at `slot` for the requests `scope` matches;
    /// `name` identifies it in [`App::middleware_order`].
    pub fn middleware_wrap(
        mut self,
        slot: impl Into<Slot>,
        name: &str,
        scope: Scope,
        wrap: Wrap,
    ) -> Self {
        self.platform
            .middlewares
            .add(slot.into(), name, scope, wrap);
        self
    }

    /// Defines phases of the app's own (`app.defineMiddlewarePhases`): each goes just before
    /// `parse`, after the ones defined earlier, as LoopBack 3's code places them.
    pub fn middleware_phases<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        self.platform
            .middlewares
            .custom_phases
            .extend(names.into_iter().map(String::from));
        self
    }

    /// A middleware of the app's own that `middleware.json` can name (`"my-audit": {"params":
    /// ..}`): `make` receives the entry's `params`.
    pub fn middleware_factory(
        mut self,
        name: &str,
        make: impl Fn(&serde_json::Value) -> Result<Wrap> + Send + Sync + 'static,
    ) -> Self {
        self.platform
            .factories
            .insert(name.to_string(), Arc::new(make));
        self
    }

    /// CORS at `initial`, as the `cors` package answers ([`Cors::default`] is the LoopBack 3
    /// scaffold's: any origin reflected, credentials, a day of max age).
    pub fn cors(self, cors: Cors) -> Self {
        self.middleware_wrap(Phase::Initial, "cors", Scope::default(), cors.wrap())
    }

    /// Security headers at `initial` ([`SecurityHeaders::scaffold`] is the LoopBack 3
    /// scaffold's helmet selection).
    pub fn security_headers(self, headers: SecurityHeaders) -> Self {
        self.middleware_wrap(Phase::Initial, "helmet", Scope::default(), headers.wrap())
    }

    /// `loopback#status` at `routes:before`: `GET path` answers `{"started", "uptime"}`.
    pub fn status_route(self, path: &str) -> Self {
        self.middleware_wrap(
            Phase::Routes.before(),
            "loopback#status",
            Scope::default(),
            middleware::status(path),
        )
    }

    /// Static files of `dir` at `files` (seen only by requests no route answered).
    pub fn static_files(self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.middleware_wrap(
            Phase::Files,
            "loopback#static",
            Scope::default(),
            middleware::static_files(dir),
        )
    }

    /// What LoopBack 3's scaffold (`lb app`) serves with, besides the REST API: CORS
    /// ([`Cors::default`]) and helmet's headers ([`SecurityHeaders::scaffold`]) at `initial`,
    /// and `loopback#status` at `/`.
    pub fn scaffold_defaults(self) -> Self {
        self.cors(Cors::default())
            .security_headers(SecurityHeaders::scaffold())
            .status_route("/")
    }

    /// Applies a `middleware.json` text (see [`AppBuilder::config_dir`] for the files and
    /// their merging): LoopBack's built-in middleware by name with their `params`, `paths`
    /// and `methods`, and the app's own ([`AppBuilder::middleware_factory`]). Relative paths
    /// start at the current directory.
    pub fn middleware_json(self, text: &str) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| crate::Error::internal(format!("middleware.json: not valid JSON: {e}")))?;
        self.apply_middleware_json("middleware.json", &v, std::path::Path::new("."))
    }

    /// Reads a `middleware.json` value (merged with its per-environment files): middleware at
    /// their phases, and the settings some of them are in lb (body limits, the REST root,
    /// strong-error-handler's). `file` names it in errors; relative paths start at `base`.
    pub(crate) fn apply_middleware_json(
        mut self,
        file: &str,
        doc: &serde_json::Value,
        base: &std::path::Path,
    ) -> Result<Self> {
        let factories = self.platform.factories.clone();
        let root = self.config.rest_api_root.clone();
        let entries =
            middleware::json::parse(file, doc, base, &root, &|n| factories.get(n).cloned())?;
        for e in entries {
            self = match e.builtin {
                middleware::Builtin::Wrap(w) => self.middleware_wrap(e.slot, &e.name, e.scope, w),
                middleware::Builtin::Nothing => self,
                middleware::Builtin::BodyLimit(n) => self.body_limit(n),
                middleware::Builtin::RestRoot(p) => self.rest_api_root(&p),
                middleware::Builtin::ErrorHandler(h) => self.error_handler(h),
            };
        }
        Ok(self)
    }

    /// strong-error-handler's settings: development mode (`debug`), every error logged
    /// (`log`; 5xx errors always are, through `tracing`), and the fields of a 5xx error a
    /// production answer keeps (`safe_fields`: `code`, `details`, `name`, `message`).
    pub fn error_handler(mut self, h: crate::middleware::ErrorHandler) -> Self {
        if let Some(d) = h.debug {
            self.config.debug = d;
        }
        if let Some(l) = h.log {
            self.config.log_errors = l;
        }
        self.config.safe_fields = h.safe_fields;
        self
    }

    /// Serves `/health`, `/live` and `/ready` (LoopBack 4's `@loopback/health` shapes and
    /// statuses) with every datasource pinged as a readiness check. The routes are left out
    /// of the OpenAPI document.
    pub fn health(mut self, options: crate::health::HealthOptions) -> Self {
        self.platform.health = Some(options);
        self
    }

    /// Adds a check of the app's own to `/health` and to `/live` or `/ready`: `Ok` is UP,
    /// `Err(reason)` DOWN. Keep liveness checks free of dependencies (a database outage must
    /// not make the orchestrator restart every process).
    pub fn health_check<F, Fut>(mut self, name: &str, probe: crate::health::Probe, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = std::result::Result<(), String>> + Send + 'static,
    {
        self.platform.checks.push(crate::health::Check {
            name: name.to_string(),
            probe,
            run: Arc::new(move || Box::pin(check())),
        });
        self
    }

    /// Records Prometheus metrics (OpenTelemetry's HTTP server histogram by route template,
    /// requests in flight, datasource operation durations, pool connections, change-stream
    /// subscribers) and serves them at `/metrics` (left out of the OpenAPI document). The
    /// `metrics` facade has one recorder per process: lb installs the Prometheus one.
    pub fn metrics(mut self, options: crate::telemetry::MetricsOptions) -> Self {
        self.platform.metrics = Some(options);
        self
    }

    /// The recorder when metrics are on; datasources traced and timed when metrics are on or
    /// a subscriber wants `lb::connector` spans (at build).
    pub(super) fn prepare_telemetry(&mut self) -> Result<()> {
        // the platform's routes the OpenAPI document lists, when asked
        if let Some(h) = self.platform.health.as_ref().filter(|h| h.openapi) {
            for (path, summary) in [
                (
                    &h.health_path,
                    "Health: every check (`@loopback/health`'s body)",
                ),
                (&h.live_path, "Liveness: the liveness checks"),
                (
                    &h.ready_path,
                    "Readiness: the readiness checks, every datasource pinged",
                ),
            ] {
                if let Some(p) = path {
                    self.config
                        .documented
                        .push((p.clone(), summary, "application/json"));
                }
            }
        }
        if let Some(m) = self.platform.metrics.as_ref().filter(|m| m.openapi) {
            self.config.documented.push((
                m.path.clone(),
                "Prometheus metrics (text exposition format)",
                "text/plain",
            ));
        }
        let metrics = self.platform.metrics.is_some();
        if metrics {
            self.platform.recorder = Some(crate::telemetry::recorder()?);
        }
        let traced = self
            .platform
            .trace_datasources
            .unwrap_or_else(|| tracing::enabled!(target: "lb::connector", tracing::Level::DEBUG));
        if metrics || traced {
            for (name, c) in &mut self.datasources {
                *c = Arc::new(crate::telemetry::Instrumented::new(
                    name,
                    c.clone(),
                    metrics,
                ));
            }
        }
        Ok(())
    }

    /// Wraps every datasource in an `lb::connector` span per call (`true`), or never
    /// (`false`; metrics still time them). By default they are traced when, at build time, a
    /// `tracing` subscriber wants `lb::connector` at DEBUG.
    pub fn trace_datasources(mut self, on: bool) -> Self {
        self.platform.trace_datasources = Some(on);
        self
    }

    /// Checks the middleware's phases (at build).
    pub(super) fn check_middleware(&self) -> Result<()> {
        self.platform.middlewares.order().map(|_| ())
    }
}

impl App {
    /// The app's middleware as `(slot, name)` in the order a request meets them.
    pub fn middleware_order(&self) -> Vec<(String, String)> {
        self.inner.platform.middlewares.order().unwrap_or_default()
    }

    /// A setting of `config.json` (LoopBack's `app.get(key)`): any key, LoopBack's or the
    /// app's own.
    pub fn setting(&self, key: &str) -> Option<&serde_json::Value> {
        self.inner.platform.settings.get(key)
    }

    /// Where to listen, as loopback-boot decides it: the `HOST` and `PORT` environment
    /// variables, else `config.json`'s `host` and `port`, else all interfaces and port 3000.
    pub fn listen_address(&self) -> Result<std::net::SocketAddr> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let host = env("HOST")
            .or_else(|| {
                self.setting("host")
                    .and_then(|v| v.as_str())
                    .map(String::from)
            })
            .unwrap_or_else(|| "0.0.0.0".to_string());
        let port = match env("PORT") {
            Some(p) => p.parse::<u16>().map_err(|_| {
                crate::Error::internal(format!("PORT must be a port number, not {p:?}"))
            })?,
            None => self
                .setting("port")
                .and_then(super::config::port_of)
                .unwrap_or(3000),
        };
        let ip: std::net::IpAddr = match host.as_str() {
            "localhost" => std::net::IpAddr::from([127, 0, 0, 1]),
            h => h.parse().map_err(|_| {
                crate::Error::internal(format!("host must be an IP address, not {h:?}"))
            })?,
        };
        Ok(std::net::SocketAddr::new(ip, port))
    }

    /// The app's lifecycle state (STARTING until served; the server moves it to UP, then to
    /// STOPPING on a shutdown signal). `/ready` answers 503 unless UP.
    pub fn lifecycle(&self) -> &crate::health::Lifecycle {
        &self.inner.platform.lifecycle
    }

    /// The app's request pipeline: its routes, wrapped in its middleware.
    pub(crate) fn pipeline(&self) -> Pipeline {
        let p = &self.inner.platform;
        let mut owned;
        let mut mw = &p.middlewares;
        if let Some(options) = &p.health {
            let mut checks: Vec<crate::health::Check> = Vec::new();
            if options.ping_datasources {
                for (name, c) in &self.inner.datasources {
                    checks.push(crate::health::datasource_check(name, c.clone()));
                }
            }
            checks.extend(p.checks.iter().cloned());
            owned = mw.clone();
            owned.add(
                Phase::Routes.before(),
                "health",
                Scope::default(),
                crate::health::wrap(options.clone(), checks, p.lifecycle.clone()),
            );
            mw = &owned;
        }
        let metrics = match (&p.metrics, &p.recorder) {
            (Some(o), Some(h)) => {
                let changes = self.inner.changes.clone();
                Some(crate::telemetry::metrics_wrap(
                    o.clone(),
                    h.clone(),
                    crate::telemetry::Sampled {
                        datasources: self.inner.datasources.clone(),
                        subscribers: Arc::new(move || changes.subscribers()),
                    },
                ))
            }
            _ => None,
        };
        if mw.is_empty() && metrics.is_none() {
            return Pipeline::Plain(AppService::new(self.clone()));
        }
        let app = self.clone();
        let debug = self.inner.config.debug;
        let not_found: Route = Arc::new(move |req: Request| -> BoxFuture<'static, Response> {
            let res = crate::rest::url_not_found(req.method(), req.uri(), debug);
            Box::pin(async move { res })
        });
        let assembled = mw.assemble(
            move |fallback: Route| {
                let fallback: crate::rest::Fallback = Arc::new(move |req| fallback.call(req));
                let routes = AppService::answering(app, Some(fallback));
                Arc::new(move |req: Request| routes.answer(req)) as Route
            },
            not_found,
        );
        match assembled {
            Ok(route) => Pipeline::Layered(match metrics {
                Some(m) => m(route),
                None => route,
            }),
            // checked at build: cannot happen
            Err(e) => {
                let e = Arc::new(e);
                Pipeline::Layered(Arc::new(
                    move |_req: Request| -> BoxFuture<'static, Response> {
                        let res = crate::rest::error_response(&e, false);
                        Box::pin(async move { res })
                    },
                ))
            }
        }
    }
}

/// What a server runs per request.
#[derive(Clone)]
pub(crate) enum Pipeline {
    /// No middleware: the routes.
    Plain(AppService),
    /// The routes in their middleware.
    Layered(Route),
}

impl<B> Service<axum::http::Request<B>> for Pipeline
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, std::result::Result<Response, Infallible>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::result::Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        match self {
            Pipeline::Plain(s) => s.call(req),
            Pipeline::Layered(r) => {
                let answer = r.call(req.map(Body::new));
                Box::pin(async move { Ok(answer.await) })
            }
        }
    }
}
