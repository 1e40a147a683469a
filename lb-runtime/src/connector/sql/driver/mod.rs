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

/// Whether a column type is stored as JSON.
pub(crate) fn is_json(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Object | DataType::Any | DataType::GeoPoint | DataType::Array(_)
    )
}
