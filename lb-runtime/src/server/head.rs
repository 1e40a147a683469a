//! The header-read timeout, at almost no cost per request: a client has `limit` to send a
//! request head, counted from the end of the previous answer (or the connection opening) — so
//! an idle keep-alive connection is closed too. hyper's own timeout allocates and registers a
//! timer for every request; here one timer per connection is armed lazily and moved only when
//! it fires early, so a request costs a clock read and two flags.
//!
//! The phases over HTTP/1.1: the answer's body ending ([`Answer`]) and then being written
//! begins "awaiting a head"; the service being called (the head is parsed, [`Phase::seen`])
//! ends it. A streaming answer (a change stream) is never awaiting a head. Over HTTP/2 (its
//! own [`Turns`], in `tls.rs`) a head is awaited while no request of the connection is in
//! flight.

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

/// How a connection learns from its service whether a request head is awaited: `since` is
/// when the awaited head's time started, `None` while none is awaited.
pub(super) trait Turns {
    /// What the connection keeps for itself (HTTP/2: its flow-control stall timer).
    type Own: Default + Unpin;
    /// A write went through; `true` when the awaited head's time starts now (the timer is
    /// then armed for it).
    fn wrote(&self, since: &mut Option<Instant>) -> bool;
    /// A read found nothing; an error closes the connection (HTTP/2: answers the client's
    /// flow control has held back too long).
    fn read_pending(
        &self,
        since: &mut Option<Instant>,
        own: &mut Self::Own,
        cx: &mut Context<'_>,
    ) -> io::Result<()>;
}

/// What the service tells an HTTP/1.1 connection (shared by both).
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

    fn take_seen(&self, since: &mut Option<Instant>) {
        if self.seen.swap(false, Ordering::Relaxed) {
            *since = None;
        }
    }
}

impl Turns for Phase {
    type Own = ();

    /// When a write finished an answer, the next head is awaited from now.
    #[inline]
    fn wrote(&self, since: &mut Option<Instant>) -> bool {
        self.take_seen(since);
        if self.ended.swap(false, Ordering::Relaxed) {
            *since = Some(Instant::now());
            return true;
        }
        false
    }

    #[inline]
    fn read_pending(
        &self,
        since: &mut Option<Instant>,
        _: &mut (),
        _: &mut Context<'_>,
    ) -> io::Result<()> {
        self.take_seen(since);
        Ok(())
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
pub(super) struct HeadDeadline<P: Turns = Phase> {
    limit: Duration,
    phase: Arc<P>,
    own: P::Own,
    /// When the awaited head's time started; `None` while no head is awaited.
    since: Option<Instant>,
    /// The one timer of the connection, at or before the deadline.
    timer: Option<Pin<Box<Sleep>>>,
}

impl<P: Turns> HeadDeadline<P> {
    pub(super) fn new(limit: Duration, phase: Arc<P>) -> Self {
        // the connection opening counts as the end of an answer
        Self::since(Instant::now(), limit, phase)
    }

    /// The first head awaited since `opened` (before a TLS handshake).
    pub(super) fn since(opened: Instant, limit: Duration, phase: Arc<P>) -> Self {
        HeadDeadline {
            limit,
            phase,
            own: P::Own::default(),
            since: Some(opened),
            timer: None,
        }
    }

    /// A write went through: when it finished an answer, the next head is awaited from now,
    /// and the timer is armed for it (moved later only when it fires early).
    pub(super) fn wrote(&mut self, cx: &mut Context<'_>) {
        if self.phase.wrote(&mut self.since) {
            let _ = self.check(cx);
        }
    }

    /// A read found nothing: an error once the head is late.
    pub(super) fn pending(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        self.phase
            .read_pending(&mut self.since, &mut self.own, cx)?;
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
