//! Helpers of the tests that attack a real server over real sockets.

use std::net::SocketAddr;

use tokio::net::{TcpSocket, TcpStream};

/// A connection from the loopback address `from` (127.x.y.z: each is a different client
/// address to the server).
pub async fn connect_from(from: [u8; 4], to: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpSocket::new_v4()?;
    s.bind(SocketAddr::from((from, 0)))?;
    s.connect(to).await
}

/// The resident memory of this process, in bytes (Linux; 0 elsewhere).
pub fn rss() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Reads until the server closes the connection (EOF or reset); the time it took, or `None`
/// if it was still open after `limit`.
#[allow(dead_code)]
pub async fn closed_within<S>(s: &mut S, limit: std::time::Duration) -> Option<std::time::Duration>
where
    S: tokio::io::AsyncRead + Unpin,
{
    use tokio::io::AsyncReadExt;
    let started = std::time::Instant::now();
    let mut buf = [0u8; 4096];
    let wait = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(limit, wait)
        .await
        .ok()
        .map(|()| started.elapsed())
}
