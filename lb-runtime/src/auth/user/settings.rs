//! The settings of a User-based model (LoopBack's `user.json` options and `settings`), and
//! what an app attaches to it: a mailer, a token store, a reset handler.

use std::sync::Arc;

use serde_json::Value;

use crate::auth::{AccessToken, Mailer, Passwords, TokenStore, DEFAULT_TTL};
use crate::future::BoxFuture;
use crate::Result;

/// LoopBack's User settings, with its defaults.
#[derive(Debug, Clone)]
pub struct UserSettings {
    /// `ttl`: a login token's time to live when the client asks for none (2 weeks).
    pub ttl: i64,
    /// `maxTTL`: the longest a client may ask for (1 year).
    pub max_ttl: i64,
    /// `resetPasswordTokenTTL`: the reset token's time to live (15 minutes).
    pub reset_password_token_ttl: i64,
    /// `emailVerificationRequired`: login (401 `LOGIN_FAILED_EMAIL_NOT_VERIFIED`) and reset
    /// need a verified email; a changed email must be verified again.
    pub email_verification_required: bool,
    /// `realmRequired`: users live in realms; login needs one.
    pub realm_required: bool,
    /// `realmDelimiter`: `"realm:username"` credentials (implies `realmRequired`).
    pub realm_delimiter: Option<String>,
    /// `caseSensitiveEmail` (true): when false, emails are stored and looked up in lower case.
    pub case_sensitive_email: bool,
    /// `restrictResetPasswordTokenScope`: a reset token only sets the password.
    pub restrict_reset_password_token_scope: bool,
    /// `rejectPasswordChangesViaPatchOrReplace`: PATCH/PUT of `password` is 401
    /// `PASSWORD_CHANGE_NOT_ALLOWED` (use change-password or reset-password).
    pub reject_password_changes_via_patch_or_replace: bool,
    /// LoopBack's `POST /reset` answers 404 `EMAIL_NOT_FOUND` for an unknown email, which
    /// tells anyone which emails have accounts. lb answers 204 either way unless this is set.
    pub reset_reveals_unknown_email: bool,
}

impl Default for UserSettings {
    fn default() -> UserSettings {
        UserSettings {
            ttl: DEFAULT_TTL,
            max_ttl: 31_556_926,
            reset_password_token_ttl: 900,
            email_verification_required: false,
            realm_required: false,
            realm_delimiter: None,
            case_sensitive_email: true,
            restrict_reset_password_token_scope: false,
            reject_password_changes_via_patch_or_replace: false,
            reset_reveals_unknown_email: false,
        }
    }
}

impl UserSettings {
    /// Whether users live in realms.
    pub fn realms(&self) -> bool {
        self.realm_required || self.realm_delimiter.is_some()
    }
}

/// How `POST /users/:id/verify` writes its mail (LoopBack's `verifyOptions`).
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The sender (required: verify fails without one, as in LoopBack).
    pub from: Option<String>,
    /// The subject (`Thanks for Registering`).
    pub subject: String,
    /// Where `confirm` sends the browser afterwards (`/`).
    pub redirect: String,
    /// The public origin of the API in the link (`http://localhost:3000`).
    pub origin: String,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            from: None,
            subject: "Thanks for Registering".into(),
            redirect: "/".into(),
            origin: "http://localhost:3000".into(),
        }
    }
}

/// A password reset was asked for (LoopBack's `resetPasswordRequest` event): send
/// `access_token.id` to `email`, e.g. as a link to a page that calls `reset-password`.
#[derive(Debug, Clone)]
pub struct ResetRequest {
    /// The email the reset was asked for.
    pub email: String,
    /// The short-lived token that lets its holder set the password.
    pub access_token: AccessToken,
    /// The user, without hidden properties.
    pub user: Value,
}

/// What runs for each reset request.
pub(crate) type ResetHandler =
    Arc<dyn Fn(ResetRequest) -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// A model of the app made a User (LoopBack's `"base": "User"`), with its settings; given to
