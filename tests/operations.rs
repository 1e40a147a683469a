//! Operating an lb server: `/health`, `/live`, `/ready` in `@loopback/health`'s shapes and
//! statuses (lifecycle states, a database that is not there, checks of the app's own),
//! Prometheus metrics by route template (the spans are in `tests/tracing.rs`), and a graceful
//! shutdown (readiness fails first, a request in flight finishes, change streams end).

mod support;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use lb::health::{HealthOptions, Probe, State};
use lb::App;
use serde_json::{json, Value};
use tower::ServiceExt;

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let res = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn health_follows_the_lifecycle_and_the_checks() {
    let live_ok = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = live_ok.clone();
    let app = support::app_with(|b| {
        b.health(HealthOptions::default())
            .health_check("event-loop", Probe::Live, move || {
                let ok = flag.load(std::sync::atomic::Ordering::Relaxed);
                async move {
                    if ok {
                        Ok(())
                    } else {
                        Err("stalled".to_string())
                    }
                }
            })
    });
    let router = app.clone().into_router();
    // STARTING: not ready, alive
    app.lifecycle().set(State::Starting);
    let (s, v) = get(&router, "/ready").await;
    assert_eq!(
        (s, v["status"].clone()),
        (StatusCode::SERVICE_UNAVAILABLE, json!("STARTING"))
    );
    let (s, v) = get(&router, "/live").await;
    assert_eq!(
        (s, v["status"].clone()),
        (StatusCode::OK, json!("STARTING"))
    );
    let (s, _) = get(&router, "/health").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    // UP: the datasource is a readiness check, the app's own a liveness one
    app.lifecycle().set(State::Up);
    let (s, v) = get(&router, "/health").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        v,
        json!({"status": "UP", "checks": [
            {"name": "db", "state": "UP", "data": {"reason": ""}},
            {"name": "event-loop", "state": "UP", "data": {"reason": ""}}
        ]})
    );
    let (s, v) = get(&router, "/ready").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["checks"].as_array().unwrap().len(), 1);
    // a failing liveness check: live and health DOWN, ready still UP
    live_ok.store(false, std::sync::atomic::Ordering::Relaxed);
    let (s, v) = get(&router, "/live").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["status"], "DOWN");
    assert_eq!(
        v["checks"][0],
        json!({"name": "event-loop", "state": "DOWN", "data": {"reason": "stalled"}})
    );
    assert_eq!(get(&router, "/ready").await.0, StatusCode::OK);
    assert_eq!(
        get(&router, "/health").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    live_ok.store(true, std::sync::atomic::Ordering::Relaxed);
    // STOPPING: everything 503
    app.lifecycle().set(State::Stopping);
    for p in ["/ready", "/live", "/health"] {
        let (s, v) = get(&router, p).await;
        assert_eq!(
            (s, v["status"].clone()),
            (StatusCode::SERVICE_UNAVAILABLE, json!("STOPPING")),
            "{p}"
        );
    }
    // the health routes are not in the OpenAPI document; turned off, they are 404s
    assert!(app
        .openapi()
        .paths
        .paths
        .keys()
        .all(|p| !p.contains("health") && !p.contains("ready")));
    let plain = support::app();
    assert_eq!(
        get(&plain.into_router(), "/health").await.0,
        StatusCode::NOT_FOUND
    );
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn a_database_that_is_not_there_makes_ready_fail_and_live_pass() {
    let settings = lb::PoolSettings {
        acquire_timeout: Duration::from_millis(500),
        ..lb::PoolSettings::default()
    };
    // nothing listens on port 1
    let gone =
        lb::SqlConnector::with_settings("postgres://postgres@127.0.0.1:1/test", &settings).unwrap();
    let mut urls = vec![("gone", Some(gone))];
    if let Ok(url) = std::env::var("DATABASE_URL_POSTGRES") {
        urls.push((
            "pg",
            Some(lb::SqlConnector::with_settings(&url, &settings).unwrap()),
        ));
    } else {
        eprintln!("SKIPPED: DATABASE_URL_POSTGRES is not set, a live PostgreSQL is not checked");
    }
    for (name, ds) in urls {
        let app = App::builder()
            .datasource("db", ds.unwrap())
            .model::<support::models::Location>()
            .model::<support::models::Inventory>()
            .model::<support::models::Product>()
            .health(HealthOptions {
                check_timeout: Duration::from_secs(2),
                ..HealthOptions::default()
            })
            .build()
            .unwrap();
        let router = app.clone().into_router();
        let (ready, v) = get(&router, "/ready").await;
        let (live, _) = get(&router, "/live").await;
        assert_eq!(live, StatusCode::OK, "{name}");
        if name == "gone" {
            assert_eq!(ready, StatusCode::SERVICE_UNAVAILABLE, "{v}");
            assert_eq!(v["status"], "DOWN");
            assert_eq!(v["checks"][0]["name"], "db");
            assert_eq!(v["checks"][0]["state"], "DOWN");
            let reason = v["checks"][0]["data"]["reason"].as_str().unwrap();
            assert!(reason.contains("not available"), "{reason}");
            assert!(
                !reason.contains("postgres://"),
                "no URL in an answer: {reason}"
            );
        } else {
            assert_eq!(ready, StatusCode::OK, "{v}");
        }
    }
}

#[tokio::test]
async fn metrics_by_route_template_with_datasource_timings() {
    let app = support::app_with(|b| b.metrics(Default::default()));
    let router = app.clone().into_router();
    let res = router
        .clone()
        .oneshot(
            Request::post("/api/locations")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"name": "Depot", "city": "Ghent"}).to_string(),
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    for id in [1, 1, 2, 77777] {
        let _ = get(&router, &format!("/api/locations/{id}")).await;
    }
    let _ = get(&router, "/no/such/path/12345").await;
    // the app's own metrics, through the `metrics` crate, are in the same answer
    metrics::counter!("app_orders_total").increment(3);
    let res = router
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text =
        String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let has = |s: &str| assert!(text.contains(s), "missing {s} in\n{text}");
    has(
        r#"http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/api/locations/{id}",http_response_status_code="200",le="0.005"}"#,
    );
    has(
        r#"http_server_request_duration_seconds_count{http_request_method="GET",http_route="/api/locations/{id}",http_response_status_code="404"}"#,
    );
    has(r#"http_route="/api/locations",http_response_status_code="200""#);
    has(r#"http_route="unmatched""#);
    has(r#"le="10"}"#);
    has("http_server_active_requests");
    has(
        r#"lb_datasource_operation_duration_seconds_count{datasource="db",model="Location",operation="findById"}"#,
    );
    has(r#"operation="create""#);
    has("lb_change_stream_subscribers 0");
    has("# TYPE http_server_request_duration_seconds histogram");
    has("# TYPE lb_datasource_operation_duration_seconds histogram");
    has("app_orders_total 3");
    // never a raw path: bounded cardinality
    assert!(!text.contains("77777") && !text.contains("12345"), "{text}");
}

/// Sends a raw HTTP/1.1 request and reads the whole answer (the server closes it).
fn raw_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_fails_readiness_first_and_lets_work_finish() {
    let app = support::app_with(|b| {
        b.health(HealthOptions::default()).middleware_wrap(
            lb::middleware::Phase::Routes.before(),
            "slow",
            lb::middleware::Scope {
                paths: vec!["/slow".into()],
                methods: vec![],
            },
            Arc::new(|_inner: lb::middleware::Route| {
                lb::middleware::endpoint(|_req: Request<Body>| async {
                    tokio::time::sleep(Duration::from_millis(800)).await;
                    axum::response::Response::new(Body::from("done"))
                })
            }),
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        app.clone()
            .server()
            .drain_delay(Duration::from_millis(400))
            .shutdown_grace(Duration::from_secs(5))
            .serve_until(listener, async {
                let _ = stopped.await;
            }),
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(app.lifecycle().state(), State::Up);
    assert!(raw_get(addr, "/ready").starts_with("HTTP/1.1 200"));
    // a change stream and a slow request are open when the signal comes
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /api/locations/change-stream HTTP/1.1\r\nhost: x\r\n\r\n"
    )
    .unwrap();
    let slow = tokio::task::spawn_blocking(move || raw_get(addr, "/slow"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = Instant::now();
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // during the drain delay the server still answers, and readiness is 503
    assert_eq!(app.lifecycle().state(), State::Stopping);
    let ready = tokio::task::spawn_blocking(move || raw_get(addr, "/ready"))
        .await
        .unwrap();
    assert!(ready.starts_with("HTTP/1.1 503"), "{ready}");
    assert!(ready.contains("\"STOPPING\""), "{ready}");
    // the request in flight finishes; the change stream ends; the server returns
    let slow = slow.await.unwrap();
    assert!(
        slow.starts_with("HTTP/1.1 200") && slow.ends_with("done"),
        "{slow}"
    );
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "no wait for the change stream's grace"
    );
    assert_eq!(app.lifecycle().state(), State::Stopped);
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut rest = String::new();
    let _ = stream.read_to_string(&mut rest);
    assert!(rest.contains("text/event-stream"), "{rest}");
    // new connections are refused after the shutdown
    assert!(std::net::TcpStream::connect(addr).is_err());
}
