//! HTTPS (feature `https`): the server's certificate and key ([`TlsConfig`]), and a TLS
//! connection served over HTTP/2 when the client's ALPN chose `h2`, over HTTP/1.1 otherwise —
//! with the limits of a plain connection: the handshake and the first request head within the
//! header-read timeout (counted from the connection opening), idle connections closed after
//! it, writes that stay blocked closed after the write timeout, request heads within
//! `max_header_bytes` (HTTP/2: the header list size), a graceful shutdown.
//!
//! Over HTTP/2 a connection awaits a head (and is closed when none comes in time) while none
//! of its requests is in flight ([`Streams`]); each request runs in its own task, which has
//! the client's address too ([`PeerExecutor`]). A client that stops reading may also do it
//! without blocking a write, by giving no flow-control window: a connection whose answers
//! wait for window with none of them making progress for the write timeout is closed, as
//! a blocked write is.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::server::conn::{http1, http2};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::Watcher;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio::net::TcpStream;
use tokio::time::{sleep_until, Instant, Sleep};

use super::admission::Ticket;
use super::head::{HeadDeadline, Phase, Turns};
use super::stall::StallGuard;
use super::{http1_service, PerRequest, ServerOptions};
use crate::rest;

/// The certificate chain and private key a server answers HTTPS with (feature `https`), for
/// [`Server::tls`](super::Server::tls). The ones made from PEM offer HTTP/2 and HTTP/1.1 by
/// ALPN, with rustls's safe defaults (TLS 1.2 and 1.3) and the process's default crypto
/// provider, else *ring*.
///
/// ```no_run
/// # async fn run(app: lb_runtime::App) -> std::io::Result<()> {
/// use lb_runtime::server::TlsConfig;
/// let tls = TlsConfig::from_pem_files("cert.pem", "key.pem")?; // an error names the file
/// app.server().tls(tls).serve(([0, 0, 0, 0], 3443)).await
/// # }
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<ServerConfig>,
}

impl TlsConfig {
    /// Reads a PEM certificate chain (the server's certificate first) and a PEM private key
    /// (PKCS#8, PKCS#1 or SEC1) from files. A missing file, a file without a certificate or
    /// key, or a key that is not the certificate's is an error naming the file.
    pub fn from_pem_files(
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
    ) -> io::Result<TlsConfig> {
        let (cert_path, key_path) = (cert_path.as_ref(), key_path.as_ref());
        let cert_source = format!("the TLS certificate file {}", cert_path.display());
        let key_source = format!("the TLS private key file {}", key_path.display());
        let read = |path: &Path, source: &str| {
            std::fs::read(path).map_err(|e| io::Error::new(e.kind(), format!("lb: {source}: {e}")))
        };
        let cert_pem = read(cert_path, &cert_source)?;
        let key_pem = read(key_path, &key_source)?;
        build(&cert_pem, &key_pem, &cert_source, &key_source)
    }

    /// Like [`from_pem_files`](Self::from_pem_files), from PEM text in memory.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> io::Result<TlsConfig> {
        build(
            cert_pem,
            key_pem,
            "the TLS certificate PEM",
            "the TLS private key PEM",
        )
    }

    /// A rustls configuration of your own (client certificates, a certificate resolver,
    /// another crypto provider). HTTP/2 is served only if its `alpn_protocols` offer `h2`
    /// (list `http/1.1` after it); without ALPN every connection is HTTP/1.1.
    pub fn from_rustls(config: Arc<ServerConfig>) -> TlsConfig {
        TlsConfig { config }
    }

    /// The rustls configuration served.
    pub fn rustls_config(&self) -> &Arc<ServerConfig> {
        &self.config
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alpn: Vec<_> = self
            .config
            .alpn_protocols
            .iter()
            .map(|p| String::from_utf8_lossy(p))
            .collect();
        f.debug_struct("TlsConfig").field("alpn", &alpn).finish()
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn build(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert_source: &str,
    key_source: &str,
) -> io::Result<TlsConfig> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("lb: {cert_source} is not valid PEM: {e}")))?;
    if chain.is_empty() {
        return Err(invalid(format!(
            "lb: {cert_source} holds no certificate (a PEM `BEGIN CERTIFICATE` section)"
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| match e {
        pem::Error::NoItemsFound => invalid(format!(
            "lb: {key_source} holds no private key (a PEM `BEGIN PRIVATE KEY`, \
             `BEGIN RSA PRIVATE KEY` or `BEGIN EC PRIVATE KEY` section)"
        )),
        e => invalid(format!("lb: {key_source} is not valid PEM: {e}")),
    })?;
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("lb: TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            invalid(format!(
                "lb: {cert_source} and {key_source} were refused: {e}"
            ))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsConfig {
        config: Arc::new(config),
    })
}

