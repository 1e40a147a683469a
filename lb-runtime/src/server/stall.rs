//! A connection with deadlines: its writes may not stay blocked longer than the write timeout
//! — a client that stops reading its answers (its receive window full) loses the connection
//! instead of holding a place forever; a connection that simply has nothing to send (a change
//! stream between events) is not blocked and is not timed — and its request heads must
//! arrive within the header-read timeout (`head.rs`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use tokio::time::{sleep, Sleep};

use super::head::{HeadDeadline, Phase, Turns};

/// `io` with its deadlines (see the module docs).
pub(super) struct StallGuard<T, P: Turns = Phase> {
    io: T,
    timeout: Duration,
    /// Armed while a write is blocked; reset by any progress.
    blocked: Option<Pin<Box<Sleep>>>,
    head: HeadDeadline<P>,
}

impl<T, P: Turns> StallGuard<T, P> {
    pub(super) fn new(io: T, timeout: Duration, head: HeadDeadline<P>) -> Self {
        StallGuard {
            io,
            timeout,
            blocked: None,
            head,
        }
    }

    /// The outcome of a write-side poll: a blocked one arms the timer (or fails when it has
    /// run out), any progress disarms it.
    fn guard<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if polled.is_ready() {
            self.head.wrote(cx);
            self.blocked = None;
            return polled;
        }
        let timeout = self.timeout;
        let timer = self.blocked.get_or_insert_with(|| Box::pin(sleep(timeout)));
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read its answer",
            )));
        }
        Poll::Pending
    }
}

impl<T: Read + Unpin, P: Turns> Read for StallGuard<T, P> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Pending => match self.head.pending(cx) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            },
            done => done,
        }
    }
}

impl<T: Write + Unpin, P: Turns> Write for StallGuard<T, P> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.guard(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.guard(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.guard(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_shutdown(cx);
        self.guard(cx, polled)
    }
}
