//! The LoopBack 3 REST API: `App::router()` and `App::serve` answer with it.
//!
//! Every endpoint is a row (name, aliases, verb, path, access type, handler) of a per-model
//! method table; `dispatch` matches the model segment case-insensitively and then the model's
//! routes, producing LoopBack's 404 messages when nothing matches, and `invoke` runs each
//! request through the same named stages. What is public here is what an app plugs in: the
//! [`Authorizer`] of the authorize stage and the client's address ([`client_address`]).

mod acl_authorizer;
mod acl_decisions;
mod arguments;
mod authorize;
mod body;
pub(crate) mod builtin_spec;
pub(crate) mod call;
mod change_stream;
mod client;
mod dispatch;
mod explorer;
#[cfg(test)]
mod filter_properties;
mod handlers;
mod invoke;
pub(crate) mod methods;
pub(crate) mod outcome;
pub(crate) mod qs;
mod response;
mod service;

pub use acl_authorizer::{AclAuthorizer, RoleContext, RoleResolver};
pub use authorize::{AccessRequest, Authorizer, MethodRef, Protection};
pub use body::ReadTimeout;
pub use client::client_address;
pub(crate) use client::serving;
pub(crate) use dispatch::url_not_found;
pub use methods::{record_matched_route, with_matched_route, MatchedRoute};
pub(crate) use methods::{MethodKind, RestMethod};
pub(crate) use response::{error_response, json_response};
pub(crate) use service::{AppService, Fallback};

use axum::routing::any;

use crate::App;

/// The REST routes (root and everything under it).
pub(crate) fn router(app: App) -> axum::Router {
    let root = app.inner.config.rest_api_root.clone();
    let r = explorer::routes(&app);
    let r = if root.is_empty() {
        r.route("/", any(dispatch::dispatch))
            .route("/{*rest}", any(dispatch::dispatch))
    } else {
        r.route(&root, any(dispatch::dispatch))
            .route(&format!("{root}/"), any(dispatch::dispatch))
            .route(&format!("{root}/{{*rest}}"), any(dispatch::dispatch))
    };
    r.with_state(app)
}
