//! SQL datasources: SQLite, PostgreSQL and MySQL/MariaDB through sqlx.
//!
//! The whole filter runs in the database (`query.rs`): every where operator with LoopBack's
//! null semantics, order with LoopBack's null ordering, paging, and `fields` as the select
//! list; count, updateAll and deleteAll are single statements. SQL text is built only from the
//! connector's constants and the model's (quoted) table and column names: every value a client
//! sends is a bound argument (`statement.rs`).

mod dialect;
mod driver;
mod notify;
mod pool;
mod query;
mod schema;
mod statement;
mod table;
mod values;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::Value;

pub use dialect::Dialect;
pub(crate) use pool::redact;
use pool::{Conn, Pool, SharedTx};
use statement::Sql;
use table::Table;

use super::{BoxFuture, Connector, Row, Transaction};
use crate::filter::{Filter, Where};
use crate::model::{DataType, ModelDefinition};
use crate::value::{Object, Record};
use crate::{Error, Result};

/// Pool settings of a SQL datasource.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections open at once (default 10; an in-memory SQLite database uses one).
    pub max_connections: u32,
    /// How long an operation waits for a connection (default 5 s), then answers 503.
    pub acquire_timeout: Duration,
    /// How long one statement may run (default 10 s), then it is cancelled by the database
    /// and answered 503: PostgreSQL's `statement_timeout`, MariaDB's `max_statement_time`,
    /// MySQL's `max_execution_time` (reads only), a progress handler on SQLite. `None`: no
    /// limit.
    pub statement_timeout: Option<Duration>,
}

impl PoolSettings {
    /// `(idle_timeout, max_lifetime)` of pooled connections: reaping them needs a background
    /// task, so a datasource opened outside a Tokio runtime keeps its connections instead of
    /// panicking.
    pub(crate) fn reaping(&self) -> (Option<Duration>, Option<Duration>) {
        if tokio::runtime::Handle::try_current().is_err() {
            return (None, None);
        }
        (
            Some(Duration::from_secs(600)),
            Some(Duration::from_secs(1800)),
        )
    }
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(10)),
        }
    }
}

struct Shared {
    pool: Pool,
    dialect: Dialect,
    tables: RwLock<HashMap<String, Arc<Table>>>,
    url: String,
    /// PostgreSQL: whether some process listens to change notifications.
    listeners: Arc<notify::Listeners>,
}

/// A SQL datasource (`sqlite:`, `postgres:`, `mysql:` URLs).
///
/// ```
/// # #[cfg(feature = "sqlite")] {
/// let ds = lb_runtime::SqlConnector::open("sqlite::memory:").unwrap();
/// assert_eq!(lb_runtime::connector::Connector::name(&ds), "sqlite3");
/// # }
/// ```
#[derive(Clone)]
pub struct SqlConnector {
    shared: Arc<Shared>,
    tx: Option<SharedTx>,
}

impl std::fmt::Debug for SqlConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlConnector")
            .field("url", &pool::redact(&self.shared.url))
            .field("transaction", &self.tx.is_some())
            .finish()
    }
}

impl SqlConnector {
    /// A datasource for `url` with default pool settings. No connection is made until the
    /// first operation.
    pub fn open(url: &str) -> Result<Self> {
        Self::with_settings(url, &PoolSettings::default())
    }

    /// A datasource for `url` with the given pool settings.
    pub fn with_settings(url: &str, settings: &PoolSettings) -> Result<Self> {
        let (pool, dialect) = Pool::open(url, settings)?;
        Ok(SqlConnector {
            shared: Arc::new(Shared {
                pool,
                dialect,
                tables: RwLock::new(HashMap::new()),
                url: url.to_string(),
                listeners: Arc::default(),
            }),
            tx: None,
        })
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect
    }

    /// Closes the pool's connections.
    pub async fn close(&self) {
        self.shared.pool.close().await;
    }

