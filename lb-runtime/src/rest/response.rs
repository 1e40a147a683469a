//! JSON responses shaped as LoopBack sends them (hidden properties never leave the server).

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use crate::connector::Row;
use crate::model::ModelDefinition;
use crate::value::Record;
use crate::Error;

const JSON: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

fn bytes_response(status: StatusCode, bytes: impl Into<Body>) -> Response {
    let mut r = Response::new(bytes.into());
    *r.status_mut() = status;
    // room for the headers middleware adds (the scaffold's CORS and helmet headers are 8):
    // the map is sized once instead of growing and rehashing on the way out
    *r.headers_mut() = HeaderMap::with_capacity(12);
    r.headers_mut().insert(header::CONTENT_TYPE, JSON);
    r
}

fn serialize<T: Serialize>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(b) => bytes_response(status, b),
        Err(e) => error_response(&crate::Error::internal(e.to_string()), false),
    }
}

/// The LoopBack error envelope as a response.
pub(crate) fn error_response(e: &Error, debug: bool) -> Response {
    error_response_with(e, debug, &[], false)
}

/// The envelope with strong-error-handler's settings: `safe_fields` kept on a production 5xx,
/// and every error logged when `log_all` (5xx ones always are).
pub(crate) fn error_response_with(
    e: &Error,
    debug: bool,
    safe_fields: &[String],
    log_all: bool,
) -> Response {
    if e.status.is_server_error() {
        // production answers hide a 5xx's message: the operator still needs it (LoopBack's
        // strong-error-handler logs it too)
        tracing::error!(
            target: "lb::error",
            status = e.status.as_u16(),
            name = %e.name,
            code = e.code.as_deref().unwrap_or(""),
            "{}",
            e.message
        );
    } else if log_all {
        tracing::warn!(
            target: "lb::error",
            status = e.status.as_u16(),
            name = %e.name,
            code = e.code.as_deref().unwrap_or(""),
            "{}",
            e.message
        );
    }
    let mut r = json_response(e.status, &e.to_envelope_with(debug, safe_fields));
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// An `lb::Error` returned from any axum handler answers as LoopBack does in production: its
/// status and `{"error":{...}}` envelope, without a stack (the REST API itself renders
/// development mode too, when the app is built with `debug(true)`).
impl axum::response::IntoResponse for Error {
    fn into_response(self) -> Response {
        error_response(&self, false)
    }
}

/// One instance (hidden properties left out; the row's cached JSON when a list read made it).
pub(crate) fn row_response(def: &ModelDefinition, row: &Record) -> Response {
    bytes_response(StatusCode::OK, row.rest_json_uncached(def.hidden()))
}

/// One instance read from the store: its REST JSON cached on the row (shared bytes).
pub(super) fn found_response(def: &ModelDefinition, row: &Record) -> Response {
    bytes_response(StatusCode::OK, row.rest_json(def.hidden()).clone())
}

/// An array of instances, assembled from each row's cached REST JSON.
pub(crate) fn rows_response(def: &ModelDefinition, rows: &[Row]) -> Response {
    let parts: Vec<&[u8]> = rows
        .iter()
        .map(|r| &r.rest_json(def.hidden())[..])
        .collect();
    let mut out = Vec::with_capacity(2 + parts.iter().map(|p| p.len() + 1).sum::<usize>());
    out.push(b'[');
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(p);
    }
    out.push(b']');
    bytes_response(StatusCode::OK, out)
}

/// `{"count":n}`, written without building a JSON value.
pub(super) fn count_response(n: u64) -> Response {
    let mut b = Vec::with_capacity(32);
    b.extend_from_slice(b"{\"count\":");
    b.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    b.push(b'}');
    bytes_response(StatusCode::OK, b)
}

/// Any JSON value.
pub(crate) fn json_response(status: StatusCode, v: &Value) -> Response {
    serialize(status, v)
}

/// 204 with LoopBack's JSON content type and no body.
pub(crate) fn void_response() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r.headers_mut().insert(header::CONTENT_TYPE, JSON);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn an_error_is_a_loopback_error_response() {
        let r = Error::not_found("could not find a model with id 7")
            .with_code("MODEL_NOT_FOUND")
            .into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/json; charset=utf-8"
        );
        let body = r.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"error": {"statusCode": 404, "name": "Error",
                "message": "could not find a model with id 7", "code": "MODEL_NOT_FOUND"}})
        );
    }
}
