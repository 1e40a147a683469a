//! The memory connector: LoopBack's embedded default.
//!
//! Semantics of LoopBack 3's memory connector (spec §10): an id counter per model that never
//! reuses ids, default order by id, the filter evaluated by `filter::eval`. With a
//! file, every write appends what it changed to a journal (one `fsync` for the writes that
//! arrive together) and the whole database is rewritten only when the journal outgrows it.

mod budget;
mod file;
mod store;

use std::path::Path;
use std::sync::RwLock;

use serde_json::Value;

use super::{BoxFuture, Connector, Row};
use crate::filter::{eval, Filter, Where};
use crate::model::ModelDefinition;
use crate::value::{Object, Record};
use crate::{Error, Result};
use budget::Budget;
use file::FileSink;
use store::{Database, IdKey};

/// The in-memory connector.
///
/// ```
/// let ds = lb_runtime::Memory::new();
/// # let _ = ds;
/// ```
pub struct Memory {
    db: RwLock<Database>,
    file: Option<FileSink>,
    work_budget: std::time::Duration,
}

/// The default time one query may scan rows ([`Memory::work_budget`]).
pub const DEFAULT_WORK_BUDGET: std::time::Duration = std::time::Duration::from_secs(1);

impl Default for Memory {
    fn default() -> Self {
        Self::new()
    }
}

impl Memory {
    /// An empty database that lives as long as the process.
    pub fn new() -> Self {
        Memory {
            db: RwLock::new(Database::default()),
            file: None,
            work_budget: DEFAULT_WORK_BUDGET,
        }
    }

    /// The time one query may spend scanning rows (default 1 s): the scan runs under the
    /// database lock and cannot be interrupted from outside, so beyond it the query gives up
    /// with a 503 (a write then changes nothing).
    pub fn work_budget(mut self, limit: std::time::Duration) -> Self {
        self.work_budget = limit;
        self
    }

    /// A database persisted to `path` (LoopBack's `file` option); loads it if it exists.
    pub fn with_file(path: impl AsRef<Path>) -> Result<Self> {
        let (sink, mut db) = FileSink::open(path.as_ref())?;
        db.journaled = true;
        Ok(Memory {
            db: RwLock::new(db),
            file: Some(sink),
            work_budget: DEFAULT_WORK_BUDGET,
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Database> {
        self.db.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a write and, with a file, returns once its journal line is on disk.
    async fn write<T>(&self, f: impl FnOnce(&mut Database) -> Result<T>) -> Result<T> {
        let (out, seq) = {
            let mut db = self.db.write().unwrap_or_else(|e| e.into_inner());
            let out = f(&mut db);
            let seq = self.file.as_ref().and_then(|sink| sink.record(&mut db));
            (out, seq)
        };
        if let (Some(sink), Some(seq)) = (&self.file, seq) {
            sink.commit(seq, &self.db).await?;
        }
        out
    }

    /// Writes the whole database to its file and empties the journal (also done when the
    /// journal outgrows the file, and when the connector is dropped). Nothing without a file.
    pub async fn compact(&self) -> Result<()> {
        match &self.file {
            Some(sink) => sink.compact(&self.db).await,
            None => Ok(()),
        }
    }
}

/// `where_` with every related-property condition replaced by `source_key IN (keys of the
/// matching related rows)`: the memory connector's `EXISTS`.
fn resolve_related(db: &Database, w: &Where) -> Where {
    use crate::filter::{Clause, Lookup, Op};
    let resolve_all = |ws: &[Where]| ws.iter().map(|x| resolve_related(db, x)).collect();
    Where(
        w.0.iter()
            .map(|c| match c {
                Clause::And(ws) => Clause::And(resolve_all(ws)),
                Clause::Or(ws) => Clause::Or(resolve_all(ws)),
                Clause::Nor(ws) => Clause::Nor(resolve_all(ws)),
                Clause::Related(r) => {
                    let inner = resolve_related(db, &r.where_);
                    let keys: Vec<Value> = db
                        .get(&r.target.name)
                        .map(|t| {
                            t.rows
                                .values()
                                .filter(|row| eval::matches(row, &inner))
                                .filter_map(|row| row.get(&r.target_key).map(|v| v.into_owned()))
                                .filter(|v| !v.is_null())
                                .collect()
                        })
                        .unwrap_or_default();
                    Clause::Property {
                        name: r.source_key.clone(),
                        ops: vec![Op::Inq(keys)],
                        lookup: Lookup::default(),
                    }
                }
                other => other.clone(),
            })
            .collect(),
    )
}

fn has_related(w: &Where) -> bool {
    use crate::filter::Clause;
    w.0.iter().any(|c| match c {
        Clause::Related(_) => true,
        Clause::And(ws) | Clause::Or(ws) | Clause::Nor(ws) => ws.iter().any(has_related),
        Clause::Property { .. } => false,
    })
}

/// The where to evaluate: related conditions resolved against `db` when there are any.
fn effective<'w>(db: &Database, w: Option<&'w Where>) -> Option<std::borrow::Cow<'w, Where>> {
    w.map(|w| {
        if has_related(w) {
            std::borrow::Cow::Owned(resolve_related(db, w))
        } else {
            std::borrow::Cow::Borrowed(w)
        }
    })
}

fn matching(w: Option<&Where>, row: &Record) -> bool {
    w.is_none_or(|w| eval::matches(row, w))
}

/// The keys of the rows `w` matches, found within the work budget `limit`.
fn matching_keys(
    t: &store::Table,
    w: Option<&Where>,
    limit: std::time::Duration,
    model: &ModelDefinition,
) -> Result<Vec<IdKey>> {
    let budget = Budget::new(limit);
    let keys = t
        .rows
        .iter()
        .take_while(|_| budget.more())
        .filter(|(_, r)| matching(w, r))
        .map(|(k, _)| k.clone())
        .collect();
    budget.result(&model.name, keys)
}

impl Drop for Memory {
    /// A clean shutdown leaves the file complete in LoopBack's format (the journal empty).
    fn drop(&mut self) {
        if let Some(sink) = &self.file {
            let db = self.db.read().unwrap_or_else(|e| e.into_inner());
            sink.compact_blocking(&db);
        }
    }
}

impl Connector for Memory {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn define(&self, model: &'static ModelDefinition) {
        self.db
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .define(model);
    }

    fn create<'a>(
        &'a self,
        model: &'static ModelDefinition,
        data: Object,
    ) -> BoxFuture<'a, Result<Row>> {
        Box::pin(self.write(move |db| {
            let created = db.table(model).insert(model, data);
            // a failed insert (duplicate id) still advanced the id counter: persist it
            if db.journaled {
                let key = created
                    .as_ref()
                    .ok()
                    .and_then(|row| row.get(&model.id().name))
                    .and_then(|id| IdKey::of(model, &id));
                db.touch(model, key);
            }
            created
        }))
    }

