//! File persistence of the memory connector, in LoopBack's format:
//! `{"ids": {"Model": next}, "models": {"Model": {"<id>": "<row JSON>"}}}`.
//!
//! Every write serializes a snapshot while the database lock is held (so snapshots are
//! ordered), then writes it to a temporary file, fsyncs and renames it over the old file: a
//! crash leaves either the old or the new file, never a torn one. A snapshot older than the
//! last one written is skipped, since the newer one contains its changes.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::store::{Database, IdKey};
use crate::{Error, Result};

/// A serialized database and its sequence number.
pub struct Snapshot {
    seq: u64,
    text: String,
}

/// Where and how the database is persisted.
pub struct FileSink {
    path: PathBuf,
    seq: AtomicU64,
    written: Mutex<u64>,
}

fn io_error(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::internal(format!(
        "memory connector: cannot {what} {}: {e}",
        path.display()
    ))
}

impl FileSink {
    /// Opens (and loads, if present) the file.
    pub fn open(path: &Path) -> Result<(FileSink, Database)> {
        let mut db = Database::default();
        match fs::read_to_string(path) {
            Ok(text) if !text.trim().is_empty() => {
                let v: Value =
                    serde_json::from_str(&text).map_err(|e| io_error("parse", path, e))?;
                let ids = v
                    .get("ids")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let models = v
                    .get("models")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                for (name, rows) in models {
                    let next = ids.get(&name).and_then(Value::as_i64).unwrap_or(1);
                    let mut list = Vec::new();
                    for (_, row) in rows.as_object().cloned().unwrap_or_default() {
                        let obj = match row {
                            Value::String(s) => serde_json::from_str::<Value>(&s)
                                .map_err(|e| io_error("parse a row of", path, e))?,
                            other => other,
                        };
                        if let Value::Object(o) = obj {
                            list.push(o);
                        }
                    }
                    db.pending.insert(name, (next, list));
                }
                for (name, next) in ids {
                    db.pending
                        .entry(name)
                        .or_insert((next.as_i64().unwrap_or(1), Vec::new()));
                }
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("read", path, e)),
        }
        Ok((
            FileSink {
                path: path.to_path_buf(),
                seq: AtomicU64::new(0),
                written: Mutex::new(0),
            },
            db,
        ))
    }

    /// Serializes the database (call with the lock held).
    pub fn snapshot(&self, db: &Database) -> Snapshot {
        let mut ids = Map::new();
        let mut models = Map::new();
        let mut names: Vec<&String> = db.tables.keys().chain(db.pending.keys()).collect();
        names.sort();
        names.dedup();
        for name in names {
            let mut rows = Map::new();
            if let Some(t) = db.tables.get(name) {
                ids.insert(name.clone(), Value::from(t.next_id));
                for (key, row) in &t.rows {
                    let id = match key {
                        IdKey::Int(n) => n.to_string(),
                        IdKey::Str(s) => s.clone(),
                    };
                    rows.insert(
                        id,
                        Value::String(serde_json::to_string(&**row).unwrap_or_default()),
                    );
                }
            } else if let Some((next, pending)) = db.pending.get(name) {
                ids.insert(name.clone(), Value::from(*next));
                for (i, row) in pending.iter().enumerate() {
                    rows.insert(
                        i.to_string(),
                        Value::String(Value::Object(row.clone()).to_string()),
                    );
                }
            }
            models.insert(name.clone(), Value::Object(rows));
        }
        let mut root = Map::new();
        root.insert("ids".into(), Value::Object(ids));
        root.insert("models".into(), Value::Object(models));
        let text = serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default();
        Snapshot {
            seq: self.seq.fetch_add(1, Ordering::SeqCst) + 1,
            text,
        }
    }

    /// Writes a snapshot durably unless a newer one is already on disk.
    pub async fn persist(&self, snap: Snapshot) -> Result<()> {
        let mut written = self.written.lock().await;
        if *written >= snap.seq {
            return Ok(());
        }
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, &snap.text))
            .await
            .map_err(|e| Error::internal(format!("memory connector: write task failed: {e}")))??;
        *written = snap.seq;
        Ok(())
    }
}

fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("db.json"),
        std::process::id()
    ));
    let mut f = fs::File::create(&tmp).map_err(|e| io_error("create", &tmp, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| io_error("write", &tmp, e))?;
    f.sync_all().map_err(|e| io_error("fsync", &tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| io_error("rename over", path, e))?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
