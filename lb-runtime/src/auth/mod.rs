//! Authentication: who a request comes from — the access token's id as LoopBack 3's token
//! middleware finds it in a request ([`token_id`]), the tokens themselves ([`AccessToken`],
//! kept by a [`TokenStore`]: LoopBack's `AccessToken` rows by default), the caller of the
//! request being served ([`current_token`]), LoopBack's built-in User ([`UserModel`]) with
//! its passwords ([`Passwords`]) and mail ([`Mailer`]).

mod access_token;
mod current;
#[cfg(feature = "jwt")]
mod jwt;
mod mailer;
pub(crate) mod owner_scope;
mod password;
mod roles;
#[cfg(feature = "smtp")]
mod smtp;
mod token_cache;
mod token_id;
pub(crate) mod user;

pub use access_token::{
    access_token_model, new_token_id, AccessToken, RowTokenStore, TokenStore, DEFAULT_TTL,
    TOKEN_ID_LENGTH,
};
pub use current::{as_caller, current_token, current_user_id, in_request};
#[cfg(feature = "jwt")]
pub use jwt::revoked_token_model;
pub use mailer::{Email, LogMailer, Mailer, MemoryMailer};
pub use password::{is_bcrypt, Checked, Passwords, MAX_PASSWORD_LENGTH};
pub use roles::{role_mapping_model, role_model};
#[cfg(feature = "smtp")]
pub use smtp::SmtpMailer;
pub use token_cache::{TokenCache, TOKEN_CACHE_CAPACITY, TOKEN_CACHE_FRESH};
pub use token_id::{sign_cookie, token_id, TokenSources};
pub use user::{ResetRequest, UserModel, UserSettings, VerifyOptions};
