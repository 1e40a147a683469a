//! The three sqlx drivers behind one interface: run a statement built by [`super::query`],
//! decode rows by the properties' LoopBack types.

#[cfg(feature = "mysql")]
pub(super) mod mysql;
#[cfg(feature = "postgres")]
pub(super) mod postgres;
#[cfg(feature = "sqlite")]
pub(super) mod sqlite;

use crate::model::DataType;

/// The functions every driver module defines over its connection type.
macro_rules! driver_fns {
    ($db:ty, $conn:ty) => {
        fn query(
            sql: super::super::statement::Sql,
        ) -> sqlx::query::Query<'static, $db, <$db as sqlx::Database>::Arguments> {
            let (text, args) = sql.into_parts();
            let mut q = sqlx::query::<$db>(sqlx::AssertSqlSafe(text));
            for a in args {
                q = bind(q, a);
            }
            q
        }

        /// Rows of `sql`, each decoded by `types` (one per selected column).
        pub(crate) async fn fetch(
            c: &mut $conn,
            sql: Sql,
            types: &[&DataType],
        ) -> Result<Vec<Vec<serde_json::Value>>, sqlx::Error> {
            let rows = query(sql).fetch_all(&mut *c).await?;
            rows.iter()
                .map(|r| {
                    types
                        .iter()
                        .enumerate()
                        .map(|(i, t)| decode(r, i, t))
                        .collect()
                })
                .collect()
        }

        /// Rows affected by `sql`.
        pub(crate) async fn execute(c: &mut $conn, sql: Sql) -> Result<u64, sqlx::Error> {
            Ok(query(sql).execute(&mut *c).await?.rows_affected())
        }

        /// The first column of every row, as text.
        pub(crate) async fn strings(c: &mut $conn, sql: Sql) -> Result<Vec<String>, sqlx::Error> {
            use sqlx::Row;
            let rows = query(sql).fetch_all(&mut *c).await?;
            rows.iter().map(|r| r.try_get::<String, _>(0)).collect()
        }

        /// The integer in the first column of the first row (`COUNT(*)`).
        pub(crate) async fn integer(c: &mut $conn, sql: Sql) -> Result<i64, sqlx::Error> {
            use sqlx::Row;
            // a BIGINT (lb's tables, counts) or an INTEGER (LoopBack's SERIAL ids)
            let row = query(sql).fetch_one(&mut *c).await?;
            match row.try_get::<i64, _>(0) {
                Ok(v) => Ok(v),
                Err(e) => row.try_get::<i32, _>(0).map(i64::from).map_err(|_| e),
            }
        }
    };
}
pub(crate) use driver_fns;

/// JSON text read from a column (text that is not JSON is a string).
pub(crate) fn parse_json(s: String) -> serde_json::Value {
    serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
}

/// A number from any numeric column: lb's own (a double, `BIGINT`) and those LoopBack's
/// connectors made (`INT(11)`, `INTEGER`, `SMALLINT`, `TINYINT`, `FLOAT`, `REAL`).
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub(crate) fn number<R>(r: &R, i: usize) -> Result<Option<serde_json::Value>, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> f32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i16: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i8: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    use crate::value::js;
    use serde_json::Value;
    if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
        return Ok(v.map(js::number));
    }
    if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
        return Ok(v.map(Value::from));
    }
    if let Ok(v) = r.try_get::<Option<i32>, _>(i) {
        return Ok(v.map(Value::from));
    }
    if let Ok(v) = r.try_get::<Option<f32>, _>(i) {
        return Ok(v.map(|f| js::number(f64::from(f))));
    }
    if let Ok(v) = r.try_get::<Option<i16>, _>(i) {
        return Ok(v.map(Value::from));
    }
    Ok(r.try_get::<Option<i8>, _>(i)?.map(Value::from))
}

/// A text column's value read as JSON (for a JSON property kept in a column LoopBack's
/// connector made `TEXT`).
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub(crate) fn text_as_json<R>(r: &R, i: usize) -> Result<Option<serde_json::Value>, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(r.try_get::<Option<String>, _>(i)?.map(parse_json))
}

/// Whether a column type is stored as JSON.
pub(crate) fn is_json(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Object | DataType::Any | DataType::GeoPoint | DataType::Array(_)
    )
}
