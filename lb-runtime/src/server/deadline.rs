//! Time limits inside a request: the body must arrive by a deadline (else the reader sees
//! [`ReadTimeout`] and answers 408), and the whole answer must start within the request
//! timeout (else 503).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{sleep_until, Instant, Sleep};

use crate::rest::ReadTimeout;

/// A request body that fails with [`ReadTimeout`] once `within` has passed since it was first
/// found incomplete (nothing is timed — not even the clock read — for a body that is there
/// whole when first polled, or that nobody reads).
pub(super) struct BodyDeadline<B> {
    inner: B,
    within: Duration,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<B> BodyDeadline<B> {
    pub(super) fn new(inner: B, within: Duration) -> Self {
        BodyDeadline {
            inner,
            within,
            timer: None,
        }
    }
}

impl<B> Body for BodyDeadline<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(r) => Poll::Ready(r.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let within = self.within;
                let timer = self
                    .timer
                    .get_or_insert_with(|| Box::pin(sleep_until(Instant::now() + within)));
                if timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(Box::new(ReadTimeout))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// `inner` within `limit`, counted from its first pending poll: an answer ready at once (the
/// fast path) never reads the clock or arms a timer. `Err(())` once the limit has passed
/// (the inner future is dropped with this one: its statements are cancelled).
pub(super) struct Within<F> {
    inner: F,
    limit: Duration,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<F> Within<F> {
    pub(super) fn new(limit: Duration, inner: F) -> Self {
        Within {
            inner,
            limit,
            timer: None,
        }
    }
}

impl<F: Future + Unpin> Future for Within<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(v) = Pin::new(&mut self.inner).poll(cx) {
            return Poll::Ready(Ok(v));
        }
        let limit = self.limit;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(sleep_until(Instant::now() + limit)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(())),
            Poll::Pending => Poll::Pending,
        }
    }
}
