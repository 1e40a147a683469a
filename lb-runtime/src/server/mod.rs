//! The HTTP server: accepts connections and runs the app's service on each, with limits a
//! public API needs — a header-read timeout that also closes idle keep-alive connections, a
//! body-read timeout (408), a request timeout (503), a write-stall timeout, a cap on
//! connections (per process and per client address) and on the size of a request head. The
//! defaults are safe out of the box ([`ServerOptions`]); `docs/security.md` lists them.
//! Handlers read the client's address with [`crate::rest::client_address`].
//!
//! ```no_run
//! # async fn run(app: lb_runtime::App) -> std::io::Result<()> {
//! use std::time::Duration;
//! app.server()
//!     .request_timeout(Some(Duration::from_secs(5)))
//!     .max_connections_per_address(1024) // behind a proxy
//!     .serve(([0, 0, 0, 0], 3000))
//!     .await
//! # }
//! ```
//!
//! With the feature `https`, [`Server::tls`] serves HTTPS (rustls with *ring*) with a
//! `TlsConfig` — PEM files, PEM in memory, or a rustls configuration of your own — and
//! HTTP/2 to the clients whose TLS handshake (ALPN) asks for it, HTTP/1.1 to the others. The
//! limits hold over both: the handshake counts toward the first request head's time (a
//! client that opens a connection and never says hello is dropped after the header-read
//! timeout); an HTTP/2 connection is idle, and closed after that timeout, while none of its
//! requests is in flight; `max_header_bytes` is its header list size (431 beyond); an answer
//! the client's flow control holds back with no progress for the write timeout closes the
//! connection as a blocked write does; a shutdown lets the streams in flight finish. Plain
//! HTTP is served as before — over HTTP/1.1 only (no cleartext HTTP/2), at the same cost.

mod admission;
mod deadline;
mod head;
mod options;
mod stall;
#[cfg(feature = "https")]
mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::Service;

pub use options::ServerOptions;
#[cfg(feature = "https")]
pub use tls::TlsConfig;

use crate::rest;
use crate::{App, Error};
use admission::Admission;
use deadline::BodyDeadline;
use head::{Answer, HeadDeadline, Phase};
use stall::StallGuard;

/// Serves an [`App`] over HTTP/1.1 (and HTTPS with HTTP/2, feature `https`) with
/// [`ServerOptions`]' limits. Made by [`App::server`].
pub struct Server {
    app: App,
    options: ServerOptions,
}

impl App {
    /// A server for this app with the default limits, to change before serving.
    pub fn server(self) -> Server {
        Server {
            app: self,
            options: ServerOptions::default(),
        }
    }

    /// Serves the app on `addr` with the default limits until SIGTERM or Ctrl-C, then shuts
    /// down gracefully.
    pub async fn serve(self, addr: impl Into<SocketAddr>) -> io::Result<()> {
        self.server().serve(addr).await
    }

    /// Serves on an already bound listener (see [`App::serve`]).
    pub async fn serve_on(self, listener: TcpListener) -> io::Result<()> {
        self.server().serve_on(listener).await
    }
}

impl Server {
    /// All limits at once.
    pub fn options(mut self, options: ServerOptions) -> Self {
        self.options = options;
        self
    }