    fn table(&self, model: &'static ModelDefinition) -> Arc<Table> {
        if let Some(t) = self
            .shared
            .tables
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&model.name)
        {
            if std::ptr::eq(t.model, model) {
                return t.clone();
            }
        }
        let t = Arc::new(Table::new(model, self.shared.dialect));
        self.shared
            .tables
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(model.name.clone(), t.clone());
        t
    }

    fn sql(&self) -> Sql {
        Sql::new(self.shared.dialect)
    }

    async fn conn(&self) -> Result<Conn<'_>> {
        match &self.tx {
            Some(tx) => Ok(Conn::Tx(tx.lock().await)),
            None => self.shared.pool.acquire().await,
        }
    }

    /// Runs a statement written into the program — a `&'static str`, so never text from a
    /// client — under the datasource's statement timeout (LoopBack's `connector.execute`,
    /// without parameters); the number of rows it affected.
    pub async fn execute(&self, sql: &'static str) -> Result<u64> {
        let mut statement = self.sql();
        statement.push(sql);
        let mut c = self.conn().await?;
        c.execute(statement)
            .await
            .map_err(|e| classify("the datasource", e))
    }

    /// The tables of `models`: dropped and created again (their data is lost), with indexes.
    pub async fn automigrate(&self, models: &[&'static ModelDefinition]) -> Result<()> {
        let mut c = self.conn().await?;
        for &m in models {
            let t = self.table(m);
            let d = self.shared.dialect;
            c.execute(schema::drop_table(d, &t))
                .await
                .map_err(|e| db_error(m, e))?;
            c.execute(schema::create_table(d, &t))
                .await
                .map_err(|e| db_error(m, e))?;
            for x in schema::indexes(d, &t) {
                c.execute(x.create).await.map_err(|e| db_error(m, e))?;
            }
        }
        Ok(())
    }

    /// Creates missing tables, adds missing columns and indexes; never drops or changes data.
    pub async fn autoupdate(&self, models: &[&'static ModelDefinition]) -> Result<()> {
        let mut c = self.conn().await?;
        let d = self.shared.dialect;
        for &m in models {
            let t = self.table(m);
            let err = |e| db_error(m, e);
            let existing = c
                .strings(schema::existing_columns(d, &t))
                .await
                .map_err(err)?;
            if existing.is_empty() {
                c.execute(schema::create_table(d, &t)).await.map_err(err)?;
            } else {
                for (i, col) in t.columns.iter().enumerate() {
                    if !existing.iter().any(|e| e.eq_ignore_ascii_case(col)) {
                        c.execute(schema::add_column(d, &t, i)).await.map_err(err)?;
                    }
                }
            }
            let have = if d == Dialect::Mysql {
                c.strings(schema::existing_indexes(d, &t))
                    .await
                    .map_err(err)?
            } else {
                Vec::new()
            };
            for x in schema::indexes(d, &t) {
                if !have.contains(&x.name) {
                    c.execute(x.create).await.map_err(err)?;
                }
            }
        }
        Ok(())
    }

    fn rows(&self, t: &Table, props: &[usize], rows: Vec<Vec<Value>>) -> Vec<Row> {
        rows.into_iter()
            .map(|values| {
                let mut o = Object::with_capacity(values.len());
                for (&i, v) in props.iter().zip(values) {
                    o.insert(t.model.properties[i].name.clone(), v);
                }
                Arc::new(Record::compact(t.model, o))
            })
            .collect()
    }

    async fn select(
        &self,
        t: &Table,
        c: &mut Conn<'_>,
        sql: Sql,
        props: &[usize],
    ) -> Result<Vec<Row>> {
        let types: Vec<&DataType> = props
            .iter()
            .map(|&i| &t.model.properties[i].data_type)
            .collect();
        let rows = c
            .fetch(sql, &types)
            .await
            .map_err(|e| db_error(t.model, e))?;
        Ok(self.rows(t, props, rows))
    }

    async fn by_id(&self, t: &Table, c: &mut Conn<'_>, id: &Value) -> Result<Option<Row>> {
        let mut sql = self.sql();
        let Some(props) = query::select_by_id(&mut sql, t, id) else {
            return Ok(None);
        };
        Ok(self.select(t, c, sql, &props).await?.into_iter().next())
    }

    /// After an explicit id was inserted into an identity column, the sequence moves past it
    /// (the memory connector's counter rule: generated ids never collide with given ones).
    async fn bump_sequence(&self, t: &Table, c: &mut Conn<'_>) -> Result<()> {
        let mut sql = self.sql();
        let quoted = {
            let mut q = Sql::new(Dialect::Postgres);
            q.ident(&t.name);
            q.text().to_string()
        };
        let quoted_again = quoted.clone();
        sql.push("SELECT setval(pg_get_serial_sequence(")
            .bind(statement::Arg::Text(quoted))
            .push(", ")
            .bind(statement::Arg::Text(t.id_column().to_string()))
            .push("), GREATEST((SELECT MAX(")
            .ident(t.id_column())
            .push(") FROM ")
            .ident(&t.name)
            // never backwards: ids already handed out (uncommitted, or of deleted rows) stay used
            .push("), pg_sequence_last_value(CAST(pg_get_serial_sequence(")
            .bind(statement::Arg::Text(quoted_again))
            .push(", ")
            .bind(statement::Arg::Text(t.id_column().to_string()))
            .push(") AS regclass)), 1))");
        c.integer(sql).await.map_err(|e| db_error(t.model, e))?;
        Ok(())
    }
}

/// A database error as an lb error: unique violations are LoopBack's 409, the rest 500.
fn db_error(model: &ModelDefinition, e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            let msg = db.message().to_string();
            let constraint = db.constraint().unwrap_or_default().to_string();
            let prop = model
                .properties
                .iter()
                .filter(|p| !p.id)
                .find(|p| {
                    let c = p.column.as_deref().unwrap_or(&p.name);
                    let needle = c.to_lowercase();
                    constraint.to_lowercase().contains(&format!("_{needle}_"))
                        || msg.to_lowercase().contains(&format!("_{needle}_"))
                        || msg.to_lowercase().contains(&format!(".{needle}"))
                })
                .map_or(model.id().name.as_str(), |p| p.name.as_str());
            return Error::new(
                axum::http::StatusCode::CONFLICT,
                format!("Duplicate entry for {}.{prop}", model.name),
            );
        }
    }
    classify(&model.name, e)
}

