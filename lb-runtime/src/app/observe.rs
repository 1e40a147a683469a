//! Registering operation hooks (LoopBack's `Model.observe`).

use std::future::Future;

use super::AppBuilder;
use crate::observe::{observers_of, ModelObserver, Observer, OperationContext, OperationHook};
use crate::Result;

impl AppBuilder {
    /// `Model.observe(hook, fn)`: runs `f` on every `hook` of `model`'s operations. It gets
    /// the context and gives it back (changed or not); an error aborts the operation and is
    /// sent with its status. Hooks of one name run in registration order.
    pub fn observe<F, Fut>(mut self, model: &str, hook: OperationHook, f: F) -> Self
    where
        F: Fn(OperationContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<OperationContext>> + Send + 'static,
    {
        self.observers.push(Observer::new(model, hook, f));
        self
    }

    /// Registers the hooks a [`ModelObserver`] implements for `model`.
    pub fn observer(mut self, model: &str, observer: impl ModelObserver) -> Self {
        self.observers.extend(observers_of(model, observer));
        self
    }
}
