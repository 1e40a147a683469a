//! Read-then-write operations that must be atomic (`upsertWithWhere`, `findOrCreate`): two
//! clients that both find nothing must not both create. Each runs under the model's lock in
//! this process (all a memory datasource needs) and, on a datasource with transactions, in a
//! serializable transaction, retried when the database reports a conflict with another
//! process's (PostgreSQL's serialization failure, MariaDB's deadlock).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};
use std::time::Duration;

use super::Repository;
use crate::connector::{BoxFuture, Connector};
use crate::model::ModelDefinition;
use crate::{Error, Result};

/// Attempts before a conflict is the client's 503.
const ATTEMPTS: u32 = 10;

type ModelLock = tokio::sync::Mutex<()>;

/// The model locks by (connector, model) address; entries nobody holds are dropped.
type Locks = Mutex<HashMap<(usize, usize), Weak<ModelLock>>>;

/// The lock of `model` on `connector`'s data (shared by every app and repository using it).
fn model_lock(connector: &Arc<dyn Connector>, model: &'static ModelDefinition) -> Arc<ModelLock> {
    static LOCKS: LazyLock<Locks> = LazyLock::new(Mutex::default);
    let key = (
        Arc::as_ptr(connector) as *const () as usize,
        model as *const ModelDefinition as usize,
    );
    let mut locks = LOCKS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(lock) = locks.get(&key).and_then(Weak::upgrade) {
        return lock;
    }
    // forget the locks nobody holds any more
    locks.retain(|_, l| l.strong_count() > 0);
    let lock = Arc::new(ModelLock::new(()));
    locks.insert(key, Arc::downgrade(&lock));
    lock
}

/// Whether `e` is a conflict the database asks to retry.
fn is_conflict(e: &Error) -> bool {
    e.code.as_deref() == Some("DATABASE_BUSY")
}

/// The wait before retry `attempt + 1`: doubling from 4 ms up to 256 ms, plus up to as much
/// again at random, so that two processes that conflicted do not retry in step (1 to 2 s
/// in all before the client's 503: time for a loaded database to finish the other writer).
fn backoff(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let base = 2u64 << attempt.min(7);
    let mut h = foldhash::fast::RandomState::default().build_hasher();
    h.write_u32(attempt);
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    Duration::from_millis(base + h.finish() % (base + 1))
}

impl Repository {
    /// Runs `op` atomically (see the module docs), with this repository or one bound to the
    /// transaction; the changes it publishes are delivered once it has committed.
    pub(crate) async fn atomically<T>(
        &self,
        op: impl for<'r> Fn(&'r Repository) -> BoxFuture<'r, Result<T>>,
    ) -> Result<T> {
        let lock = model_lock(&self.connector, self.model);
        let _held = lock.lock().await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(tx) = self.connector.begin_serializable().await? else {
                return op(self).await;
            };
            let pending: Arc<Mutex<Vec<crate::changes::Change>>> = Arc::default();
            let bound = Repository {
                connector: tx.connector(),
                pending_changes: Some(pending.clone()),
                ..self.clone()
            };
            let done = match op(&bound).await {
                Ok(v) => tx.commit().await.map(|()| v),
                Err(e) => {
                    // the operation's error matters more than a failed rollback
                    let _ = tx.rollback().await;
                    Err(e)
                }
            };
            match done {
                Ok(v) => {
                    let changes =
                        std::mem::take(&mut *pending.lock().unwrap_or_else(|e| e.into_inner()));
                    if let Some(hub) = &self.changes {
                        for c in changes {
                            hub.deliver(c, false);
                        }
                    }
                    return Ok(v);
                }
                Err(e) if is_conflict(&e) && attempt < ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
