//! JSON responses shaped as LoopBack sends them (hidden properties never leave the server).

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::connector::Row;
use crate::model::ModelDefinition;
use crate::value::Object;

const JSON: HeaderValue = HeaderValue::from_static("application/json; charset=utf-8");

struct Shaped<'a> {
    row: &'a Object,
    hidden: &'a [String],
}

impl Serialize for Shaped<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.hidden.is_empty() {
            return self.row.serialize(s);
        }
        let mut m = s.serialize_map(None)?;
        for (k, v) in self.row {
            if !self.hidden.iter().any(|h| h == k) {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

struct ShapedRows<'a> {
    rows: &'a [Row],
    hidden: &'a [String],
}

impl Serialize for ShapedRows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.rows.len()))?;
        for r in self.rows {
            seq.serialize_element(&Shaped {
                row: r,
                hidden: self.hidden,
            })?;
        }
        seq.end()
    }
}

fn bytes_response(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, JSON);
    r
}

fn serialize<T: Serialize>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(b) => bytes_response(status, b),
        Err(e) => super::dispatch::error_response(&crate::Error::internal(e.to_string()), false),
    }
}

/// One instance.
pub fn row_response(def: &ModelDefinition, row: &Object) -> Response {
    serialize(
        StatusCode::OK,
        &Shaped {
            row,
            hidden: def.hidden(),
        },
    )
}

/// An array of instances.
pub fn rows_response(def: &ModelDefinition, rows: &[Row]) -> Response {
    serialize(
        StatusCode::OK,
        &ShapedRows {
            rows,
            hidden: def.hidden(),
        },
    )
}

/// Any JSON value.
pub fn json_response(status: StatusCode, v: &Value) -> Response {
    serialize(status, v)
}

/// 204 with LoopBack's JSON content type and no body.
pub fn void_response() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r.headers_mut().insert(header::CONTENT_TYPE, JSON);
    r
}