/// `AppBuilder::user_model`.
///
/// ```
/// use lb_runtime::auth::{UserModel, UserSettings};
/// let users = UserModel::new("user").settings(UserSettings {
///     email_verification_required: true,
///     ..UserSettings::default()
/// });
/// # let _ = users;
/// ```
#[derive(Clone)]
pub struct UserModel {
    pub(crate) model: String,
    pub(crate) settings: UserSettings,
    pub(crate) passwords: Passwords,
    pub(crate) mailer: Option<Arc<dyn Mailer>>,
    pub(crate) verify: VerifyOptions,
    pub(crate) token_store: Option<Arc<dyn TokenStore>>,
    pub(crate) on_reset: Option<ResetHandler>,
    pub(crate) purge_every: Option<std::time::Duration>,
    pub(crate) token_cache: Option<std::time::Duration>,
    #[cfg_attr(not(feature = "jwt"), allow(dead_code))]
    pub(crate) jwt_key: Option<Vec<u8>>,
}

impl std::fmt::Debug for UserModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserModel")
            .field("model", &self.model)
            .field("settings", &self.settings)
            .field("verify", &self.verify)
            .finish_non_exhaustive()
    }
}

impl UserModel {
    /// The app's model `model` (attached with `AppBuilder::model`) made a User, with
    /// LoopBack's default settings.
    pub fn new(model: &str) -> UserModel {
        UserModel {
            model: model.to_string(),
            settings: UserSettings::default(),
            passwords: Passwords::default(),
            mailer: None,
            verify: VerifyOptions::default(),
            token_store: None,
            on_reset: None,
            purge_every: Some(std::time::Duration::from_secs(3600)),
            token_cache: Some(crate::auth::TOKEN_CACHE_FRESH),
            jwt_key: None,
        }
    }

    /// LoopBack's settings.
    pub fn settings(mut self, settings: UserSettings) -> Self {
        self.settings = settings;
        self
    }

    /// How passwords are hashed (Argon2id at the crate's defaults unless changed).
    pub fn passwords(mut self, passwords: Passwords) -> Self {
        self.passwords = passwords;
        self
    }

    /// Who sends verification mails.
    pub fn mailer(mut self, mailer: impl Mailer) -> Self {
        self.mailer = Some(Arc::new(mailer));
        self
    }

    /// How verification mails are written.
    pub fn verify_options(mut self, options: VerifyOptions) -> Self {
        self.verify = options;
        self
    }

    /// Where tokens are kept (default: rows of the `AccessToken` model).
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.token_store = Some(Arc::new(store));
        self
    }

    /// How often a served app deletes its expired tokens (every hour by default; `None`:
    /// never — LoopBack never does, and its token table only grows).
    pub fn purge_expired_tokens_every(mut self, every: Option<std::time::Duration>) -> Self {
        self.purge_every = every;
        self
    }

    /// How long a token found in the store is used before the store is asked again (one
    /// second by default; `None`: every request reads the store, as LoopBack does). A token
    /// ended in this process (logout, a changed password, any write to the token rows) is
    /// refused at once; one ended by another process sharing the datasource, within this
    /// time. See [`TokenCache`](crate::auth::TokenCache).
    pub fn token_cache(mut self, fresh: Option<std::time::Duration>) -> Self {
        self.token_cache = fresh;
        self
    }

    /// Signed stateless tokens (feature `jwt`): HS256 JWTs signed with `key` (at least 32
    /// bytes) instead of `AccessToken` rows; a `RevokedToken` model is attached on the user
    /// model's datasource for logout and ended tokens.
    #[cfg(feature = "jwt")]
    pub fn jwt_tokens(mut self, key: impl Into<Vec<u8>>) -> Self {
        self.jwt_key = Some(key.into());
        self
    }

    /// Runs `f` for every password reset asked for (LoopBack's `resetPasswordRequest`
    /// event), after the answer: it is not told to the client whether the email exists.
    pub fn on_reset_password<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(ResetRequest) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<()>> + Send + 'static,
    {
        self.on_reset = Some(Arc::new(move |r| Box::pin(f(r))));
        self
    }
}
