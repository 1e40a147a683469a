//! Remote hooks (spec §7.3): `beforeRemote`, `afterRemote` and `afterRemoteError`, registered
//! per model with a method-name pattern, run around built-in and custom methods alike.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};

use super::HttpContext;
use crate::connector::BoxFuture;
use crate::{App, Error, Result};

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// Before the method (`beforeRemote`); an error stops the call.
    Before,
    /// After it succeeded (`afterRemote`); may change the result.
    After,
    /// After it (or a hook) failed (`afterRemoteError`); may change or replace the error.
    AfterError,
}

type HookFn = Arc<dyn Fn(HookContext) -> BoxFuture<'static, Result<()>> + Send + Sync>;

/// A registered hook.
#[derive(Clone)]
pub struct RemoteHook {
    /// Model name.
    pub model: String,
    /// Method-name pattern: `find`, `prototype.patchAttributes`, `prototype.*`, `*`, `**`.
    pub pattern: String,
    /// When it runs.
    pub kind: HookKind,
    f: HookFn,
}

impl std::fmt::Debug for RemoteHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {}.{}", self.kind, self.model, self.pattern)
    }
}

impl RemoteHook {
    /// A hook from an async closure.
    pub fn new<F, Fut>(model: &str, pattern: &str, kind: HookKind, f: F) -> Self
    where
        F: Fn(HookContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        RemoteHook {
            model: model.to_string(),
            pattern: pattern.to_string(),
            kind,
            f: Arc::new(move |ctx| Box::pin(f(ctx))),
        }
    }

    /// Whether the hook applies to a method known by any of `names`.
    pub fn matches(&self, names: &[&str]) -> bool {
        names.iter().any(|n| pattern_matches(&self.pattern, n))
    }

    pub(crate) async fn run(&self, ctx: &HookContext) -> Result<()> {
        (self.f)(ctx.clone()).await
    }
}

/// LoopBack's hook patterns: `*` matches one dot-free segment, `**` anything.
pub(crate) fn pattern_matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[&str], n: &[&str]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(&"**"), _) => (0..=n.len()).any(|k| go(&p[1..], &n[k..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) => a == b && go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let n: Vec<&str> = name.split('.').collect();
    go(&p, &n)
}

struct State {
    args: Map<String, Value>,
    result: Option<Value>,
    error: Option<Error>,
    redirect: Option<String>,
}

struct Inner {
    app: App,
    model: String,
    method: String,
    is_static: bool,
    http: HttpContext,
    instance: Option<Value>,
    state: Mutex<State>,
}

/// What a remote hook sees: the request, the named arguments, the instance (instance
/// methods), the result (after hooks) and the error (after-error hooks). Cheap to clone; the
/// clones share one state, so a change made by one hook is seen by the next and by the call.
#[derive(Clone)]
pub struct HookContext(Arc<Inner>);

impl HookContext {
    pub(crate) fn new(
        app: App,
        model: &str,
        method: &str,
        http: HttpContext,
        args: Map<String, Value>,
        instance: Option<Value>,
    ) -> Self {
        HookContext(Arc::new(Inner {
            app,
            model: model.to_string(),
            is_static: !method.starts_with("prototype."),
            method: method.to_string(),
            http,
            instance,
            state: Mutex::new(State {
                args,
                result: None,
                error: None,
                redirect: None,
            }),
        }))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The application.
    pub fn app(&self) -> &App {
        &self.0.app
    }

    /// The method name (`find`, `prototype.patchAttributes`).
    pub fn method_name(&self) -> &str {
        &self.0.method
    }

    /// LoopBack's `methodString`: `Location.prototype.patchAttributes`.
    pub fn method_string(&self) -> String {
        format!("{}.{}", self.0.model, self.0.method)
    }

    /// Whether the method is static (not `prototype.*`).
    pub fn is_static(&self) -> bool {
        self.0.is_static
    }

    /// The request.
    pub fn http(&self) -> &HttpContext {
        &self.0.http
    }

    /// The instance an instance method runs on (its JSON, hidden properties included).
    pub fn instance(&self) -> Option<&Value> {
        self.0.instance.as_ref()
    }

    /// The named arguments (a copy).
    pub fn args(&self) -> Map<String, Value> {
        self.state().args.clone()
    }

    /// One argument.
    pub fn arg(&self, name: &str) -> Option<Value> {
        self.state().args.get(name).cloned()
    }

    /// Changes an argument (before hooks: the method sees the new value).
    pub fn set_arg(&self, name: &str, v: Value) {
        self.state().args.insert(name.to_string(), v);
    }

    /// The result (after hooks): the response body.
    pub fn result(&self) -> Option<Value> {
        self.state().result.clone()
    }

    /// Replaces the result; after hooks may change what is sent.
    pub fn set_result(&self, v: Value) {
        self.state().result = Some(v);
    }

    /// The error (after-error hooks).
    pub fn error(&self) -> Option<Error> {
        self.state().error.clone()
    }

    /// Replaces the error (after-error hooks).
    pub fn set_error(&self, e: Error) {
        self.state().error = Some(e);
    }

    /// Answers `302 Found` to `location` instead of the result (LoopBack's
    /// `ctx.res.location(url); ctx.res.status(302)` in an after hook).
    pub fn redirect(&self, location: impl Into<String>) {
        self.state().redirect = Some(location.into());
    }

    pub(crate) fn take_redirect(&self) -> Option<String> {
        self.state().redirect.take()
    }

    pub(crate) fn take_result(&self) -> Option<Value> {
        self.state().result.take()
    }

    pub(crate) fn take_error(&self) -> Option<Error> {
        self.state().error.take()
    }
}

/// The hooks of one model, split by kind, in registration order.
#[derive(Default, Clone, Debug)]
pub struct ModelHooks {
    /// `beforeRemote`.
    pub before: Vec<RemoteHook>,
    /// `afterRemote`.
    pub after: Vec<RemoteHook>,
    /// `afterRemoteError`.
    pub after_error: Vec<RemoteHook>,
}

impl ModelHooks {
    /// Adds a hook.
    pub fn add(&mut self, h: RemoteHook) {
        match h.kind {
            HookKind::Before => self.before.push(h),
            HookKind::After => self.after.push(h),
            HookKind::AfterError => self.after_error.push(h),
        }
    }

    /// The hooks for one method (known by `names`).
    pub fn for_method(&self, names: &[&str]) -> ModelHooks {
        let pick = |v: &[RemoteHook]| v.iter().filter(|h| h.matches(names)).cloned().collect();
        ModelHooks {
            before: pick(&self.before),
            after: pick(&self.after),
            after_error: pick(&self.after_error),
        }
    }

    /// No hooks at all.
    pub fn is_empty(&self) -> bool {
        self.before.is_empty() && self.after.is_empty() && self.after_error.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::pattern_matches as m;

    #[test]
    fn patterns() {
        assert!(m("find", "find"));
        assert!(!m("find", "findOne"));
        assert!(m("*", "find"));
        assert!(!m("*", "prototype.patchAttributes"), "* is one segment");
        assert!(m("prototype.*", "prototype.patchAttributes"));
        assert!(!m("prototype.*", "find"));
        assert!(m("**", "find"));
        assert!(m("**", "prototype.__get__inventory"));
        assert!(m("prototype.patchAttributes", "prototype.patchAttributes"));
    }
}
