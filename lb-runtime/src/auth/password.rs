//! Passwords: Argon2id at the `argon2` crate's defaults (19 MiB, 2 passes, 1 lane: OWASP's
//! minimum), hashed and checked on a small pool of threads of their own at a lower priority,
//! never on the async workers. bcrypt hashes imported from a LoopBack 3 database (`$2a$`/`$2b$`/`$2y$`) are
//! checked and reported for rehashing.

use std::sync::Arc;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params};
use axum::http::StatusCode;
use serde_json::Value;

use crate::{Error, Result};

/// LoopBack's `MAX_PASSWORD_LENGTH` (bytes of UTF-8).
pub const MAX_PASSWORD_LENGTH: usize = 72;

/// What checking a password found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// The password does not match (or nothing is stored).
    Mismatch,
    /// It matches the stored Argon2id hash, made with today's parameters.
    Match,
    /// It matches, but the stored hash is bcrypt (LoopBack 3) or Argon2 with other
    /// parameters: store a new hash.
    MatchRehash,
}

/// Hashes and checks passwords on threads of their own, `concurrency` of them (each
/// Argon2id hash holds 19 MiB and a core for about 15 ms), at a lower priority than the
/// requests.
#[derive(Clone)]
pub struct Passwords {
    pool: Arc<HashPool>,
    params: Params,
    max_length: usize,
    dummy: Arc<std::sync::OnceLock<String>>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords")
            .field("params", &self.params)
            .field("max_length", &self.max_length)
            .finish_non_exhaustive()
    }
}

impl Default for Passwords {
    fn default() -> Passwords {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Passwords::new(cores, Params::default())
    }
}

/// A stored hash that no password matches, checked when no user was found, so an unknown
/// email costs the same time as a wrong password (no enumeration by timing).
fn dummy_hash(params: &Params) -> String {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params.clone(),
    )
    .hash_password(b"lb: no such user")
    .map(|h| h.to_string())
    .unwrap_or_default()
}

impl Passwords {
    /// At most `concurrency` hashes at once, Argon2id with `params`.
    pub fn new(concurrency: usize, params: Params) -> Passwords {
        Passwords {
            pool: Arc::new(HashPool::new(concurrency)),
            params,
            max_length: MAX_PASSWORD_LENGTH,
            dummy: Arc::default(),
        }
    }

    /// The longest password accepted, in bytes (LoopBack's 72 by default).
    pub fn max_length(mut self, bytes: usize) -> Passwords {
        self.max_length = bytes;
        self
    }

    fn hasher(&self) -> Argon2<'static> {
        Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            self.params.clone(),
        )
    }

    /// LoopBack's `validatePassword`: a non-empty string of at most 72 bytes (422
    /// `INVALID_PASSWORD`, `PASSWORD_TOO_LONG`).
    pub fn validate<'v>(&self, plain: &'v Value) -> Result<&'v str> {
        let s = match plain {
            Value::String(s) if !s.is_empty() => s,
            _ => {
                return Err(
                    Error::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid password.")
                        .with_code("INVALID_PASSWORD"),
                )
            }
        };
        if s.len() > self.max_length {
            return Err(Error::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "The password entered was too long. Max length is {} (entered {})",
                    self.max_length,
                    s.len()
                ),
            )
            .with_code("PASSWORD_TOO_LONG"));
        }
        Ok(s)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| Error::internal("the password pool is closed"))?;
        rx.await
            .map_err(|_| Error::internal("password hashing failed"))
    }

    /// An Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) of `plain`.
    pub async fn hash(&self, plain: &str) -> Result<String> {
        let hasher = self.hasher();
        let plain = plain.to_string();
        self.blocking(move || {
            hasher
                .hash_password(plain.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
        })
        .await?
    }

    /// Whether `plain` matches `stored` (Argon2 or bcrypt); `None` stored: a dummy hash is
    /// checked, so the answer takes as long as for a user with a password. The comparison of
    /// the derived keys is constant-time in both crates.
    pub async fn check(&self, plain: &str, stored: Option<&str>) -> Result<Checked> {
        let params = self.params.clone();
        let dummy = self.dummy.clone();
        let plain = plain.to_string();
        let stored = stored.map(str::to_string);
        self.blocking(move || {
            let Some(stored) = stored else {
                let dummy = dummy.get_or_init(|| dummy_hash(&params));
                let _ = Argon2::default().verify_password(plain.as_bytes(), dummy.as_str());
                return Checked::Mismatch;
            };
            if is_bcrypt(&stored) {
                return match bcrypt::verify(plain.as_bytes(), &stored) {
                    Ok(true) => Checked::MatchRehash,
                    _ => Checked::Mismatch,
                };
            }
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Checked::Mismatch;
            };
            if Argon2::default()
                .verify_password(plain.as_bytes(), &parsed)
                .is_err()
            {
                return Checked::Mismatch;
            }
            let current = parsed.algorithm.as_str() == "argon2id"
                && Params::try_from(&parsed).is_ok_and(|p| {
                    p.m_cost() == params.m_cost()
                        && p.t_cost() == params.t_cost()
                        && p.p_cost() == params.p_cost()
                });
            if current {
                Checked::Match
            } else {
                Checked::MatchRehash
            }
        })
        .await
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The threads that hash: `threads` of them, started at the first hash, each 10 nice
/// levels below the process (Linux), so a hash takes the CPU the requests leave and a burst
/// of logins does not slow every other request down. Jobs wait in a queue.
struct HashPool {
    threads: usize,
    queue: std::sync::OnceLock<std::sync::mpsc::Sender<Job>>,
}

impl HashPool {
    fn new(threads: usize) -> HashPool {
        HashPool {
            threads: threads.max(1),
            queue: std::sync::OnceLock::new(),
        }
    }

    fn send(&self, job: Job) -> std::result::Result<(), ()> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel::<Job>();
            let rx = Arc::new(std::sync::Mutex::new(rx));
            for i in 0..self.threads {
                let rx = rx.clone();
                let _ = std::thread::Builder::new()
                    .name(format!("lb-password-{i}"))
                    .spawn(move || {
                        lower_priority();
                        loop {
                            let job = match rx.lock() {
                                Ok(r) => r.recv(),
                                Err(_) => return,
                            };
                            match job {
                                Ok(job) => job(),
                                Err(_) => return,
                            }
                        }
                    });
            }
            tx
        });
        queue.send(job).map_err(|_| ())
    }
}

