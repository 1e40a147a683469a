//! The server's limits and timeouts, each with a default that is safe on a public network
//! (`docs/security.md` lists them next to what LoopBack 3 on Node does).

use std::time::Duration;

/// Limits and timeouts of [`Server`](super::Server). Every field has a builder method there.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Time a client has to send a request's headers, counted from the connection opening or
    /// from the end of the previous answer on a keep-alive connection — so it also closes idle
    /// keep-alive connections. Default 10 s (Node: `headersTimeout` 60 s, `keepAliveTimeout`
    /// 5 s).
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's body, counted from the end of its headers.
    /// Beyond it the answer is 408. Default 30 s.
    pub body_read_timeout: Duration,
    /// Time an answer may take to start, body read included; beyond it the request is
    /// stopped and answered 503. `None`: no limit. Default 30 s (Node: `requestTimeout`
    /// 300 s).
    pub request_timeout: Option<Duration>,
    /// Time a write to a client may stay blocked (a client that does not read its answer);
    /// beyond it the connection is closed. Default 30 s.
    pub write_timeout: Duration,
    /// Connections served at once. At the cap, new connections wait in the listen backlog
    /// until one closes; the process never runs out of descriptors. Default: three quarters
    /// of the process's open-file limit, at most 16,384.
    pub max_connections: usize,
    /// Connections served at once for one client address; more are closed at once. Default
    /// 256. Behind a proxy every client has the proxy's address: raise it there.
    pub max_connections_per_address: usize,
    /// Bytes of a request head (request line and headers, the URL's filter included); beyond
    /// it the answer is 431. Default 64 KiB (Node: 16 KiB).
    pub max_header_bytes: usize,
    /// After a shutdown signal, time given to requests in flight before their connections
    /// are dropped. Default 10 s.
    pub shutdown_grace: Duration,
    /// After a shutdown signal, time the server keeps accepting while `/ready` answers 503,
    /// so a load balancer stops sending before connections are refused. Default 0 (set it to
    /// a few seconds behind Kubernetes).
    pub drain_delay: Duration,
    /// Serve HTTPS with this certificate and key (feature `https`): HTTP/2 to clients whose
    /// TLS handshake (ALPN) asks for it, HTTP/1.1 to the others; a plain-HTTP client gets
    /// no answer. The handshake counts toward the first request head's time
    /// ([`header_read_timeout`](Self::header_read_timeout)). Default `None`: plain HTTP/1.1.
    #[cfg(feature = "https")]
    pub tls: Option<super::TlsConfig>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            request_timeout: Some(Duration::from_secs(30)),
            write_timeout: Duration::from_secs(30),
            max_connections: default_max_connections(),
            max_connections_per_address: 256,
            max_header_bytes: 64 * 1024,
            shutdown_grace: Duration::from_secs(10),
            drain_delay: Duration::ZERO,
            #[cfg(feature = "https")]
            tls: None,
        }
    }
}

/// Three quarters of the soft open-file limit (the rest is left to datasource pools, files
/// and the listener), between 16 and 16,384.
fn default_max_connections() -> usize {
    let limit = open_file_limit().unwrap_or(1024);
    (limit / 4 * 3).clamp(16, 16_384)
}

#[cfg(unix)]
fn open_file_limit() -> Option<usize> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own and reads nothing else.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    (rc == 0).then(|| usize::try_from(lim.rlim_cur).unwrap_or(usize::MAX))
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<usize> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_leaves_descriptors_free() {
        let cap = default_max_connections();
        let limit = open_file_limit().unwrap();
        assert!(cap < limit, "cap {cap} must stay below the limit {limit}");
        assert!(cap >= 16);
    }
}
