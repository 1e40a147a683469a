//! Authentication: who a request comes from — the access token's id as LoopBack 3's token
//! middleware finds it in a request ([`token_id`]), and the tokens themselves
//! ([`AccessToken`], kept by a [`TokenStore`]: LoopBack's `AccessToken` rows by default).

mod access_token;
mod roles;
mod token_id;

pub use access_token::{
    access_token_model, new_token_id, AccessToken, RowTokenStore, TokenStore, DEFAULT_TTL,
    TOKEN_ID_LENGTH,
};
pub use roles::{role_mapping_model, role_model};
pub use token_id::{token_id, TokenSources};
