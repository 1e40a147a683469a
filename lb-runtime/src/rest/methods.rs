//! The shared-method table: LoopBack's built-in PersistedModel endpoints.

use std::borrow::Cow;
use std::collections::HashMap;

use std::sync::Arc;

use axum::http::Method;

use super::call::Call;
use super::handlers as h;
use super::outcome::Outcome;
use crate::connector::BoxFuture;
use crate::model::ModelDefinition;
use crate::remote::{Accept, AccessType, ModelHooks, RemoteMethod, Returns};
use crate::Result;

/// A built-in endpoint implementation.
pub(crate) type Handler = fn(Call) -> BoxFuture<'static, Result<Outcome>>;

/// What runs for an endpoint.
#[derive(Clone)]
pub enum MethodKind {
    /// A built-in PersistedModel method.
    Builtin(Handler),
    /// A custom method.
    Remote(Arc<RemoteMethod>),
}

/// A path below the model's base path, e.g. `/:id/exists`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePath(pub Vec<Segment>);

/// One path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A literal, matched case-insensitively (stored lowercase).
    Literal(String),
    /// A `:name` or `{name}` parameter.
    Param(String),
}

impl RoutePath {
    /// Parses `/:id/exists` or `/{id}/exists`.
    pub fn parse(path: &str) -> Self {
        RoutePath(
            path.split('/')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if let Some(p) = s.strip_prefix(':') {
                        Segment::Param(p.to_string())
                    } else if let Some(p) = s.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                        Segment::Param(p.to_string())
                    } else {
                        Segment::Literal(s.to_lowercase())
                    }
                })
                .collect(),
        )
    }

    /// Matches request segments; returns the parameter values in order.
    pub fn matches<S: AsRef<str>>(&self, segs: &[S]) -> Option<Vec<(String, String)>> {
        if segs.len() != self.0.len() {
            return None;
        }
        // literals first: a route that does not match allocates nothing
        let literals_match = self.0.iter().zip(segs).all(|(pat, s)| match pat {
            Segment::Literal(l) => l.eq_ignore_ascii_case(s.as_ref()),
            Segment::Param(_) => true,
        });
        if !literals_match {
            return None;
        }
        Some(
            self.0
                .iter()
                .zip(segs)
                .filter_map(|(pat, s)| match pat {
                    Segment::Param(n) => Some((n.clone(), s.as_ref().to_string())),
                    Segment::Literal(_) => None,
                })
                .collect(),
        )
    }

    /// Sort key: literal segments win over parameters, position by position.
    fn specificity(&self) -> Vec<u8> {
        self.0
            .iter()
            .map(|s| u8::from(matches!(s, Segment::Param(_))))
            .collect()
    }
}

/// One REST endpoint of a model.
#[derive(Clone)]
pub struct RestMethod {
    /// Method name (`find`, `prototype.patchAttributes`).
    pub name: Cow<'static, str>,
    /// Other names (ACLs, hooks and sharedMethods match them too).
    pub aliases: &'static [&'static str],
    /// HTTP verb.
    pub verb: Method,
    /// Path below the model's base path.
    pub path: RoutePath,
    /// The path as declared (`/replaceOrCreate`, `/:id/exists`), for documentation.
    pub path_text: Cow<'static, str>,
    /// Implementation.
    pub kind: MethodKind,
    /// Arguments, as LoopBack declares them (built-in) or as declared (remote).
    pub accepts: Vec<Accept>,
    /// Results.
    pub returns: Vec<Returns>,
    /// Documentation.
    pub description: Option<Cow<'static, str>>,
    /// What the method does, as access control sees it.
    pub access_type: AccessType,
    /// LoopBack's `accessScopes` (empty: `DEFAULT`).
    pub access_scopes: Vec<Cow<'static, str>>,
    /// The remote hooks that apply, resolved when the app is built.
    pub hooks: Arc<ModelHooks>,
    /// Per `returns` entry, the model whose instances it holds (resolved when the app is
    /// built): the output stage shapes those values with LoopBack's `toJSON`.
    pub shapes: Vec<Option<&'static ModelDefinition>>,
    /// The method as observability names it (set when the app is built).
    pub matched: Option<Arc<MatchedRoute>>,
}

/// The route a request matched, as logs, traces and metrics name it: recorded in the request's
/// tracing span, and handed to whoever runs the request inside [`with_matched_route`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedRoute {
    /// The route template, never the raw path (`/api/locations/{id}`): bounded cardinality.
    pub template: String,
    /// LoopBack's method name (`Location.find`, `Location.prototype.patchAttributes`).
    pub method: String,
    /// The model.
    pub model: String,
}

tokio::task_local! {
    static MATCHED: std::cell::RefCell<Option<Arc<MatchedRoute>>>;
}

