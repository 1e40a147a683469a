//! Tokens found recently, kept in memory so a request with a token costs no read of the
//! store: a [`TokenStore`] in front of another.
//!
//! What it may cost, and the bounds on it: a token ended by *another process* (a logout, a
//! changed password, a deleted row) is still accepted here for at most the freshness time
//! (one second by default, as the ACL model's rows). Everything ended in this process is seen
//! at once: ending tokens through this store, and any write to the token model's rows (the
//! `accessTokens` relation, app code), drop every cached token. Expiry is checked on every
//! request from the token's own `created` and `ttl`. Only tokens the store found are kept,
//! never a miss (ids sent by clients cannot fill it), at most `capacity` of them.
//!
//! Lookups take time independent of the id's content: entries are found by a keyed hash of
//! the id and compared with [`same_id`](super::access_token) in constant time.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::access_token::same_id;
use super::{AccessToken, TokenStore};
use crate::future::BoxFuture;
use crate::Result;

/// The default freshness: how long a found token is used before the store is asked again.
pub const TOKEN_CACHE_FRESH: Duration = Duration::from_secs(1);

/// How many tokens are kept at most by default.
pub const TOKEN_CACHE_CAPACITY: usize = 100_000;

struct Cached {
    token: Arc<AccessToken>,
    found: Instant,
    generation: u64,
}

/// A [`TokenStore`] that remembers the tokens another store found, for a short while.
pub struct TokenCache {
    inner: Arc<dyn TokenStore>,
    fresh: Duration,
    capacity: usize,
    generation: Arc<AtomicU64>,
    keys: foldhash::quality::RandomState,
    entries: RwLock<HashMap<u64, Vec<Cached>>>,
}

impl TokenCache {
    /// `inner` behind a cache whose tokens are used for `fresh` after being found.
    pub fn new(inner: Arc<dyn TokenStore>, fresh: Duration) -> TokenCache {
        TokenCache::with_generation(inner, fresh, Arc::default())
    }

    /// With a generation counter shared with whoever sees writes to the tokens (a bump drops
    /// every cached token).
    pub(crate) fn with_generation(
        inner: Arc<dyn TokenStore>,
        fresh: Duration,
        generation: Arc<AtomicU64>,
    ) -> TokenCache {
        TokenCache {
            inner,
            fresh,
            capacity: TOKEN_CACHE_CAPACITY,
            generation,
            keys: foldhash::quality::RandomState::default(),
            entries: RwLock::default(),
        }
    }

    /// Keeps at most `capacity` tokens (default [`TOKEN_CACHE_CAPACITY`]).
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Drops every cached token: the next request with a token reads the store.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The token with this id, shared (what the authorize stage keeps for the request).
    pub async fn find_shared(&self, id: &str) -> Result<Option<Arc<AccessToken>>> {
        let key = self.keys.hash_one(id);
        // read before the store is asked: a token ended while it is being read is kept as
        // stale
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(t) = self.cached(key, id, generation) {
            return Ok(Some(t));
        }
        let Some(token) = self.inner.find(id).await? else {
            return Ok(None);
        };
        let token = Arc::new(token);
        self.keep(key, token.clone(), generation);
        Ok(Some(token))
    }

    fn cached(&self, key: u64, id: &str, generation: u64) -> Option<Arc<AccessToken>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&key)?
            .iter()
            .find(|c| {
                c.generation == generation
                    && c.found.elapsed() < self.fresh
                    && same_id(&c.token.id, id)
            })
            .map(|c| c.token.clone())
    }

    fn keep(&self, key: u64, token: Arc<AccessToken>, generation: u64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        let now = self.generation.load(Ordering::Acquire);
        let fresh = self.fresh;
        let stale = |c: &Cached| c.generation != now || c.found.elapsed() >= fresh;
        if entries.len() >= self.capacity {
            entries.retain(|_, list| {
                list.retain(|c| !stale(c));
                !list.is_empty()
            });
            if entries.len() >= self.capacity {
                return;
            }
        }
        let list = entries.entry(key).or_default();
        list.retain(|c| !stale(c) && c.token.id != token.id);
        list.push(Cached {
            token,
            found: Instant::now(),
            generation,
        });
    }
}

impl TokenStore for TokenCache {
    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>>> {
        Box::pin(async move { Ok(self.find_shared(id).await?.map(|t| (*t).clone())) })
    }

