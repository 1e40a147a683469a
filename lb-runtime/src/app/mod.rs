//! `App`: datasources + models + REST configuration, served by axum.

mod config;
mod datasources;
mod observe;
mod platform;
pub(crate) use platform::Pipeline;
#[cfg(feature = "rest")]
mod rest_datasources;
#[cfg(feature = "rest")]
mod rest_functions;
mod users;

use std::any::TypeId;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use crate::connector::{memory::Memory, Connector};
use crate::model::ModelDefinition;
use crate::remote::{HookContext, HookKind, ModelHooks, RemoteHook, RemoteMethod};
use crate::repository::Repository;
use crate::rest::{self, RestMethod};
use crate::typed::Model;
use crate::{Error, Result};

/// A hash map keyed by the app's own names and types (looked up per request).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
/// Default request body limit (LoopBack's `100kb`).
pub const DEFAULT_BODY_LIMIT: usize = 100 * 1024;

/// A running lb application: its models, their datasources and the REST configuration.
/// Cheap to clone (shared).
///
/// ```
/// # use lb_runtime::{App, Memory, model::{DataType, ModelDefinition}};
/// let def: &'static ModelDefinition = Box::leak(Box::new(
///     ModelDefinition::builder("Note").property("text", DataType::String, |p| p).build()));
/// let app = App::builder()
///     .datasource("db", Memory::new())
///     .definition(def, "db")
///     .rest_api_root("/api")
///     .build()
///     .unwrap();
/// assert!(app.repository("Note").is_some());
/// let _router: axum::Router = app.router();
/// ```
#[derive(Clone)]
pub struct App {
    pub(crate) inner: Arc<AppInner>,
    /// Inside [`App::transaction`]: the datasource whose operations run in the transaction.
    pub(crate) tx: Option<Arc<datasources::TxScope>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("rest_api_root", &self.inner.config.rest_api_root)
            .field(
                "models",
                &self
                    .inner
                    .models
                    .iter()
                    .map(|m| &m.repo.model.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

pub(crate) struct AppInner {
    pub models: Vec<ModelEntry>,
    /// Datasources by position (`ModelEntry::datasource`), the default one first.
    pub datasources: Vec<(String, Arc<dyn Connector>)>,
    // looked up on every request: foldhash, not SipHash (the keys are the app's own names)
    pub by_path: FastMap<String, usize>,
    pub by_name: FastMap<String, usize>,
    pub by_type: FastMap<TypeId, usize>,
    pub config: Config,
    /// `/openapi.json` and `/openapi.yaml`, rendered on first request (the app is immutable).
    pub openapi_json: std::sync::OnceLock<Result<bytes::Bytes, String>>,
    pub openapi_yaml: std::sync::OnceLock<Result<bytes::Bytes, String>>,
    /// Where writes meet the change streams' subscribers.
    pub changes: Arc<crate::changes::Hub>,
    /// The authorize stage's decision maker (none: everything is allowed).
    pub authorizer: Option<Arc<dyn rest::Authorizer>>,
    /// ACL entries by model name, from `model-config.json` (an authorizer reads them).
    pub acls: FastMap<String, Vec<crate::acl::Acl>>,
    /// The user model (LoopBack's User), if the app has one.
    pub users: Option<Arc<crate::auth::user::Users>>,
    /// Owner-scoped models and the property naming their owner.
    pub owner_scopes: FastMap<String, String>,
    /// The rows of the `ACL` model, when the app attaches one.
    pub acl_table: Option<Arc<crate::acl::table::AclTable>>,
    /// Middleware, settings, the rest of the platform.
    pub platform: platform::Platform,
    /// REST datasources by name.
    #[cfg(feature = "rest")]
    pub rest: HashMap<String, crate::connector::rest::RestDataSource>,
}

/// One attached model.
pub(crate) struct ModelEntry {
    pub repo: Repository,
    /// Position of the model's datasource in `AppInner::datasources`.
    pub datasource: usize,
    pub methods: Vec<RestMethod>,
    /// `methods` by verb and path shape (what the dispatcher looks up).
    pub routes: rest::methods::RouteIndex,
}

/// REST settings.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub rest_api_root: String,
    pub debug: bool,
    pub body_limit: usize,
    pub query_limits: crate::filter::QueryLimits,
    pub stream_limits: crate::changes::StreamLimits,
    pub explorer_path: Option<String>,
    pub openapi_info: crate::openapi::Info,
    /// Fields of a 5xx error kept in production answers (strong-error-handler's
    /// `safeFields`).
    pub safe_fields: Vec<String>,
    /// The app's `aclErrorStatus`.
    pub acl_error_status: Option<axum::http::StatusCode>,
    /// Log every error answered, 4xx too (strong-error-handler's `log`).
    pub log_errors: bool,
    /// Routes of the platform (health, metrics) the OpenAPI document lists: path, summary,
    /// content type.
    pub documented: Vec<(String, &'static str, &'static str)>,
}

/// Builds an [`App`].
pub struct AppBuilder {
    datasources: Vec<(String, Arc<dyn Connector>)>,
    models: Vec<PendingModel>,
    remote_methods: Vec<(String, RemoteMethod)>,
    hooks: Vec<RemoteHook>,
    observers: Vec<crate::observe::Observer>,
    /// REST datasources by name, and the models that publish their functions.
    #[cfg(feature = "rest")]
    rest: rest_datasources::PendingRest,
    shared_methods: HashMap<String, Vec<(String, bool)>>,
    model_config: Vec<(String, crate::config::ModelConfig)>,
    config: Config,
    authorizer: Option<Arc<dyn rest::Authorizer>>,
    acls: Vec<(String, Vec<crate::acl::Acl>)>,
    user_model: Option<crate::auth::UserModel>,
    owner_scoped: Vec<String>,
    platform: platform::Platform,
}

struct PendingModel {
    type_id: Option<TypeId>,
    def: &'static ModelDefinition,
    datasource: Option<String>,
    remote_methods: Vec<RemoteMethod>,
}

impl App {
    /// Starts building an app (REST root `/api`, production errors, 100 kB bodies).
    pub fn builder() -> AppBuilder {
        AppBuilder {
            datasources: Vec::new(),
            models: Vec::new(),
            remote_methods: Vec::new(),
            hooks: Vec::new(),
            observers: Vec::new(),
            #[cfg(feature = "rest")]
            rest: Default::default(),
            shared_methods: HashMap::new(),
            acls: Vec::new(),
            user_model: None,
            owner_scoped: Vec::new(),
            model_config: Vec::new(),
            config: Config {
                rest_api_root: "/api".into(),
                debug: false,
                body_limit: DEFAULT_BODY_LIMIT,
                query_limits: crate::filter::QueryLimits::default(),
                stream_limits: crate::changes::StreamLimits::default(),
                explorer_path: Some("/explorer".into()),
                openapi_info: crate::openapi::Info::default(),
                safe_fields: Vec::new(),
                acl_error_status: None,
                log_errors: false,
                documented: Vec::new(),
            },
            authorizer: None,
            platform: platform::Platform::default(),
        }
    }

    /// The repository of a model by name (case-sensitive, as LoopBack model names); inside
    /// [`App::transaction`], bound to the transaction. `None` for an unknown model or, inside a
    /// transaction, a model of another datasource (see [`App::repository_of`]).
    pub fn repository(&self, model: &str) -> Option<Cow<'_, Repository>> {
        let &i = self.inner.by_name.get(model)?;
        self.scoped(i).ok()
    }

    /// The repository of a typed model; an error if the model was not attached or, inside a
    /// transaction, belongs to another datasource (it would silently run outside it).
    pub fn repository_of<M: Model>(&self) -> Result<Cow<'_, Repository>> {
        let i = self
            .inner
            .by_type
            .get(&TypeId::of::<M>())
            .or_else(|| self.inner.by_name.get(&M::definition().name))
            .copied()
            .ok_or_else(|| {
                Error::internal(format!(
                    "model {} is not attached to this app",
                    M::definition().name
                ))
            })?;
        self.scoped(i)
    }

