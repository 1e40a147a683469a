//! LoopBack's built-in `User`: a model of the app based on it gets User's properties
//! (`realm`, `username`, `password`, `email`, `emailVerified`, `verificationToken`), its
//! checks (a valid, unique email; a unique username; a password), its hidden properties,
//! the `accessTokens` relation, its methods (`login`, `logout`, `confirm`, `verify`,
//! `resetPassword`, `changePassword`, `setPassword`), its ACLs and its operation hooks
//! (passwords hashed, other tokens ended when the email or password changes, tokens deleted
//! with the user). Attach one with `AppBuilder::user_model`.

mod definition;
mod hooks;
mod methods;
mod settings;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock, Weak};

pub use settings::{ResetRequest, UserModel, UserSettings, VerifyOptions};

pub(crate) use definition::{base_acls, token_definition, user_definition};

use super::{AccessToken, Passwords, RowTokenStore, TokenCache, TokenStore};
use crate::remote::{RemoteHook, RemoteMethod};
use crate::repository::{Peers, Repository};
use crate::{Error, Result};

/// The token store (the cache itself when tokens are cached) and the cache.
type Stores = (Arc<dyn TokenStore>, Option<Arc<TokenCache>>);

/// The app's user model at run time: its settings and where its rows and tokens are.
pub(crate) struct Users {
    pub model: String,
    pub token_model: String,
    pub settings: UserSettings,
    pub passwords: Passwords,
    pub config: UserModel,
    pub rest_api_root: String,
    pub rest_path: String,
    peers: Weak<Peers>,
    /// The token store (the cache when tokens are cached) and the cache, made together once.
    store: OnceLock<Stores>,
    /// Bumped by every write to the token rows seen here: cached tokens are dropped.
    pub(crate) token_writes: Arc<AtomicU64>,
}

impl Users {
    pub(crate) fn new(
        config: UserModel,
        token_model: &str,
        rest_api_root: &str,
        rest_path: &str,
        peers: &Arc<Peers>,
    ) -> Arc<Users> {
        Arc::new(Users {
            model: config.model.clone(),
            token_model: token_model.to_string(),
            settings: config.settings.clone(),
            passwords: config.passwords.clone(),
            config,
            rest_api_root: rest_api_root.to_string(),
            rest_path: rest_path.to_string(),
            peers: Arc::downgrade(peers),
            store: OnceLock::new(),
            token_writes: Arc::default(),
        })
    }

    fn repository(&self, model: &str) -> Result<Repository> {
        self.peers
            .upgrade()
            .and_then(|p| p.repository(model))
            .ok_or_else(|| Error::internal(format!("model {model} is not attached")))
    }

    /// The user model's repository.
    pub(crate) fn users(&self) -> Result<Repository> {
        self.repository(&self.model)
    }

    /// Where the users' tokens are kept: the configured store, else the token model's rows
    /// (made on first use, then shared: every request with a token asks).
    pub(crate) fn tokens(&self) -> Result<Arc<dyn TokenStore>> {
        Ok(self.store()?.0.clone())
    }

    /// The store and, when tokens are cached, the cache it is.
    fn store(&self) -> Result<&Stores> {
        if let Some(made) = self.store.get() {
            return Ok(made);
        }
        let store: Arc<dyn TokenStore> = if let Some(store) = &self.config.token_store {
            store.clone()
        } else {
            // the store's repository is not placed among the peers: the app holds the users,
            // which must not hold the app
            let unplaced = |model: &str| {
                self.repository(model).map(|mut r| {
                    r.home = None;
                    r
                })
            };
            #[cfg(feature = "jwt")]
            let jwt = self.config.jwt_key.as_ref().map(|key| {
                unplaced("RevokedToken").map(|r| {
                    Arc::new(crate::auth::jwt::JwtTokenStore::new(key, r)) as Arc<dyn TokenStore>
                })
            });
            #[cfg(not(feature = "jwt"))]
            let jwt: Option<Result<Arc<dyn TokenStore>>> = None;
            match jwt {
                Some(store) => store?,
                None => Arc::new(RowTokenStore::new(unplaced(&self.token_model)?)),
            }
        };
        let made = match self.config.token_cache {
            Some(fresh) => {
                let cache = Arc::new(TokenCache::with_generation(
                    store,
                    fresh,
                    self.token_writes.clone(),
                ));
                (cache.clone() as Arc<dyn TokenStore>, Some(cache))
            }
            None => (store, None),
        };
        // two first requests at once: one pair is kept, both use it
        Ok(self.store.get_or_init(|| made))
    }

    /// The token with this id, from the cache when tokens are cached.
    pub(crate) async fn find_token(&self, id: &str) -> Result<Option<Arc<AccessToken>>> {
        match self.store()? {
            (_, Some(cache)) => cache.find_shared(id).await,
            (store, None) => Ok(store.find(id).await?.map(Arc::new)),
        }
    }

    /// Deletes the expired tokens now; how many.
    pub(crate) async fn purge_expired_tokens(&self) -> Result<u64> {
        self.tokens()?.purge_expired(chrono::Utc::now()).await
    }

    /// The background task of a served app: the expired tokens deleted every
    /// `purge_every`, for as long as the app lives.
    pub(crate) fn spawn_purge(self: &Arc<Self>) {
        let Some(every) = self.config.purge_every else {
            return;
        };
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(users) = me.upgrade() else { return };
                if let Err(e) = users.purge_expired_tokens().await {
                    tracing::error!(target: "lb::auth", "purging expired tokens failed: {}", e.message);
                }
            }
        });
    }

    /// User's remote methods.
    pub(crate) fn methods(self: &Arc<Self>) -> Vec<RemoteMethod> {
        methods::all(self)
    }

    /// User's remote hooks (`emailVerified` of a REST create).
    pub(crate) fn remote_hooks(self: &Arc<Self>) -> Vec<RemoteHook> {
        hooks::remote_hooks(&self.model)
    }

    /// User's operation hooks.
    pub(crate) fn observers(self: &Arc<Self>) -> Vec<crate::observe::Observer> {
        hooks::observers(self)
    }
}
