//! # lb — LoopBack for Rust
//!
//! Declare a model, get a LoopBack 3 compatible REST API with its filter language.
//!
//! ```
//! use lb::{App, GeoPoint, Model};
//! use serde::{Deserialize, Serialize};
//!
//! /// A place with a postal address.
//! #[derive(Debug, Clone, Serialize, Deserialize, Model)]
//! #[model(path = "locations")]
//! pub struct Location {
//!     #[property(id, generated)]
//!     pub id: Option<i64>,
//!     pub city: Option<String>,
//!     pub zipcode: Option<f64>,
//!     pub geo: Option<GeoPoint>,
//! }
//!
//! # fn main() -> Result<(), lb::Error> {
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let app = App::builder().model::<Location>().build()?;
//! Location::create(&app, &Location { id: None, city: Some("Burlingame".into()), zipcode: Some(94010.0), geo: None }).await?;
//! let found = Location::find(&app, Location::filter()
//!     .where_(location::city.eq("Burlingame"))
//!     .order(location::zipcode.desc())
//!     .limit(10)).await?;
//! assert_eq!(found[0].id, Some(1));
//! // app.serve(([127, 0, 0, 1], 3000)).await  serves GET /api/locations?filter=...
//! # Ok(())
//! # })
//! # }
//! ```
//!
//! Models are declared at module level: the typed field handles live in a module next to the
//! struct (`location::city`), which refers to the struct through `super::`.
//!
//! ## `#[derive(Model)]` reference
//!
//! Model options, `#[model(...)]`: `name = ".."` (default: the struct name), `plural = ".."`
//! (default: LoopBack's inflection), `path = ".."` (`http.path`), `strict = true | false |
//! "filter"`, `force_id = bool`, `public = bool`, `replace_on_put = bool`,
//! `id_injection = bool`, `description = ".."` (default: the doc comment),
//! `fields_mod = ".."` (module of the typed field handles; default: snake_case struct name),
//! `resource_name = ".."` (the remote collection on a REST CRUD datasource, LoopBack's
//! `resourceName`).
//!
//! Property options, `#[property(...)]`: `id`, `generated`, `required`, `hidden`,
//! `protected`, `default = <literal>`, `default_fn = "now" | "uuid"`, `description = ".."`
//! (default: the doc comment), `type = "object" | "any" | ...` (LoopBack type for fields
//! whose Rust type is not a `PropertyValue`, such as nested serde structs).
//!
//! Property names are the serde names (`#[serde(rename_all = "camelCase")]` and
//! `#[serde(rename = "..")]` are honoured). A field whose type is not an `Option` is required
//! unless it has a default.
//!
//! ## Remote methods
//!
//! `#[lb::remote_methods]` on an `impl Model` block turns each `#[remote_method(..)]` `async fn`
//! into a REST endpoint of the model, checked at compile time:
//!
//! ```
//! use lb::{App, Model};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Clone, Serialize, Deserialize, Model)]
//! pub struct Note {
//!     pub text: Option<String>,
//! }
//!
//! #[lb::remote_methods]
//! impl Note {
//!     /// Notes containing a word (the doc comment is the description)
//!     #[remote_method(verb = "get", path = "/search",
//!         accepts(word(required, description = "the word"), limit(default = 10)),
//!         returns(arg = "notes", root))]
//!     async fn search(app: &App, word: String, limit: u32) -> lb::Result<Vec<Note>> {
//!         let filter = serde_json::json!({"where": {"text": {"like": word}}, "limit": limit});
//!         Note::find(app, filter).await
//!     }
//!
//!     /// Length of this note's text: an instance method, `GET /Notes/:id/length`
//!     #[remote_method(verb = "get", path = "/length", returns(arg = "length"))]
//!     async fn length(&self) -> usize {
//!         self.text.as_deref().map_or(0, str::len)
//!     }
//! }
//!
//! # fn main() {
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let app = App::builder().model::<Note>().build().unwrap();
//! Note::create(&app, &Note { text: Some("buy milk".into()) }).await.unwrap();
//! let found = Note::search(&app, "milk".into(), 10).await.unwrap();
//! assert_eq!(found.len(), 1);
//! // served as GET /api/Notes/search?word=milk and GET /api/Notes/1/length
//! # });
//! # }
//! ```
//!
//! `#[remote_method(..)]` options: `verb = "get" | "post" | "put" | "patch" | "delete" |
//! "head"` (default `post`), `path = "/x/{param}"` (default `/<name>`; `:param` works too),
//! `name = ".."` (default: the function name in camelCase), `status = 201`,
//! `error_status = 400` (for errors without a status of their own), `description = ".."`
//! (default: the doc comment), `accepts(arg(..), ..)` and `returns(..)` (repeat it for
//! several results; the function then returns a tuple).
//!
//! `accepts` entries name function arguments: `arg = "wireName"`, `required`,
//! `source = "path" | "query" | "header" | "body" | "form" | "req" | "context"`,
//! `type = "number" | "[string]" | ..` (must agree with the Rust type), `default = <literal>`,
//! `description = ".."`. Arguments not listed are accepted with their defaults. The LoopBack
//! type comes from the Rust type (`String` string, integers integer, floats number, `bool`,
//! `lb::DateTime` date, `lb::GeoPoint`, `Vec<T>` `[T]`, `serde_json::Value` any, other
//! `Deserialize` types object); a non-`Option` argument without a default is required.
//! `&lb::App` and `&lb::HttpContext` parameters are supplied by lb.
//!
//! `returns` entries: `arg = ".."`, `root`, `type = ".."`, `description = ".."`. A function
//! returning `()` (or `lb::Result<()>`) answers 204; one returning a value without `returns`
//! sends it as the whole body.

