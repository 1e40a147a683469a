//! lb-runtime: everything `#[derive(Model)]` generated code calls — model definitions, the
//! filter engine, connectors, the repository of PersistedModel operations and the LoopBack 3
//! REST router. Users depend on the `lb` facade crate, which re-exports this one.

#![warn(missing_docs)]
#![warn(unreachable_pub)]

pub mod acl;
mod app;
pub mod auth;
pub mod changes;
pub mod config;
pub mod connector;
mod error;
pub mod filter;
mod future;
pub mod health;
pub mod middleware;
pub mod model;
pub mod observe;
pub mod openapi;
mod relation;
pub mod remote;
pub mod repository;
pub mod rest;
pub mod server;
pub(crate) mod shape;
pub mod telemetry;
pub mod typed;
pub mod validation;
pub mod value;

pub use app::{App, AppBuilder, DEFAULT_BODY_LIMIT};
pub use connector::memory::Memory;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use connector::sql::{Dialect, PoolSettings, SqlConnector};
pub use connector::{Connector, Transaction};
pub use error::{Error, Result};
pub use filter::{Condition, Field, Filter, OrderBy, TypedFilter, Where};
pub use model::{DataType, ModelDefinition, RelationKind, Strict};
pub use observe::{ModelObserver, OperationContext, OperationHook};
pub use remote::{
    Accept, AccessType, ArgType, HookContext, HookKind, HttpContext, Invocation, RemoteMethod,
    RemoteMethods, Returns, Source,
};
pub use rest::{AccessRequest, Authorizer};
pub use server::{Server, ServerOptions};
pub use typed::Model;
pub use value::{DistanceUnit, GeoPoint};

/// HTTP types used in remote method declarations and errors.
pub use axum::http::{Method, StatusCode};

/// Date-time type of date properties.
pub type DateTime = chrono::DateTime<chrono::Utc>;

#[doc(hidden)]
pub mod __private {
    pub use crate::model::{key_type, DefaultFn, KeyType, PropertyValue, Strict};
    pub use crate::typed::ops as typed;
    pub use crate::validation::{CustomCheck, Rule, Validation};
    pub use axum::http::{Method, StatusCode};
    pub use chrono;
    pub use regex::Regex;
    pub use serde;
    pub use serde_json;
    pub use std::sync::LazyLock;

    /// `names` contains `name` (usable in constants: relation checks of `#[derive(Model)]`).
    pub const fn contains(names: &[&str], name: &str) -> bool {
        let mut i = 0;
        while i < names.len() {
            let (a, b) = (names[i].as_bytes(), name.as_bytes());
            if a.len() == b.len() {
                let mut j = 0;
                while j < a.len() && a[j] == b[j] {
                    j += 1;
                }
                if j == a.len() {
                    return true;
                }
            }
            i += 1;
        }
        false
    }
}
