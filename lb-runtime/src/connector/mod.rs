//! Connectors: the storage behind a datasource.
//!
//! A connector implements the CRUD primitives LoopBack's juggler needs. Rows cross the boundary
//! as JSON objects whose keys follow the model's property order ([`Row`]); the filter arrives
//! as the typed AST so every connector gets the same validated input.

pub mod memory;
#[cfg(feature = "rest")]
pub mod rest;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub mod sql;

use std::sync::Arc;

use serde_json::Value;

use crate::filter::{Filter, Where};
use crate::model::ModelDefinition;
use crate::value::{Object, Record};
use crate::Result;

pub use crate::future::BoxFuture;

/// A stored instance. Shared, so reads do not copy rows.
pub type Row = Arc<Record>;

/// The storage primitives of a datasource.
pub trait Connector: Send + Sync + 'static {
    /// Connector name as in `datasources.json` (`memory`, ...).
    fn name(&self) -> &'static str;

    /// Called once per model attached to the datasource, before any request.
    fn define(&self, model: &'static ModelDefinition) {
        let _ = model;
    }

    /// Inserts a row. `data` holds every property in model order; a generated id that is
    /// missing or `null` is assigned by the connector. Duplicate ids are a 409.
    fn create<'a>(
        &'a self,
        model: &'static ModelDefinition,
        data: Object,
    ) -> BoxFuture<'a, Result<Row>>;

    /// Rows matching the filter's where, ordered, paged. `fields` is applied by the caller.
    fn find<'a>(
        &'a self,
        model: &'static ModelDefinition,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<Vec<Row>>>;

    /// The row with this id (already coerced to the id type).
    fn find_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Row>>>;

    /// Number of rows matching `where_`.
    fn count<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>>;

    /// Merges `data` into every matching row; returns the count.
    fn update_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
        data: Object,
    ) -> BoxFuture<'a, Result<u64>>;

    /// Deletes matching rows; returns the count.
    fn delete_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>>;

    /// Deletes one row by id; returns 0 or 1.
    fn delete_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<u64>>;

    /// Replaces the row with this id by `data` (which carries the id); `None` when missing.
    fn replace_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>>;

    /// Merges `data` into the row with this id; `None` when missing.
    fn patch_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>>;

    /// Starts a transaction. The default: the connector has none (memory).
    fn begin<'a>(&'a self) -> BoxFuture<'a, Result<Arc<dyn Transaction>>> {
        let name = self.name();
        Box::pin(async move {
            Err(crate::Error::internal(format!(
                "the {name} connector does not support transactions"
            )))
        })
    }

    /// Starts a serializable transaction, for a read-then-write that must be atomic
    /// (`upsertWithWhere`, `findOrCreate`): of two conflicting ones, one fails with a 503
    /// `DATABASE_BUSY` to retry. `None` when there is none to start — the connector has no
    /// transactions (memory: lb serializes those operations in the process) or is already
    /// bound to one (its isolation applies).
    fn begin_serializable<'a>(&'a self) -> BoxFuture<'a, Result<Option<Arc<dyn Transaction>>>> {
        Box::pin(async { Ok(None) })
    }

    /// Whether the connector carries change notifications between processes (PostgreSQL's
    /// `NOTIFY`/`LISTEN`). The default: no (changes stay in process).
    fn carries_changes(&self) -> bool {
        false
    }

    /// Whether some process listens to change notifications now (known within half a second
    /// on PostgreSQL; a write sends none while nobody listens).
    fn others_listen<'a>(&'a self) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async { Ok(false) })
    }

    /// Sends a notification on `channel` (inside a transaction: delivered on commit).
    fn notify<'a>(&'a self, channel: &'a str, payload: &'a str) -> BoxFuture<'a, Result<()>> {
        let _ = (channel, payload);
        Box::pin(async { Ok(()) })
    }

    /// Listens on `channel`: the payloads of every notification sent on it by any process.
    fn listen<'a>(
        &'a self,
        channel: &'a str,
    ) -> BoxFuture<'a, Result<tokio::sync::mpsc::Receiver<String>>> {
        let (name, _) = (self.name(), channel);
        Box::pin(async move {
            Err(crate::Error::internal(format!(
                "the {name} connector has no notifications"
            )))
        })
    }

    /// Checks that the datasource answers (LoopBack's `dataSource.ping()`): one cheap round
    /// trip on a pooled connection. The default: always up (memory).
    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// Closes the datasource's connections (at shutdown). The default: nothing to close.
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    /// Connections of the pool: `(open, idle)`, for connectors that pool them.
    fn pool_usage(&self) -> Option<(u32, u32)> {
        None
    }

    /// Drops and re-creates the storage of `models` (LoopBack's `automigrate`). The default:
    /// nothing to create (memory).
    fn automigrate<'a>(
        &'a self,
        models: &'a [&'static ModelDefinition],
    ) -> BoxFuture<'a, Result<()>> {
        let _ = models;
        Box::pin(async { Ok(()) })
    }

    /// Creates what is missing for `models` without touching data (LoopBack's `autoupdate`).
    fn autoupdate<'a>(
        &'a self,
        models: &'a [&'static ModelDefinition],
    ) -> BoxFuture<'a, Result<()>> {
        let _ = models;
        Box::pin(async { Ok(()) })
    }
}

/// An open transaction: its connector runs every operation inside it.
pub trait Transaction: Send + Sync {
    /// The connector bound to the transaction.
    fn connector(&self) -> Arc<dyn Connector>;
    /// Commits; later operations fail.
    fn commit(&self) -> BoxFuture<'_, Result<()>>;
    /// Rolls back; later operations fail.
    fn rollback(&self) -> BoxFuture<'_, Result<()>>;
}

/// Builds a connector from a datasource URL: `memory:`, `memory:path/to/file.json`,
/// `sqlite:path.db`, `sqlite::memory:`, `postgres://..`, `mysql://..` (the SQL ones need their
/// cargo feature).
pub fn from_url(url: &str) -> Result<Arc<dyn Connector>> {
    #[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
    if !url.starts_with("memory:") {
        return Ok(Arc::new(sql::SqlConnector::open(url)?));
    }
    if let Some(rest) = url.strip_prefix("memory:") {
        let path = rest.trim_start_matches("//");
        return Ok(if path.is_empty() {
            Arc::new(memory::Memory::new())
        } else {
            Arc::new(memory::Memory::with_file(path)?)
        });
    }
    Err(crate::Error::internal(format!(
        "unsupported datasource URL {url:?} (supported: memory:, memory:<file.json>; SQL \
         datasources need the sqlite, postgres or mysql feature)"
    )))
}
