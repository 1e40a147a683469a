//! Request bodies: JSON (any value, like body-parser with `strict: false`), urlencoded with qs
//! rules, everything else left unparsed; a size limit answered with LoopBack's 413.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use http_body_util::{BodyExt, Limited};
use serde_json::Value;

use super::qs;
use crate::filter::depth;
use crate::{Error, Result};

/// LoopBack's `maxDepthOfData`.
pub(super) const MAX_DATA_DEPTH: usize = 32;

fn too_large() -> Error {
    Error::new(StatusCode::PAYLOAD_TOO_LARGE, "request entity too large")
        .with_name("PayloadTooLargeError")
        .with_status_property(true)
}

/// The media type of a `Content-Type`/`Accept` item, lowercase, without parameters.
pub(super) fn media_type(item: &str) -> String {
    item.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json_type(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// Whether the request body is JSON (its values are then coerced strictly).
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| is_json_type(&media_type(t)))
}

/// The error a request body gives when it did not arrive in time (the server's body-read
/// timeout); the reader answers 408.
#[derive(Debug)]
pub struct ReadTimeout;

impl std::fmt::Display for ReadTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body not received in time")
    }
}

impl std::error::Error for ReadTimeout {}

/// Whether `e` or one of its sources is a [`ReadTimeout`] (axum's `Body` wraps the error).
fn is_read_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<ReadTimeout>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Reads and parses the body.
pub(super) async fn read(headers: &HeaderMap, body: Body, limit: usize) -> Result<Value> {
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > limit {
            return Err(too_large());
        }
        if len == 0 {
            return Ok(Value::Null);
        }
    }
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Err(too_large()),
        Err(e) if is_read_timeout(&*e) => return Err(Error::body_timeout()),
        Err(e) => {
            return Err(Error::bad_request(format!(
                "could not read the request body: {e}"
            )))
        }
    };
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let raw_ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ctype = media_type(raw_ctype);
    let charset = raw_ctype.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_string())
    });
    if let Some(cs) = charset.filter(|c| !c.to_ascii_lowercase().starts_with("utf-")) {
        return Err(Error::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("unsupported charset \"{}\"", cs.to_uppercase()),
        )
        .with_name("UnsupportedMediaTypeError")
        .with_status_property(true));
    }
    let value = if is_json_type(&ctype) {
        serde_json::from_slice::<Value>(&bytes).map_err(|e| {
            Error::bad_request(json_error_message(&e, &bytes))
                .with_name("SyntaxError")
                .with_status_property(true)
        })?
    } else if ctype == "application/x-www-form-urlencoded" {
        Value::Object(qs::parse(&String::from_utf8_lossy(&bytes)))
    } else {
        return Ok(Value::Null);
    };
    if depth(&value) > MAX_DATA_DEPTH {
        return Err(Error::bad_request(format!(
            "The query object exceeds maximum depth {MAX_DATA_DEPTH}"
        ))
        .with_code("QUERY_OBJECT_TOO_DEEP"));
    }
    Ok(value)
}

/// A message in the spirit of Node's `JSON.parse` errors, with the byte position.
fn json_error_message(e: &serde_json::Error, bytes: &[u8]) -> String {
    let line_start: usize = bytes
        .split(|b| *b == b'\n')
        .take(e.line().saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    let pos = line_start + e.column().saturating_sub(1);
    match e.classify() {
        serde_json::error::Category::Eof => "Unexpected end of JSON input".to_string(),
        _ => format!("Unexpected token in JSON at position {pos} ({e})"),
    }
}
