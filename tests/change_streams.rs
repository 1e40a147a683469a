//! Change streams (spec §2.14): `GET`/`POST /api/<model>/change-stream` as Server-Sent Events
//! in LoopBack's format, with a `where` option, freeing a subscription when its client goes
//! away; on PostgreSQL across processes (the locations example as a second process), with
//! notifications of a transaction delivered on commit only.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use lb::App;
use serde_json::{json, Value};
use support::models::{Inventory, Location, Product};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

/// An open change stream: its body, read frame by frame.
struct Stream {
    body: Body,
    buf: String,
}

impl Stream {
    async fn open(app: &App, method: &str, uri: &str) -> (axum::http::Response<()>, Stream) {
        let req = Request::builder()
            .method(method)
            .uri(support::escape_uri(uri))
            .body(Body::empty())
            .unwrap();
        let res = app.clone().into_router().oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        (
            axum::http::Response::from_parts(parts, ()),
            Stream {
                body,
                buf: String::new(),
            },
        )
    }

    /// The next SSE message (up to its blank line), waiting at most `secs`.
    async fn next(&mut self, secs: u64) -> Option<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(i) = self.buf.find("\n\n") {
                let msg = self.buf[..i].to_string();
                self.buf.drain(..i + 2);
                return Some(msg);
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame())
                .await
                .ok()??;
            if let Ok(data) = frame.unwrap().into_data() {
                self.buf.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }

    /// The next event's JSON.
    async fn event(&mut self) -> Value {
        let msg = self.next(10).await.expect("an event within 10 s");
        let data = msg
            .strip_prefix("event: data\ndata: ")
            .unwrap_or_else(|| panic!("an event: {msg:?}"));
        serde_json::from_str(data).unwrap()
    }
}

fn app_on(url: &str) -> App {
    App::builder()
        .datasource_arc("db", lb::connector::from_url(url).unwrap())
        .model::<Location>()
        .model::<Inventory>()
        .model::<Product>()
        .build()
        .unwrap()
}

