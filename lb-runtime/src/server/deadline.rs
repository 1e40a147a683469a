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

/// A request body that fails with [`ReadTimeout`] once its deadline has passed. The timer
/// is only created if the body is still incomplete when first polled.
pub(super) struct BodyDeadline<B> {
    inner: B,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<B> BodyDeadline<B> {
    pub(super) fn new(inner: B, within: Duration) -> Self {
        BodyDeadline {
            inner,
            deadline: Instant::now() + within,
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
                let deadline = self.deadline;
                let timer = self
                    .timer
                    .get_or_insert_with(|| Box::pin(sleep_until(deadline)));
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

/// Runs `answer` within `limit`, or answers `on_timeout()` once it has passed (the request's
/// work is dropped: its statements are cancelled with it).
pub(super) async fn within<F, T>(
    limit: Option<Duration>,
    answer: F,
    on_timeout: impl FnOnce() -> T,
) -> T
where
    F: std::future::Future<Output = T>,
{
    match limit {
        Some(d) => tokio::time::timeout(d, answer)
            .await
            .unwrap_or_else(|_| on_timeout()),
        None => answer.await,
    }
}
