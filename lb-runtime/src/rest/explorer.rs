//! `/openapi.json`, `/openapi.yaml` and the API explorer: Swagger UI compiled into the binary
//! (no CDN), reading the document through a relative URL so it works behind a path prefix.

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;

use crate::App;

fn text(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A rendering of the document, made once: the app (and so the document) never changes.
fn document(
    cache: &OnceLock<Result<Bytes, String>>,
    content_type: &'static str,
    render: impl FnOnce() -> Result<String, String>,
) -> Response {
    match cache.get_or_init(|| render().map(Bytes::from)) {
        Ok(b) => text(StatusCode::OK, content_type, b.clone()),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            e.clone(),
        ),
    }
}

async fn openapi_json(State(app): State<App>) -> Response {
    document(
        &app.inner.openapi_json,
        "application/json; charset=utf-8",
        || app.openapi().to_pretty_json().map_err(|e| e.to_string()),
    )
}

async fn openapi_yaml(State(app): State<App>) -> Response {
    document(
        &app.inner.openapi_yaml,
        "application/yaml; charset=utf-8",
        || app.openapi().to_yaml().map_err(|e| e.to_string()),
    )
}

/// The Swagger UI configuration for an explorer mounted at `path` (`/explorer`): the document
/// is found relative to the page, `../openapi.json` per level.
fn config(path: &str) -> Arc<utoipa_swagger_ui::Config<'static>> {
    let depth = path.split('/').filter(|s| !s.is_empty()).count();
    let url = format!("{}openapi.json", "../".repeat(depth));
    Arc::new(
        utoipa_swagger_ui::Config::new([url])
            .validator_url("none")
            .try_it_out_enabled(true)
            .display_request_duration(true),
    )
}

fn serve_file(tail: &str, config: Arc<utoipa_swagger_ui::Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(tail, config) {
        Ok(Some(file)) => {
            let mut r = Response::new(Body::from(file.bytes.into_owned()));
            if let Ok(v) = HeaderValue::from_str(&file.content_type) {
                r.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            if file.gzpipped {
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            r
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            e.to_string(),
        ),
    }
}

/// The document routes and, when enabled, the explorer.
pub(crate) fn routes(app: &App) -> axum::Router<App> {
    let mut r = axum::Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/openapi.yaml", get(openapi_yaml));
    if let Some(path) = app.inner.config.explorer_path.clone() {
        let cfg = config(&path);
        let last = path.rsplit('/').next().unwrap_or("explorer").to_string();
        let index = cfg.clone();
        let files = cfg;
        r = r
            .route(
                &path,
                // relative, so it stays right behind a path prefix
                get(move || async move {
                    let mut res = StatusCode::MOVED_PERMANENTLY.into_response();
                    if let Ok(v) = HeaderValue::from_str(&format!("{last}/")) {
                        res.headers_mut().insert(header::LOCATION, v);
                    }
                    res
                }),
            )
            .route(
                &format!("{path}/"),
                get(move || {
                    let cfg = index.clone();
                    async move { serve_file("", cfg) }
                }),
            )
            .route(
                &format!("{path}/{{*file}}"),
                get(move |Path(file): Path<String>| {
                    let cfg = files.clone();
                    async move { serve_file(&file, cfg) }
                }),
            );
    }
    r
}
