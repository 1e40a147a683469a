//! The LoopBack 3 REST API over axum.
//!
//! Every endpoint is a [`RestMethod`] (name, verb, path, handler) in a per-model table; one
//! axum route under the REST root hands requests to `dispatch`, which matches the model
//! segment case-insensitively and then the model's table (literal segments before `:params`),
//! producing LoopBack's 404 messages when nothing matches.

mod arguments;
mod authorize;
mod body;
pub(crate) mod builtin_spec;
pub(crate) mod call;
mod change_stream;
mod client;
mod dispatch;
mod explorer;
mod handlers;
mod invoke;
pub(crate) mod methods;
pub(crate) mod outcome;
pub mod qs;
mod response;
mod service;

pub use authorize::{AccessRequest, Authorizer};
pub use body::ReadTimeout;
pub use call::Call;
pub use client::client_address;
pub(crate) use client::serving;
pub use methods::{Handler, MethodKind, RestMethod, RoutePath};
pub use outcome::Outcome;
pub(crate) use response::error_response;
pub use response::{json_response, row_response, rows_response, void_response};
pub use service::AppService;

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

/// The REST routes plus LoopBack's `Cannot GET /x` for everything else: the
/// [`AppService`] that `App::serve` runs, as a router.
pub(crate) fn router_with_fallback(app: App) -> axum::Router {
    axum::Router::new().fallback_service(AppService::new(app))
}