/// What the TLS connections of a server share.
pub(super) struct Tls {
    acceptor: tokio_rustls::TlsAcceptor,
    http1: http1::Builder,
    http2: http2::Builder<PeerExecutor>,
    per_request: Arc<PerRequest>,
    header_read_timeout: Duration,
    write_timeout: Duration,
}

impl Tls {
    pub(super) fn new(
        config: &TlsConfig,
        options: &ServerOptions,
        http1: &http1::Builder,
        per_request: Arc<PerRequest>,
    ) -> Self {
        let mut http2 = http2::Builder::new(PeerExecutor);
        // the idle close is the connection's own (head.rs), pings would not add to it
        // hyper's other defaults stay: 200 streams at once, 20 pending resets
        http2.max_header_list_size(u32::try_from(options.max_header_bytes).unwrap_or(u32::MAX));
        Tls {
            acceptor: tokio_rustls::TlsAcceptor::from(config.config.clone()),
            http1: http1.clone(),
            http2,
            per_request,
            header_read_timeout: options.header_read_timeout,
            write_timeout: options.write_timeout,
        }
    }

    /// Serves one accepted connection: the handshake within the header-read timeout, then
    /// HTTP/2 or HTTP/1.1 as ALPN chose. Run within the client's address
    /// ([`rest::serving`]); the ticket is held until the connection closes.
    pub(super) async fn serve(self: Arc<Self>, tcp: TcpStream, watcher: Watcher, ticket: Ticket) {
        let opened = Instant::now();
        let handshake = self.acceptor.accept(tcp);
        let Ok(Ok(stream)) = tokio::time::timeout(self.header_read_timeout, handshake).await else {
            // no ClientHello in time, or not TLS: the connection is dropped
            return;
        };
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        let io = TokioIo::new(stream);
        if h2 {
            let streams = Arc::new(Streams::new(self.write_timeout));
            let head = HeadDeadline::since(opened, self.header_read_timeout, streams.clone());
            let io = StallGuard::new(io, self.write_timeout, head);
            let per_request = self.per_request.clone();
            let service = hyper::service::service_fn(move |req| {
                let turn = Turn::new(&streams);
                let per_request = per_request.clone();
                async move {
                    let answer = per_request.answer(req).await;
                    Ok::<_, Infallible>(answer.map(|body| Streamed {
                        body,
                        turn,
                        waiting: false,
                    }))
                }
            });
            let _ = watcher
                .watch(self.http2.serve_connection(io, service))
                .await;
        } else {
            let phase = Arc::new(Phase::default());
            let head = HeadDeadline::since(opened, self.header_read_timeout, phase.clone());
            let io = StallGuard::new(io, self.write_timeout, head);
            let service = http1_service(self.per_request.clone(), phase);
            let _ = watcher
                .watch(self.http1.serve_connection(io, service))
                .await;
        }
        drop(ticket);
    }
}

/// Spawns each HTTP/2 request's task within its connection's client address (read where the
/// connection runs, [`rest::serving`]).
#[derive(Clone, Copy)]
struct PeerExecutor;

impl<F> hyper::rt::Executor<F> for PeerExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, fut: F) {
        match rest::client_address() {
            Some(client) => drop(tokio::spawn(rest::serving(client, fut))),
            None => drop(tokio::spawn(fut)),
        }
    }
}

/// The requests in flight on an HTTP/2 connection — a head is awaited while there are none —
/// and their answers' progress through the client's flow control.
pub(super) struct Streams {
    open: AtomicUsize,
    /// Answers with a chunk handed to hyper and not polled again: waiting for window.
    waiting: AtomicUsize,
    /// Chunks sent on (each poll of an answer that had one waiting).
    progress: AtomicUsize,
    stall_limit: Duration,
}

