//! The floor of issue 18's bench: a minimal hand-written server answering the bench's
//! workloads a–e (get by id, `where` + `limit`, `limit`, create, count) over rows in a vector,
//! with the LoopBack 3 scaffold's headers (CORS reflecting the origin with credentials, and
//! helmet's five) added by the cheapest layer tower allows when `HEADERS=1`: static values,
//! no allocation, no other work. `HEADERS=1` against `HEADERS=0` is what those headers cost any
//! server on this machine, the part of lb's platform cost that no code of lb's can remove.
//!
//! Env: `PORT` (default 3907), `HEADERS` (`1` adds them).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

type Rows = Arc<RwLock<Vec<Value>>>;

#[tokio::main]
async fn main() {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3907);
    let rows: Rows = Arc::default();
    let app = Router::new()
        .route("/api/locations", get(find).post(create))
        .route("/api/locations/count", get(count))
        .route("/api/locations/{id}", get(find_by_id))
        .with_state(rows);
    let app = if std::env::var("HEADERS").is_ok_and(|h| h == "1") {
        app.layer(ScaffoldHeaders)
    } else {
        app
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    axum::serve(listener, app).await.unwrap();
}

async fn create(State(rows): State<Rows>, Json(mut body): Json<Map<String, Value>>) -> Response {
    let mut rows = rows.write().unwrap();
    body.insert("id".into(), json!(rows.len() + 1));
    let row = Value::Object(body);
    rows.push(row.clone());
    Json(row).into_response()
}

async fn find_by_id(State(rows): State<Rows>, Path(id): Path<usize>) -> Response {
    match id
        .checked_sub(1)
        .and_then(|i| rows.read().unwrap().get(i).cloned())
    {
        Some(row) => Json(row).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `filter={"where":{"city":..},"limit":..}`: equality on one property and a limit.
async fn find(State(rows): State<Rows>, Query(q): Query<Vec<(String, String)>>) -> Response {
    let filter: Value = q
        .iter()
        .find(|(k, _)| k == "filter")
        .and_then(|(_, f)| serde_json::from_str(f).ok())
        .unwrap_or(Value::Null);
    let limit = filter["limit"].as_u64().map_or(usize::MAX, |l| l as usize);
    let wanted = filter["where"].as_object();
    let matches = |row: &Value| wanted.is_none_or(|w| w.iter().all(|(k, v)| &row[k] == v));
    let rows = rows.read().unwrap();
    let page: Vec<&Value> = rows.iter().filter(|r| matches(r)).take(limit).collect();
    Json(page).into_response()
}

async fn count(State(rows): State<Rows>) -> Response {
    Json(json!({"count": rows.read().unwrap().len()})).into_response()
}

#[derive(Clone, Copy)]
struct ScaffoldHeaders;

impl<S> tower::Layer<S> for ScaffoldHeaders {
    type Service = Scaffold<S>;
    fn layer(&self, inner: S) -> Scaffold<S> {
        Scaffold(inner)
    }
}

#[derive(Clone)]
struct Scaffold<S>(S);

type Answer<E> = Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>;

impl<S, B> tower::Service<Request<B>> for Scaffold<S>
where
    S: tower::Service<Request<B>, Response = Response>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let origin = req.headers().get(header::ORIGIN).cloned();
        let answer = self.0.call(req);
        Box::pin(async move {
            let mut res = answer.await?;
            let h = res.headers_mut();
            let fixed = [
                ("x-xss-protection", "1; mode=block"),
                ("x-frame-options", "DENY"),
                ("strict-transport-security", "max-age=0; includeSubDomains"),
                ("x-download-options", "noopen"),
                ("x-content-type-options", "nosniff"),
            ];
            for (name, value) in fixed {
                h.insert(name, HeaderValue::from_static(value));
            }
            if let Some(origin) = origin {
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
                h.insert(header::VARY, HeaderValue::from_static("Origin"));
            }
            Ok(res)
        })
    }
}