/// Runs `answer` and tells which route it matched (`None`: no route of the app's routes;
/// a middleware answered, or nothing did). What the metrics middleware labels answers with.
pub async fn with_matched_route<F: std::future::Future>(
    answer: F,
) -> (F::Output, Option<Arc<MatchedRoute>>) {
    MATCHED
        .scope(std::cell::RefCell::new(None), async move {
            let out = answer.await;
            let matched = MATCHED.with(|m| m.borrow_mut().take());
            (out, matched)
        })
        .await
}

/// Records the route the request being answered matched (nothing outside
/// [`with_matched_route`]).
pub fn record_matched_route(route: &Arc<MatchedRoute>) {
    let _ = MATCHED.try_with(|m| *m.borrow_mut() = Some(route.clone()));
}

impl MatchedRoute {
    /// The route of `method` of `model`, served under `base` (`/api/locations`).
    pub(crate) fn of(base: &str, model: &str, method: &RestMethod) -> MatchedRoute {
        let path: Vec<String> = method
            .path_text
            .split('/')
            .map(|seg| match seg.strip_prefix(':') {
                Some(p) => format!("{{{p}}}"),
                None => seg.to_string(),
            })
            .collect();
        let path = path.join("/");
        MatchedRoute {
            template: format!("{base}{}", if path == "/" { "" } else { &path }),
            method: format!("{model}.{}", method.name),
            model: model.to_string(),
        }
    }
}

impl RestMethod {
    /// A custom method's endpoint (instance methods are routed under `/:id`).
    pub fn remote(mut m: RemoteMethod) -> Self {
        if !m.path.starts_with('/') {
            m.path = Cow::Owned(format!("/{}", m.path));
        }
        let path_text = if m.is_static {
            m.path.clone()
        } else {
            Cow::Owned(format!("/:id{}", m.path))
        };
        RestMethod {
            name: m.string_name(),
            aliases: &[],
            verb: m.verb.clone(),
            path: RoutePath::parse(&path_text),
            path_text,
            accepts: m.accepts.clone(),
            returns: m.returns.clone(),
            description: m.description.clone(),
            access_type: m.effective_access_type(),
            access_scopes: m.access_scopes.clone(),
            kind: MethodKind::Remote(Arc::new(m)),
            hooks: Arc::default(),
            shapes: Vec::new(),
            matched: None,
        }
    }

    /// The name and aliases (what hooks, ACLs and `sharedMethods` match).
    pub fn names(&self) -> Vec<&str> {
        let mut v = vec![self.name.as_ref()];
        v.extend(self.aliases.iter().copied());
        v
    }
}

impl std::fmt::Debug for RestMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?} {}", self.verb, self.path, self.name)
    }
}

fn m(
    name: &'static str,
    aliases: &'static [&'static str],
    verb: Method,
    path: &'static str,
    handler: Handler,
) -> RestMethod {
    let spec = super::builtin_spec::spec(name);
    let (accepts, returns, description) = match spec {
        Some(s) => (s.accepts, s.returns, Some(Cow::Borrowed(s.description))),
        None => (Vec::new(), Vec::new(), None),
    };
    RestMethod {
        name: Cow::Borrowed(name),
        aliases,
        verb,
        path: RoutePath::parse(path),
        path_text: Cow::Borrowed(path),
        kind: MethodKind::Builtin(handler),
        accepts,
        returns,
        description,
        access_type: builtin_access_type(name),
        access_scopes: Vec::new(),
        hooks: Arc::default(),
        shapes: Vec::new(),
        matched: None,
    }
}

/// LoopBack's access types of the built-in methods: the reads READ, every write WRITE.
fn builtin_access_type(name: &str) -> AccessType {
    match name {
        "find" | "findById" | "findOne" | "count" | "exists" | "createChangeStream" => {
            AccessType::Read
        }
        _ => AccessType::Write,
    }
}

/// The implementation of a built-in route.
fn handler(name: &str, verb: &Method) -> Handler {
    match name {
        "create" => h::create,
        "replaceOrCreate" => h::replace_or_create,
        "upsertWithWhere" => h::upsert_with_where,
        "exists" if *verb == Method::HEAD => h::head_exists,
        "exists" => h::exists,
        "findById" => h::find_by_id,
        "replaceById" => h::replace_by_id,
        "find" => h::find,
        "findOne" => h::find_one,
        "count" => h::count,
        "createChangeStream" => super::change_stream::change_stream,
        "updateAll" => h::update_all,
        "deleteById" => h::delete_by_id,
        "prototype.patchAttributes" => h::patch_attributes,
        "patchOrCreate" => h::patch_or_create,
        other => unreachable!("lb_core::builtin::ROUTES names {other}, which has no handler"),
    }
}