/// The connection's own watch on [`Streams::waiting`]: the progress count when the wait
/// began, and the timer of its end.
#[derive(Default)]
pub(super) struct FlowStall {
    mark: Option<usize>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Streams {
    fn new(stall_limit: Duration) -> Self {
        Streams {
            open: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            progress: AtomicUsize::new(0),
            stall_limit,
        }
    }

    /// The awaited head's time starts at the first look that finds no request in flight.
    fn settle(&self, since: &mut Option<Instant>) -> bool {
        if self.open.load(Ordering::Acquire) > 0 {
            *since = None;
            false
        } else if since.is_none() {
            *since = Some(Instant::now());
            true
        } else {
            false
        }
    }
}

impl Turns for Streams {
    type Own = FlowStall;

    fn wrote(&self, since: &mut Option<Instant>) -> bool {
        self.settle(since)
    }

    /// Also an error once answers have waited for flow-control window, none making
    /// progress, for the stall limit.
    fn read_pending(
        &self,
        since: &mut Option<Instant>,
        own: &mut FlowStall,
        cx: &mut Context<'_>,
    ) -> io::Result<()> {
        self.settle(since);
        if self.waiting.load(Ordering::Acquire) == 0 {
            own.mark = None;
            return Ok(());
        }
        let progress = self.progress.load(Ordering::Acquire);
        let deadline = Instant::now() + self.stall_limit;
        let timer = own
            .timer
            .get_or_insert_with(|| Box::pin(sleep_until(deadline)));
        if own.mark != Some(progress) {
            // a wait begins, or an answer went on: its time starts now
            own.mark = Some(progress);
            timer.as_mut().reset(deadline);
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client gave no HTTP/2 flow-control window for its answers",
            ));
        }
        Ok(())
    }
}

/// One request in flight, from its service call (on the connection's task, so the connection
/// sees it before its next read) until its answer's body is dropped — sent whole, or the
/// stream reset.
struct Turn(Arc<Streams>);

impl Turn {
    fn new(streams: &Arc<Streams>) -> Self {
        streams.open.fetch_add(1, Ordering::AcqRel);
        Turn(streams.clone())
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An HTTP/2 answer's body, holding its request's [`Turn`]. hyper polls it again only once
/// the chunk it gave has flow-control window: between the two it is waiting.
struct Streamed {
    body: axum::body::Body,
    turn: Turn,
    waiting: bool,
}

impl Streamed {
    fn set_waiting(&mut self, waiting: bool) {
        if self.waiting == waiting {
            return;
        }
        self.waiting = waiting;
        let streams = &self.turn.0;
        if waiting {
            streams.waiting.fetch_add(1, Ordering::AcqRel);
        } else {
            streams.progress.fetch_add(1, Ordering::AcqRel);
            streams.waiting.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Drop for Streamed {
    fn drop(&mut self) {
        self.set_waiting(false);
    }
}

impl Body for Streamed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.set_waiting(false);
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if frame.data_ref().is_some_and(|d| !d.is_empty()) {
                self.set_waiting(true);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_awaited_while_no_request_is_in_flight() {
        let streams = Arc::new(Streams::new(Duration::from_secs(30)));
        let mut since = Some(Instant::now());
        let first = Turn::new(&streams);
        streams.settle(&mut since);
        assert!(since.is_none());
        let second = Turn::new(&streams);
        drop(first);
        assert!(!streams.wrote(&mut since));
        assert!(since.is_none(), "one request is still in flight");
        drop(second);
        assert!(streams.wrote(&mut since));
        let started = since.unwrap();
        streams.settle(&mut since);
        assert_eq!(since, Some(started), "the time runs from the first look");
    }

    #[test]
    fn bad_pem_is_an_error_naming_what_is_wrong() {
        let e = TlsConfig::from_pem(b"garbage", b"garbage").unwrap_err();
        assert!(
            e.to_string()
                .contains("certificate PEM holds no certificate"),
            "{e}"
        );
        let e =
            TlsConfig::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(e.to_string().contains("/nonexistent/cert.pem"), "{e}");
    }
}
