//! Connections: a pool per datasource, or the one connection of a transaction.

use std::sync::Arc;

use tokio::sync::Mutex;

use super::driver;
use super::statement::Sql;
use super::{Dialect, PoolSettings};
use crate::model::DataType;
use crate::{Error, Result};

/// Taken (shared) by a process while it listens: `pg_advisory_lock_shared(1818386280, 1)`.
#[cfg(feature = "postgres")]
pub(crate) const LISTENER_LOCK: &str = "SELECT pg_advisory_lock_shared(1818386280, 1)";

/// Released when a process stops listening (every shared hold of this session).
#[cfg(feature = "postgres")]
pub(crate) const LISTENER_UNLOCK: &str = "SELECT pg_advisory_unlock_all()";

/// A datasource's pool.
#[derive(Clone)]
pub(super) enum Pool {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    Mysql(sqlx::MySqlPool),
}

/// An open transaction.
pub(super) enum Tx {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    Mysql(sqlx::Transaction<'static, sqlx::MySql>),
}

/// A transaction shared by the connector clone that runs inside it; `None` once finished.
pub(super) type SharedTx = Arc<Mutex<Option<Tx>>>;

/// A connection checked out for one operation.
pub(super) enum Conn<'a> {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    /// MySQL / MariaDB.
    #[cfg(feature = "mysql")]
    Mysql(sqlx::pool::PoolConnection<sqlx::MySql>),
    /// The transaction's connection.
    Tx(tokio::sync::MutexGuard<'a, Option<Tx>>),
}

impl Pool {
    /// Opens a pool for a URL (lazily: connections are made on first use).
    pub(super) fn open(url: &str, settings: &PoolSettings) -> Result<(Pool, Dialect)> {
        let scheme = url.split(':').next().unwrap_or_default();
        let bad = |e: sqlx::Error| Error::internal(format!("datasource {}: {e}", redact(url)));
        #[allow(unreachable_patterns)]
        match scheme {
            #[cfg(feature = "sqlite")]
            "sqlite" => Ok((
                Pool::Sqlite(driver::sqlite::pool(url, settings).map_err(bad)?),
                Dialect::Sqlite,
            )),
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => Ok((
                Pool::Postgres(driver::postgres::pool(url, settings).map_err(bad)?),
                Dialect::Postgres,
            )),
            #[cfg(feature = "mysql")]
            "mysql" | "mariadb" => Ok((
                Pool::Mysql(driver::mysql::pool(url, settings).map_err(bad)?),
                Dialect::Mysql,
            )),
            "sqlite" | "postgres" | "postgresql" | "mysql" | "mariadb" => {
                Err(Error::internal(format!(
                    "datasource {}: lb was built without the `{}` feature",
                    redact(url),
                    feature_of(scheme)
                )))
            }
            _ => Err(Error::internal(format!(
                "unsupported datasource URL {}",
                redact(url)
            ))),
        }
    }

    /// Checks out a connection.
    pub(super) async fn acquire(&self) -> Result<Conn<'static>> {
        Ok(match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Conn::Sqlite(p.acquire().await.map_err(pool_error)?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await.map_err(pool_error)?),
            #[cfg(feature = "mysql")]
            Pool::Mysql(p) => Conn::Mysql(p.acquire().await.map_err(pool_error)?),
        })
    }

    /// One round trip on a pooled connection (sqlx's `ping`).
    pub(super) async fn ping(&self) -> Result<()> {
        use sqlx::Connection;
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.acquire().await.map_err(pool_error)?.ping().await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.acquire().await.map_err(pool_error)?.ping().await,
            #[cfg(feature = "mysql")]
            Pool::Mysql(p) => p.acquire().await.map_err(pool_error)?.ping().await,
        }
        .map_err(pool_error)
    }

    /// `(open, idle)` connections.
    pub(super) fn usage(&self) -> (u32, u32) {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => (p.size(), p.num_idle() as u32),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => (p.size(), p.num_idle() as u32),
            #[cfg(feature = "mysql")]
            Pool::Mysql(p) => (p.size(), p.num_idle() as u32),
        }
    }

    /// Listens on a PostgreSQL channel: a task forwards the payloads until the receiver is
    /// dropped (a lost connection is re-established by the listener, a short pause apart).
    pub(super) async fn listen(
        &self,
        channel: &str,
    ) -> Result<tokio::sync::mpsc::Receiver<String>> {
        match self {
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                let mut l = sqlx::postgres::PgListener::connect_with(p)
                    .await
                    .map_err(pool_error)?;
                l.listen(channel).await.map_err(pool_error)?;
                // writers of every process see this lock and send their changes
                sqlx::query(LISTENER_LOCK)
                    .execute(&mut l)
                    .await
                    .map_err(pool_error)?;
                let (tx, rx) = tokio::sync::mpsc::channel(256);
                tokio::spawn(async move {
                    loop {
                        tokio::select! {
                            _ = tx.closed() => break,
                            n = l.recv() => match n {
                                Ok(n) => {
                                    if tx.send(n.payload().to_string()).await.is_err() {
                                        break;
                                    }
                                }
                                Err(sqlx::Error::PoolClosed) => break,
                                // the connection was lost: the listener reconnects and listens
                                // again; the lock went with the old session, so take it again
                                Err(_) => {
                                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                                    let _ = sqlx::query(LISTENER_LOCK)
                                        .execute(&mut l)
                                        .await;
                                }
                            },
                        }
                    }
                    // the connection goes back to the pool: without the lock, or writers would
                    // take any pooled session for a listener
                    let _ = sqlx::query(LISTENER_UNLOCK).execute(&mut l).await;
                });
                Ok(rx)
            }
            #[allow(unreachable_patterns)]
            _ => {
                let _ = channel;
                Err(Error::internal("notifications need PostgreSQL"))
            }
        }
    }

    /// Starts a transaction.
    pub(super) async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            #[cfg(feature = "sqlite")]
            // IMMEDIATE: take the write lock up front, so two transactions that read and then
            // write wait for each other (busy timeout) instead of failing
            Pool::Sqlite(p) => {
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await.map_err(pool_error)?)
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Tx::Postgres(p.begin().await.map_err(pool_error)?),
            #[cfg(feature = "mysql")]
            Pool::Mysql(p) => Tx::Mysql(p.begin().await.map_err(pool_error)?),
        })
    }

    /// Starts a serializable transaction (SQLite's IMMEDIATE one already is).
    pub(super) async fn begin_serializable(&self) -> Result<Tx> {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => self.begin().await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Ok(Tx::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL SERIALIZABLE")
                    .await
                    .map_err(pool_error)?,
            )),
            #[cfg(feature = "mysql")]
            Pool::Mysql(p) => Ok(Tx::Mysql(
                p.begin_with("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; START TRANSACTION")
                    .await
                    .map_err(pool_error)?,
            )),
        }
    }

    /// Closes every connection.
    pub(super) async fn close(&self) {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.close().await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.close().await,
            #[cfg(feature = "mysql")]
            Pool::Mysql(p) => p.close().await,
        }
    }
}

