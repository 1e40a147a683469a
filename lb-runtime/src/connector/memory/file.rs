//! File persistence of the memory connector, in LoopBack's format:
//! `{"ids": {"Model": next}, "models": {"Model": {"<id>": "<row JSON>"}}}`, plus a journal.
//!
//! A write appends one line to `<file>.journal` — the rows it changed as they are now, the
//! ids it removed, the model's id counter — and is acknowledged once the line is on disk
//! (`fsync`). Writes that arrive together share one `fsync` (group commit). So a write costs
//! what it changed, not the size of the database. When the journal outgrows the main file
//! (and 64 KiB), the database is written whole to a temporary file, fsynced and renamed over
//! the main file, which then records the sequence number of the last write it holds, and
//! the journal is emptied. Opening reads the main file and replays the journal lines past
//! that number; a torn last line (a crash while appending) is ignored. Dropping the
//! connector compacts, so a file left by a clean shutdown is LoopBack's format alone.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use serde_json::{Map, Value};

use super::store::{Database, IdKey};
use crate::{Error, Result};

/// The journal is compacted into the main file once it holds more than this and more than
/// the main file.
const MIN_COMPACTION: u64 = 64 * 1024;

/// Where and how the database is persisted.
pub(super) struct FileSink {
    path: PathBuf,
    journal_path: PathBuf,
    /// Lines waiting to be written, and the sequence number of the last one.
    queue: Mutex<(Vec<u8>, u64)>,
    /// The sequence number of the last line on disk.
    flushed: AtomicU64,
    /// The last sequence number handed out (under the database's write lock).
    seq: AtomicU64,
    /// Bytes in the journal file, and in the main file at its last write.
    journal_bytes: AtomicU64,
    main_bytes: AtomicU64,
    /// One flush (and compaction) at a time; the journal file.
    flushing: tokio::sync::Mutex<Arc<fs::File>>,
}

fn io_error(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::internal(format!(
        "memory connector: cannot {what} {}: {e}",
        path.display()
    ))
}

/// The text of an id key as the file writes it.
fn key_text(key: &IdKey) -> String {
    match key {
        IdKey::Int(n) => n.to_string(),
        IdKey::Str(s) => s.clone(),
    }
}

