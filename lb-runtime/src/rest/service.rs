//! The service `App::serve` runs: the document and explorer routes through their axum
//! router, everything else straight to the dispatcher — no router lookup, no captured path
//! parameters, one boxed future per request.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::response::Response;
use tower::{Service, ServiceExt};
use tracing::Instrument;

use super::{dispatch, explorer};
use crate::connector::BoxFuture;
use crate::App;

/// The whole app as one tower service (see the module docs). Cloned per request by the
/// server: one reference count.
#[derive(Clone)]
pub(crate) struct AppService(Arc<Parts>);

struct Parts {
    app: App,
    explorer: axum::Router,
    /// What answers a request outside the routes (the middleware after `routes`); LoopBack's
    /// `Cannot GET /x` when `None`.
    fallback: Option<Fallback>,
}

/// The rest of the middleware chain, for requests no route answers.
pub(crate) type Fallback = Arc<dyn Fn(Request) -> BoxFuture<'static, Response> + Send + Sync>;

impl AppService {
    pub(crate) fn new(app: App) -> Self {
        Self::answering(app, None)
    }

    /// The routes, with `fallback` answering what they do not (`None`: `Cannot GET /x`).
    pub(crate) fn answering(app: App, fallback: Option<Fallback>) -> Self {
        let explorer = explorer::routes(&app).with_state(app.clone());
        AppService(Arc::new(Parts {
            app,
            explorer,
            fallback,
        }))
    }

    /// Whether the document or explorer routes answer `path` (they win over the REST root,
    /// as axum's explicit routes win over its fallback).
    fn is_explorer(&self, path: &str) -> bool {
        if path == "/openapi.json" || path == "/openapi.yaml" {
            return true;
        }
        let Some(ui) = self.0.app.inner.config.explorer_path.as_deref() else {
            return false;
        };
        path.strip_prefix(ui)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }
}

impl AppService {
    /// Answers a request (what the middleware chain calls).
    pub(crate) fn answer(&self, req: Request) -> BoxFuture<'static, Response> {
        self.route(req, |r| r)
    }

    /// The one boxed future of a request, its answer passed through `done` (the tower service
    /// wraps it in `Ok`, the middleware chain takes it as it is).
    fn route<T: Send + 'static>(
        &self,
        req: Request,
        done: fn(Response) -> T,
    ) -> BoxFuture<'static, T> {
        if self.is_explorer(req.uri().path()) {
            let router = self.0.explorer.clone();
            return Box::pin(async move {
                match router.oneshot(req).await {
                    Ok(r) => done(r),
                    Err(never) => match never {},
                }
            });
        }
        if let Some(fallback) = &self.0.fallback {
            if !dispatch::is_rest_path(&self.0.app, req.uri().path()) {
                let answer = fallback(req);
                return Box::pin(async move { done(answer.await) });
            }
        }
        let app = self.0.app.clone();
        let head = req.method() == Method::HEAD;
        // one span per request (`lb::request`, DEBUG): free when no subscriber wants it; the
        // dispatcher records the route, LoopBack's method name and the model in it. The path
        // is logged without its query (a token may be there).
        let span = tracing::debug_span!(
            target: "lb::request",
            "request",
            http.request.method = %req.method(),
            url.path = %req.uri().path(),
            http.route = tracing::field::Empty,
            lb.method = tracing::field::Empty,
            lb.model = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
        );
        if span.is_disabled() {
            return Box::pin(async move {
                let res = dispatch::dispatch_or_not_found(app, req).await;
                done(if head { without_body(res) } else { res })
            });
        }
        Box::pin(
            async move {
                let started = std::time::Instant::now();
                let res = dispatch::dispatch_or_not_found(app, req).await;
                let span = tracing::Span::current();
                span.record("http.response.status_code", res.status().as_u16());
                tracing::debug!(
                    target: "lb::request",
                    status = res.status().as_u16(),
                    duration_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "answered"
                );
                done(if head { without_body(res) } else { res })
            }
            .instrument(span),
        )
    }
}

impl<B> Service<axum::http::Request<B>> for AppService
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(
        &mut self,
        req: axum::http::Request<B>,
    ) -> BoxFuture<'static, Result<Response, Infallible>> {
        self.route(req.map(Body::new), Ok)
    }
}

/// A HEAD answer: the headers of the GET answer (its length included), no body.
fn without_body(mut res: Response) -> Response {
    if let Some(n) = http_body::Body::size_hint(res.body()).exact() {
        res.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
    }
    *res.body_mut() = Body::empty();
    res
}