impl Tx {
    /// Commits.
    pub(super) async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => t.commit().await,
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.commit().await,
            #[cfg(feature = "mysql")]
            Tx::Mysql(t) => t.commit().await,
        }
    }

    /// Rolls back.
    pub(super) async fn rollback(self) -> std::result::Result<(), sqlx::Error> {
        match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => t.rollback().await,
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.rollback().await,
            #[cfg(feature = "mysql")]
            Tx::Mysql(t) => t.rollback().await,
        }
    }
}

/// Runs a driver function on whatever connection `conn` holds.
macro_rules! on_conn {
    ($conn:expr, $f:ident ( $($arg:expr),* )) => {{
        #[allow(unreachable_patterns)]
        match $conn {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => driver::sqlite::$f(&mut *c, $($arg),*).await,
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => driver::postgres::$f(&mut *c, $($arg),*).await,
            #[cfg(feature = "mysql")]
            Conn::Mysql(c) => driver::mysql::$f(&mut *c, $($arg),*).await,
            Conn::Tx(guard) => match guard.as_mut() {
                None => Err(sqlx::Error::Protocol("the transaction has already finished".into())),
                #[cfg(feature = "sqlite")]
                Some(Tx::Sqlite(t)) => driver::sqlite::$f(&mut *t, $($arg),*).await,
                #[cfg(feature = "postgres")]
                Some(Tx::Postgres(t)) => driver::postgres::$f(&mut *t, $($arg),*).await,
                #[cfg(feature = "mysql")]
                Some(Tx::Mysql(t)) => driver::mysql::$f(&mut *t, $($arg),*).await,
            },
        }
    }};
}

impl Conn<'_> {
    /// Rows of a select, decoded by `types`.
    pub(super) async fn fetch(
        &mut self,
        sql: Sql,
        types: &[&DataType],
    ) -> std::result::Result<Vec<Vec<serde_json::Value>>, sqlx::Error> {
        on_conn!(self, fetch(sql, types))
    }

    /// Rows affected.
    pub(super) async fn execute(&mut self, sql: Sql) -> std::result::Result<u64, sqlx::Error> {
        on_conn!(self, execute(sql))
    }

    /// First column of every row as text.
    pub(super) async fn strings(
        &mut self,
        sql: Sql,
    ) -> std::result::Result<Vec<String>, sqlx::Error> {
        on_conn!(self, strings(sql))
    }

    /// One integer (`COUNT(*)`, `RETURNING id`).
    pub(super) async fn integer(&mut self, sql: Sql) -> std::result::Result<i64, sqlx::Error> {
        on_conn!(self, integer(sql))
    }

    /// Runs an insert and returns the id the database generated.
    pub(super) async fn insert_id(&mut self, sql: Sql) -> std::result::Result<i64, sqlx::Error> {
        on_conn!(self, insert_id(sql))
    }
}

fn feature_of(scheme: &str) -> &'static str {
    match scheme {
        "sqlite" => "sqlite",
        "postgres" | "postgresql" => "postgres",
        _ => "mysql",
    }
}

/// A URL without its password (user info or a `password=` parameter), for messages.
pub(crate) fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut out = redact_userinfo(base);
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    out
}

fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..s], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A pool that cannot hand out a connection: 503, the client may retry.
fn pool_error(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => Error::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("the database is not available: {e}"),
        ),
        other => Error::internal(format!("the database is not available: {other}")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db?sslmode=require&password=x"),
            "postgres://u:***@h/db?sslmode=require&password=***"
        );
        assert_eq!(super::redact("sqlite:a.db"), "sqlite:a.db");
    }
}
