//! Slow and greedy clients against the real server, over real sockets (issue 15 finding 4):
//! slow headers, idle keep-alives, slow bodies, slow answers, clients that do not read, and
//! connection floods — each bounded in count and time, with a trivial request answered within
//! a stated time while the abuse runs.

mod support;

use support::net::{closed_within, connect_from, rss};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lb::{App, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// A server for the example models with `limits` applied, on an ephemeral port; it stops
/// when the returned sender is dropped.
async fn start(
    app: App,
    limits: impl FnOnce(Server) -> Server,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = limits(app.server());
    tokio::spawn(async move {
        server
            .serve_until(listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    (addr, tx)
}

/// `GET /api/products` on a fresh connection from 127.0.0.1: the status (0 when no answer
/// came within 10 s) and the time taken.
async fn trivial_request(addr: SocketAddr) -> (u16, Duration) {
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(10), request_status(addr))
        .await
        .unwrap_or(0);
    (status, started.elapsed())
}

async fn request_status(addr: SocketAddr) -> u16 {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /api/products HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Headers sent one byte at a time, never finished: the connection is closed after the
/// header-read timeout, and other clients are served meanwhile.
#[tokio::test]
async fn slow_headers_are_cut_off() {
    let (addr, _stop) = start(support::app(), |s| {
        s.header_read_timeout(Duration::from_millis(400))
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /api/pro").await.unwrap();
        slow.push(s);
    }
    let dripping = async {
        for i in 0..4 {
            for s in &mut slow {
                let _ = s.write_all(&[b"duct"[i]]).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    dripping.await;
    let (status, took) = trivial_request(addr).await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    for s in &mut slow {
        let t = closed_within(s, Duration::from_secs(3)).await;
        assert!(t.is_some(), "a slow-header connection stayed open");
    }
}

/// An idle keep-alive connection is closed once the header-read timeout has passed since its
/// last answer.
#[tokio::test]
async fn idle_keep_alive_connections_are_closed() {
    let (addr, _stop) = start(support::app(), |s| {
        s.header_read_timeout(Duration::from_millis(300))
    })
    .await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /api/products HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let t = closed_within(&mut s, Duration::from_secs(3))
        .await
        .expect("the idle connection must be closed");
    assert!(t >= Duration::from_millis(200), "closed too early: {t:?}");
}

/// A body that stops arriving is answered 408 after the body-read timeout, and nothing is
/// written.
#[tokio::test]
async fn a_stalled_body_is_answered_408() {
    let app = support::app();
    let (addr, _stop) = start(app.clone(), |s| {
        s.body_read_timeout(Duration::from_millis(300))
    })
    .await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /api/products HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"name\":",
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "no answer to a stalled body");
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"REQUEST_BODY_TIMEOUT\""), "{text}");
    assert_eq!(
        support::get(&app, "/api/products/count").await.json()["count"],
        0
    );
}

/// An answer that takes longer than the request timeout is stopped and answered 503.
#[tokio::test]
async fn a_slow_answer_is_answered_503() {
    let app = support::app_with(|b| {
        b.before_remote("Product", "find", |_ctx| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        })
    });
    let (addr, _stop) = start(app, |s| s.request_timeout(Some(Duration::from_millis(300)))).await;
    let (status, took) = trivial_request(addr).await;
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

/// A client that pipelines requests and never reads the answers loses its connection after
/// the write timeout instead of holding it forever.
#[tokio::test]
async fn a_client_that_does_not_read_is_disconnected() {
    let app = support::app();
    let big = "x".repeat(2000);
    for i in 0..200 {
        let body =
            serde_json::json!({"name": format!("p{i}"), "secret": &big, "description": &big});
        support::json(&app, "POST", "/api/products", &body).await;
    }
    let (addr, _stop) = start(app, |s| s.write_timeout(Duration::from_millis(300))).await;
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut s = sock.connect(addr).await.unwrap();
    let req = b"GET /api/products HTTP/1.1\r\nhost: x\r\n\r\n".repeat(200);
    // the server stops reading once its writes block; the rest of the requests may not fit
    let _ = tokio::time::timeout(Duration::from_secs(2), s.write_all(&req)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // the connection is gone: what was buffered drains, then EOF or a reset
    let mut total = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    let drained = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    })
    .await;
    assert!(drained.is_ok(), "the connection stayed open");
    let one_answer = 200 * 2000 * 2;
    assert!(
        total < 200 * one_answer,
        "all {total} bytes arrived: the server never gave up"
    );
}

/// One client address gets at most its share of connections (the rest are closed at once);
/// another address is served meanwhile.
#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let (addr, _stop) = start(support::app(), |s| {
        s.max_connections_per_address(20)
            .header_read_timeout(Duration::from_secs(30))
    })
    .await;
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..200 {
        let mut s = connect_from([127, 0, 0, 2], addr).await.unwrap();
        // accepted then closed at once, or held open
        if closed_within(&mut s, Duration::from_millis(20))
            .await
            .is_some()
        {
            refused += 1;
        } else {
            held.push(s);
        }
    }
    assert!(held.len() <= 20, "{} connections held", held.len());
    assert!(refused >= 180, "{refused} refused");
    let (status, took) = trivial_request(addr).await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

/// At the process cap, new connections wait (they are not refused and the process does not
/// die) and are served once a place frees — here when the idle ones hit the header timeout.
#[tokio::test]
async fn a_connection_flood_waits_for_a_place() {
    let (addr, _stop) = start(support::app(), |s| {
        s.max_connections(30)
            .header_read_timeout(Duration::from_millis(500))
    })
    .await;
    let mut flood = Vec::new();
    for i in 0..300u32 {
        let from = [127, 0, 1 + (i / 100) as u8, 2 + (i % 100) as u8];
        if let Ok(s) = connect_from(from, addr).await {
            flood.push(s);
        }
    }
    let (status, took) = trivial_request(addr).await;
    assert_eq!(status, 200);
    // every earlier connection idles out in rounds of 30 × 0.5 s at worst
    assert!(took < Duration::from_secs(8), "took {took:?}");
    drop(flood);
    let (status, took) = trivial_request(addr).await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

/// A request head beyond `max_header_bytes` (a 100 KB filter in the URL) is refused with 431
/// before anything parses it.
#[tokio::test]
async fn an_oversized_request_head_is_refused() {
    let (addr, _stop) = start(support::app(), |s| s.max_header_bytes(16 * 1024)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let filter = "a".repeat(100 * 1024);
    let req = format!("GET /api/products?filter={filter} HTTP/1.1\r\nhost: x\r\n\r\n");
    let _ = s.write_all(req.as_bytes()).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    let (status, _) = trivial_request(addr).await;
    assert_eq!(status, 200);
}

/// Opens a change stream from `from` with a tiny receive buffer; returns the socket unread.
async fn subscribe_from(from: [u8; 4], addr: SocketAddr) -> TcpStream {
    let sock = TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    sock.bind(SocketAddr::from((from, 0))).unwrap();
    let mut s = sock.connect(addr).await.unwrap();
    s.write_all(b"GET /api/products/change-stream HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    s
}

/// The change-stream flood (issue 15 finding 8): subscribers that never read are
/// disconnected once their buffer is full instead of holding every event; writes do not
/// wait on them; memory stays bounded; a subscriber that reads gets every event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_stream_subscribers_that_do_not_read_are_dropped() {
    let app = support::app_with(|b| b.body_limit(200 * 1024));
    let (addr, _stop) = start(app.clone(), |s| s).await;
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(subscribe_from([127, 0, 0, 2], addr).await);
    }
    let mut reader = TcpStream::connect(addr).await.unwrap();
    reader
        .write_all(b"GET /api/products/change-stream HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    while app.change_stream_subscribers() < 41 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    const WRITES: usize = 150;
    // The reader keeps up (the writer waits while it is 8 events behind, well inside its
    // 64-event buffer): it must get every event, while the 40 that never read are dropped.
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let reading = tokio::spawn(async move {
        let mut events = 0;
        let mut buf = vec![0u8; 1 << 16];
        let mut tail = Vec::new();
        while events < WRITES {
            let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_secs(20), reader.read(&mut buf)).await
            else {
                break;
            };
            if n == 0 {
                break;
            }
            tail.extend_from_slice(&buf[..n]);
            // count complete events, keep the partial one
            while let Some(i) = tail.windows(11).position(|w| w == b"event: data") {
                events += 1;
                tail.drain(..i + 11);
            }
            counter.store(events, Ordering::Release);
        }
        counter.store(usize::MAX, Ordering::Release);
        (events, reader)
    });
    let before = rss();
    let text = "x".repeat(60 * 1024);
    let mut latencies = Vec::new();
    for i in 0..WRITES {
        let started = Instant::now();
        let r = support::json(
            &app,
            "POST",
            "/api/products",
            &serde_json::json!({"name": format!("p{i}"), "description": &text}),
        )
        .await;
        latencies.push(started.elapsed());
        assert_eq!(r.status, 200, "{}", r.text);
        while seen.load(Ordering::Acquire).saturating_add(8) < i {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    latencies.sort();
    let p50 = latencies[WRITES / 2];
    assert!(p50 < Duration::from_millis(50), "write p50 {p50:?}");
    let (events, _reader) = reading.await.unwrap();
    assert_eq!(events, WRITES, "the reading subscriber missed events");
    // the idle subscribers are gone, the reader stays
    let gone = Instant::now();
    while app.change_stream_subscribers() > 1 && gone.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.change_stream_subscribers(), 1);
    let grown = rss().saturating_sub(before);
    assert!(grown < 150 << 20, "RSS grew by {} MB", grown >> 20);
    drop(idle);
}

/// Change streams are capped per client address (429) and per process (503).
#[tokio::test]
async fn change_stream_subscribers_are_capped() {
    use lb::changes::StreamLimits;
    let app = support::app_with(|b| {
        b.change_stream_limits(StreamLimits {
            max_subscribers: 6,
            max_subscribers_per_address: 3,
            ..StreamLimits::default()
        })
    });
    let (addr, _stop) = start(app.clone(), |s| s).await;
    let status_of = |mut s: TcpStream| async move {
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        let status = String::from_utf8_lossy(&buf[..n])
            .split(' ')
            .nth(1)
            .unwrap_or("")
            .to_string();
        (status, s)
    };
    let mut open = Vec::new();
    for _ in 0..3 {
        let (status, s) = status_of(subscribe_from([127, 0, 0, 2], addr).await).await;
        assert_eq!(status, "200");
        open.push(s);
    }
    let (status, _) = status_of(subscribe_from([127, 0, 0, 2], addr).await).await;
    assert_eq!(status, "429");
    for _ in 0..3 {
        let (status, s) = status_of(subscribe_from([127, 0, 0, 3], addr).await).await;
        assert_eq!(status, "200");
        open.push(s);
    }
    let (status, _) = status_of(subscribe_from([127, 0, 0, 4], addr).await).await;
    assert_eq!(status, "503");
    // a closed subscription frees its place
    drop(open.pop());
    let freed = Instant::now();
    while app.change_stream_subscribers() > 5 && freed.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, _) = status_of(subscribe_from([127, 0, 0, 4], addr).await).await;
    assert_eq!(status, "200");
}

/// The header-read timeout never cuts an answer that is still going: a change stream with no
/// event for longer than the timeout stays open and gets the next event; a keep-alive
/// connection used again within the timeout is served.
#[tokio::test]
async fn the_header_timeout_spares_streams_and_busy_connections() {
    let app = support::app();
    let (addr, _stop) = start(app.clone(), |s| {
        s.header_read_timeout(Duration::from_millis(300))
    })
    .await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /api/products/change-stream HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut keep = TcpStream::connect(addr).await.unwrap();
    let mut buf = vec![0u8; 8192];
    for _ in 0..4 {
        keep.write_all(b"GET /api/products/count HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let n = keep.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    support::json(
        &app,
        "POST",
        "/api/products",
        &serde_json::json!({"name": "late"}),
    )
    .await;
    let mut got = Vec::new();
    let event = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "the change stream was closed");
            got.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&got).contains("\"late\"") {
                break;
            }
        }
    })
    .await;
    assert!(event.is_ok(), "no event: {}", String::from_utf8_lossy(&got));
}

