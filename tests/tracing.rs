//! The spans lb emits, captured by a process-wide `tracing` subscriber (this test binary holds
//! only these tests, one at a time): a span per request (route template, LoopBack method name,
//! model, status; never the query), per datasource call, per REST-connector call, and 5xx
//! errors logged at ERROR.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use tower::ServiceExt;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What lb's targets log at DEBUG while `f` runs (tests take turns).
fn traced(f: impl AsyncFnOnce()) -> String {
    static BUF: OnceLock<Buf> = OnceLock::new();
    static TURN: Mutex<()> = Mutex::new(());
    let buf = BUF.get_or_init(|| {
        let buf = Buf::default();
        let out = buf.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("lb=debug"))
            .with_writer(move || out.clone())
            .with_ansi(false)
            .init();
        buf
    });
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    buf.0.lock().unwrap().clear();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f());
    let bytes = buf.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

async fn get(router: &axum::Router, uri: &str) -> u16 {
    router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn every_request_has_a_span_with_route_method_model_and_status() {
    let text = traced(async || {
        // built under the subscriber: its datasource calls are traced too
        let router = support::app().into_router();
        assert_eq!(
            get(&router, "/api/locations/5?access_token=SECRET").await,
            404
        );
        assert_eq!(
            get(&router, "/api/locations?filter=%7B%22limit%22%3A1%7D").await,
            200
        );
    });
    for want in [
        "http.request.method=GET",
        "url.path=/api/locations/5",
        r#"http.route="/api/locations/{id}""#,
        r#"lb.method="Location.findById""#,
        r#"lb.model="Location""#,
        "status=404",
        "answered",
        "db.datasource=db",
        r#"lb.method="Location.find" "#,
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
    assert!(
        text.contains(r#"db.operation="findById""#) || text.contains("db.operation=findById"),
        "{text}"
    );
    assert!(
        !text.contains("SECRET"),
        "the query is never logged: {text}"
    );
}

#[test]
fn a_5xx_is_logged_at_error() {
    let text = traced(async || {
        let app = support::app_with(|b| {
            b.observe("Location", lb::OperationHook::Access, |_| async {
                Err(lb::Error::internal("the disk is full"))
            })
        });
        assert_eq!(get(&app.into_router(), "/api/locations").await, 500);
    });
    assert!(
        text.contains("ERROR") && text.contains("the disk is full"),
        "{text}"
    );
}

/// Every REST-connector call is a `lb::rest_connector` span: method, host, path — never the
/// query, where API keys live — and the status.
#[cfg(feature = "rest")]
#[test]
fn rest_connector_calls_are_traced_without_their_query() {
    use lb::connector::rest::RestDataSource;
    let text = traced(async || {
        let stub = axum::Router::new()
            .route(
                "/geocode",
                axum::routing::get(|| async { axum::Json(json!({"ok": true})) }),
            )
            .route(
                "/fail",
                axum::routing::get(|| async { axum::http::StatusCode::SERVICE_UNAVAILABLE }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, stub).await.unwrap() });
        let ds = RestDataSource::from_settings(&json!({"operations": [
            {"template": {"method": "GET", "url": format!("{base}/geocode"),
                          "query": {"address": "{a}", "key": "API-KEY-123"}},
             "functions": {"geocode": ["a"]}},
            {"template": {"method": "GET", "url": format!("{base}/fail")},
             "functions": {"down": []}}
        ]}))
        .unwrap();
        ds.invoke("geocode", json!({"a": "Main St"})).await.unwrap();
        assert!(ds.invoke("down", json!({})).await.is_err());
    });
    for want in [
        "rest_connector{http.request.method=GET",
        r#"server.address="127.0.0.1""#,
        r#"url.path="/geocode""#,
        "answered status=200",
        "answered status=503",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
    assert!(
        !text.contains("API-KEY-123") && !text.contains("Main"),
        "{text}"
    );
}
