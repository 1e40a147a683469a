//! LoopBack's `AccessToken`: a 64-character random id, its time to live, scopes, creation
//! time and user; stored as rows of the `AccessToken` model on a datasource the app chooses
//! ([`RowTokenStore`]), so tokens survive restarts and work across processes.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::connector::BoxFuture;
use crate::filter::{parse_where, ParseOptions};
use crate::model::{DataType, ModelDefinition};
use crate::repository::Repository;
use crate::{Error, Result};

/// LoopBack's default time to live: two weeks, in seconds.
pub const DEFAULT_TTL: i64 = 1_209_600;

/// Length of a token id (LoopBack's `accessTokenIdLength`).
pub const TOKEN_ID_LENGTH: usize = 64;

/// An access token.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    /// The token itself (what the client sends).
    pub id: String,
    /// Seconds it lives after `created`; -1 for ever (only where the user model allows
    /// eternal tokens).
    pub ttl: i64,
    /// Scopes granted (LoopBack's `scopes`).
    pub scopes: Vec<String>,
    /// When it was made.
    pub created: DateTime<Utc>,
    /// Its user's id.
    pub user_id: Value,
}

impl AccessToken {
    /// LoopBack's `validate`: alive when less than `ttl` seconds have passed since `created`;
    /// an eternal token (`ttl` -1) only when `allow_eternal`.
    pub fn is_valid(&self, now: DateTime<Utc>, allow_eternal: bool) -> bool {
        self.alive_at(now.timestamp_millis(), allow_eternal)
    }

    /// [`is_valid`](Self::is_valid) at the system clock's time, read without a calendar
    /// conversion (what every request with a token asks).
    pub fn is_valid_now(&self, allow_eternal: bool) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self.alive_at(now, allow_eternal)
    }

    /// The validity rule at `now_ms` (milliseconds since the Unix epoch).
    fn alive_at(&self, now_ms: i64, allow_eternal: bool) -> bool {
        match self.ttl {
            -1 => allow_eternal,
            ttl if ttl > 0 => {
                now_ms.saturating_sub(self.created.timestamp_millis()) < ttl.saturating_mul(1000)
            }
            _ => false,
        }
    }

    fn from_row(row: &crate::value::Record) -> Option<AccessToken> {
        let id = row.get("id")?.as_str()?.to_string();
        let ttl = row
            .get("ttl")
            .and_then(|t| t.as_f64())
            .map_or(DEFAULT_TTL, |t| t as i64);
        let scopes = row
            .get("scopes")
            .and_then(|v| {
                v.as_array().map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
            })
            .unwrap_or_default();
        let created = row
            .get("created")
            .and_then(|c| {
                c.as_str()
                    .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
            })?
            .with_timezone(&Utc);
        let user_id = row.get("userId").map_or(Value::Null, |v| v.into_owned());
        Some(AccessToken {
            id,
            ttl,
            scopes,
            created,
            user_id,
        })
    }
}

/// Whether two token ids are equal, in time independent of where they differ.
pub(crate) fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    // every byte is read whatever the others hold: the differences are or-ed eight bytes at
    // a time, and the optimizer cannot see the total to stop early
    let mut diff = 0u64;
    let (wa, wb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ta, tb) = (wa.remainder(), wb.remainder());
    for (x, y) in wa.zip(wb) {
        let x = u64::from_ne_bytes(x.try_into().unwrap_or([0; 8]));
        let y = u64::from_ne_bytes(y.try_into().unwrap_or([0; 8]));
        diff |= std::hint::black_box(x ^ y);
    }
    for (x, y) in ta.iter().zip(tb) {
        diff |= u64::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

/// A new token id: 64 characters from `[A-Za-z0-9]` drawn from the operating system's
/// random source (LoopBack's `uid2`).
pub fn new_token_id() -> Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(TOKEN_ID_LENGTH);
    let mut buf = [0u8; 128];
    while out.len() < TOKEN_ID_LENGTH {
        getrandom::getrandom(&mut buf)
            .map_err(|e| Error::internal(format!("no random source: {e}")))?;
        // 248 = 4 × 62: drop bytes above it, so every character is equally likely
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == TOKEN_ID_LENGTH {
                break;
            }
            out.push(ALPHABET[usize::from(*b) % ALPHABET.len()] as char);
        }
    }
    Ok(out)
}

/// LoopBack's `AccessToken` model: `id` (string), `ttl` (default two weeks), `scopes`,
/// `created` (now), `userId`.
pub fn access_token_model() -> &'static ModelDefinition {
    static DEF: std::sync::LazyLock<ModelDefinition> = std::sync::LazyLock::new(|| {
        ModelDefinition::builder("AccessToken")
            .plural("AccessTokens")
            .property("id", DataType::String, |p| p.id())
            .property("ttl", DataType::Number, |p| {
                p.default_value(json!(DEFAULT_TTL))
                    .description("time to live in seconds (2 weeks by default)")
            })
            .property("scopes", DataType::Array(Box::new(DataType::String)), |p| {
                p.description("Array of scopes granted to this access token.")
            })
            .property("created", DataType::Date, |p| p)
            .property("userId", DataType::Any, |p| p)
            .public(false)
            .build()
    });
    &DEF
}