/// A database error that is not a unique violation, for `label` (a model or the datasource).
fn classify(label: &str, e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &e {
        let code = db.code();
        let code = code.as_deref();
        let lower = db.message().to_lowercase();
        // MySQL (ICU) and MariaDB (PCRE) reject some expressions Rust's engine accepts; the
        // database's own wording stays in the log
        if lower.contains("regexp") || lower.contains("regular expression") {
            return Error::bad_request("Invalid regular expression");
        }
        // a busy SQLite database, a serialization failure or deadlock: retry later
        if lower.contains("database is locked") || matches!(code, Some("40001" | "40P01")) {
            return Error::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("{label}: the database is busy, retry"),
            )
            .with_code("DATABASE_BUSY");
        }
        // the statement timeout (PoolSettings::statement_timeout) cancelled it
        if is_statement_timeout(code, &lower) {
            return Error::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("{label}: the statement took too long and was cancelled"),
            )
            .with_code("STATEMENT_TIMEOUT");
        }
        // SQLSTATE class 22, "data exception": a value the column cannot hold (too long, a
        // NUL in PostgreSQL text, out of range) is the client's error, in lb's words
        if let Some(c) = code.filter(|c| c.len() == 5 && c.starts_with("22")) {
            return Error::bad_request(format!("Invalid value for {label}: {}", data_exception(c)));
        }
    }
    Error::internal(format!("{label}: database error: {e}"))
}

/// Whether a database error is the statement timeout: PostgreSQL's `query_canceled`,
/// MariaDB's `max_statement_time` (70100), MySQL's `max_execution_time` (3024), SQLite's
/// interrupt (the progress handler).
fn is_statement_timeout(code: Option<&str>, lower_message: &str) -> bool {
    matches!(code, Some("57014" | "70100"))
        || lower_message.contains("max_statement_time")
        || lower_message.contains("maximum statement execution time")
        || lower_message == "interrupted"
}

