//! The boxed future of every `dyn` trait in lb (connectors, hooks, validators).

use std::future::Future;
use std::pin::Pin;

/// A boxed `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