    /// The ACL entries of `model` the app was given (`model-config.json`'s `acls`); an
    /// authorizer such as `rest::AclAuthorizer` adds them to its own.
    pub fn model_acls(&self, model: &str) -> &[crate::acl::Acl] {
        self.inner.acls.get(model).map_or(&[], Vec::as_slice)
    }

    /// The REST endpoints of a model (built-in and remote, the shared ones only), in matching
    /// order; `None` for an unknown model.
    pub fn rest_methods(&self, model: &str) -> Option<&[RestMethod]> {
        self.inner
            .by_name
            .get(model)
            .map(|&i| self.inner.models[i].methods.as_slice())
    }

    /// The OpenAPI 3.1 document of the app's REST API (also served at `/openapi.json` and
    /// `/openapi.yaml`). A utoipa document: merge your own with `OpenApi::merge`.
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        crate::openapi::document(self)
    }

    /// How many change-stream subscriptions are open in this process.
    pub fn change_stream_subscribers(&self) -> usize {
        self.inner.changes.subscribers()
    }

    /// The REST root (`/api`).
    pub fn rest_api_root(&self) -> &str {
        &self.inner.config.rest_api_root
    }

    /// The bounds of a request's filter ([`AppBuilder::query_limits`]).
    pub fn query_limits(&self) -> crate::filter::QueryLimits {
        self.inner.config.query_limits
    }

    /// Whether errors are rendered in development mode.
    pub fn debug(&self) -> bool {
        self.inner.config.debug
    }

    /// The REST API as an axum router, to serve or to merge into an existing axum app.
    /// It answers the REST root and everything under it.
    pub fn router(&self) -> axum::Router {
        rest::router(self.clone())
    }

    /// The whole app as a router: its middleware around [`App::router`]'s routes, and
    /// LoopBack's `Cannot GET /x` 404 for every other path.
    pub fn into_router(self) -> axum::Router {
        // served by the caller from now on
        if self.lifecycle().state() == crate::health::State::Starting {
            self.lifecycle().set(crate::health::State::Up);
        }
        axum::Router::new().fallback_service(self.pipeline())
    }
}