/// lb's words for a SQLSTATE 22 (data exception) code.
fn data_exception(code: &str) -> &'static str {
    match code {
        "22001" => "a string is longer than its column allows",
        "22003" => "a number is out of the range its column allows",
        "22007" | "22008" => "a date the database cannot store",
        "22021" | "22P05" => "a string holds a character the database cannot store",
        "22P02" => "a value of the wrong type",
        _ => "a value the database cannot store",
    }
}

/// A string id the database does not generate: a UUID, as LoopBack's `defaultFn: uuid`.
fn fill_string_id(t: &Table, data: &mut Object) {
    let id = t.id();
    if id.generated && !t.generated_integer_id() && data.get(&id.name).is_none_or(Value::is_null) {
        data.insert(
            id.name.clone(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
    }
}

impl Connector for SqlConnector {
    fn name(&self) -> &'static str {
        self.shared.dialect.connector_name()
    }

    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.shared.pool.ping())
    }

    fn pool_usage(&self) -> Option<(u32, u32)> {
        Some(self.shared.pool.usage())
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.shared.pool.close())
    }

    fn define(&self, model: &'static ModelDefinition) {
        self.table(model);
    }

    fn create<'a>(
        &'a self,
        model: &'static ModelDefinition,
        mut data: Object,
    ) -> BoxFuture<'a, Result<Row>> {
        Box::pin(async move {
            let t = self.table(model);
            fill_string_id(&t, &mut data);
            data.retain(|k, _| model.property_index(k).is_some());
            let id_name = &t.id().name;
            let given = data.get(id_name).is_some_and(|v| !v.is_null());
            let generated = t.generated_integer_id() && !given;
            let mut c = self.conn().await?;
            let mut sql = self.sql();
            let returning = generated && self.shared.dialect != Dialect::Mysql;
            query::insert(&mut sql, &t, &data, returning);
            if generated {
                let id = c.insert_id(sql).await.map_err(|e| db_error(model, e))?;
                data.insert(id_name.clone(), Value::from(id));
            } else {
                c.execute(sql).await.map_err(|e| db_error(model, e))?;
                if given && t.generated_integer_id() && self.shared.dialect == Dialect::Postgres {
                    self.bump_sequence(&t, &mut c).await?;
                }
            }
            Ok(Arc::new(Record::compact(model, data)))
        })
    }

    fn find<'a>(
        &'a self,
        model: &'static ModelDefinition,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<Vec<Row>>> {
        Box::pin(async move {
            let t = self.table(model);
            let mut sql = self.sql();
            let props = query::select(&mut sql, &t, filter);
            let mut c = self.conn().await?;
            self.select(&t, &mut c, sql, &props).await
        })
    }

    fn find_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(async move {
            let t = self.table(model);
            let mut c = self.conn().await?;
            self.by_id(&t, &mut c, id).await
        })
    }

    fn carries_changes(&self) -> bool {
        self.shared.dialect == Dialect::Postgres
    }

    fn others_listen<'a>(&'a self) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            if self.shared.dialect != Dialect::Postgres {
                return Ok(false);
            }
            let s = &self.shared;
            s.listeners.any(&s.pool, s.dialect).await
        })
    }

    fn notify<'a>(&'a self, channel: &'a str, payload: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if self.shared.dialect != Dialect::Postgres {
                return Ok(());
            }
            let mut sql = self.sql();
            sql.push("SELECT pg_notify(")
                .bind(statement::Arg::Text(channel.to_string()))
                .push(", ")
                .bind(statement::Arg::Text(payload.to_string()))
                .push(")::text");
            let mut c = self.conn().await?;
            c.strings(sql)
                .await
                .map_err(|e| Error::internal(format!("notify: {e}")))?;
            Ok(())
        })
    }

    fn listen<'a>(
        &'a self,
        channel: &'a str,
    ) -> BoxFuture<'a, Result<tokio::sync::mpsc::Receiver<String>>> {
        Box::pin(async move { self.shared.pool.listen(channel).await })
    }

    fn count<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let t = self.table(model);
            let mut sql = self.sql();
            query::count(&mut sql, &t, where_);
            let mut c = self.conn().await?;
            let n = c.integer(sql).await.map_err(|e| db_error(model, e))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn update_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
        data: Object,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let t = self.table(model);
            let mut sql = self.sql();
            if !query::update(&mut sql, &t, &data, false) {
                return self.count(model, where_).await;
            }
            query::where_or_true(&mut sql, &t, where_);
            let mut c = self.conn().await?;
            c.execute(sql).await.map_err(|e| db_error(model, e))
        })
    }

    fn delete_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let t = self.table(model);
            let mut sql = self.sql();
            query::delete(&mut sql, &t);
            query::where_or_true(&mut sql, &t, where_);
            let mut c = self.conn().await?;
            c.execute(sql).await.map_err(|e| db_error(model, e))
        })
    }

    fn delete_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let t = self.table(model);
            let mut sql = self.sql();
            query::delete(&mut sql, &t);
            if query::id_condition(&mut sql, &t, id).is_none() {
                return Ok(0);
            }
            let mut c = self.conn().await?;
            c.execute(sql).await.map_err(|e| db_error(model, e))
        })
    }

    fn replace_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(self.write_by_id(model, id, data, true))
    }

    fn patch_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(self.write_by_id(model, id, data, false))
    }

    fn begin<'a>(&'a self) -> BoxFuture<'a, Result<Arc<dyn Transaction>>> {
        Box::pin(async move {
            if self.tx.is_some() {
                return Err(Error::internal(
                    "a transaction is already open on this connection",
                ));
            }
            let tx = self.shared.pool.begin().await?;
            Ok(Arc::new(SqlTransaction {
                connector: SqlConnector {
                    shared: self.shared.clone(),
                    tx: Some(Arc::new(tokio::sync::Mutex::new(Some(tx)))),
                },
            }) as Arc<dyn Transaction>)
        })
    }

    fn begin_serializable<'a>(&'a self) -> BoxFuture<'a, Result<Option<Arc<dyn Transaction>>>> {
        Box::pin(async move {
            if self.tx.is_some() {
                return Ok(None);
            }
            let tx = self.shared.pool.begin_serializable().await?;
            Ok(Some(Arc::new(SqlTransaction {
                connector: SqlConnector {
                    shared: self.shared.clone(),
                    tx: Some(Arc::new(tokio::sync::Mutex::new(Some(tx)))),
                },
            }) as Arc<dyn Transaction>))
        })
    }

    fn automigrate<'a>(
        &'a self,
        models: &'a [&'static ModelDefinition],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(SqlConnector::automigrate(self, models))
    }

    fn autoupdate<'a>(
        &'a self,
        models: &'a [&'static ModelDefinition],
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(SqlConnector::autoupdate(self, models))
    }
}

