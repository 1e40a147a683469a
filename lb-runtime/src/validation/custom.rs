//! Custom validators (LoopBack's `Model.validate` and `validateAsync`): a Rust function of the
//! model that says whether the instance is valid, with its own code and message.

use crate::future::BoxFuture;
use crate::value::Object;

/// The check of a custom validator, given the whole instance as written.
#[derive(Clone, Copy)]
pub enum CustomCheck {
    /// A synchronous check.
    Sync(fn(&Object) -> bool),
    /// An asynchronous check.
    Async(fn(Object) -> BoxFuture<'static, bool>),
}

impl std::fmt::Debug for CustomCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CustomCheck::Sync(_) => "CustomCheck::Sync",
            CustomCheck::Async(_) => "CustomCheck::Async",
        })
    }
}

/// A custom validator of a model.
#[derive(Debug, Clone)]
pub struct CustomValidation {
    /// The property the failure is reported on.
    pub property: String,
    /// The failure code (`custom.<code>` or `custom`).
    pub code: String,
    /// The failure message (default `is invalid`).
    pub message: String,
    /// The check.
    pub check: CustomCheck,
}

impl CustomValidation {
    /// Whether `instance` passes.
    pub async fn passes(&self, instance: &Object) -> bool {
        match self.check {
            CustomCheck::Sync(f) => f(instance),
            CustomCheck::Async(f) => f(instance.clone()).await,
        }
    }
}
