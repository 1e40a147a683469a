//! What a remote method declares: LoopBack's `accepts`, `returns` and `http` metadata, plus the
//! function that runs it. `#[remote_method]` builds these at compile time; code can build them
//! by hand with the same builders.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::Value;

use super::Invocation;
use crate::connector::BoxFuture;
use crate::Result;

pub use lb_core::ArgType;

/// What a method does, as LoopBack's ACLs see it (`accessType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessType {
    /// Reads data (find, findById, count, exists, relation reads, change streams).
    Read,
    /// Changes data (create, update, delete, relation writes).
    Write,
    /// Anything else (custom methods that are not GET/HEAD).
    Execute,
    /// Replication.
    Replicate,
}

impl AccessType {
    /// LoopBack's spelling: `READ`, `WRITE`, `EXECUTE`, `REPLICATE`.
    pub fn name(self) -> &'static str {
        match self {
            AccessType::Read => "READ",
            AccessType::Write => "WRITE",
            AccessType::Execute => "EXECUTE",
            AccessType::Replicate => "REPLICATE",
        }
    }

    /// Parses LoopBack's spelling (case-insensitive); `None` if unknown.
    pub fn parse(s: &str) -> Option<AccessType> {
        Some(match s.to_ascii_uppercase().as_str() {
            "READ" => AccessType::Read,
            "WRITE" => AccessType::Write,
            "EXECUTE" => AccessType::Execute,
            "REPLICATE" => AccessType::Replicate,
            _ => return None,
        })
    }

    /// LoopBack's default for a method that declares none: GET and HEAD read, anything else
    /// executes.
    pub fn default_for(verb: &Method) -> AccessType {
        if verb == Method::GET || verb == Method::HEAD {
            AccessType::Read
        } else {
            AccessType::Execute
        }
    }
}

