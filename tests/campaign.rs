//! The hostile-client campaign of issue 15, bounded to run in CI: every abuse at once against
//! one real server — slow headers, idle keep-alives, oversized and repeated clauses,
//! hidden-property probes, malformed input, concurrent upserters, change-stream subscribers
//! that never read under large writes — while a trivial request is timed. It asserts no
//! 5xx, a trivial request always answered within a stated time, and a bound on the memory
//! the process gains. Each finding also has its own test (`tests/hostile.rs`,
//! `tests/slow_clients.rs`, `tests/hidden_properties.rs`).

mod support;

use support::net::{connect_from, rss};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};

/// How long the abuse runs.
const ABUSE: Duration = Duration::from_secs(6);
/// The longest a trivial request may take while it runs (a debug build on 2 cores).
const TRIVIAL_WITHIN: Duration = Duration::from_secs(1);
/// The most resident memory the process may gain.
const RSS_BOUND: usize = 300 << 20;

/// One request on a fresh connection: the status (0: no answer within 10 s).
async fn request(addr: SocketAddr, from: [u8; 4], head: &str, body: &str) -> u16 {
    let go = async {
        let mut s = connect_from(from, addr).await.ok()?;
        let req = format!(
            "{head}\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.ok()?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.ok()?;
        String::from_utf8_lossy(&out)
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
    };
    tokio::time::timeout(Duration::from_secs(10), go)
        .await
        .ok()
        .flatten()
        .unwrap_or(0)
}

fn uri(v: &serde_json::Value) -> String {
    support::escape_uri(&v.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_abuse_at_once() {
    let app = support::app_with(|b| b.body_limit(200 * 1024));
    for i in 0..200 {
        let body = json!({"name": format!("p{i}"), "secret": format!("s{i}"), "price": i});
        support::json(&app, "POST", "/api/products", &body).await;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = app
        .clone()
        .server()
        .header_read_timeout(Duration::from_secs(1))
        .body_read_timeout(Duration::from_secs(1));
    tokio::spawn(server.serve_until(listener, std::future::pending()));
    let before = rss();
    let stop = Arc::new(AtomicBool::new(false));
    let server_errors = Arc::new(AtomicUsize::new(0));
    let mut abusers = Vec::new();

    // slow headers, reconnecting when cut off
    for i in 0..40u8 {
        let stop = stop.clone();
        abusers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut s) = connect_from([127, 0, 2, 1 + i], addr).await else {
                    continue;
                };
                for b in b"GET /api/products HTTP/1.1\r\nhost: x\r\n".iter() {
                    if stop.load(Ordering::Relaxed) || s.write_all(&[*b]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }));
    }
    // idle keep-alive connections
    let mut idle = Vec::new();
    for i in 0..200u32 {
        if let Ok(s) = connect_from([127, 0, 3, 1 + (i % 200) as u8], addr).await {
            idle.push(s);
        }
    }
    // oversized and repeated clauses, hidden-property probes, malformed input: each a 4xx or
    // an answer that shows nothing hidden
    let requests: Vec<(String, String)> = vec![
        (
            format!(
                "GET /api/products?filter={} HTTP/1.1",
                uri(&json!({"order": vec!["price DESC"; 3000]}))
            ),
            String::new(),
        ),
        (
            format!(
                "GET /api/products?filter={} HTTP/1.1",
                uri(&json!({"where": {"id": {"inq": (0..5000).collect::<Vec<_>>()}}}))
            ),
            String::new(),
        ),
        (
            format!(
                "GET /api/products?filter={} HTTP/1.1",
                uri(&json!({"where": {"name": {"like": "a".repeat(5000)}}}))
            ),
            String::new(),
        ),
        (
            format!(
                "GET /api/products?filter={} HTTP/1.1",
                uri(&json!({"order": ["secret ASC"], "limit": 1}))
            ),
            String::new(),
        ),
        (
            format!(
                "GET /api/products?filter={} HTTP/1.1",
                uri(&json!({"fields": vec!["name"; 2000]}))
            ),
            String::new(),
        ),
        (
            format!(
                "GET /api/products/count?where={} HTTP/1.1",
                uri(&json!({"secret": "s1"}))
            ),
            String::new(),
        ),
        (
            format!(
                "POST /api/products/update?where={} HTTP/1.1",
                uri(&json!({"secret": "s1"}))
            ),
            json!({"price": -1}).to_string(),
        ),
        (
            format!(
                "GET /api/products?filter={} HTTP/1.1",
                uri(&json!({"include": vec!["nothing"; 500]}))
            ),
            String::new(),
        ),
        (
            "GET /api/products?filter={not json HTTP/1.1".to_string(),
            String::new(),
        ),
        (
            format!("GET /api/products?filter={} HTTP/1.1", "%5B".repeat(40)),
            String::new(),
        ),
        (
            "POST /api/products HTTP/1.1".to_string(),
            "[".repeat(10_000),
        ),
        (
            "POST /api/products HTTP/1.1".to_string(),
            json!(vec![json!({"price": "x"}); 3000]).to_string(),
        ),
    ];
    for (i, (head, body)) in requests.into_iter().enumerate() {
        let stop = stop.clone();
        let errors = server_errors.clone();
        abusers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let status = request(addr, [127, 0, 4, 1 + i as u8], &head, &body).await;
                if status >= 500 || status == 0 {
                    eprintln!("{status} for {}", &head[..head.len().min(80)]);
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    // concurrent upserters of the same keys
    for c in 0..8u8 {
        let stop = stop.clone();
        let errors = server_errors.clone();
        abusers.push(tokio::spawn(async move {
            let mut k = 0;
            while !stop.load(Ordering::Relaxed) {
                let w = uri(&json!({"name": format!("u{}", k % 30)}));
                let head = format!("POST /api/locations/upsertWithWhere?where={w} HTTP/1.1");
                let body =
                    json!({"name": format!("u{}", k % 30), "city": format!("c{c}")}).to_string();
                let status = request(addr, [127, 0, 5, 1 + c], &head, &body).await;
                if status != 200 {
                    eprintln!("upsert: {status}");
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                k += 1;
            }
        }));
    }
    // change-stream subscribers that never read, and a writer of large instances
    let mut subscribers = Vec::new();
    for i in 0..30u8 {
        let sock = TcpSocket::new_v4().unwrap();
        sock.set_recv_buffer_size(4096).unwrap();
        sock.bind(SocketAddr::from(([127, 0, 6, 1 + i], 0)))
            .unwrap();
        let mut s = sock.connect(addr).await.unwrap();
        s.write_all(b"GET /api/products/change-stream HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        subscribers.push(s);
    }
    {
        let stop = stop.clone();
        let errors = server_errors.clone();
        abusers.push(tokio::spawn(async move {
            let text = "x".repeat(60 * 1024);
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let body = json!({"name": format!("big{i}"), "description": &text}).to_string();
                let status =
                    request(addr, [127, 0, 7, 1], "POST /api/products HTTP/1.1", &body).await;
                if status != 200 {
                    eprintln!("large write: {status}");
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        }));
    }

    // the trivial request, timed all along
    let started = Instant::now();
    let mut worst = Duration::ZERO;
    let mut answered = 0;
    while started.elapsed() < ABUSE {
        let t = Instant::now();
        let status = request(addr, [127, 0, 0, 1], "GET /api/products/count HTTP/1.1", "").await;
        let took = t.elapsed();
        assert_eq!(status, 200, "the trivial request failed after {took:?}");
        worst = worst.max(took);
        answered += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for a in abusers {
        let _ = a.await;
    }
    let grown = rss().saturating_sub(before);
    eprintln!(
        "campaign: {answered} trivial requests, the slowest {worst:?}; RSS +{} MB",
        grown >> 20
    );
    assert!(worst < TRIVIAL_WITHIN, "a trivial request took {worst:?}");
    assert_eq!(
        server_errors.load(Ordering::Relaxed),
        0,
        "5xx or no answer (see stderr)"
    );
    assert!(grown < RSS_BOUND, "RSS grew by {} MB", grown >> 20);
    // nothing hidden moved, nothing duplicated
    assert_eq!(
        support::get(&app, "/api/products/count?where=%7B%22price%22%3A-1%7D")
            .await
            .json()["count"],
        0
    );
    for k in 0..30 {
        let n = support::get(
            &app,
            &format!(
                "/api/locations/count?where={}",
                uri(&json!({"name": format!("u{k}")}))
            ),
        )
        .await;
        assert!(n.json()["count"].as_u64().unwrap() <= 1, "u{k} duplicated");
    }
    drop(idle);
    drop(subscribers);
}
