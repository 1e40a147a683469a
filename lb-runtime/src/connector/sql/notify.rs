//! Whether another process listens to PostgreSQL change notifications: a process that
//! listens holds a shared advisory lock on its listening connection; a writer looks for that
//! lock once, then every half second in the background, and sends notifications only while
//! there is a listener — so a database nobody streams from pays nothing per write.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::pool::Pool;
use super::statement::Sql;
use crate::connector::sql::Dialect;
use crate::Result;

/// How often a writer looks again.
const POLL: Duration = Duration::from_millis(500);

const UNKNOWN: u8 = 0;
const NO: u8 = 1;
const YES: u8 = 2;

/// What a datasource knows of the listeners of other processes.
#[derive(Default)]
pub(super) struct Listeners {
    known: AtomicU8,
    polling: AtomicBool,
}

fn probe(d: Dialect) -> Sql {
    let mut sql = Sql::new(d);
    sql.push(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
         AND classid = 1818386280 AND objid = 1 AND objsubid = 2 AND database = \
         (SELECT oid FROM pg_database WHERE datname = current_database())) \
         THEN 1::bigint ELSE 0::bigint END",
    );
    sql
}

async fn look(pool: &Pool, d: Dialect) -> Result<bool> {
    let mut c = pool.acquire().await?;
    let n = c
        .integer(probe(d))
        .await
        .map_err(|e| crate::Error::internal(format!("listeners: {e}")))?;
    Ok(n > 0)
}

impl Listeners {
    /// Whether a process listens: looked up on the first call, then kept fresh by a
    /// background task (within half a second).
    pub(super) async fn any(self: &Arc<Self>, pool: &Pool, d: Dialect) -> Result<bool> {
        match self.known.load(Ordering::Relaxed) {
            UNKNOWN => {
                let v = look(pool, d).await?;
                self.known
                    .store(if v { YES } else { NO }, Ordering::Relaxed);
                self.poll(pool.clone(), d);
                Ok(v)
            }
            v => Ok(v == YES),
        }
    }

    fn poll(self: &Arc<Self>, pool: Pool, d: Dialect) {
        if self.polling.swap(true, Ordering::Relaxed) {
            return;
        }
        let me: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(POLL).await;
                let Some(me) = me.upgrade() else { break };
                if let Ok(v) = look(&pool, d).await {
                    me.known.store(if v { YES } else { NO }, Ordering::Relaxed);
                }
            }
        });
    }
}
