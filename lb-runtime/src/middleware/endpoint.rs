//! One step of the middleware chain ([`Endpoint`]), the chain it calls ([`Route`]), a
//! middleware as what wraps a chain ([`Wrap`]), and the headers-only kind of step that
//! neighbours of its kind run as one ([`Decorate`], [`HeadersOnly`]).

use std::future::Future;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::response::Response;

use crate::future::BoxFuture;

/// One step of the middleware chain: a request in, an answer out (errors are answers).
/// Called through a shared reference, so passing a request on costs no clone of the chain.
pub trait Endpoint: Send + Sync + 'static {
    /// Answers `req`.
    fn call(&self, req: Request) -> BoxFuture<'static, Response>;

    /// Whether this step only adds headers to answers (and what it wraps): neighbours that
    /// do are run as one step. `None` (the default) for every other middleware.
    fn headers_only(&self) -> Option<HeadersOnly> {
        None
    }
}

impl<F> Endpoint for F
where
    F: Fn(Request) -> BoxFuture<'static, Response> + Send + Sync + 'static,
{
    fn call(&self, req: Request) -> BoxFuture<'static, Response> {
        self(req)
    }
}

/// The rest of the chain, shared.
pub type Route = Arc<dyn Endpoint>;

/// A middleware: wraps the rest of the chain (what a tower `Layer` does, type-erased).
pub type Wrap = Arc<dyn Fn(Route) -> Route + Send + Sync>;

/// A [`Route`] from an async function.
pub fn endpoint<F, Fut>(f: F) -> Route
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    Arc::new(move |req: Request| -> BoxFuture<'static, Response> { Box::pin(f(req)) })
}

/// What a headers-only middleware does on a request it can handle by headers alone.
pub trait Decorate: Send + Sync + 'static {
    /// `None`: this request needs the middleware's full behaviour (a CORS preflight); else
    /// what [`decorate`](Decorate::decorate) needs of the request (the `Origin` header, say).
    fn capture(&self, req: &Request) -> Option<Option<HeaderValue>>;
    /// Adds its headers to the answer the rest of the chain gave.
    fn decorate(&self, captured: Option<HeaderValue>, res: &mut Response);
}

/// A headers-only step of the chain, as the fusing sees it: its decorators (outermost first)
/// and the rest of the chain it calls.
pub struct HeadersOnly {
    /// Outermost first.
    pub decorators: Vec<Arc<dyn Decorate>>,
    /// What it wraps.
    pub inner: Route,
}
