//! Signed stateless access tokens (feature `jwt`): an HS256 JWT carries the token itself —
//! its id (`jti`), user (`sub`), creation time and ttl, scopes — so finding a token reads no
//! token row. A revocation list in a model of the app (`RevokedToken`, on the user model's
//! datasource) makes logout and "end the user's other tokens" work, across processes too
//! (LoopBack 4's JWT has no logout).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{new_token_id, AccessToken, TokenStore};
use crate::connector::BoxFuture;
use crate::filter::{parse_where, Filter, ParseOptions};
use crate::model::{DataType, ModelDefinition};
use crate::repository::Repository;
use crate::{Error, Result};

/// The revocation list: a row per revoked token (`id` = its `jti`, `expires`) and per user
/// whose tokens before a time were ended (`id` = `user:<id>`, `before`, `except`).
pub fn revoked_token_model() -> &'static ModelDefinition {
    static DEF: LazyLock<ModelDefinition> = LazyLock::new(|| {
        ModelDefinition::builder("RevokedToken")
            .plural("RevokedTokens")
            .property("id", DataType::String, |p| p.id())
            .property("expires", DataType::Date, |p| p)
            .property("before", DataType::Date, |p| p)
            .property("except", DataType::String, |p| p)
            .public(false)
            .build()
    });
    &DEF
}

#[derive(Serialize, Deserialize)]
struct Claims {
    jti: String,
    sub: Value,
    /// Creation time, milliseconds since the epoch.
    iat: i64,
    ttl: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    scopes: Vec<String>,
}

/// Tokens as signed JWTs, revocations as rows of [`revoked_token_model`].
pub(crate) struct JwtTokenStore {
    key: Vec<u8>,
    revoked: Repository,
}

impl JwtTokenStore {
    pub(crate) fn new(key: &[u8], revoked: Repository) -> JwtTokenStore {
        JwtTokenStore {
            key: key.to_vec(),
            revoked,
        }
    }

    /// The claims of a token signed with this key (`None`: not one of ours).
    fn claims(&self, token: &str) -> Option<Claims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.validate_exp = false;
        v.required_spec_claims.clear();
        let key = DecodingKey::from_secret(&self.key).ok()?;
        decode::<Claims>(token, &key, &v).ok().map(|d| d.claims)
    }

    async fn upsert(&self, row: Value) -> Result<()> {
        self.revoked.replace_or_create(row).await?;
        Ok(())
    }
}

fn millis(t: DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn user_key(user: &Value) -> String {
    format!("user:{}", crate::value::js::to_js_string(user))
}

impl TokenStore for JwtTokenStore {
    fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<AccessToken>>> {
        Box::pin(async move {
            if id.len() > 4096 {
                return Ok(None);
            }
            let Some(c) = self.claims(id) else {
                return Ok(None);
            };
            let Some(created) = DateTime::from_timestamp_millis(c.iat) else {
                return Ok(None);
            };
            // one lookup: the token revoked, or its user's tokens ended after it was made
            let w = parse_where(
                self.revoked.model,
                &json!({"id": {"inq": [c.jti, user_key(&c.sub)]}}),
                ParseOptions::default(),
            )?;
            let rows = self
                .revoked
                .find(&Filter {
                    where_: w,
                    ..Filter::default()
                })
                .await?;
            for r in &rows {
                let rid = r.get("id").and_then(|v| v.as_str().map(str::to_string));
                if rid.as_deref() == Some(c.jti.as_str()) {
                    return Ok(None);
                }
                let before = r.get("before").and_then(|v| {
                    v.as_str()
                        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                });
                let except = r.get("except").and_then(|v| v.as_str().map(str::to_string));
                if before.is_some_and(|b| created < b) && except.as_deref() != Some(c.jti.as_str())
                {
                    return Ok(None);
                }
            }
            Ok(Some(AccessToken {
                id: id.to_string(),
                ttl: c.ttl,
                scopes: c.scopes,
                created,
                user_id: c.sub,
            }))
        })
    }

    fn create<'a>(
        &'a self,
        user_id: &'a Value,
        ttl: i64,
        scopes: Vec<String>,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let now = Utc::now();
            let claims = Claims {
                jti: new_token_id()?,
                sub: user_id.clone(),
                iat: now.timestamp_millis(),
                ttl,
                scopes: scopes.clone(),
            };
            let sign_error = |e: jsonwebtoken::errors::Error| {
                Error::internal(format!("the token could not be signed: {e}"))
            };
            let key = EncodingKey::from_secret(&self.key).map_err(sign_error)?;
            let token =
                encode(&Header::new(Algorithm::HS256), &claims, &key).map_err(sign_error)?;
            Ok(AccessToken {
                id: token,
                ttl,
                scopes,
                created: DateTime::from_timestamp_millis(claims.iat).unwrap_or(now),
                user_id: user_id.clone(),
            })
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let Some(c) = self.claims(id) else {
                return Ok(());
            };
            let expires = DateTime::from_timestamp_millis(c.iat + c.ttl.max(0) * 1000)
                .unwrap_or_else(Utc::now);
            self.upsert(json!({"id": c.jti, "expires": millis(expires)}))
                .await
        })
    }

    fn delete_for_user<'a>(
        &'a self,
        user_id: &'a Value,
        except: Option<&'a str>,
    ) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move {
            // tokens are not listed anywhere: every token of the user made before now ends
            let keep = except.and_then(|t| self.claims(t)).map(|c| c.jti);
            let mut row = json!({"id": user_key(user_id), "before": millis(Utc::now())});
            if let Some(k) = keep {
                row["except"] = json!(k);
            }
            self.upsert(row).await?;
            Ok(0)
        })
    }

    fn purge_expired(&self, now: DateTime<Utc>) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            let w = parse_where(
                self.revoked.model,
                &json!({"expires": {"lt": millis(now)}}),
                ParseOptions::default(),
            )?;
            self.revoked.delete_all(w.as_ref()).await
        })
    }
}
