//! The middleware of an app by slot, and how they wrap the routes: slots up to `routes` wrap
//! every request in order (the first registered at `initial:before` is the outermost); `routes`
//! wraps the app's routes (REST API, explorer, health, metrics, status); the slots after
//! `routes` wrap what runs when no route answered — as in Express, where a route that answers
//! ends the chain — down to LoopBack's `Cannot GET /x`.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use tower::{Layer, Service, ServiceExt};

use super::decorate::fuse;
use super::endpoint::{Endpoint, Route, Wrap};
use super::phase::{ordered, rank, Phase, Slot, SubPhase};
use crate::future::BoxFuture;
use crate::{Error, Result};

/// A [`Route`] as a tower service (what a tower layer wraps); cloning it is an `Arc` clone.
#[derive(Clone)]
pub struct RouteService(pub Route);

impl Service<Request> for RouteService {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, std::result::Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::result::Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let f = self.0.call(req);
        Box::pin(async move { Ok(f.await) })
    }
}

/// Makes a [`Wrap`] of any tower layer whose service answers HTTP responses; an error of the
/// layer's service (a tower-http timeout, …) answers 500 in LoopBack's envelope.
pub fn wrap_layer<L, S, B>(layer: L) -> Wrap
where
    L: Layer<RouteService, Service = S> + Send + Sync + 'static,
    S: Service<Request, Response = axum::http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: std::fmt::Display + Send + 'static,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    Arc::new(move |inner: Route| {
        let svc = layer.layer(RouteService(inner));
        Arc::new(move |req: Request| -> BoxFuture<'static, Response> {
            let svc = svc.clone();
            Box::pin(async move {
                match svc.oneshot(req).await {
                    Ok(res) => res.map(Body::new),
                    Err(e) => crate::rest::error_response(&Error::internal(e.to_string()), false),
                }
            })
        }) as Route
    })
}

/// Which requests a middleware sees (`middleware.json`'s `paths` and `methods`); all when
/// both are empty.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Path prefixes, matched at a segment boundary (`/api` matches `/api` and `/api/x`).
    pub paths: Vec<String>,
    /// HTTP methods.
    pub methods: Vec<Method>,
}

impl Scope {
    fn is_all(&self) -> bool {
        self.paths.is_empty() && self.methods.is_empty()
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        let by_path = self.paths.is_empty()
            || self.paths.iter().any(|p| {
                let p = p.trim_end_matches('/');
                p.is_empty()
                    || path
                        .strip_prefix(p)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            });
        let by_method = self.methods.is_empty() || self.methods.contains(method);
        by_path && by_method
    }
}

/// One registered middleware.
#[derive(Clone)]
pub(crate) struct Entry {
    pub slot: Slot,
    pub name: String,
    pub scope: Scope,
    pub wrap: Wrap,
}

/// An app's middleware and phases.
#[derive(Clone, Default)]
pub struct Middlewares {
    pub(crate) entries: Vec<Entry>,
    pub(crate) custom_phases: Vec<String>,
}

impl Middlewares {
    /// Whether no middleware is registered (the server then runs the routes directly).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Registers a middleware at `slot`.
    pub(crate) fn add(&mut self, slot: Slot, name: &str, scope: Scope, wrap: Wrap) {
        self.entries.push(Entry {
            slot,
            name: name.to_string(),
            scope,
            wrap,
        });
    }

    /// The names of the registered middleware in the order a request meets them.
    pub fn order(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .sorted()?
            .into_iter()
            .map(|e| (e.slot.to_string(), e.name.clone()))
            .collect())
    }

    /// The entries in run order (stable: registration order within a slot); an entry at a
    /// phase the app did not define is an error.
    fn sorted(&self) -> Result<Vec<&Entry>> {
        let phases = ordered(&self.custom_phases);
        let mut ranked = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            let r = rank(&phases, &e.slot).ok_or_else(|| {
                Error::internal(format!(
                    "middleware {}: phase {:?} is not defined (LoopBack's phases: {}; define your own with middleware_phases)",
                    e.name,
                    e.slot.0.name(),
                    phases.iter().map(Phase::name).collect::<Vec<_>>().join(", ")
                ))
            })?;
            ranked.push((r, e));
        }
        ranked.sort_by_key(|(r, _)| *r);
        Ok(ranked.into_iter().map(|(_, e)| e).collect())
    }

    /// The whole chain: `routes(fallback)` is the app's routes, calling `fallback` for a
    /// request they do not answer; `not_found` is the end of the chain.
    pub(crate) fn assemble(
        &self,
        routes: impl FnOnce(Route) -> Route,
        not_found: Route,
    ) -> Result<Route> {
        let sorted = self.sorted()?;
        let phases = ordered(&self.custom_phases);
        let routes_rank = rank(&phases, &Slot(Phase::Routes, SubPhase::Main)).unwrap_or(0);
        let at = |e: &Entry| rank(&phases, &e.slot).unwrap_or(0);
        let wrap_all = |entries: Vec<&Entry>, mut inner: Route| {
            for e in entries.into_iter().rev() {
                inner = scoped(e, inner);
            }
            inner
        };
        let after: Vec<&Entry> = sorted
            .iter()
            .copied()
            .filter(|e| at(e) > routes_rank)
            .collect();
        let during: Vec<&Entry> = sorted
            .iter()
            .copied()
            .filter(|e| at(e) == routes_rank)
            .collect();
        let before: Vec<&Entry> = sorted
            .iter()
            .copied()
            .filter(|e| at(e) < routes_rank)
            .collect();
        let fallback = wrap_all(after, not_found);
        let core = wrap_all(during, routes(fallback));
        Ok(wrap_all(before, core))
    }
}

/// `e` around `inner`, for the requests its scope matches.
fn scoped(e: &Entry, inner: Route) -> Route {
    let wrapped = (e.wrap)(inner.clone());
    if e.scope.is_all() {
        return fuse(wrapped);
    }
    Arc::new(Scoped {
        scope: e.scope.clone(),
        wrapped,
        inner,
    })
}

struct Scoped {
    scope: Scope,
    wrapped: Route,
    inner: Route,
}

impl Endpoint for Scoped {
    fn call(&self, req: Request) -> BoxFuture<'static, Response> {
        if self.scope.matches(req.method(), req.uri().path()) {
            self.wrapped.call(req)
        } else {
            self.inner.call(req)
        }
    }
}
