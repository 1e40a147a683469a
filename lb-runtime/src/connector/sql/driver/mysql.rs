//! MySQL 8 and MariaDB through sqlx: JSON documents, `DATETIME(3)` dates in UTC, binary
//! collation for strings (code point order and case-sensitive equality, as in memory).

use std::str::FromStr;

use chrono::{NaiveDateTime, Utc};
use serde_json::Value;
use sqlx::mysql::{
    MySql, MySqlArguments, MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions,
    MySqlRow,
};
use sqlx::Row;

use super::super::statement::{Arg, Sql};
use super::super::values::date_value;
use super::super::PoolSettings;
use super::{is_json, number, text_as_json};
use crate::model::DataType;

super::driver_fns!(MySql, MySqlConnection);

fn bind(
    q: sqlx::query::Query<'static, MySql, MySqlArguments>,
    a: Arg,
) -> sqlx::query::Query<'static, MySql, MySqlArguments> {
    match a {
        Arg::Null => q.bind(None::<String>),
        Arg::Bool(b) => q.bind(b),
        Arg::Int(i) => q.bind(i),
        Arg::Float(f) => q.bind(f),
        Arg::Text(s) => q.bind(s),
        Arg::Json(v) => q.bind(v.to_string()),
        Arg::Date(d) => q.bind(d.naive_utc()),
        Arg::TextArray(v) => q.bind(Value::from(v).to_string()),
    }
}

fn decode(r: &MySqlRow, i: usize, t: &DataType) -> Result<Value, sqlx::Error> {
    Ok(match t {
        DataType::Integer | DataType::Number => number(r, i)?,
        DataType::Boolean => match r.try_get::<Option<bool>, _>(i) {
            Ok(v) => v.map(Value::Bool),
            Err(e) => number(r, i)
                .map_err(|_| e)?
                .map(|n| Value::Bool(n.as_f64().is_some_and(|f| f != 0.0))),
        },
        DataType::Date => r
            .try_get::<Option<NaiveDateTime>, _>(i)?
            .map(|d| date_value(d.and_utc().with_timezone(&Utc))),
        t if is_json(t) => match r.try_get::<Option<sqlx::types::Json<Value>>, _>(i) {
            Ok(v) => v.map(|j| j.0),
            // a column of another type (LoopBack's connector made INT(11) for foreign keys)
            Err(e) => match number(r, i) {
                Ok(v) => v,
                Err(_) => text_as_json(r, i).map_err(|_| e)?,
            },
        },
        _ => r.try_get::<Option<String>, _>(i)?.map(Value::String),
    }
    .unwrap_or(Value::Null))
}

/// A pool for `mysql://..` / `mariadb://..` (connections are opened on first use).
pub(crate) fn pool(url: &str, settings: &PoolSettings) -> Result<MySqlPool, sqlx::Error> {
    let url = url.replacen("mariadb://", "mysql://", 1);
    let options = MySqlConnectOptions::from_str(&url)?.charset("utf8mb4");
    let limit = settings.statement_timeout;
    Ok(MySqlPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .idle_timeout(settings.reaping().0)
        .max_lifetime(settings.reaping().1)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if let Some(limit) = limit {
                    limit_statements(conn, limit).await?;
                }
                Ok(())
            })
        })
        .connect_lazy_with(options))
}

/// The statement timeout of a session: MariaDB's `max_statement_time` (seconds, every
/// statement) or MySQL's `max_execution_time` (milliseconds, reads only).
async fn limit_statements(
    c: &mut MySqlConnection,
    limit: std::time::Duration,
) -> Result<(), sqlx::Error> {
    use sqlx::Executor;
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(&mut *c)
        .await?;
    let set = if version.to_ascii_lowercase().contains("mariadb") {
        format!("SET SESSION max_statement_time = {}", limit.as_secs_f64())
    } else {
        format!("SET SESSION max_execution_time = {}", limit.as_millis())
    };
    // a number formatted here, no client text
    c.execute(sqlx::AssertSqlSafe(set)).await?;
    Ok(())
}

/// Runs an `INSERT` and returns the generated id (`LAST_INSERT_ID()`).
pub(crate) async fn insert_id(c: &mut MySqlConnection, sql: Sql) -> Result<i64, sqlx::Error> {
    let id = query(sql).execute(&mut *c).await?.last_insert_id();
    Ok(i64::try_from(id).unwrap_or(i64::MAX))
}
