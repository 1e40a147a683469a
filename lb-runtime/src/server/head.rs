//! The header-read timeout, at almost no cost per request: a client has `limit` to send a
//! request head, counted from the end of the previous answer (or the connection opening) — so
//! an idle keep-alive connection is closed too. hyper's own timeout allocates and registers a
//! timer for every request; here one timer per connection is armed lazily and moved only when
//! it fires early, so a request costs a clock read and two flags.
//!
//! The phases: the answer's body ending ([`Answer`]) and then being written begins "awaiting
//! a head"; the service being called (the head is parsed, [`Phase::seen`]) ends it. A
//! streaming answer (a change stream) is never awaiting a head.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::{sleep_until, Instant, Sleep};

/// What the service tells the connection (shared by both).
#[derive(Default)]
pub(super) struct Phase {
    seen: AtomicBool,
    ended: AtomicBool,
}

impl Phase {
    /// The service was called: the head it answers has arrived.
    pub(super) fn seen(&self) {
        self.seen.store(true, Ordering::Relaxed);
    }
}

/// An answer's body that tells the connection when it has ended.
pub(super) struct Answer {
    body: axum::body::Body,
    phase: Arc<Phase>,
}

impl Answer {
    pub(super) fn new(body: axum::body::Body, phase: Arc<Phase>) -> Self {
        Answer { body, phase }
    }
}

impl Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.phase.ended.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        let end = self.body.is_end_stream();
        if end {
            self.phase.ended.store(true, Ordering::Relaxed);
        }
        end
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The head deadline of one connection (see the module docs).
pub(super) struct HeadDeadline {
    limit: Duration,
    phase: Arc<Phase>,
    /// When the awaited head's time started; `None` while no head is awaited.
    since: Option<Instant>,
    /// The one timer of the connection, at or before the deadline.
    timer: Option<Pin<Box<Sleep>>>,
}

impl HeadDeadline {
    pub(super) fn new(limit: Duration, phase: Arc<Phase>) -> Self {
        HeadDeadline {
            limit,
            phase,
            // the connection opening counts as the end of an answer
            since: Some(Instant::now()),
            timer: None,
        }
    }

    /// A write went through: when it finished an answer, the next head is awaited from now,
    /// and the timer is armed for it (moved later only when it fires early).
    pub(super) fn wrote(&mut self, cx: &mut Context<'_>) {
        self.take_seen();
        if self.phase.ended.swap(false, Ordering::Relaxed) {
            self.since = Some(Instant::now());
            let _ = self.check(cx);
        }
    }

    fn take_seen(&mut self) {
        if self.phase.seen.swap(false, Ordering::Relaxed) {
            self.since = None;
        }
    }

    /// A read found nothing: an error once the head is late.
    pub(super) fn pending(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        self.take_seen();
        self.check(cx)
    }

    /// The deadline checked and the timer armed so the connection is polled by then.
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let Some(since) = self.since else {
            return Ok(());
        };
        let deadline = since + self.limit;
        loop {
            let timer = self
                .timer
                .get_or_insert_with(|| Box::pin(sleep_until(deadline)));
            if timer.as_mut().poll(cx).is_pending() {
                return Ok(());
            }
            // the timer was set for an earlier head: move it, or the time is up
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request head did not arrive in time",
                ));
            }
            timer.as_mut().reset(deadline);
        }
    }
}
