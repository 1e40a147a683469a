//! Which connections are served: at most `max_connections` at once (the accept loop waits for
//! a free place) and at most `max_connections_per_address` from one client address (more are
//! closed at once).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The places of the server (see the module docs).
pub(super) struct Admission {
    places: Arc<Semaphore>,
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_address: usize,
}

/// One admitted connection; dropping it frees its place.
pub(super) struct Ticket {
    _place: OwnedSemaphorePermit,
    address: IpAddr,
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Admission {
    pub(super) fn new(max: usize, max_per_address: usize) -> Self {
        Admission {
            places: Arc::new(Semaphore::new(max.max(1))),
            per_address: Arc::default(),
            max_per_address: max_per_address.max(1),
        }
    }

    /// Waits for a free place (before accepting, so excess connections wait in the backlog).
    pub(super) async fn place(&self) -> OwnedSemaphorePermit {
        self.places
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// Admits a connection from `address` into `place`, or `None` when that address holds
    /// its maximum already.
    pub(super) fn admit(&self, place: OwnedSemaphorePermit, address: IpAddr) -> Option<Ticket> {
        let mut map = self.per_address.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(address).or_insert(0);
        if *n >= self.max_per_address {
            return None;
        }
        *n += 1;
        Some(Ticket {
            _place: place,
            address,
            per_address: self.per_address.clone(),
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut map = self.per_address.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_address_holds_at_most_its_share_and_frees_it() {
        let a = Admission::new(10, 2);
        let ip: IpAddr = "127.0.0.2".parse().unwrap();
        let other: IpAddr = "127.0.0.3".parse().unwrap();
        let t1 = a.admit(a.place().await, ip).unwrap();
        let _t2 = a.admit(a.place().await, ip).unwrap();
        assert!(a.admit(a.place().await, ip).is_none());
        assert!(a.admit(a.place().await, other).is_some());
        drop(t1);
        assert!(a.admit(a.place().await, ip).is_some());
        assert!(a.per_address.lock().unwrap().len() <= 2);
    }

    #[tokio::test]
    async fn the_last_place_waits_until_one_is_freed() {
        let a = Admission::new(1, 5);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t = a.admit(a.place().await, ip).unwrap();
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), a.place()).await;
        assert!(waiting.is_err(), "a second place must wait");
        drop(t);
        let got = tokio::time::timeout(std::time::Duration::from_millis(500), a.place()).await;
        assert!(got.is_ok());
    }
}
