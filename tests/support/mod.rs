//! Shared helpers of the black-box tests: the locations example's app, driven in-process.

#![allow(dead_code)]

#[path = "../../examples/locations/models.rs"]
pub mod models;
pub mod net;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use lb::App;
use serde_json::Value;
use tower::ServiceExt;

/// A fresh app with the example's models on an empty memory datasource.
pub fn app() -> App {
    app_with(|b| b)
}

/// Like [`app`], with changes to the builder.
pub fn app_with(f: impl FnOnce(lb::AppBuilder) -> lb::AppBuilder) -> App {
    f(App::builder()
        .model::<models::Location>()
        .model::<models::Inventory>()
        .model::<models::Product>()
        .rest_api_root("/api"))
    .build()
    .expect("app builds")
}

/// The whole example app (its users, notes and memos with their ACLs too), with changes to
/// the builder; [`models::seed_admin`] seeds it.
pub fn full_app_with(f: impl FnOnce(lb::AppBuilder) -> lb::AppBuilder) -> App {
    let b = App::builder()
        .model::<models::Location>()
        .model::<models::Inventory>()
        .model::<models::Product>()
        .rest_api_root("/api");
    f(models::with_users(b).expect("the example's users"))
        .build()
        .expect("app builds")
}

/// A response as the tests see it.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub text: String,
}

impl Reply {
    /// The body as JSON (`null` when empty, `{"$text": ..}` when not JSON).
    pub fn json(&self) -> Value {
        if self.text.is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&self.text)
            .unwrap_or_else(|_| serde_json::json!({ "$text": self.text }))
    }
}

/// Sends one request to the app's router.
pub async fn send(
    app: &App,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(escape_uri(uri));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Body::from(body.unwrap_or("").to_string()))
        .expect("valid request");
    let res = app
        .clone()
        .into_router()
        .oneshot(req)
        .await
        .expect("infallible");
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Reply {
        status,
        content_type,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Percent-encodes characters `http::Uri` refuses (raw `{`, `"`, spaces, as some clients send).
pub fn escape_uri(uri: &str) -> String {
    uri.chars()
        .map(|c| match c {
            '"' | ' ' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}' => {
                format!("%{:02X}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

/// GET.
pub async fn get(app: &App, uri: &str) -> Reply {
    send(app, "GET", uri, &[], None).await
}

/// A JSON request.
pub async fn json(app: &App, method: &str, uri: &str, body: &Value) -> Reply {
    send(
        app,
        method,
        uri,
        &[("content-type", "application/json")],
        Some(&body.to_string()),
    )
    .await
}

/// A request with an optional token (`Authorization`, raw) and JSON body: status and JSON
/// answer.
pub async fn call(
    app: &App,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(t) = token {
        headers.push(("authorization", t));
    }
    let body = body.map(|b| b.to_string());
    let r = send(app, method, uri, &headers, body.as_deref()).await;
    (r.status, r.json())
}

/// The datasource URLs a connector test runs on: memory, an in-memory SQLite database, and the
/// PostgreSQL and MySQL/MariaDB servers named by `DATABASE_URL_POSTGRES` and
/// `DATABASE_URL_MYSQL`. A server without its variable is skipped with a message on stderr —
/// except under `CI=true`, where `.ci/run` sets both and a missing one is a failure.
#[allow(dead_code)]
pub fn datasource_urls() -> Vec<String> {
    let mut urls = vec!["memory:".to_string(), "sqlite::memory:".to_string()];
    for var in ["DATABASE_URL_POSTGRES", "DATABASE_URL_MYSQL"] {
        match std::env::var(var) {
            Ok(url) if !url.is_empty() => urls.push(url),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("{var} is not set: CI runs every connector test on every database")
            }
            _ => eprintln!("SKIPPED on this machine: {var} is not set, its database is not tested"),
        }
    }
    urls
}

/// Serialises tests that share a database server (they drop and create the same tables).
#[allow(dead_code)]
pub async fn database_lock(url: &str) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    if url.starts_with("memory:") || url.contains(":memory:") {
        return None;
    }
    Some(LOCK.lock().await)
}
