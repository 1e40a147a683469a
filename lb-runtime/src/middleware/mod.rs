//! Middleware at LoopBack's phases (`initial`, `session`, `auth`, `parse`, `routes`, `files`,
//! `final`, each with `:before` and `:after`): any tower layer from code
//! ([`AppBuilder::middleware`](crate::AppBuilder::middleware)), LoopBack's built-in middleware
//! by name from `middleware.json` — CORS as the `cors` package answers, `helmet`'s security
//! headers, compression, static files, request ids, timeouts, `loopback#status` — and how
//! they wrap the app's routes (`stack.rs`).

mod builtin;
mod cors;
mod decorate;
mod endpoint;
mod headers;
pub(crate) mod json;
mod phase;
mod stack;

pub(crate) use builtin::Builtin;
pub use builtin::{
    parse_duration, parse_size, request_id, static_files, static_files_at, status, timeout,
    ErrorHandler,
};
pub use cors::{Cors, Origin};
pub use endpoint::{endpoint, Decorate, Endpoint, HeadersOnly, Route, Wrap};
pub use headers::SecurityHeaders;
pub use json::Factory;
pub use phase::{Phase, Slot, SubPhase, PHASES};
pub use stack::{wrap_layer, Middlewares, RouteService, Scope};