impl SqlConnector {
    async fn write_by_id(
        &self,
        model: &'static ModelDefinition,
        id: &Value,
        data: Object,
        replace: bool,
    ) -> Result<Option<Row>> {
        let t = self.table(model);
        let mut c = self.conn().await?;
        let mut sql = self.sql();
        if query::update(&mut sql, &t, &data, replace) {
            if query::id_condition(&mut sql, &t, id).is_none() {
                return Ok(None);
            }
            if c.execute(sql).await.map_err(|e| db_error(model, e))? == 0 {
                return Ok(None);
            }
        }
        self.by_id(&t, &mut c, id).await
    }
}

/// A transaction on a SQL datasource.
struct SqlTransaction {
    connector: SqlConnector,
}

impl SqlTransaction {
    async fn finish(&self, commit: bool) -> Result<()> {
        let Some(tx) = &self.connector.tx else {
            return Ok(());
        };
        let Some(open) = tx.lock().await.take() else {
            return Err(Error::internal("the transaction has already finished"));
        };
        let done = if commit {
            open.commit().await
        } else {
            open.rollback().await
        };
        done.map_err(|e| classify("the transaction", e))
    }
}

impl Transaction for SqlTransaction {
    fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(self.connector.clone())
    }

    fn commit(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.finish(true))
    }

    fn rollback(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.finish(false))
    }
}
