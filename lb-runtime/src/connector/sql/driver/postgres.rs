//! PostgreSQL through sqlx: `jsonb` documents, `timestamptz` dates, `~`/`~*` regexps.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::{
    PgArguments, PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow, Postgres,
};
use sqlx::Row;

use super::super::statement::{Arg, Sql};
use super::super::values::date_value;
use super::super::PoolSettings;
use super::{is_json, number, text_as_json};
use crate::model::DataType;

super::driver_fns!(Postgres, PgConnection);

fn bind(
    q: sqlx::query::Query<'static, Postgres, PgArguments>,
    a: Arg,
) -> sqlx::query::Query<'static, Postgres, PgArguments> {
    match a {
        Arg::Null => q.bind(None::<String>),
        Arg::Bool(b) => q.bind(b),
        Arg::Int(i) => q.bind(i),
        Arg::Float(f) => q.bind(f),
        Arg::Text(s) => q.bind(s),
        Arg::Json(v) => q.bind(sqlx::types::Json(v)),
        Arg::Date(d) => q.bind(d),
        Arg::TextArray(v) => q.bind(v),
    }
}

fn decode(r: &PgRow, i: usize, t: &DataType) -> Result<Value, sqlx::Error> {
    Ok(match t {
        DataType::Integer | DataType::Number => number(r, i)?,
        DataType::Boolean => r.try_get::<Option<bool>, _>(i)?.map(Value::Bool),
        DataType::Date => r.try_get::<Option<DateTime<Utc>>, _>(i)?.map(date_value),
        t if is_json(t) => match r.try_get::<Option<Value>, _>(i) {
            Ok(v) => v,
            // a column of another type (LoopBack's connector made TEXT for arrays and
            // INTEGER for foreign keys): its value, JSON text read as JSON
            Err(e) => match number(r, i) {
                Ok(v) => v,
                Err(_) => text_as_json(r, i).map_err(|_| e)?,
            },
        },
        _ => r.try_get::<Option<String>, _>(i)?.map(Value::String),
    }
    .unwrap_or(Value::Null))
}

/// A pool for `postgres://..` (connections are opened on first use).
pub(crate) fn pool(url: &str, settings: &PoolSettings) -> Result<PgPool, sqlx::Error> {
    let mut options = PgConnectOptions::from_str(url)?;
    if let Some(limit) = settings.statement_timeout {
        options = options.options([("statement_timeout", limit.as_millis().to_string())]);
    }
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .idle_timeout(settings.reaping().0)
        .max_lifetime(settings.reaping().1)
        .connect_lazy_with(options))
}

/// Runs an `INSERT .. RETURNING id` and returns the generated id.
pub(crate) async fn insert_id(c: &mut PgConnection, sql: Sql) -> Result<i64, sqlx::Error> {
    integer(c, sql).await
}