impl FileSink {
    /// Opens (and loads, if present) the file and its journal.
    pub(super) fn open(path: &Path) -> Result<(FileSink, Database)> {
        let mut db = Database::default();
        let (applied, main_bytes) = load_main(path, &mut db)?;
        let journal_path = journal_path(path);
        let last = replay(&journal_path, applied, &mut db)?;
        let journal = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&journal_path)
            .map_err(|e| io_error("open", &journal_path, e))?;
        let journal_bytes = journal.metadata().map(|m| m.len()).unwrap_or(0);
        Ok((
            FileSink {
                path: path.to_path_buf(),
                journal_path,
                queue: Mutex::new((Vec::new(), last)),
                flushed: AtomicU64::new(last),
                seq: AtomicU64::new(last),
                journal_bytes: AtomicU64::new(journal_bytes),
                main_bytes: AtomicU64::new(main_bytes),
                flushing: tokio::sync::Mutex::new(Arc::new(journal)),
            },
            db,
        ))
    }

    /// Queues the journal line of the write just made (call with the database's write lock
    /// held, so lines are in the order of the writes); its sequence number, or `None` when
    /// it changed nothing.
    pub(super) fn record(&self, db: &mut Database) -> Option<u64> {
        let touched = std::mem::take(&mut db.touched);
        if touched.is_empty() {
            return None;
        }
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let mut lines = Vec::new();
        for (model, keys) in group(touched) {
            let table = db.tables.get(&model);
            let mut put = Map::new();
            let mut del = Vec::new();
            for key in keys {
                match table.and_then(|t| t.rows.get(&key)) {
                    Some(row) => {
                        put.insert(
                            key_text(&key),
                            Value::String(serde_json::to_string(&**row).unwrap_or_default()),
                        );
                    }
                    None => del.push(Value::String(key_text(&key))),
                }
            }
            let mut line = Map::new();
            line.insert("seq".into(), Value::from(seq));
            line.insert("model".into(), Value::from(model.as_str()));
            line.insert("next".into(), Value::from(table.map_or(1, |t| t.next_id)));
            if !put.is_empty() {
                line.insert("put".into(), Value::Object(put));
            }
            if !del.is_empty() {
                line.insert("del".into(), Value::Array(del));
            }
            lines.extend_from_slice(Value::Object(line).to_string().as_bytes());
            lines.push(b'\n');
        }
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.0.extend_from_slice(&lines);
        q.1 = seq;
        Some(seq)
    }

    /// Returns once the line `seq` is on disk: writes every queued line with one `fsync`
    /// unless another writer's flush took it along; compacts when the journal is large.
    pub(super) async fn commit(&self, seq: u64, db: &RwLock<Database>) -> Result<()> {
        let journal = self.flushing.lock().await;
        if self.flushed.load(Ordering::SeqCst) >= seq {
            return Ok(());
        }
        let (batch, upto) = {
            let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            (std::mem::take(&mut q.0), q.1)
        };
        let file = Arc::clone(&journal);
        let path = self.journal_path.clone();
        let len = batch.len() as u64;
        tokio::task::spawn_blocking(move || append(file, &path, &batch))
            .await
            .map_err(|e| Error::internal(format!("memory connector: write task failed: {e}")))??;
        self.flushed.store(upto, Ordering::SeqCst);
        let size = self.journal_bytes.fetch_add(len, Ordering::SeqCst) + len;
        if size > MIN_COMPACTION.max(self.main_bytes.load(Ordering::SeqCst)) {
            self.compact_locked(&journal, db).await?;
        }
        Ok(())
    }

    /// Writes the whole database to the main file and empties the journal.
    pub(super) async fn compact(&self, db: &RwLock<Database>) -> Result<()> {
        let journal = self.flushing.lock().await;
        self.compact_locked(&journal, db).await
    }

    async fn compact_locked(&self, journal: &Arc<fs::File>, db: &RwLock<Database>) -> Result<()> {
        let text = {
            let db = db.read().unwrap_or_else(|e| e.into_inner());
            // every write this snapshot holds has its line queued by now (lines are queued
            // under the write lock): the main file records the last one
            snapshot(&db, self.seq.load(Ordering::SeqCst))
        };
        let path = self.path.clone();
        let len = text.len() as u64;
        let file = Arc::clone(journal);
        let journal_path = self.journal_path.clone();
        tokio::task::spawn_blocking(move || {
            write_atomically(&path, &text)?;
            // a crash before this leaves a journal whose lines the main file already holds:
            // they are skipped by their sequence numbers
            file.set_len(0)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error("truncate", &journal_path, e))
        })
        .await
        .map_err(|e| Error::internal(format!("memory connector: write task failed: {e}")))??;
        self.main_bytes.store(len, Ordering::SeqCst);
        self.journal_bytes.store(0, Ordering::SeqCst);
        Ok(())
    }

    /// Compaction at drop (blocking): a clean shutdown leaves the main file complete.
    pub(super) fn compact_blocking(&self, db: &Database) {
        if self.journal_bytes.load(Ordering::SeqCst) == 0 && self.queue_is_empty() {
            return;
        }
        let text = snapshot(db, self.seq.load(Ordering::SeqCst));
        if write_atomically(&self.path, &text).is_ok() {
            if let Ok(f) = fs::OpenOptions::new().write(true).open(&self.journal_path) {
                let _ = f.set_len(0).and_then(|()| f.sync_all());
            }
        }
    }

    fn queue_is_empty(&self) -> bool {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .is_empty()
    }
}

fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".journal");
    path.with_file_name(name)
}

/// The touched keys grouped by model, in first-touch order, each key once (in key order).
fn group(touched: Vec<(String, Option<IdKey>)>) -> Vec<(String, BTreeSet<IdKey>)> {
    let mut out: Vec<(String, BTreeSet<IdKey>)> = Vec::new();
    for (model, key) in touched {
        let i = match out.iter().position(|(m, _)| *m == model) {
            Some(i) => i,
            None => {
                out.push((model, BTreeSet::new()));
                out.len() - 1
            }
        };
        if let Some(k) = key {
            out[i].1.insert(k);
        }
    }
    out
}