impl AppBuilder {
    /// Adds a datasource under `name`.
    pub fn datasource(self, name: &str, connector: impl Connector) -> Self {
        self.datasource_arc(name, Arc::new(connector))
    }

    /// Adds a shared datasource under `name`.
    pub fn datasource_arc(mut self, name: &str, connector: Arc<dyn Connector>) -> Self {
        self.datasources.push((name.to_string(), connector));
        self
    }

    /// Adds a datasource from a URL (`memory:`, `memory:data.json`).
    pub fn datasource_url(self, name: &str, url: &str) -> Result<Self> {
        Ok(self.datasource_arc(name, crate::connector::from_url(url)?))
    }

    /// Attaches a model to the default datasource (`db`, or the only one).
    pub fn model<M: Model>(mut self) -> Self {
        self.models.push(PendingModel {
            type_id: Some(TypeId::of::<M>()),
            def: M::definition(),
            datasource: None,
            remote_methods: M::remote_methods(),
        });
        self
    }

    /// Attaches a model to the named datasource.
    pub fn model_on<M: Model>(mut self, datasource: &str) -> Self {
        self.models.push(PendingModel {
            type_id: Some(TypeId::of::<M>()),
            def: M::definition(),
            datasource: Some(datasource.into()),
            remote_methods: M::remote_methods(),
        });
        self
    }

    /// Attaches an untyped model definition to the named datasource.
    pub fn definition(mut self, def: &'static ModelDefinition, datasource: &str) -> Self {
        self.models.push(PendingModel {
            type_id: None,
            def,
            datasource: Some(datasource.into()),
            remote_methods: Vec::new(),
        });
        self
    }

    /// Adds a custom method to a model (`Model.remoteMethod`); `#[remote_methods]` does this
    /// for typed models.
    pub fn remote_method(mut self, model: &str, method: RemoteMethod) -> Self {
        self.remote_methods.push((model.to_string(), method));
        self
    }

