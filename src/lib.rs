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
//! `fields_mod = ".."` (module of the typed field handles; default: snake_case struct name).
//!
//! Property options, `#[property(...)]`: `id`, `generated`, `required`, `hidden`,
//! `protected`, `default = <literal>`, `default_fn = "now" | "uuid"`, `description = ".."`
//! (default: the doc comment), `type = "object" | "any" | ...` (LoopBack type for fields
//! whose Rust type is not a `PropertyValue`, such as nested serde structs).
//!
//! Property names are the serde names (`#[serde(rename_all = "camelCase")]` and
//! `#[serde(rename = "..")]` are honoured). A field whose type is not an `Option` is required
//! unless it has a default.

pub use lb_macros::{remote_methods, Model};
pub use lb_runtime::*;
