//! The memory connector's work budget: a query scans rows on the caller's thread, under the
//! database lock, where no timeout can interrupt it — so the scan checks its own clock and
//! gives up once the budget is spent (a 503; a write changes nothing then).

use std::cell::Cell;
use std::time::{Duration, Instant};

use crate::Error;

/// Rows scanned between two looks at the clock.
const CHECK_EVERY: u32 = 256;

/// The time one scan may take (see the module docs).
pub(super) struct Budget {
    deadline: Instant,
    seen: Cell<u32>,
    spent: Cell<bool>,
}

impl Budget {
    pub(super) fn new(limit: Duration) -> Self {
        Budget {
            deadline: Instant::now() + limit,
            seen: Cell::new(0),
            spent: Cell::new(false),
        }
    }

    /// Whether the scan may go on to the next row (for `take_while`).
    pub(super) fn more(&self) -> bool {
        let n = self.seen.get().wrapping_add(1);
        self.seen.set(n);
        if n.is_multiple_of(CHECK_EVERY) && Instant::now() > self.deadline {
            self.spent.set(true);
        }
        !self.spent.get()
    }

    /// The scan's outcome: `value`, or the 503 when the budget ran out before its end.
    pub(super) fn result<T>(&self, model: &str, value: T) -> crate::Result<T> {
        if self.spent.get() {
            return Err(Error::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("{model}: the query took longer than the memory datasource allows"),
            )
            .with_code("QUERY_TIMEOUT"));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_stops_the_scan_and_fails() {
        let b = Budget::new(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        let scanned = (0..10_000).take_while(|_| b.more()).count();
        assert_eq!(scanned, CHECK_EVERY as usize - 1);
        assert_eq!(b.result("M", ()).unwrap_err().status.as_u16(), 503);
        let roomy = Budget::new(Duration::from_secs(60));
        assert_eq!((0..10_000).take_while(|_| roomy.more()).count(), 10_000);
        assert!(roomy.result("M", ()).is_ok());
    }
}
