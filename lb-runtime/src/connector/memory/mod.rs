//! The memory connector: LoopBack's embedded default.
//!
//! Semantics of LoopBack 3's memory connector (spec §10): an id counter per model that never
//! reuses ids, default order by id, the filter evaluated by [`crate::filter::eval`]. With a
//! file, the whole database is written after every write (temp file + fsync + rename).

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
}

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
        }
    }

    /// A database persisted to `path` (LoopBack's `file` option); loads it if it exists.
    pub fn with_file(path: impl AsRef<Path>) -> Result<Self> {
        let (sink, db) = FileSink::open(path.as_ref())?;
        Ok(Memory {
            db: RwLock::new(db),
            file: Some(sink),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Database> {
        self.db.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a write and persists the database if it has a file.
    async fn write<T>(&self, f: impl FnOnce(&mut Database) -> Result<T>) -> Result<T> {
        let (out, snapshot) = {
            let mut db = self.db.write().unwrap_or_else(|e| e.into_inner());
            let out = f(&mut db);
            let snapshot = match &self.file {
                Some(sink) if out.is_ok() || db.dirty => Some(sink.snapshot(&db)),
                _ => None,
            };
            db.dirty = false;
            (out, snapshot)
        };
        if let (Some(sink), Some(snapshot)) = (&self.file, snapshot) {
            sink.persist(snapshot).await?;
        }
        out
    }
}

fn matching(w: Option<&Where>, row: &Record) -> bool {
    w.is_none_or(|w| eval::matches(row, w))
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
            db.dirty |= created.is_err();
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
            // rows are filtered by reference; only the ones returned are shared (Arc clone)
            Ok(eval::apply(t.rows.values(), filter, |r| r)
                .into_iter()
                .cloned()
                .collect())
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
            Ok(match where_ {
                None => t.rows.len() as u64,
                Some(_) => t.rows.values().filter(|r| matching(where_, r)).count() as u64,
            })
        })
    }

    fn update_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
        data: Object,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.write(move |db| {
            let t = db.table(model);
            let mut n = 0;
            for row in t.rows.values_mut() {
                if matching(where_, row) {
                    store::merge(model, row, &data);
                    n += 1;
                }
            }
            if n > 0 {
                db.dirty = true;
            }
            Ok(n)
        }))
    }

    fn delete_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(self.write(move |db| {
            let t = db.table(model);
            let before = t.rows.len();
            t.rows.retain(|_, r| !matching(where_, r));
            let n = (before - t.rows.len()) as u64;
            if n > 0 {
                db.dirty = true;
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
            let removed = IdKey::of(model, id).and_then(|k| db.table(model).rows.remove(&k));
            Ok(u64::from(removed.is_some()))
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
            match t.rows.get_mut(&key) {
                None => Ok(None),
                Some(row) => {
                    let mut data = data;
                    data.insert(model.id().name.clone(), id.clone());
                    store::replace(model, row, data);
                    Ok(Some(row.clone()))
                }
            }
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
            match db.table(model).rows.get_mut(&key) {
                None => Ok(None),
                Some(row) => {
                    store::merge(model, row, &data);
                    Ok(Some(row.clone()))
                }
            }
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
