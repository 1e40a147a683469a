//! Middleware that only add headers to answers — CORS on a simple request, helmet's security
//! headers — run as one step of the chain when they are neighbours: one future and one pass
//! over the answer for all of them, instead of one each. Each still runs in full (a CORS
//! preflight, say) through the chain it would have been without fusing.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::response::Response;

use super::endpoint::{Decorate, Endpoint, HeadersOnly, Route};
use crate::future::BoxFuture;

/// At most this many headers-only middleware run as one step.
const MAX_FUSED: usize = 4;

/// `wrapped` (a middleware around `inner`) joined with `inner` when both only add headers.
pub(crate) fn fuse(wrapped: Route) -> Route {
    let Some(outer) = wrapped.headers_only() else {
        return wrapped;
    };
    let Some(next) = outer.inner.headers_only() else {
        return wrapped;
    };
    let mut decorators = outer.decorators;
    decorators.extend(next.decorators);
    if decorators.len() > MAX_FUSED {
        return wrapped;
    }
    Arc::new(Fused {
        decorators: decorators.into(),
        inner: next.inner,
        full: wrapped,
    })
}

struct Fused {
    decorators: Arc<[Arc<dyn Decorate>]>,
    inner: Route,
    /// The same middleware nested as registered: for requests one of them handles in full.
    full: Route,
}

impl Endpoint for Fused {
    fn call(&self, req: Request) -> BoxFuture<'static, Response> {
        let mut captured: [Option<HeaderValue>; MAX_FUSED] = Default::default();
        for (d, slot) in self.decorators.iter().zip(captured.iter_mut()) {
            match d.capture(&req) {
                Some(c) => *slot = c,
                None => return self.full.call(req),
            }
        }
        let answer = self.inner.call(req);
        let decorators = self.decorators.clone();
        Box::pin(async move {
            let mut res = answer.await;
            // innermost first, as the nested middleware would have run on the way out
            for (d, c) in decorators.iter().zip(captured).rev() {
                d.decorate(c, &mut res);
            }
            res
        })
    }

    fn headers_only(&self) -> Option<HeadersOnly> {
        Some(HeadersOnly {
            decorators: self.decorators.to_vec(),
            inner: self.inner.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::{endpoint, Cors, SecurityHeaders};
    use axum::body::Body;
    use axum::http::{header, Method};

    fn routes() -> Route {
        endpoint(|_req: Request| async {
            let mut res = Response::new(Body::from("x"));
            // a header of the route's own wins over the middleware's
            res.headers_mut().insert(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("SAMEORIGIN"),
            );
            res
        })
    }

    fn request(method: Method, origin: bool) -> Request {
        let mut b = Request::builder().method(method).uri("/api/x");
        if origin {
            b = b
                .header(header::ORIGIN, "https://ui.example")
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PATCH");
        }
        b.body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn neighbours_run_as_one_step_and_answer_as_nested() {
        let (cors, helmet) = (Cors::default().wrap(), SecurityHeaders::scaffold().wrap());
        let nested = cors(helmet(routes()));
        let fused = fuse(cors(fuse(helmet(routes()))));
        assert_eq!(fused.headers_only().map(|h| h.decorators.len()), Some(2));
        // a third neighbour joins them; the routes, not headers-only, stay outside
        let three = fuse(helmet(fused.clone()));
        assert_eq!(three.headers_only().map(|h| h.decorators.len()), Some(3));
        assert!(routes().headers_only().is_none());
        for (method, origin) in [
            (Method::GET, true),
            (Method::GET, false),
            (Method::POST, true),
            (Method::OPTIONS, true),
            (Method::OPTIONS, false),
        ] {
            let a = nested.call(request(method.clone(), origin)).await;
            let b = fused.call(request(method.clone(), origin)).await;
            assert_eq!(a.status(), b.status(), "{method} {origin}");
            assert_eq!(a.headers(), b.headers(), "{method} {origin}");
            if method == Method::GET && origin {
                assert_eq!(b.headers()[header::X_FRAME_OPTIONS], "SAMEORIGIN");
                assert_eq!(
                    b.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
                    "https://ui.example"
                );
                assert!(b.headers().contains_key(header::STRICT_TRANSPORT_SECURITY));
            }
        }
    }
}