#[tokio::test]
async fn events_in_loopbacks_format() {
    let app = app_on("memory:");
    let (res, mut all) = Stream::open(&app, "GET", "/api/locations/change-stream").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert_eq!(res.headers()["cache-control"], "no-cache, no-transform");
    assert_eq!(all.next(5).await.as_deref(), Some(":ok"));
    // POST works too, with a where on the instances
    let w = json!({"where": {"city": "Reno"}});
    let (res, mut reno) = Stream::open(
        &app,
        "POST",
        &format!(
            "/api/locations/change-stream?options={}",
            support::escape_uri(&w.to_string())
        ),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(reno.next(5).await.as_deref(), Some(":ok"));
    assert_eq!(app.change_stream_subscribers(), 2);

    let post = |b: Value| {
        let app = app.clone();
        async move { support::json(&app, "POST", "/api/locations", &b).await }
    };
    post(json!({"name": "a", "city": "Austin"})).await;
    post(json!({"name": "b", "city": "Reno"})).await;
    assert_eq!(
        all.event().await,
        json!({"target": 1, "data": {"id": 1, "name": "a", "city": "Austin"}, "type": "create"})
    );
    assert_eq!(all.event().await["target"], 2);
    assert_eq!(
        reno.event().await,
        json!({"target": 2, "data": {"id": 2, "name": "b", "city": "Reno"}, "type": "create"}),
        "the Austin one is filtered out"
    );
    // update of one instance: the whole instance
    support::json(&app, "PATCH", "/api/locations/2", &json!({"name": "b2"})).await;
    let e = all.event().await;
    assert_eq!(e["type"], "update");
    assert_eq!(e["data"]["name"], "b2");
    assert_eq!(reno.event().await["data"]["name"], "b2");
    // updateAll: the where and the changes
    support::json(
        &app,
        "POST",
        "/api/locations/update?where=%7B%22city%22%3A%22Austin%22%7D",
        &json!({"zipcode": 73301}),
    )
    .await;
    assert_eq!(
        all.event().await,
        json!({"where": {"city": "Austin"}, "data": {"zipcode": 73301}, "type": "update"})
    );
    // remove: target and where
    support::json(&app, "DELETE", "/api/locations/1", &Value::Null).await;
    assert_eq!(
        all.event().await,
        json!({"target": 1, "where": {"id": 1}, "type": "remove"})
    );
    // other models' changes are not in this stream
    support::json(&app, "POST", "/api/products", &json!({"name": "p"})).await;
    support::json(&app, "DELETE", "/api/locations/2", &Value::Null).await;
    assert_eq!(all.event().await["target"], 2, "the product is not sent");
    // a bad where is a 400, not a stream
    let r = support::get(
        &app,
        "/api/locations/change-stream?options=%7B%22where%22%3A5%7D",
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);

    // a client that goes away frees its subscription (without waiting for a change)
    drop(all);
    drop(reno);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while app.change_stream_subscribers() > 0 {
        assert!(tokio::time::Instant::now() < deadline, "subscriptions left");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A raw HTTP/1.1 request to a server process; the whole answer.
async fn http(port: u16, method: &str, path: &str, body: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// Reads a raw SSE connection until `needle` arrives (10 s at most).
async fn read_until(s: &mut tokio::net::TcpStream, seen: &mut String, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 4096];
    while !seen.contains(needle) {
        let n = tokio::time::timeout_at(deadline, s.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("{needle:?} within 10 s; got {seen:?}"))
            .unwrap();
        assert!(n > 0, "connection closed; got {seen:?}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

/// The locations example as a second process on the same PostgreSQL database.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn across_processes_on_postgresql() {
    let Some(url) = support::datasource_urls()
        .into_iter()
        .find(|u| u.starts_with("postgres"))
    else {
        eprintln!("SKIPPED across_processes_on_postgresql: no DATABASE_URL_POSTGRES");
        return;
    };
    let _g = support::database_lock(&url).await;
    let app = app_on(&url);
    app.automigrate().await.unwrap();
    // the example binary that `cargo test` built next to this test
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("examples/locations");
    assert!(bin.exists(), "{} (built by cargo test)", bin.display());
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let _child = Child(
        std::process::Command::new(&bin)
            .env("PORT", port.to_string())
            .env("DATASOURCE_URL", &url)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the example did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // while nobody listens, writes send no notification; a subscription is seen by writers
    let fresh = || lb::connector::from_url(&url).unwrap();
    assert!(
        !fresh().others_listen().await.unwrap(),
        "nobody listens yet"
    );

    // this process subscribes; the other one writes
    let (_, mut here) = Stream::open(&app, "GET", "/api/locations/change-stream").await;
    assert_eq!(here.next(5).await.as_deref(), Some(":ok"));
    assert!(
        fresh().others_listen().await.unwrap(),
        "a listener is visible"
    );
    // the child wrote at start (the example seeds its admin): it knew then that nobody
    // listened, and sees the new listener within half a second (`Listeners::any`)
    tokio::time::sleep(Duration::from_millis(700)).await;
    let r = http(
        port,
        "POST",
        "/api/locations",
        r#"{"name":"from the child","city":"Oslo"}"#,
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let e = here.event().await;
    assert_eq!(e["type"], "create", "{e}");
    assert_eq!(e["data"]["name"], "from the child", "{e}");
    let id = e["target"].clone();

    // the other process subscribes; this one writes
    let mut sse = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    sse.write_all(b"GET /api/locations/change-stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut seen = String::new();
    read_until(&mut sse, &mut seen, ":ok").await;
    support::json(
        &app,
        "PATCH",
        &format!("/api/locations/{id}"),
        &json!({"city": "Bergen"}),
    )
    .await;
    read_until(&mut sse, &mut seen, "Bergen").await;
    assert!(seen.contains(r#""type":"update""#), "{seen}");
    assert_eq!(
        here.event().await["data"]["city"],
        "Bergen",
        "this process too"
    );

    // inside a transaction: nothing on rollback, the change on commit
    let _ = app
        .transaction(|tx| async move {
            Location::update_all(
                &tx,
                json!({"city": "Bergen"}),
                json!({"name": "rolled back"}),
            )
            .await?;
            Err::<(), _>(lb::Error::bad_request("roll back"))
        })
        .await;
    app.transaction(|tx| async move {
        Location::update_all(&tx, json!({"city": "Bergen"}), json!({"name": "committed"})).await
    })
    .await
    .unwrap();
    let e = here.event().await;
    assert_eq!(e["data"], json!({"name": "committed"}), "{e}");
    read_until(&mut sse, &mut seen, "committed").await;
    assert!(!seen.contains("rolled back"), "{seen}");

    // large instances travel without their data and are read back by id
    let long = "x".repeat(9000);
    let r = http(
        port,
        "POST",
        "/api/locations",
        &json!({"name": long, "city": "Big"}).to_string(),
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 200"), "{}", &r[..200.min(r.len())]);
    let e = here.event().await;
    assert_eq!(
        e["data"]["name"].as_str().map(str::len),
        Some(9000),
        "read back"
    );
    assert_eq!(e["data"]["city"], "Big");
}

/// Inside a transaction on a datasource without notifications (SQLite), the changes reach the
/// subscribers when it commits, never when it rolls back.
#[tokio::test]
async fn transactions_announce_on_commit() {
    let app = app_on("sqlite::memory:");
    app.automigrate().await.unwrap();
    let (_, mut s) = Stream::open(&app, "GET", "/api/locations/change-stream").await;
    assert_eq!(s.next(5).await.as_deref(), Some(":ok"));
    let _ = app
        .transaction(|tx| async move {
            Location::create(
                &tx,
                &Location {
                    id: None,
                    street: None,
                    city: None,
                    zipcode: None,
                    name: Some("also rolled back".into()),
                    geo: None,
                },
            )
            .await?;
            Err::<(), _>(lb::Error::bad_request("roll back"))
        })
        .await;
    app.transaction(|tx| async move {
        Location::create(
            &tx,
            &Location {
                id: None,
                street: None,
                city: None,
                zipcode: None,
                name: Some("committed".into()),
                geo: None,
            },
        )
        .await?;
        Ok(())
    })
    .await
    .unwrap();
    let e = s.event().await;
    assert_eq!(
        e["data"]["name"], "committed",
        "nothing of the rolled-back one: {e}"
    );
}

/// Subscribers that arrive together on PostgreSQL share one listener start, and all of them
/// receive the changes.
#[tokio::test]
async fn concurrent_subscribers_on_postgresql() {
    let Some(url) = support::datasource_urls()
        .into_iter()
        .find(|u| u.starts_with("postgres"))
    else {
        eprintln!("SKIPPED concurrent_subscribers_on_postgresql: no DATABASE_URL_POSTGRES");
        return;
    };
    let _g = support::database_lock(&url).await;
    let app = app_on(&url);
    app.automigrate().await.unwrap();
    let ((_, mut a), (_, mut b)) = tokio::join!(
        Stream::open(&app, "GET", "/api/locations/change-stream"),
        Stream::open(&app, "GET", "/api/locations/change-stream"),
    );
    assert_eq!(a.next(5).await.as_deref(), Some(":ok"));
    assert_eq!(b.next(5).await.as_deref(), Some(":ok"));
    support::json(&app, "POST", "/api/locations", &json!({"name": "both"})).await;
    assert_eq!(a.event().await["data"]["name"], "both");
    assert_eq!(b.event().await["data"]["name"], "both");
}