/// Reads the main file into `db.pending`: the sequence number of the last write it holds
/// and its size.
fn load_main(path: &Path, db: &mut Database) -> Result<(u64, u64)> {
    let text = match fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => text,
        Ok(_) => return Ok((0, 0)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(io_error("read", path, e)),
    };
    let v: Value = serde_json::from_str(&text).map_err(|e| io_error("parse", path, e))?;
    let ids = v.get("ids").and_then(Value::as_object);
    let models = v.get("models").and_then(Value::as_object);
    for (name, rows) in models.into_iter().flatten() {
        let next = ids
            .and_then(|i| i.get(name))
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let entry = db.pending.entry(name.clone()).or_default();
        entry.0 = next;
        for (id, row) in rows.as_object().into_iter().flatten() {
            entry.1.insert(id.clone(), parse_row(row, path)?);
        }
    }
    for (name, next) in ids.into_iter().flatten() {
        db.pending
            .entry(name.clone())
            .or_insert_with(|| (next.as_i64().unwrap_or(1), Default::default()));
    }
    let applied = v.get("journal").and_then(Value::as_u64).unwrap_or(0);
    Ok((applied, text.len() as u64))
}

/// A row as the file holds it: a JSON string (LoopBack) or an object.
fn parse_row(row: &Value, path: &Path) -> Result<serde_json::Map<String, Value>> {
    let obj = match row {
        Value::String(s) => {
            serde_json::from_str::<Value>(s).map_err(|e| io_error("parse a row of", path, e))?
        }
        other => other.clone(),
    };
    match obj {
        Value::Object(o) => Ok(o),
        _ => Err(io_error("parse a row of", path, "not an object")),
    }
}

/// Applies the journal's lines past `applied` to `db.pending`; the last sequence number.
fn replay(path: &Path, applied: u64, db: &mut Database) -> Result<u64> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(applied),
        Err(e) => return Err(io_error("read", path, e)),
    };
    let mut last = applied;
    let lines: Vec<String> = std::io::BufReader::new(file)
        .lines()
        .collect::<std::io::Result<_>>()
        .map_err(|e| io_error("read", path, e))?;
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let v: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            // a crash while appending tears the last line only: that write was never
            // acknowledged
            Err(_) if i + 1 == count => break,
            Err(e) => return Err(io_error("parse a line of", path, e)),
        };
        let seq = v.get("seq").and_then(Value::as_u64).unwrap_or(0);
        if seq <= applied {
            continue;
        }
        last = last.max(seq);
        let Some(model) = v.get("model").and_then(Value::as_str) else {
            continue;
        };
        let entry = db.pending.entry(model.to_string()).or_default();
        if let Some(next) = v.get("next").and_then(Value::as_i64) {
            entry.0 = next;
        }
        for (id, row) in v
            .get("put")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            entry.1.insert(id.clone(), parse_row(row, path)?);
        }
        for id in v.get("del").and_then(Value::as_array).into_iter().flatten() {
            if let Some(id) = id.as_str() {
                entry.1.remove(id);
            }
        }
    }
    Ok(last)
}

/// The whole database in LoopBack's format, with the sequence number of its last write.
fn snapshot(db: &Database, seq: u64) -> String {
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
                rows.insert(
                    key_text(key),
                    Value::String(serde_json::to_string(&**row).unwrap_or_default()),
                );
            }
        } else if let Some((next, pending)) = db.pending.get(name) {
            ids.insert(name.clone(), Value::from(*next));
            for (id, row) in pending {
                rows.insert(
                    id.clone(),
                    Value::String(Value::Object(row.clone()).to_string()),
                );
            }
        }
        models.insert(name.clone(), Value::Object(rows));
    }
    let mut root = Map::new();
    root.insert("ids".into(), Value::Object(ids));
    root.insert("models".into(), Value::Object(models));
    root.insert("journal".into(), Value::from(seq));
    serde_json::to_string_pretty(&Value::Object(root)).unwrap_or_default()
}

fn append(file: Arc<fs::File>, path: &Path, bytes: &[u8]) -> Result<()> {
    (&*file)
        .write_all(bytes)
        .map_err(|e| io_error("write", path, e))?;
    file.sync_data().map_err(|e| io_error("fsync", path, e))
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
