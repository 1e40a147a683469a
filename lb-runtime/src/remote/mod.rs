//! Remote methods: LoopBack's shared methods with declared `accepts`, `returns` and `http`
//! metadata, argument coercion, and remote hooks.
//!
//! `#[remote_methods]` / `#[remote_method(...)]` (the `lb` crate) generate a [`RemoteMethod`]
//! per function, checked at compile time; the REST layer routes them next to the built-in
//! PersistedModel methods, and hooks and `sharedMethods` apply to both.

pub(crate) mod coerce;
mod hooks;
mod spec;

pub use hooks::{HookContext, HookKind};
pub(crate) use hooks::{ModelHooks, RemoteHook};
pub use spec::{Accept, AccessType, ArgType, Invoke, RemoteMethod, Returns, Source};

use axum::http::{HeaderMap, Method, Uri};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::connector::Row;
use crate::{App, Error, Result};

/// The request a remote method was called with (`source: "req"` / `"context"` arguments).
#[derive(Debug, Clone)]
pub struct HttpContext {
    /// HTTP verb.
    pub method: Method,
    /// Request URI (path and query).
    pub uri: Uri,
    /// Request headers.
    pub headers: HeaderMap,
    /// Path parameters, percent-decoded.
    pub params: Vec<(String, String)>,
}

/// One call of a remote method: the coerced arguments, the instance (instance methods) and
/// the request.
pub struct Invocation {
    /// The application.
    pub app: App,
    /// Coerced arguments by name (absent optional ones left out).
    pub args: Map<String, Value>,
    /// The instance of an instance method, loaded by id.
    pub instance: Option<Row>,
    /// The request.
    pub http: HttpContext,
}

impl Invocation {
    /// An argument as a Rust value (`null` when absent, so `Option<T>` gives `None`).
    pub fn arg<T: RemoteArg>(&self, name: &str) -> Result<T> {
        let v = self.args.get(name).cloned().unwrap_or(Value::Null);
        let absent = v.is_null();
        T::deserialize(v).map_err(|e| {
            if absent {
                Error::required_argument(name)
            } else {
                Error::bad_request(format!("Invalid argument \"{name}\". {e}"))
            }
        })
    }
}

/// A result as JSON (the glue of `#[remote_method]` calls it for each return value).
/// `model` names the model when `T` is one (or an `Option`/`Vec` of one): its instances'
/// `None` fields are then unset, as in every other answer. Hidden properties are left out
/// later, by the output stage, whatever produced the value.
#[doc(hidden)]
pub fn to_result<T: RemoteResult + ?Sized>(v: &T, model: Option<&str>) -> Result<Value> {
    let mut v = serde_json::to_value(v)
        .map_err(|e| Error::internal(format!("result not serializable: {e}")))?;
    if model.is_some() {
        crate::shape::unset_left_out(&mut v);
    }
    Ok(v)
}

/// Compile-time check of `#[remote_method]` arguments.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a remote method argument: it does not implement `serde::Deserialize`",
    label = "arguments are decoded from the request with serde"
)]
pub trait RemoteArg: DeserializeOwned {}
impl<T: DeserializeOwned> RemoteArg for T {}

/// Compile-time check of `#[remote_method]` results.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a remote method result: it does not implement `serde::Serialize`",
    label = "results are sent as JSON with serde"
)]
pub trait RemoteResult: Serialize {}
impl<T: Serialize + ?Sized> RemoteResult for T {}

/// Remote methods of a model type, as `#[remote_methods]` generates them.
pub trait RemoteMethods {
    /// The methods, in declaration order.
    fn remote_methods() -> Vec<RemoteMethod>;
}