/// Where tokens live.
pub trait TokenStore: Send + Sync + 'static {
    /// The token with this id, if there is one (expired or not).
    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>>>;
    /// A new token for `user_id`.
    fn create<'a>(
        &'a self,
        user_id: &'a Value,
        ttl: i64,
        scopes: Vec<String>,
    ) -> BoxFuture<'a, Result<AccessToken>>;
    /// Deletes a token (logout, expiry).
    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Deletes every token of a user but `except` (a changed password or email); how many.
    fn delete_for_user<'a>(
        &'a self,
        user_id: &'a Value,
        except: Option<&'a str>,
    ) -> BoxFuture<'a, Result<u64>>;

    /// Deletes the tokens expired at `now`; how many. The default deletes nothing (a store
    /// whose tokens expire by themselves).
    fn purge_expired(&self, now: DateTime<Utc>) -> BoxFuture<'_, Result<u64>> {
        let _ = now;
        Box::pin(async { Ok(0) })
    }
}

/// Tokens as rows of the `AccessToken` model on a datasource (LoopBack's way): the repository
/// of that model in an app.
#[derive(Clone)]
pub struct RowTokenStore {
    repo: Repository,
}

impl RowTokenStore {
    /// A store over the `AccessToken` model's repository.
    pub fn new(repo: Repository) -> RowTokenStore {
        RowTokenStore { repo }
    }
}

impl TokenStore for RowTokenStore {
    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>>> {
        Box::pin(async move {
            // a token id is never more than a line of text: longer ones are not looked up
            if id.is_empty() || id.len() > 512 {
                return Ok(None);
            }
            let row = self.repo.find_by_id(&json!(id), None).await?;
            // the stored id must be the one sent, byte for byte and in constant time: a
            // database may compare ids loosely (MySQL's default collation ignores case)
            Ok(row
                .and_then(|r| AccessToken::from_row(&r))
                .filter(|t| same_id(&t.id, id)))
        })
    }

    fn create<'a>(
        &'a self,
        user_id: &'a Value,
        ttl: i64,
        scopes: Vec<String>,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            // a date to the millisecond, as LoopBack (and every datasource) keeps it
            let now = Utc::now();
            let created = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
            let token = AccessToken {
                id: new_token_id()?,
                ttl,
                scopes,
                created,
                user_id: user_id.clone(),
            };
            let mut data = json!({
                "id": token.id,
                "ttl": token.ttl,
                "created": token.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "userId": token.user_id,
            });
            if !token.scopes.is_empty() {
                data["scopes"] = json!(token.scopes);
            }
            self.repo.create(data).await?;
            Ok(token)
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.repo.delete_by_id(&json!(id)).await?;
            Ok(())
        })
    }

    fn delete_for_user<'a>(
        &'a self,
        user_id: &'a Value,
        except: Option<&'a str>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            let mut w = json!({"userId": user_id});
            if let Some(keep) = except {
                w["id"] = json!({"neq": keep});
            }
            let w = parse_where(self.repo.model, &w, ParseOptions::default())?;
            self.repo.delete_all(w.as_ref()).await
        })
    }

    fn purge_expired(&self, now: DateTime<Utc>) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            // oldest first, a page at a time; an expired token's validity is decided as when
            // it is presented (eternal tokens are kept)
            const PAGE: u64 = 500;
            let mut deleted = 0;
            let mut kept = 0;
            loop {
                let filter = crate::filter::parse_filter(
                    self.repo.model,
                    &json!({"order": "created ASC", "limit": PAGE, "skip": kept}),
                    ParseOptions::default(),
                )?;
                let page = self.repo.find(&filter).await?;
                let n = page.len() as u64;
                let expired: Vec<Value> = page
                    .iter()
                    .filter_map(|r| AccessToken::from_row(r))
                    .filter(|t| t.ttl > 0 && !t.is_valid(now, false))
                    .map(|t| json!(t.id))
                    .collect();
                kept += n - expired.len() as u64;
                if !expired.is_empty() {
                    let w = parse_where(
                        self.repo.model,
                        &json!({"id": {"inq": expired}}),
                        ParseOptions::default(),
                    )?;
                    deleted += self.repo.delete_all(w.as_ref()).await?;
                }
                if n < PAGE {
                    return Ok(deleted);
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_now_agrees_with_validity_at_a_time() {
        let token = |ago_ms: i64, ttl: i64| AccessToken {
            id: "x".into(),
            ttl,
            scopes: vec![],
            created: Utc::now() - chrono::Duration::milliseconds(ago_ms),
            user_id: Value::from(1),
        };
        for (ago, ttl, valid) in [
            (0, 10, true),
            (9_000, 10, true),
            (11_000, 10, false),
            (5_000, 0, false),
            (1_000_000_000, -1, false),
        ] {
            let t = token(ago, ttl);
            assert_eq!(t.is_valid_now(false), valid, "{ago} ms ago, ttl {ttl}");
            assert_eq!(
                t.is_valid(Utc::now(), false),
                valid,
                "{ago} ms ago, ttl {ttl}"
            );
        }
        assert!(token(1_000_000_000, -1).is_valid_now(true));
    }

    #[test]
    fn token_ids_are_64_alphanumerics_and_differ() {
        let a = new_token_id().unwrap();
        let b = new_token_id().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn ids_compare_exactly() {
        assert!(same_id("AbC", "AbC"));
        assert!(!same_id("AbC", "abc"));
        assert!(!same_id("AbC", "AbCd"));
    }

    #[test]
    fn validity_follows_loopback() {
        let now = Utc::now();
        let t = |ttl: i64, age_s: i64| AccessToken {
            id: "x".into(),
            ttl,
            scopes: vec![],
            created: now - chrono::Duration::seconds(age_s),
            user_id: json!(1),
        };
        assert!(t(60, 59).is_valid(now, false));
        assert!(!t(60, 60).is_valid(now, false));
        assert!(!t(-1, 0).is_valid(now, false));
        assert!(t(-1, 1_000_000).is_valid(now, true));
        assert!(!t(0, 0).is_valid(now, true));
    }
}
