//! `Call`: one REST invocation, with LoopBack's argument lookup and coercion.

use std::sync::OnceLock;

use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Map, Value};

use super::qs;
use crate::filter::{self, Filter, ParseOptions, Where};
use crate::model::ModelDefinition;
use crate::repository::Repository;
use crate::{App, Error, Result};

/// Everything a handler needs about the request.
pub struct Call {
    /// The application.
    pub app: App,
    pub(crate) model_index: usize,
    /// Path parameters in route order (`id`, ...), percent-decoded.
    pub params: Vec<(String, String)>,
    /// HTTP verb.
    pub method: Method,
    /// Request headers.
    pub headers: HeaderMap,
    /// Parsed body: JSON, a urlencoded object, or `null` (empty or not parsed).
    pub body: Value,
    uri: Uri,
    query: OnceLock<Map<String, Value>>,
    body_is_json: bool,
    /// Arguments as remote hooks left them (consulted before the request).
    overrides: Option<Map<String, Value>>,
}

impl Call {
    pub(crate) fn new(
        app: App,
        model_index: usize,
        params: Vec<(String, String)>,
        method: Method,
        headers: HeaderMap,
        body: Value,
        uri: Uri,
    ) -> Self {
        Call {
            app,
            model_index,
            params,
            method,
            headers,
            body,
            uri,
            query: OnceLock::new(),
            body_is_json: false,
            overrides: None,
        }
    }

    /// Marks the body as sent in JSON.
    pub(crate) fn json_body(mut self, on: bool) -> Self {
        self.body_is_json = on;
        self
    }

    /// Takes the parsed body out of the call (no copy); `data` as hooks left it.
    pub fn take_body(&mut self) -> Value {
        if let Some(v) = self.overrides.as_mut().and_then(|o| o.shift_remove("data")) {
            return v;
        }
        std::mem::take(&mut self.body)
    }

    /// Whether the body was sent as JSON (its values are coerced strictly).
    pub fn body_is_json(&self) -> bool {
        self.body_is_json
    }

    /// The request as remote methods and hooks see it.
    pub fn http_context(&self) -> crate::remote::HttpContext {
        crate::remote::HttpContext {
            method: self.method.clone(),
            uri: self.uri.clone(),
            headers: self.headers.clone(),
            params: self.params.clone(),
        }
    }

    /// The arguments of a built-in method as remote hooks see them: each declared argument
    /// the request has, read from its declared source, objects parsed (`filter`, `where`).
    pub fn builtin_args(&self, accepts: &[crate::remote::Accept]) -> Result<Map<String, Value>> {
        use crate::remote::Source;
        let mut args = Map::new();
        for a in accepts {
            let name = a.arg.as_ref();
            let value = match (name, a.source) {
                ("id", _) => self.param("id").map(|_| self.id()),
                (_, Source::Body) => (!self.body.is_null()).then(|| self.body.clone()),
                (_, Source::Query) => Self::object_arg(self.query_arg(name))?,
                _ => Self::object_arg(self.arg(name))?,
            };
            if let Some(v) = value {
                args.insert(name.to_string(), v);
            }
        }
        Ok(args)
    }

    /// Makes `args` (as before hooks left them) the arguments of the call.
    pub fn set_args(&mut self, args: Map<String, Value>) {
        self.overrides = Some(args);
    }

    fn overridden(&self, name: &str) -> Option<Value> {
        self.overrides.as_ref().and_then(|o| o.get(name)).cloned()
    }

    /// The model's repository.
    pub fn repo(&self) -> &Repository {
        &self.app.inner.models[self.model_index].repo
    }

    /// The model's definition.
    pub fn model(&self) -> &'static ModelDefinition {
        self.repo().model
    }

    /// Development-mode errors?
    pub fn debug(&self) -> bool {
        self.app.inner.config.debug
    }

    /// A path parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The request URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The query string, parsed with qs rules.
    pub fn query(&self) -> &Map<String, Value> {
        self.query
            .get_or_init(|| self.uri.query().map(qs::parse).unwrap_or_default())
    }

    /// An argument with no declared source: path, then body property, then query, then header
    /// (strong-remoting's lookup order).
    pub fn arg(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.overridden(name) {
            return Some(v);
        }
        if let Some(p) = self.param(name) {
            return Some(Value::String(p.to_string()));
        }
        if let Some(v) = self.body.as_object().and_then(|o| o.get(name)) {
            return Some(v.clone());
        }
        if let Some(v) = self.query().get(name) {
            return Some(v.clone());
        }
        self.headers
            .get(name)
            .and_then(|h| h.to_str().ok())
            .map(|s| Value::String(s.to_string()))
    }

    /// A query-only argument.
    pub fn query_arg(&self, name: &str) -> Option<Value> {
        self.overridden(name)
            .or_else(|| self.query().get(name).cloned())
    }

    /// An `object`-typed argument with strong-remoting's coercion: `{...}` strings are parsed
    /// as JSON, `""` is absent, `"null"` is null, anything else not an object is a 400.
    pub fn object_arg(value: Option<Value>) -> Result<Option<Value>> {
        match value {
            None => Ok(None),
            Some(Value::String(s)) => {
                let t = s.trim();
                if t.is_empty() {
                    Ok(None)
                } else if t == "null" {
                    Ok(Some(Value::Null))
                } else if t.starts_with('{') && t.ends_with('}') {
                    serde_json::from_str::<Value>(t)
                        .map(Some)
                        .map_err(|_| Error::bad_request("Cannot parse JSON-encoded object value."))
                } else {
                    Err(Error::bad_request("Value is not an object."))
                }
            }
            Some(v @ (Value::Object(_) | Value::Null)) => Ok(Some(v)),
            Some(_) => Err(Error::bad_request("Value is not an object.")),
        }
    }

    /// The `filter` argument, parsed and validated.
    pub fn filter(&self) -> Result<Filter> {
        match Self::object_arg(self.arg("filter"))? {
            None => Ok(Filter::default()),
            Some(v) => filter::parse_filter(self.model(), &v, ParseOptions::rest()),
        }
    }

    /// The `where` argument: from anywhere (count) or from the query only (`query_only`).
    pub fn where_arg(&self, query_only: bool) -> Result<Option<Option<Where>>> {
        let raw = if query_only {
            self.query_arg("where")
        } else {
            self.arg("where")
        };
        match Self::object_arg(raw)? {
            None => Ok(None),
            Some(v) => Ok(Some(filter::parse_where(
                self.model(),
                &v,
                ParseOptions::rest(),
            )?)),
        }
    }

    /// The raw `:id` path text.
    pub fn id_text(&self) -> &str {
        self.param("id").unwrap_or("")
    }

    /// The `:id` argument with strong-remoting's `any` coercion (numeric strings become
    /// numbers); the repository then coerces it to the id property's type.
    pub fn id(&self) -> Value {
        if let Some(v) = self.overridden("id") {
            return v;
        }
        match self.model().id().data_type {
            // a string id is the path text itself ("0111" stays "0111")
            crate::model::DataType::String => Value::String(self.id_text().to_string()),
            _ => crate::remote::coerce::any_string(self.id_text().to_string()),
        }
    }
}