    /// See [`ServerOptions::header_read_timeout`].
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.options.header_read_timeout = d;
        self
    }

    /// See [`ServerOptions::body_read_timeout`].
    pub fn body_read_timeout(mut self, d: Duration) -> Self {
        self.options.body_read_timeout = d;
        self
    }

    /// See [`ServerOptions::request_timeout`].
    pub fn request_timeout(mut self, d: Option<Duration>) -> Self {
        self.options.request_timeout = d;
        self
    }

    /// See [`ServerOptions::write_timeout`].
    pub fn write_timeout(mut self, d: Duration) -> Self {
        self.options.write_timeout = d;
        self
    }

    /// See [`ServerOptions::max_connections`].
    pub fn max_connections(mut self, n: usize) -> Self {
        self.options.max_connections = n;
        self
    }

    /// See [`ServerOptions::max_connections_per_address`].
    pub fn max_connections_per_address(mut self, n: usize) -> Self {
        self.options.max_connections_per_address = n;
        self
    }

    /// See [`ServerOptions::max_header_bytes`].
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.options.max_header_bytes = n;
        self
    }

    /// See [`ServerOptions::drain_delay`].
    pub fn drain_delay(mut self, d: Duration) -> Self {
        self.options.drain_delay = d;
        self
    }

    /// See [`ServerOptions::shutdown_grace`].
    pub fn shutdown_grace(mut self, d: Duration) -> Self {
        self.options.shutdown_grace = d;
        self
    }

    /// Serves HTTPS with this certificate and key (feature `https`); see
    /// [`ServerOptions::tls`].
    #[cfg(feature = "https")]
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.options.tls = Some(tls);
        self
    }

    /// Serves on `addr` until SIGTERM or Ctrl-C.
    pub async fn serve(self, addr: impl Into<SocketAddr>) -> io::Result<()> {
        let listener = TcpListener::bind(addr.into()).await?;
        self.serve_on(listener).await
    }

    /// Serves on a bound listener until SIGTERM or Ctrl-C.
    pub async fn serve_on(self, listener: TcpListener) -> io::Result<()> {
        self.serve_until(listener, shutdown_signal()).await
    }

    /// Serves on a bound listener until `shutdown` completes, then stops accepting, lets the
    /// requests in flight finish (at most [`ServerOptions::shutdown_grace`]) and returns.
    pub async fn serve_until(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> io::Result<()> {
        #[allow(unused_mut)]
        let mut o = self.options;
        // `config.json`'s `https` (checked when it was read): PEM files
        #[cfg(feature = "https")]
        if o.tls.is_none() {
            if let Some(h) = self.app.setting("https") {
                let file = |k: &str| h.get(k).and_then(|v| v.as_str()).unwrap_or_default();
                o.tls = Some(TlsConfig::from_pem_files(file("cert"), file("key"))?);
            }
        }
        // expired tokens deleted in the background while the app is served
        if let Some(users) = &self.app.inner.users {
            users.spawn_purge();
        }
        let admission = Admission::new(o.max_connections, o.max_connections_per_address);
        let per_request = Arc::new(PerRequest {
            service: self.app.pipeline(),
            debug: self.app.debug(),
            body_read_timeout: o.body_read_timeout,
            request_timeout: o.request_timeout,
        });
        let mut http = http1::Builder::new();
        // the header-read timeout is the connection's own (head.rs): hyper's costs a timer
        // per request
        http.header_read_timeout(None::<Duration>)
            .max_buf_size(o.max_header_bytes.max(8192))
            .keep_alive(true);
        #[cfg(feature = "https")]
        let tls = o
            .tls
            .as_ref()
            .map(|tls| Arc::new(tls::Tls::new(tls, &o, &http, per_request.clone())));
        let graceful = GracefulShutdown::new();
        let lifecycle = self.app.inner.platform.lifecycle.clone();
        // on the signal, readiness fails first; the listener stays open for the drain delay,
        // so a load balancer sees 503 before connections are refused
        let drain_delay = o.drain_delay;
        let stopping = std::sync::OnceLock::new();
        let shutdown = {
            let lifecycle = lifecycle.clone();
            let stopping = &stopping;
            async move {
                shutdown.await;
                let _ = stopping.set(std::time::Instant::now());
                lifecycle.set(crate::health::State::Stopping);
                tracing::info!(target: "lb::server", "shutting down: readiness is 503 now");
                tokio::time::sleep(drain_delay).await;
            }
        };
        tokio::pin!(shutdown);
        lifecycle.set(crate::health::State::Up);
        tracing::info!(
            target: "lb::server",
            address = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            tls = has_tls(&o),
            startup_ms = self.app.inner.platform.created.elapsed().as_secs_f64() * 1000.0,
            "serving"
        );
        loop {
            let place = tokio::select! {
                p = admission.place() => p,
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(c) => c,
                    Err(e) => {
                        accept_failed(e).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            // over its address's share: the stream is dropped, closing the connection
            let Some(ticket) = admission.admit(place, peer.ip().to_canonical()) else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            #[cfg(feature = "https")]
            if let Some(tls) = &tls {
                let serve = tls.clone().serve(stream, graceful.watcher(), ticket);
                tokio::spawn(rest::serving(peer, serve));
                continue;
            }
            let phase = Arc::new(Phase::default());
            let head = HeadDeadline::new(o.header_read_timeout, phase.clone());
            let io = StallGuard::new(TokioIo::new(stream), o.write_timeout, head);
            let service = http1_service(per_request.clone(), phase);
            let conn = graceful.watch(http.serve_connection(io, service));
            tokio::spawn(rest::serving(peer, async move {
                let _ = conn.await;
                drop(ticket);
            }));
        }
        drop(listener);
        // change streams end, requests in flight finish (within the grace), pools close
        self.app.inner.changes.close();
        let drained = tokio::time::timeout(o.shutdown_grace, graceful.shutdown())
            .await
            .is_ok();
        for (_, c) in &self.app.inner.datasources {
            c.close().await;
        }
        lifecycle.set(crate::health::State::Stopped);
        tracing::info!(
            target: "lb::server",
            drained,
            shutdown_ms = stopping
                .get()
                .map_or(0.0, |t: &std::time::Instant| t.elapsed().as_secs_f64() * 1000.0),
            "stopped"
        );
        Ok(())
    }
}

/// The service of an HTTP/1.1 connection: tells `phase` when a head has arrived and when its
/// answer has ended.
fn http1_service(
    per_request: Arc<PerRequest>,
    phase: Arc<Phase>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = hyper::Response<Answer>,
    Error = Infallible,
    Future = impl Future<Output = Result<hyper::Response<Answer>, Infallible>> + Send,
> + Send {
    hyper::service::service_fn(move |req| {
        phase.seen();
        let per_request = per_request.clone();
        let phase = phase.clone();
        async move {
            let answer = per_request.answer(req).await;
            Ok::<_, Infallible>(answer.map(|body| Answer::new(body, phase)))
        }
    })
}

#[cfg(feature = "https")]
fn has_tls(o: &ServerOptions) -> bool {
    o.tls.is_some()
}

#[cfg(not(feature = "https"))]
fn has_tls(_: &ServerOptions) -> bool {
    false
}

/// What every request of every connection shares.
struct PerRequest {
    service: crate::app::Pipeline,
    debug: bool,
    body_read_timeout: Duration,
    request_timeout: Option<Duration>,
}

impl PerRequest {
    async fn answer(&self, req: hyper::Request<Incoming>) -> axum::response::Response {
        let req = req.map(|body| BodyDeadline::new(body, self.body_read_timeout));
        // the service's future is boxed already: the timeout adds no allocation
        let answer = self.service.clone().call(req);
        let answered = match self.request_timeout {
            None => Ok(answer.await),
            Some(limit) => deadline::Within::new(limit, answer).await,
        };
        match answered {
            Ok(Ok(res)) => res,
            Ok(Err(never)) => match never {},
            Err(()) => {
                let limit = self.request_timeout.unwrap_or_default();
                rest::error_response(&Error::request_timeout(limit), self.debug)
            }
        }
    }
}

/// An accept error: a connection that failed before it was accepted is skipped; anything
/// else (out of descriptors) is reported and retried after a pause, never fatal.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(target: "lb::server", "accepting a connection failed: {e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