    /// `Model.beforeRemote(pattern, hook)`: runs before every method of `model` whose name
    /// matches `pattern` (`find`, `prototype.*`, `*`, `**`); an error stops the call and is
    /// sent with its status.
    pub fn before_remote<F, Fut>(self, model: &str, pattern: &str, hook: F) -> Self
    where
        F: Fn(HookContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<()>> + Send + 'static,
    {
        self.hook(RemoteHook::new(model, pattern, HookKind::Before, hook))
    }

    /// `Model.afterRemote(pattern, hook)`: runs after a successful call; may change
    /// [`HookContext::result`], which is what is sent.
    pub fn after_remote<F, Fut>(self, model: &str, pattern: &str, hook: F) -> Self
    where
        F: Fn(HookContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<()>> + Send + 'static,
    {
        self.hook(RemoteHook::new(model, pattern, HookKind::After, hook))
    }

    /// `Model.afterRemoteError(pattern, hook)`: runs when the call failed; may change the
    /// error with [`HookContext::set_error`] or replace it by returning another.
    pub fn after_remote_error<F, Fut>(self, model: &str, pattern: &str, hook: F) -> Self
    where
        F: Fn(HookContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<()>> + Send + 'static,
    {
        self.hook(RemoteHook::new(model, pattern, HookKind::AfterError, hook))
    }

    /// Adds a remote hook.
    pub fn hook(mut self, hook: RemoteHook) -> Self {
        self.hooks.push(hook);
        self
    }

    /// LoopBack's `sharedMethods` for a model: `[("*", false), ("find", true)]` exposes only
    /// `find`; `[("deleteById", false)]` hides one method. A hidden method's route answers
    /// LoopBack's 404. Entries naming a method (or an alias) win over `"*"`.
    pub fn shared_methods<'a>(
        mut self,
        model: &str,
        settings: impl IntoIterator<Item = (&'a str, bool)>,
    ) -> Self {
        self.shared_methods
            .entry(model.to_string())
            .or_default()
            .extend(settings.into_iter().map(|(k, v)| (k.to_string(), v)));
        self
    }

    /// Hides one method of a model (`Model.disableRemoteMethodByName`).
    pub fn disable_method(self, model: &str, method: &str) -> Self {
        self.shared_methods(model, [(method, false)])
    }

    /// Sets the REST root (`/api`; `/` for none).
    pub fn rest_api_root(mut self, root: &str) -> Self {
        let trimmed = root.trim_end_matches('/');
        self.config.rest_api_root = if trimmed.starts_with('/') || trimmed.is_empty() {
            trimmed.to_string()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// Development mode errors (`debug: true` of strong-error-handler) when `true`.
    pub fn debug(mut self, on: bool) -> Self {
        self.config.debug = on;
        self
    }

    /// Where the API explorer (Swagger UI) is served (`/explorer` by default); `None` turns
    /// it off, e.g. in production. The document stays at `/openapi.json`.
    pub fn explorer(mut self, path: Option<&str>) -> Self {
        self.config.explorer_path = path.map(|p| {
            let p = p.trim_end_matches('/');
            if p.starts_with('/') {
                p.to_string()
            } else {
                format!("/{p}")
            }
        });
        self
    }

    /// `info.title` and `info.version` of the OpenAPI document.
    pub fn openapi_info(mut self, title: &str, version: &str) -> Self {
        self.config.openapi_info.title = title.to_string();
        self.config.openapi_info.version = version.to_string();
        self
    }

    /// The server URL of the OpenAPI document (`servers[0].url`), e.g. `/svc` when a reverse
    /// proxy serves the app under that prefix, so the explorer's "Try it out" calls reach it.
    pub fn openapi_server(mut self, url: &str) -> Self {
        self.config.openapi_info.server = Some(url.to_string());
        self
    }

    /// Puts `authorizer` in the request pipeline's authorize stage: every method of every
    /// model asks it before anything else runs (see [`rest::Authorizer`]).
    pub fn authorizer(mut self, authorizer: impl rest::Authorizer) -> Self {
        self.authorizer = Some(Arc::new(authorizer));
        self
    }

    /// Request body limit in bytes (413 beyond it).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.config.body_limit = bytes;
        self
    }

    /// The bounds of change streams: subscribers per process and per client address, and
    /// the events a subscriber that does not read may have waiting (`docs/security.md`).
    pub fn change_stream_limits(mut self, limits: crate::changes::StreamLimits) -> Self {
        self.config.stream_limits = limits;
        self
    }

    /// The bounds of a request's filter (`docs/security.md`); each is a 400 beyond it.
    pub fn query_limits(mut self, limits: crate::filter::QueryLimits) -> Self {
        self.config.query_limits = limits;
        self
    }

    /// Checks the configuration and builds the app.
    pub fn build(mut self) -> Result<App> {
        self.check_middleware()?;
        self.apply_model_config()?;
        let user_model = self.prepare_user_model()?;
        // the models' own ACLs (`#[model(acl = "..")]`), after User's and before
        // model-config.json's
        let declared = users::declared_acls(&self.models)?;
        let at = usize::from(user_model.is_some()).min(self.acls.len());
        let acl_names: Vec<(String, Vec<String>)> = declared
            .iter()
            .map(|(m, acls)| (m.clone(), users::named_methods(acls)))
            .collect();
        self.acls.splice(at..at, declared);
        let owner_scopes =
            self.attach_owner_scopes(user_model.as_ref().map(|u| u.model.as_str()))?;
        // LoopBack's ACL model: its rows are entries too
        let acl_table = self.models.iter().any(|p| p.def.name == "ACL").then(|| {
            let table = Arc::new(crate::acl::table::AclTable::default());
            self.observers.extend(table.observers("ACL"));
            table
        });
        self.attach_generated_through_models();
        if self.datasources.is_empty() {
            self.datasources
                .push(("db".into(), Arc::new(Memory::new())));
        }
        self.prepare_telemetry()?;
        let default_ds = self
            .datasources
            .iter()
            .find(|(n, _)| n == "db")
            .or(self.datasources.first())
            .map(|(n, _)| n.clone())
            .unwrap_or_default();
        if let Some(path) = &self.config.explorer_path {
            let root = &self.config.rest_api_root;
            let clashes = path.is_empty()
                || path == "/"
                || path == "/openapi.json"
                || path == "/openapi.yaml"
                || (!root.is_empty() && (path == root || path.starts_with(&format!("{root}/"))));
            if clashes {
                return Err(Error::internal(format!(
                    "the explorer path {:?} clashes with the REST root {root:?} or the document",
                    path
                )));
            }
        }
        // the default datasource first, so `datasources[0]` is the one `transaction` uses
        if let Some(p) = self.datasources.iter().position(|(n, _)| *n == default_ds) {
            let d = self.datasources.remove(p);
            self.datasources.insert(0, d);
        }
        let peers = Arc::new(crate::repository::Peers::default());
        let users = match user_model {
            Some(config) => Some(self.attach_user_model(config, &peers)?),
            None => None,
        };
        let changes = Arc::new(crate::changes::Hub::new(self.config.stream_limits));
        let mut inner = AppInner {
            models: Vec::new(),
            datasources: Vec::new(),
            by_path: FastMap::default(),
            by_name: FastMap::default(),
            by_type: FastMap::default(),
            config: self.config,
            openapi_json: std::sync::OnceLock::new(),
            openapi_yaml: std::sync::OnceLock::new(),
            changes: changes.clone(),
            authorizer: self.authorizer.take(),
            acls: users::merge_acls(std::mem::take(&mut self.acls)),
            users,
            owner_scopes,
            acl_table,
            platform: std::mem::take(&mut self.platform),
            #[cfg(feature = "rest")]
            rest: HashMap::new(),
        };
        #[cfg(feature = "rest")]
        {
            let (sources, methods) = std::mem::take(&mut self.rest).resolve()?;
            self.remote_methods.extend(methods);
            inner.rest = sources;
        }
        for (model, m) in self.remote_methods {
            match self.models.iter_mut().find(|p| p.def.name == model) {
                Some(p) => p.remote_methods.push(m),
                None => {
                    return Err(Error::internal(format!(
                        "remote method {model}.{}: unknown model",
                        m.name
                    )))
                }
            }
        }
        for o in &self.observers {
            if !self.models.iter().any(|p| p.def.name == o.model) {
                return Err(Error::internal(format!(
                    "operation hook {:?} of {}: unknown model",
                    o.hook.name(),
                    o.model
                )));
            }
        }
        for h in &self.hooks {
            if !self.models.iter().any(|p| p.def.name == h.model) {
                return Err(Error::internal(format!(
                    "remote hook {}.{}: unknown model",
                    h.model, h.pattern
                )));
            }
        }
        for pending in self.models {
            let PendingModel {
                type_id: tid,
                def,
                datasource: ds,
                remote_methods,
            } = pending;
            let ds = ds.unwrap_or_else(|| default_ds.clone());
            let datasource = self
                .datasources
                .iter()
                .position(|(n, _)| *n == ds)
                .ok_or_else(|| {
                    Error::internal(format!("model {}: unknown datasource {ds:?}", def.name))
                })?;
            let connector = self.datasources[datasource].1.clone();
            if inner.by_name.contains_key(&def.name) {
                return Err(Error::internal(format!(
                    "model {} is attached twice",
                    def.name
                )));
            }
            let idx = inner.models.len();
            if def.public {
                let path = def.rest_path().to_lowercase();
                if let Some(&other) = inner.by_path.get(&path) {
                    return Err(Error::internal(format!(
                        "models {} and {} share the REST path /{path}",
                        inner.models[other].repo.model.name, def.name
                    )));
                }
                inner.by_path.insert(path, idx);
            }
            inner.by_name.insert(def.name.clone(), idx);
            if let Some(t) = tid {
                inner.by_type.insert(t, idx);
            }
            let mut hooks = ModelHooks::default();
            for h in self.hooks.iter().filter(|h| h.model == def.name) {
                hooks.add(h.clone());
            }
            let shared = self.shared_methods.remove(&def.name).unwrap_or_default();
            let mut repo = Repository::new(def, connector);
            repo.home = Some(crate::repository::Home {
                datasource,
                peers: peers.clone(),
            });
            let mut observers = crate::observe::Observers::default();
            for o in self.observers.iter().filter(|o| o.model == def.name) {
                observers.add(o);
            }
            if !observers.is_empty() {
                repo.observers = Some(Arc::new(observers));
            }
            if def.public {
                repo.changes = Some(changes.clone());
            }
            inner.models.push(ModelEntry {
                repo,
                datasource,
                methods: method_table(def, relation_methods(def, remote_methods), &hooks, &shared)?,
                routes: Default::default(),
            });
        }
        if let Some(model) = self.shared_methods.keys().next() {
            return Err(Error::internal(format!(
                "sharedMethods for {model}: unknown model"
            )));
        }
        check_relations(&inner)?;
        users::check_acl_methods(&inner, &acl_names)?;
        resolve_shapes(&mut inner);
        let mut paths: Vec<(usize, String)> =
            inner.by_path.iter().map(|(p, &i)| (i, p.clone())).collect();
        paths.sort();
        let root = inner.config.rest_api_root.clone();
        for (i, entry) in inner.models.iter_mut().enumerate() {
            entry.routes = rest::methods::RouteIndex::new(&entry.methods);
            let path = paths.iter().find(|(j, _)| *j == i).map_or("", |(_, p)| p);
            let base = format!("{root}/{path}");
            let model = entry.repo.model.name.clone();
            for m in &mut entry.methods {
                m.matched = Some(Arc::new(rest::MatchedRoute::of(&base, &model, m)));
            }
        }
        peers.fill(
            inner
                .models
                .iter()
                .map(|m| {
                    let r = Repository {
                        home: None,
                        ..m.repo.clone()
                    };
                    (r.model.name.clone(), (m.datasource, r))
                })
                .collect(),
        );
        inner.datasources = self.datasources;
        Ok(App {
            inner: Arc::new(inner),
            tx: None,
        })
    }
}

impl AppBuilder {
    /// hasAndBelongsToMany relations bring their generated through model (`PostCategory`):
    /// attached on the source model's datasource, unless the app attaches one itself.
    fn attach_generated_through_models(&mut self) {
        let mut extra = Vec::new();
        for m in &self.models {
            for r in m.def.relations.iter().filter(|r| r.generated_through) {
                let (Some(name), Some(def)) = (&r.through, r.through_definition) else {
                    continue;
                };
                let known = self.models.iter().any(|x| x.def.name == *name)
                    || extra.iter().any(|x: &PendingModel| x.def.name == *name);
                if !known {
                    extra.push(PendingModel {
                        type_id: None,
                        def: def(),
                        datasource: m.datasource.clone(),
                        remote_methods: Vec::new(),
                    });
                }
            }
        }
        self.models.extend(extra);
    }
}

/// The relation endpoints first, then the model's own remote methods.
fn relation_methods(def: &'static ModelDefinition, own: Vec<RemoteMethod>) -> Vec<RemoteMethod> {
    let mut v = crate::relation::remote_methods(def);
    v.extend(own);
    v
}

/// Every relation's target is attached and has the keys the relation names.
fn check_relations(inner: &AppInner) -> Result<()> {
    for m in &inner.models {
        let def = m.repo.model;
        for rel in &def.relations {
            if rel.is_polymorphic_belongs_to() {
                // any model: the keys are this model's
                for key in [Some(&rel.foreign_key), rel.discriminator.as_ref()]
                    .into_iter()
                    .flatten()
                {
                    if def.property(key).is_none() {
                        return Err(Error::internal(format!(
                            "relation {}.{}: model {} has no property {key}",
                            def.name, rel.name, def.name
                        )));
                    }
                }
                continue;
            }
            let Some(&t) = inner.by_name.get(&rel.target) else {
                return Err(Error::internal(format!(
                    "relation {}.{}: model {} is not attached to the app",
                    def.name, rel.name, rel.target
                )));
            };
            let target = inner.models[t].repo.model;
            let (holder, key) = match rel.kind {
                crate::model::RelationKind::BelongsTo
                | crate::model::RelationKind::ReferencesMany => (def, &rel.foreign_key),
                _ => (target, &rel.foreign_key),
            };
            let (holder, key) = match &rel.through {
                Some(th) => {
                    let Some(&i) = inner.by_name.get(th) else {
                        return Err(Error::internal(format!(
                            "relation {}.{}: through model {th} is not attached to the app",
                            def.name, rel.name
                        )));
                    };
                    let through = inner.models[i].repo.model;
                    if through.property(&rel.key_through()).is_none() {
                        return Err(Error::internal(format!(
                            "relation {}.{}: model {th} has no property {}",
                            def.name,
                            rel.name,
                            rel.key_through()
                        )));
                    }
                    (through, key)
                }
                None => (holder, key),
            };
            if holder.property(key).is_none() {
                return Err(Error::internal(format!(
                    "relation {}.{}: model {} has no property {key}",
                    def.name, rel.name, holder.name
                )));
            }
        }
    }
    Ok(())
}

/// Each method's `returns` entries that hold model instances get that model's definition, so
/// the output stage shapes them (LoopBack applies `toJSON` to every instance it returns).
fn resolve_shapes(inner: &mut AppInner) {
    let defs: HashMap<String, &'static ModelDefinition> = inner
        .models
        .iter()
        .map(|m| (m.repo.model.name.clone(), m.repo.model))
        .collect();
    for entry in &mut inner.models {
        for m in &mut entry.methods {
            if matches!(m.kind, rest::methods::MethodKind::Remote(_)) {
                m.shapes = m
                    .returns
                    .iter()
                    .map(|r| r.model.as_deref().and_then(|n| defs.get(n).copied()))
                    .collect();
            }
        }
    }
}

/// A model's endpoints: built-in and custom, without the hidden ones, each with its hooks.
fn method_table(
    def: &ModelDefinition,
    remote: Vec<RemoteMethod>,
    hooks: &ModelHooks,
    shared: &[(String, bool)],
) -> Result<Vec<RestMethod>> {
    let mut methods = rest::methods::builtin(def);
    let builtin_count = methods.len();
    for m in remote {
        let m = RestMethod::remote(m);
        if let Some(i) = methods
            .iter()
            .position(|o| rest::methods::same_route(&m, o))
        {
            let what = if i < builtin_count {
                "the built-in method"
            } else {
                "the remote method"
            };
            return Err(Error::internal(format!(
                "remote method {}.{} ({} {:?}) has the route of {what} {}",
                def.name, m.name, m.verb, m.path, methods[i].name
            )));
        }
        methods.push(m);
    }
    methods.retain(|m| rest::methods::is_shared(m, shared));
    for m in &mut methods {
        let mine = hooks.for_method(&m.names());
        if !mine.is_empty() {
            m.hooks = Arc::new(mine);
        }
    }
    rest::methods::sort(&mut methods);
    Ok(methods)
}