/// The built-in endpoints of a PersistedModel (spec §2, `lb_core::builtin::ROUTES`), sorted
/// for matching.
pub(crate) fn builtin(def: &ModelDefinition) -> Vec<RestMethod> {
    let mut v: Vec<RestMethod> = lb_core::builtin::ROUTES
        .iter()
        .filter(|r| r.exists(def.replace_on_put))
        .map(|r| {
            let verb = Method::from_bytes(r.verb.as_bytes()).expect("a standard verb");
            let handler = handler(r.name, &verb);
            m(r.name, r.aliases, verb, r.path, handler)
        })
        .collect();
    // a string id is the path text itself ("0111" stays "0111"), as `Call::id` reads it
    if def.id().data_type == crate::model::DataType::String {
        for a in v.iter_mut().flat_map(|m| m.accepts.iter_mut()) {
            if a.arg == "id" {
                a.ty = crate::remote::ArgType::String;
            }
        }
    }
    sort(&mut v);
    v
}

/// A model's routes by verb and number of path segments, each list in matching order (literal
/// segments before parameters, as [`sort`] leaves the table): a request compares itself with
/// the few routes of its own shape, never the whole table. Found by two indexes, no hashing.
#[derive(Debug, Default)]
pub(crate) struct RouteIndex {
    /// `[verb slot][segment count]` → positions in the method table.
    standard: Vec<Vec<Vec<usize>>>,
    /// Routes of other verbs (custom methods may declare any).
    other: HashMap<(Method, usize), Vec<usize>>,
}

/// The slot of a standard verb in [`RouteIndex`].
fn verb_slot(verb: &Method) -> Option<usize> {
    Some(match *verb {
        Method::GET => 0,
        Method::HEAD => 1,
        Method::POST => 2,
        Method::PUT => 3,
        Method::PATCH => 4,
        Method::DELETE => 5,
        Method::OPTIONS => 6,
        _ => return None,
    })
}

impl RouteIndex {
    /// The index of a sorted method table.
    pub(crate) fn new(methods: &[RestMethod]) -> Self {
        let mut index = RouteIndex {
            standard: vec![Vec::new(); 7],
            other: HashMap::new(),
        };
        for (i, m) in methods.iter().enumerate() {
            let n = m.path.0.len();
            match verb_slot(&m.verb) {
                Some(v) => {
                    let by_len = &mut index.standard[v];
                    if by_len.len() <= n {
                        by_len.resize(n + 1, Vec::new());
                    }
                    by_len[n].push(i);
                }
                None => index.other.entry((m.verb.clone(), n)).or_default().push(i),
            }
        }
        index
    }

    fn routes(&self, verb: &Method, n: usize) -> Option<&[usize]> {
        match verb_slot(verb) {
            Some(v) => self.standard.get(v)?.get(n).map(Vec::as_slice),
            None => self.other.get(&(verb.clone(), n)).map(Vec::as_slice),
        }
    }

    /// The first route of `methods` that answers `verb` on `segs`, with its path parameters.
    pub(crate) fn find<'m, S: AsRef<str>>(
        &self,
        methods: &'m [RestMethod],
        verb: &Method,
        segs: &[S],
    ) -> Option<(&'m RestMethod, Vec<(String, String)>)> {
        self.routes(verb, segs.len())?
            .iter()
            .find_map(|&i| methods[i].path.matches(segs).map(|p| (&methods[i], p)))
    }
}

/// Whether `other` would answer the same requests as `m` (same verb, same segments with any
/// parameter names).
pub(crate) fn same_route(m: &RestMethod, other: &RestMethod) -> bool {
    m.verb == other.verb
        && m.path.0.len() == other.path.0.len()
        && m.path
            .0
            .iter()
            .zip(&other.path.0)
            .all(|(a, b)| match (a, b) {
                (Segment::Literal(x), Segment::Literal(y)) => x == y,
                (Segment::Param(_), Segment::Param(_)) => true,
                _ => false,
            })
}

/// LoopBack's `sharedMethods` setting: the entry naming the method (or an alias) wins, then
/// `"*"`; exposed when neither is given.
pub(crate) fn is_shared(m: &RestMethod, settings: &[(String, bool)]) -> bool {
    let names = m.names();
    settings
        .iter()
        .rev()
        .find(|(k, _)| names.contains(&k.as_str()))
        .or_else(|| settings.iter().rev().find(|(k, _)| k == "*"))
        .is_none_or(|(_, on)| *on)
}

/// Orders a table so that literal segments are tried before parameters.
pub(crate) fn sort(methods: &mut [RestMethod]) {
    methods.sort_by_key(|m| m.path.specificity());
}