    fn find<'a>(
        &'a self,
        model: &'static ModelDefinition,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<Vec<Row>>> {
        Box::pin(async move {
            let db = self.read();
            let Some(t) = db.get(&model.name) else {
                return Ok(Vec::new());
            };
            let resolved;
            let filter = match effective(&db, filter.where_.as_ref()) {
                Some(std::borrow::Cow::Owned(w)) => {
                    resolved = Filter {
                        where_: Some(w),
                        ..filter.clone()
                    };
                    &resolved
                }
                _ => filter,
            };
            // rows are filtered by reference; only the ones returned are shared (Arc clone)
            let budget = Budget::new(self.work_budget);
            let rows = t.rows.values().take_while(|_| budget.more());
            let found = eval::apply(rows, filter, |r| r);
            budget.result(&model.name, found.into_iter().cloned().collect())
        })
    }

    fn find_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(async move {
            let db = self.read();
            Ok(db
                .get(&model.name)
                .and_then(|t| IdKey::of(model, id).and_then(|k| t.rows.get(&k).cloned())))
        })
    }

    fn count<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let db = self.read();
            let Some(t) = db.get(&model.name) else {
                return Ok(0);
            };
            let w = effective(&db, where_);
            let Some(w) = w.as_deref() else {
                return Ok(t.rows.len() as u64);
            };
            let budget = Budget::new(self.work_budget);
            let n = t
                .rows
                .values()
                .take_while(|_| budget.more())
                .filter(|r| matching(Some(w), r))
                .count();
            budget.result(&model.name, n as u64)
        })
    }

    fn update_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
        data: Object,
    ) -> BoxFuture<'a, Result<u64>> {
        let limit = self.work_budget;
        Box::pin(self.write(move |db| {
            let w = effective(db, where_).map(std::borrow::Cow::into_owned);
            let t = db.table(model);
            // the matches first, within the budget: a spent budget changes nothing
            let hits = matching_keys(t, w.as_ref(), limit, model)?;
            let mut n = 0;
            for key in &hits {
                if let Some(row) = t.rows.get_mut(key) {
                    store::merge(model, row, &data);
                    n += 1;
                }
            }
            for key in hits {
                db.touch(model, Some(key));
            }
            Ok(n)
        }))
    }

    fn delete_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        let limit = self.work_budget;
        Box::pin(self.write(move |db| {
            let w = effective(db, where_).map(std::borrow::Cow::into_owned);
            let t = db.table(model);
            let hits = matching_keys(t, w.as_ref(), limit, model)?;
            let mut n = 0u64;
            for key in &hits {
                n += u64::from(t.rows.remove(key).is_some());
            }
            for key in hits {
                db.touch(model, Some(key));
            }
            Ok(n)
        }))
    }

    fn delete_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.write(move |db| {
            let Some(key) = IdKey::of(model, id) else {
                return Ok(0);
            };
            let removed = db.table(model).rows.remove(&key).is_some();
            if removed {
                db.touch(model, Some(key));
            }
            Ok(u64::from(removed))
        }))
    }

    fn replace_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(self.write(move |db| {
            let Some(key) = IdKey::of(model, id) else {
                return Ok(None);
            };
            let t = db.table(model);
            let replaced = match t.rows.get_mut(&key) {
                None => return Ok(None),
                Some(row) => {
                    let mut data = data;
                    data.insert(model.id().name.clone(), id.clone());
                    store::replace(model, row, data);
                    row.clone()
                }
            };
            db.touch(model, Some(key));
            Ok(Some(replaced))
        }))
    }

    fn patch_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        Box::pin(self.write(move |db| {
            let Some(key) = IdKey::of(model, id) else {
                return Ok(None);
            };
            let patched = match db.table(model).rows.get_mut(&key) {
                None => return Ok(None),
                Some(row) => {
                    store::merge(model, row, &data);
                    row.clone()
                }
            };
            db.touch(model, Some(key));
            Ok(Some(patched))
        }))
    }
}

/// Duplicate id (LoopBack's memory connector message).
pub(crate) fn duplicate(model: &ModelDefinition) -> Error {
    Error::new(
        axum::http::StatusCode::CONFLICT,
        format!("Duplicate entry for {}.{}", model.name, model.id().name),
    )
}