#[cfg(feature = "rest")]
pub use lb_macros::rest_client;
pub use lb_macros::{remote_methods, Model};

// The modules, each documented in lb-runtime, and the types most apps name, by path.
/// The trait `#[derive(Model)]` implements (same name as the derive, another namespace).
pub use lb_runtime::Model;
pub use lb_runtime::{
    acl, auth, changes, config, connector, filter, health, middleware, model, observe, openapi,
    remote, repository, rest, server, telemetry, typed, validation, value,
};
pub use lb_runtime::{
    Accept, AccessRequest, AccessType, App, AppBuilder, ArgType, Authorizer, Condition, Connector,
    DataType, DateTime, DistanceUnit, Error, Field, Filter, GeoPoint, HookContext, HookKind,
    HttpContext, Invocation, Memory, Method, ModelDefinition, ModelObserver, OperationContext,
    OperationHook, OrderBy, RelationKind, RemoteMethod, RemoteMethods, Result, Returns, Server,
    ServerOptions, Source, StatusCode, Strict, Transaction, TypedFilter, Where, DEFAULT_BODY_LIMIT,
};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use lb_runtime::{Dialect, PoolSettings, SqlConnector};

#[doc(hidden)]
pub use lb_runtime::__private;

/// What most apps use, in one import:
///
/// ```
/// use lb::prelude::*;
///
/// #[derive(Debug, Clone, serde::Serialize, serde::Deserialize, Model)]
/// pub struct Note {
///     pub text: Option<String>,
/// }
///
/// fn app() -> Result<App> {
///     App::builder().model::<Note>().build()
/// }
///
/// fn main() {
///     app().unwrap();
/// }
/// ```
pub mod prelude {
    pub use crate::rest::{AccessRequest, Authorizer};
    pub use crate::{
        remote_methods, AccessType, App, AppBuilder, DateTime, Error, Filter, GeoPoint, Model,
        RemoteMethod, Result, StatusCode, Where,
    };
}

/// The long-form guides (`docs/guide/*.md`), one module per page; every example in them
/// compiles and runs as a doctest, so they cannot drift from the API.
pub mod guide {
    #[doc = include_str!("../docs/guide/datasources.md")]
    pub mod datasources {}
    #[doc = include_str!("../docs/guide/remote-methods.md")]
    pub mod remote_methods {}
    #[doc = include_str!("../docs/guide/relations.md")]
    pub mod relations {}
    #[doc = include_str!("../docs/guide/validation.md")]
    pub mod validation {}
    #[doc = include_str!("../docs/guide/operation-hooks.md")]
    pub mod operation_hooks {}
    #[doc = include_str!("../docs/guide/access-control.md")]
    pub mod access_control {}
    #[doc = include_str!("../docs/guide/change-streams.md")]
    pub mod change_streams {}
    #[doc = include_str!("../docs/guide/operating.md")]
    pub mod operating {}
    #[cfg(feature = "rest")]
    #[doc = include_str!("../docs/guide/rest-connector.md")]
    pub mod rest_connector {}
}
