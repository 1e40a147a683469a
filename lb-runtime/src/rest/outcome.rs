//! `Outcome`: what a built-in method produced, kept as rows as long as possible so an answer
//! without after hooks is written straight from the rows' cached JSON.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::response::{
    count_response, found_response, json_response, row_response, rows_response, void_response,
};
use crate::connector::Row;
use crate::model::ModelDefinition;
use crate::shape;
use crate::Error;

/// The result of a built-in method.
pub enum Outcome {
    /// One instance just written (200): serialized once, not cached.
    Row(Row),
    /// One instance read (200): its JSON is cached on the row, as list reads cache it, so
    /// the next read of the same stored row sends bytes without serializing.
    Found(Row),
    /// A list of instances (200).
    Rows(Vec<Row>),
    /// `{"count": n}` (200).
    Count(u64),
    /// Any JSON body with a status.
    Json(StatusCode, Value),
    /// No instance: after hooks see `null`, then this error (findById/findOne's 404) is sent.
    Missing(Error),
    /// A remote method's body (`None`: 204).
    Body(StatusCode, Option<Value>),
    /// A streamed response (change streams), sent as it is.
    Stream(Response),
}

fn row_value(def: &ModelDefinition, row: &Row) -> Value {
    serde_json::to_value(shape::top_serializer(def, row)).unwrap_or(Value::Null)
}

impl Outcome {
    /// The status and body as after hooks see them (`None`: no body).
    pub fn into_parts(self, def: &ModelDefinition) -> (StatusCode, Option<Value>, Option<Error>) {
        match self {
            Outcome::Row(r) | Outcome::Found(r) => (StatusCode::OK, Some(row_value(def, &r)), None),
            Outcome::Rows(rows) => (
                StatusCode::OK,
                Some(Value::Array(
                    rows.iter().map(|r| row_value(def, r)).collect(),
                )),
                None,
            ),
            Outcome::Count(n) => (
                StatusCode::OK,
                Some(serde_json::json!({ "count": n })),
                None,
            ),
            Outcome::Json(s, v) => (s, Some(v), None),
            Outcome::Missing(e) => (StatusCode::OK, Some(Value::Null), Some(e)),
            Outcome::Body(s, v) => (s, v, None),
            // never reaches here: `invoke` sends streams as they are
            Outcome::Stream(r) => (r.status(), None, None),
        }
    }

    /// The response (no hooks ran).
    pub fn into_response(self, def: &ModelDefinition) -> Result<Response, Error> {
        Ok(match self {
            Outcome::Row(r) => row_response(def, &r),
            Outcome::Found(r) => found_response(def, &r),
            Outcome::Rows(rows) => rows_response(def, &rows),
            Outcome::Count(n) => count_response(n),
            Outcome::Json(s, v) => json_response(s, &v),
            Outcome::Missing(e) => return Err(e),
            Outcome::Body(s, Some(v)) => json_response(s, &v),
            Outcome::Body(_, None) => void_response(),
            Outcome::Stream(r) => r,
        })
    }
}