impl fmt::Display for AccessType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an argument comes from (`accepts[].http.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Not declared: path parameter, then body property, then query, then header.
    Auto,
    /// A path parameter (`/:name` or `/{name}`).
    Path,
    /// The query string.
    Query,
    /// A request header of that name.
    Header,
    /// The whole request body.
    Body,
    /// A property of the request body (`form` / `formData`).
    Form,
    /// The request itself (headers, verb, path, query): [`super::HttpContext`].
    Req,
    /// The remoting context: [`super::HttpContext`] too.
    Context,
}

impl Source {
    /// Parses LoopBack's spelling; `None` if unknown.
    pub fn parse(s: &str) -> Option<Source> {
        Some(match s {
            "path" => Source::Path,
            "query" => Source::Query,
            "header" => Source::Header,
            "body" => Source::Body,
            "form" | "formData" => Source::Form,
            "req" => Source::Req,
            "context" => Source::Context,
            _ => return None,
        })
    }

    /// The spelling in LoopBack's metadata (`None` for [`Source::Auto`]).
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Source::Auto => return None,
            Source::Path => "path",
            Source::Query => "query",
            Source::Header => "header",
            Source::Body => "body",
            Source::Form => "form",
            Source::Req => "req",
            Source::Context => "context",
        })
    }

    /// Whether the value is computed from the request rather than read from it.
    pub fn is_request(self) -> bool {
        matches!(self, Source::Req | Source::Context)
    }
}

/// One `accepts` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Accept {
    /// Argument name.
    pub arg: Cow<'static, str>,
    /// Declared type (values are coerced to it).
    pub ty: ArgType,
    /// `undefined`, `null` and `""` answer 400 `<arg> is a required argument`.
    pub required: bool,
    /// Where the value is read.
    pub source: Source,
    /// Used when the argument is absent (LoopBack 3 ignores it; lb applies it).
    pub default: Option<Value>,
    /// Documentation.
    pub description: Option<Cow<'static, str>>,
    /// The model the value is an instance of (or a list of), for documentation.
    pub model: Option<Cow<'static, str>>,
    /// An array of values of the declared type is accepted too (LoopBack's `allowArray`):
    /// each element is coerced on its own.
    pub allow_array: bool,
}

impl Accept {
    /// An optional argument from the default sources.
    pub fn new(arg: impl Into<Cow<'static, str>>, ty: ArgType) -> Self {
        Accept {
            arg: arg.into(),
            ty,
            required: false,
            source: Source::Auto,
            default: None,
            description: None,
            model: None,
            allow_array: false,
        }
    }

    /// Documents the value as an instance (or list) of `model`.
    pub fn model(mut self, model: Option<&'static str>) -> Self {
        self.model = model.map(Cow::Borrowed);
        self
    }

    /// Accepts an array of values of the declared type too (LoopBack's `allowArray`).
    pub fn allow_array(mut self) -> Self {
        self.allow_array = true;
        self
    }

    /// Makes the argument required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets the source.
    pub fn source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    /// Sets the default value.
    pub fn default_value(mut self, v: Value) -> Self {
        self.default = Some(v);
        self
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(d.into());
        self
    }
}

/// One `returns` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Returns {
    /// Key in the response object (unless `root`).
    pub arg: Cow<'static, str>,
    /// Declared type.
    pub ty: ArgType,
    /// The value is the whole response body.
    pub root: bool,
    /// Documentation.
    pub description: Option<Cow<'static, str>>,
    /// The model the value is an instance of (or a list of), for documentation.
    pub model: Option<Cow<'static, str>>,
    /// The value may be `null` (an `Option` result, a belongsTo without its target).
    pub nullable: bool,
}

impl Returns {
    /// A value sent as `{"<arg>": value}`.
    pub fn arg(arg: impl Into<Cow<'static, str>>, ty: ArgType) -> Self {
        Returns {
            arg: arg.into(),
            ty,
            root: false,
            description: None,
            model: None,
            nullable: false,
        }
    }

    /// Documents that the value may be `null`.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Documents the value as an instance (or list) of `model`.
    pub fn model(mut self, model: Option<&'static str>) -> Self {
        self.model = model.map(Cow::Borrowed);
        self
    }

    /// A value sent as the whole body.
    pub fn root(arg: impl Into<Cow<'static, str>>, ty: ArgType) -> Self {
        Returns {
            root: true,
            ..Returns::arg(arg, ty)
        }
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(d.into());
        self
    }
}

/// The implementation: gets the coerced arguments, answers one value per `returns` entry.
pub type Invoke = Arc<dyn Fn(Invocation) -> BoxFuture<'static, Result<Vec<Value>>> + Send + Sync>;

/// A custom endpoint of a model (`Model.remoteMethod(name, {...})`).
#[derive(Clone)]
pub struct RemoteMethod {
    /// Method name without `prototype.` (`nearby`).
    pub name: Cow<'static, str>,
    /// `false` for instance methods (`prototype.<name>`, routed under `/:id`).
    pub is_static: bool,
    /// Documentation.
    pub description: Option<Cow<'static, str>>,
    /// HTTP verb (LoopBack's default: POST).
    pub verb: Method,
    /// Path below the model's path (below `/:id` for instance methods); default `/<name>`.
    pub path: Cow<'static, str>,
    /// Status on success (default 200; 204 when nothing is returned).
    pub status: Option<StatusCode>,
    /// Status of errors that carry none of their own (500s).
    pub error_status: Option<StatusCode>,
    /// Arguments.
    pub accepts: Vec<Accept>,
    /// Results.
    pub returns: Vec<Returns>,
    /// The access type ACLs see; `None`: LoopBack's default ([`AccessType::default_for`]).
    pub access_type: Option<AccessType>,
    /// LoopBack's `accessScopes`: a token must hold one of them (none: `DEFAULT`, which a
    /// token without scopes holds).
    pub access_scopes: Vec<Cow<'static, str>>,
    /// Error answers it may give beyond those of every method, for its documentation.
    pub errors: Vec<(StatusCode, Cow<'static, str>)>,
    /// The implementation.
    pub invoke: Invoke,
}

impl fmt::Debug for RemoteMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteMethod")
            .field("name", &self.string_name())
            .field("verb", &self.verb)
            .field("path", &self.path)
            .field("accepts", &self.accepts)
            .field("returns", &self.returns)
            .finish_non_exhaustive()
    }
}

impl RemoteMethod {
    /// A static method `POST /<name>` with no arguments, no results and the given
    /// implementation; refine it with the builder methods.
    pub fn new<F, Fut>(name: impl Into<Cow<'static, str>>, f: F) -> Self
    where
        F: Fn(Invocation) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<Vec<Value>>> + Send + 'static,
    {
        let name = name.into();
        RemoteMethod {
            path: Cow::Owned(format!("/{name}")),
            name,
            is_static: true,
            description: None,
            verb: Method::POST,
            status: None,
            error_status: None,
            accepts: Vec::new(),
            returns: Vec::new(),
            access_type: None,
            access_scopes: Vec::new(),
            errors: Vec::new(),
            invoke: Arc::new(move |inv| Box::pin(f(inv))),
        }
    }

    /// The method name as hooks, ACLs and `sharedMethods` see it (`prototype.greet`).
    pub fn string_name(&self) -> Cow<'static, str> {
        if self.is_static {
            self.name.clone()
        } else {
            Cow::Owned(format!("prototype.{}", self.name))
        }
    }

    /// Sets verb and path.
    pub fn http(mut self, verb: Method, path: impl Into<Cow<'static, str>>) -> Self {
        self.verb = verb;
        self.path = path.into();
        self
    }

    /// Makes it an instance method (`prototype.<name>`).
    pub fn instance(mut self) -> Self {
        self.is_static = false;
        self
    }

    /// Adds an argument.
    pub fn accepts(mut self, a: Accept) -> Self {
        self.accepts.push(a);
        self
    }

    /// Adds a result.
    pub fn returns(mut self, r: Returns) -> Self {
        self.returns.push(r);
        self
    }

    /// Sets the access type ACLs see (LoopBack's `accessType`).
    pub fn access_type(mut self, t: AccessType) -> Self {
        self.access_type = Some(t);
        self
    }

    /// Documents an error answer it may give (`404`, "no such user").
    pub fn error(mut self, status: StatusCode, description: impl Into<Cow<'static, str>>) -> Self {
        self.errors.push((status, description.into()));
        self
    }

    /// Sets LoopBack's `accessScopes`: only tokens holding one of these may call it.
    pub fn access_scopes(mut self, scopes: &[&'static str]) -> Self {
        self.access_scopes = scopes.iter().map(|s| Cow::Borrowed(*s)).collect();
        self
    }

    /// The access type: the declared one, else LoopBack's default for the verb.
    pub fn effective_access_type(&self) -> AccessType {
        self.access_type
            .unwrap_or_else(|| AccessType::default_for(&self.verb))
    }

    /// Sets the success status.
    pub fn status(mut self, s: StatusCode) -> Self {
        self.status = Some(s);
        self
    }

    /// Sets the status of errors without their own.
    pub fn error_status(mut self, s: StatusCode) -> Self {
        self.error_status = Some(s);
        self
    }

    /// Sets the description.
    pub fn description(mut self, d: impl Into<Cow<'static, str>>) -> Self {
        self.description = Some(d.into());
        self
    }
}
