//! Authentication: who a request comes from. Today the access token's id as LoopBack 3's
//! token middleware finds it in a request ([`token_id`]); the token store, the user model and
//! the authorizer that runs [`crate::acl`] build on it.

mod token_id;

pub use token_id::{token_id, TokenSources};