/// This thread 10 nice levels below where it is (Linux; elsewhere nothing).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: getpriority/setpriority on this thread's own id; nothing is shared
    unsafe {
        let tid = libc::gettid() as libc::id_t;
        *libc::__errno_location() = 0;
        let now = libc::getpriority(libc::PRIO_PROCESS, tid);
        if *libc::__errno_location() == 0 {
            libc::setpriority(libc::PRIO_PROCESS, tid, (now + 10).min(19));
        }
    }
}

/// A hash LoopBack 3 wrote (`bcrypt`/`bcryptjs`: `$2a$`, `$2b$`, `$2y$`, 60 characters).
pub fn is_bcrypt(stored: &str) -> bool {
    stored.len() == 60
        && (stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$"))
}

/// Whether `stored` is a password hash lb can check (Argon2 or bcrypt), not plain text.
pub(crate) fn is_hash(stored: &str) -> bool {
    is_bcrypt(stored) || stored.starts_with("$argon2")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fast() -> Passwords {
        Passwords::new(2, Params::new(1024, 1, 1, None).unwrap())
    }

    #[tokio::test]
    async fn argon2id_hashes_check_and_differ() {
        let p = fast();
        let a = p.hash("secret").await.unwrap();
        let b = p.hash("secret").await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{a}");
        assert_ne!(a, b, "salted");
        assert_eq!(p.check("secret", Some(&a)).await.unwrap(), Checked::Match);
        assert_eq!(
            p.check("Secret", Some(&a)).await.unwrap(),
            Checked::Mismatch
        );
        assert_eq!(p.check("secret", None).await.unwrap(), Checked::Mismatch);
        assert_eq!(
            p.check("secret", Some("secret")).await.unwrap(),
            Checked::Mismatch
        );
    }

    #[tokio::test]
    async fn the_default_is_owasp_minimum_and_other_parameters_ask_for_a_rehash() {
        let d = Passwords::default();
        let h = d.hash("pw").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        // a hash made with other parameters still checks, and asks to be redone
        let weak = fast().hash("pw").await.unwrap();
        assert_eq!(
            d.check("pw", Some(&weak)).await.unwrap(),
            Checked::MatchRehash
        );
    }

    #[tokio::test]
    async fn loopback_bcrypt_hashes_check_and_ask_for_a_rehash() {
        // bcryptjs, cost 10, as LoopBack 3 stores "admin-pass"
        let h = bcrypt::hash("admin-pass", 4)
            .unwrap()
            .replacen("$2b$", "$2a$", 1);
        assert!(is_bcrypt(&h));
        let p = fast();
        assert_eq!(
            p.check("admin-pass", Some(&h)).await.unwrap(),
            Checked::MatchRehash
        );
        assert_eq!(
            p.check("admin-pasS", Some(&h)).await.unwrap(),
            Checked::Mismatch
        );
    }

    #[test]
    fn validation_follows_loopback() {
        let p = fast();
        assert_eq!(p.validate(&json!("x")).unwrap(), "x");
        for bad in [json!(""), json!(5), json!(null)] {
            let e = p.validate(&bad).unwrap_err();
            assert_eq!(e.code.as_deref(), Some("INVALID_PASSWORD"));
        }
        let e = p.validate(&json!("é".repeat(37))).unwrap_err();
        assert_eq!(e.code.as_deref(), Some("PASSWORD_TOO_LONG"));
        assert!(
            e.message.contains("Max length is 72 (entered 74)"),
            "{}",
            e.message
        );
    }
}