    fn create<'a>(
        &'a self,
        user_id: &'a Value,
        ttl: i64,
        scopes: Vec<String>,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        self.inner.create(user_id, ttl, scopes)
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.invalidate();
            let r = self.inner.delete(id).await;
            // again: a request that read the token while it was being deleted keeps nothing
            self.invalidate();
            r
        })
    }

    fn delete_for_user<'a>(
        &'a self,
        user_id: &'a Value,
        except: Option<&'a str>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            self.invalidate();
            let r = self.inner.delete_for_user(user_id, except).await;
            self.invalidate();
            r
        })
    }

    fn purge_expired(&self, now: DateTime<Utc>) -> BoxFuture<'_, Result<u64>> {
        self.inner.purge_expired(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Mutex;

    /// A store counting its reads.
    #[derive(Default)]
    struct Counted {
        tokens: Mutex<Vec<AccessToken>>,
        reads: AtomicUsize,
    }

    impl TokenStore for Arc<Counted> {
        fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>>> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            let t = self
                .tokens
                .lock()
                .unwrap()
                .iter()
                .find(|t| t.id == id)
                .cloned();
            Box::pin(async move { Ok(t) })
        }
        fn create<'a>(
            &'a self,
            user_id: &'a Value,
            ttl: i64,
            scopes: Vec<String>,
        ) -> BoxFuture<'a, Result<AccessToken>> {
            let t = AccessToken {
                id: format!("t{}", self.tokens.lock().unwrap().len()),
                ttl,
                scopes,
                created: Utc::now(),
                user_id: user_id.clone(),
            };
            self.tokens.lock().unwrap().push(t.clone());
            Box::pin(async move { Ok(t) })
        }
        fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
            self.tokens.lock().unwrap().retain(|t| t.id != id);
            Box::pin(async { Ok(()) })
        }
        fn delete_for_user<'a>(
            &'a self,
            user_id: &'a Value,
            except: Option<&'a str>,
        ) -> BoxFuture<'a, Result<u64>> {
            self.tokens
                .lock()
                .unwrap()
                .retain(|t| t.user_id != *user_id || Some(t.id.as_str()) == except);
            Box::pin(async { Ok(0) })
        }
    }

    fn setup(fresh: Duration) -> (Arc<Counted>, TokenCache) {
        let store = Arc::new(Counted::default());
        let cache = TokenCache::new(Arc::new(store.clone()), fresh);
        (store, cache)
    }

    #[tokio::test]
    async fn found_tokens_are_kept_misses_are_not() {
        let (store, cache) = setup(Duration::from_secs(60));
        let t = cache.create(&Value::from(1), 60, vec![]).await.unwrap();
        for _ in 0..3 {
            assert_eq!(cache.find_shared(&t.id).await.unwrap().unwrap().id, t.id);
        }
        assert_eq!(store.reads.load(Ordering::Relaxed), 1);
        for _ in 0..3 {
            assert!(cache.find_shared("nope").await.unwrap().is_none());
        }
        assert_eq!(store.reads.load(Ordering::Relaxed), 4);
        // an id that differs in its last character is not the cached one
        let near = format!("{}x", &t.id[..t.id.len() - 1]);
        assert!(cache.find_shared(&near).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn ended_here_is_seen_at_once_elsewhere_after_the_freshness() {
        let (store, cache) = setup(Duration::from_millis(200));
        let a = cache.create(&Value::from(1), 60, vec![]).await.unwrap();
        let b = cache.create(&Value::from(1), 60, vec![]).await.unwrap();
        assert!(cache.find_shared(&a.id).await.unwrap().is_some());
        assert!(cache.find_shared(&b.id).await.unwrap().is_some());
        // a logout through the cache: gone now
        cache.delete(&a.id).await.unwrap();
        assert!(cache.find_shared(&a.id).await.unwrap().is_none());
        // another process deletes b behind the cache's back: still seen until stale
        assert!(cache.find_shared(&b.id).await.unwrap().is_some());
        store.delete(&b.id).await.unwrap();
        assert!(cache.find_shared(&b.id).await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(cache.find_shared(&b.id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_password_change_or_a_bump_drops_every_token() {
        let (store, cache) = setup(Duration::from_secs(60));
        let a = cache.create(&Value::from(1), 60, vec![]).await.unwrap();
        let b = cache.create(&Value::from(1), 60, vec![]).await.unwrap();
        cache.find_shared(&a.id).await.unwrap();
        cache.find_shared(&b.id).await.unwrap();
        cache
            .delete_for_user(&Value::from(1), Some(&a.id))
            .await
            .unwrap();
        assert!(cache.find_shared(&a.id).await.unwrap().is_some());
        assert!(cache.find_shared(&b.id).await.unwrap().is_none());
        // a write seen by the token model's hooks
        let reads = store.reads.load(Ordering::Relaxed);
        cache.invalidate();
        cache.find_shared(&a.id).await.unwrap();
        assert_eq!(store.reads.load(Ordering::Relaxed), reads + 1);
    }

    #[tokio::test]
    async fn capacity_bounds_the_kept_tokens() {
        let (store, cache) = setup(Duration::from_secs(60));
        let cache = cache.capacity(2);
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(cache.create(&Value::from(1), 60, vec![]).await.unwrap().id);
        }
        for id in &ids {
            cache.find_shared(id).await.unwrap();
        }
        assert!(cache.entries.read().unwrap().len() <= 2);
        let reads = store.reads.load(Ordering::Relaxed);
        // the third was not kept: read again
        cache.find_shared(&ids[2]).await.unwrap();
        assert_eq!(store.reads.load(Ordering::Relaxed), reads + 1);
    }
}
