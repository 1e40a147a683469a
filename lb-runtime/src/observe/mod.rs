//! Operation hooks (LoopBack's `Model.observe`, spec §8): `access`, `before save`, `persist`,
//! `loaded`, `after save`, `before delete`, `after delete`, registered per model and run by the
//! repository around every operation — REST, typed API, relation endpoints and includes, inside
//! transactions or not, on every connector.
//!
//! A hook receives the [`OperationContext`] and gives it back, possibly changed (the query,
//! the data, the instance, the where); an `Err` aborts the operation and reaches the client
//! with its status.

mod context;

use std::future::Future;
use std::sync::Arc;

pub use context::{OperationContext, OperationInfo};

use crate::future::BoxFuture;
use crate::Result;

/// The operation hooks, in LoopBack's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationHook {
    /// `access`: every query (find, findOne, findById, count, exists, and the lookups of
    /// updateAll, deleteById, deleteAll, upsertWithWhere and patchOrCreate); `query` may be
    /// changed.
    Access,
    /// `before save`: before create, replace, patch and updateAll; `instance` (create,
    /// replace) or `data` + `where` (partial updates) may be changed.
    BeforeSave,
    /// `persist`: just before the connector writes `data`.
    Persist,
    /// `loaded`: after the connector returned a row (reads and writes); `data` may be changed.
    Loaded,
    /// `after save`: after a write; `instance` (one instance) or `where` + `data` + `info`
    /// (updateAll).
    AfterSave,
    /// `before delete`: before deleteById / deleteAll; `where` may be changed.
    BeforeDelete,
    /// `after delete`: after the delete; `where` and `info.count`.
    AfterDelete,
}

impl OperationHook {
    /// Every hook, in the order of `OperationHook::index`.
    pub const ALL: [OperationHook; 7] = [
        OperationHook::Access,
        OperationHook::BeforeSave,
        OperationHook::Persist,
        OperationHook::Loaded,
        OperationHook::AfterSave,
        OperationHook::BeforeDelete,
        OperationHook::AfterDelete,
    ];

    /// LoopBack's name (`before save`).
    pub fn name(self) -> &'static str {
        match self {
            OperationHook::Access => "access",
            OperationHook::BeforeSave => "before save",
            OperationHook::Persist => "persist",
            OperationHook::Loaded => "loaded",
            OperationHook::AfterSave => "after save",
            OperationHook::BeforeDelete => "before delete",
            OperationHook::AfterDelete => "after delete",
        }
    }

    /// The hook of a LoopBack name (`"before save"`), if there is one.
    pub fn from_name(name: &str) -> Option<OperationHook> {
        OperationHook::ALL.into_iter().find(|h| h.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for OperationHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

type ObserverFn =
    Arc<dyn Fn(OperationContext) -> BoxFuture<'static, Result<OperationContext>> + Send + Sync>;

/// One registered hook: `App::builder().observe("Product", OperationHook::BeforeSave, ..)`.
#[derive(Clone)]
pub struct Observer {
    /// Model name.
    pub model: String,
    /// Which hook.
    pub hook: OperationHook,
    f: ObserverFn,
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Observer({} {})", self.model, self.hook)
    }
}

impl Observer {
    /// A hook from an async closure that gets the context and gives it back.
    pub fn new<F, Fut>(model: &str, hook: OperationHook, f: F) -> Self
    where
        F: Fn(OperationContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<OperationContext>> + Send + 'static,
    {
        Observer {
            model: model.to_string(),
            hook,
            f: Arc::new(move |ctx| Box::pin(f(ctx))),
        }
    }
}

/// Operation hooks as trait methods: implement the ones you need (the others pass the context
/// through) and register with `App::builder().observer::<Product>(MyHooks)`.
pub trait ModelObserver: Send + Sync + 'static {
    /// `access`.
    fn access(
        &self,
        ctx: OperationContext,
    ) -> impl Future<Output = Result<OperationContext>> + Send {
        async { Ok(ctx) }
    }
    /// `before save`.
    fn before_save(
        &self,
        ctx: OperationContext,
    ) -> impl Future<Output = Result<OperationContext>> + Send {
        async { Ok(ctx) }
    }
    /// `persist`.
    fn persist(
        &self,
        ctx: OperationContext,
    ) -> impl Future<Output = Result<OperationContext>> + Send {
        async { Ok(ctx) }
    }
    /// `loaded`.
    fn loaded(
        &self,
        ctx: OperationContext,
    ) -> impl Future<Output = Result<OperationContext>> + Send {
        async { Ok(ctx) }
    }
    /// `after save`.
    fn after_save(
        &self,
        ctx: OperationContext,
    ) -> impl Future<Output = Result<OperationContext>> + Send {
        async { Ok(ctx) }
    }
    /// `before delete`.
    fn before_delete(
        &self,
        ctx: OperationContext,
    ) -> impl Future<Output = Result<OperationContext>> + Send {
        async { Ok(ctx) }
    }
    /// `after delete`.
    fn after_delete(
        &self,
        ctx: OperationContext,
    ) -> impl Future<Output = Result<OperationContext>> + Send {
        async { Ok(ctx) }
    }
    /// The hooks this observer implements (all by default; leaving some out saves the
    /// contexts of those operations from being built).
    fn hooks(&self) -> &'static [OperationHook] {
        &OperationHook::ALL
    }
}

/// The observers of a `ModelObserver` value, one per hook it implements.
pub(crate) fn observers_of<O: ModelObserver>(model: &str, o: O) -> Vec<Observer> {
    let o = Arc::new(o);
    o.hooks()
        .iter()
        .map(|&hook| {
            let o = o.clone();
            Observer {
                model: model.to_string(),
                hook,
                f: Arc::new(move |ctx| {
                    let o = o.clone();
                    Box::pin(async move {
                        match hook {
                            OperationHook::Access => o.access(ctx).await,
                            OperationHook::BeforeSave => o.before_save(ctx).await,
                            OperationHook::Persist => o.persist(ctx).await,
                            OperationHook::Loaded => o.loaded(ctx).await,
                            OperationHook::AfterSave => o.after_save(ctx).await,
                            OperationHook::BeforeDelete => o.before_delete(ctx).await,
                            OperationHook::AfterDelete => o.after_delete(ctx).await,
                        }
                    })
                }),
            }
        })
        .collect()
}

/// The hooks of one model, by hook, in registration order.
#[derive(Default)]
pub(crate) struct Observers {
    by_hook: [Vec<ObserverFn>; 7],
}

impl Observers {
    pub(crate) fn add(&mut self, o: &Observer) {
        self.by_hook[o.hook.index()].push(o.f.clone());
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_hook.iter().all(Vec::is_empty)
    }

    /// Whether any hook is registered for `hook`.
    pub(crate) fn observes(&self, hook: OperationHook) -> bool {
        !self.by_hook[hook.index()].is_empty()
    }

    /// Runs the `hook`s in order, each on what the previous one gave back.
    pub(crate) async fn notify(
        &self,
        hook: OperationHook,
        mut ctx: OperationContext,
    ) -> Result<OperationContext> {
        ctx.hook = hook;
        for f in &self.by_hook[hook.index()] {
            ctx = f(ctx).await?;
            ctx.hook = hook;
        }
        Ok(ctx)
    }
}