/// Answers without a body (HEAD, 204) end too: the connection then idles out like any other.
#[tokio::test]
async fn bodiless_answers_start_the_idle_timeout() {
    let (addr, _stop) = start(support::app(), |s| {
        s.header_read_timeout(Duration::from_millis(300))
    })
    .await;
    for req in [
        &b"HEAD /api/products HTTP/1.1\r\nhost: x\r\n\r\n"[..],
        &b"DELETE /api/products/1 HTTP/1.1\r\nhost: x\r\n\r\n"[..],
    ] {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(req).await.unwrap();
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 2"));
        let t = closed_within(&mut s, Duration::from_secs(3))
            .await
            .expect("the idle connection must be closed");
        assert!(t >= Duration::from_millis(200), "closed too early: {t:?}");
    }
}

/// The process cap holds: with 5 places taken by idle connections, a sixth connection is not
/// served (it waits in the backlog, neither refused nor answered) until one of them closes.
#[tokio::test]
async fn a_sixth_connection_waits_at_a_cap_of_five() {
    let (addr, _stop) = start(support::app(), |s| {
        s.max_connections(5)
            .header_read_timeout(Duration::from_secs(30))
    })
    .await;
    let mut held = Vec::new();
    for i in 0..5u8 {
        held.push(connect_from([127, 0, 1, 2 + i], addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waiting = tokio::spawn(trivial_request(addr));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !waiting.is_finished(),
        "a sixth connection was served beyond the cap of 5"
    );
    drop(held.pop());
    let (status, took) = waiting.await.unwrap();
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(2), "took {took:?}");
}
