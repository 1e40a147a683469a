//! `Call`: one REST invocation, with LoopBack's argument lookup and coercion.

use std::sync::OnceLock;

use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Map, Value};

use super::qs;
use crate::model::ModelDefinition;
use crate::repository::Repository;
use crate::App;

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
    /// The request's extensions (what a middleware put there).
    pub extensions: axum::http::Extensions,
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
            extensions: axum::http::Extensions::new(),
            uri,
            query: OnceLock::new(),
            body_is_json: false,
            overrides: None,
        }
    }

    /// The request's extensions.
    pub(crate) fn with_extensions(mut self, extensions: axum::http::Extensions) -> Self {
        self.extensions = extensions;
        self
    }

    /// Marks the body as sent in JSON.
    pub(crate) fn json_body(mut self, on: bool) -> Self {
        self.body_is_json = on;
        self
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

    /// Makes `args` (as before hooks left them) the arguments of the call.
    pub fn set_args(&mut self, args: Map<String, Value>) {
        self.overrides = Some(args);
    }

    /// An argument as the before hooks left it.
    pub(crate) fn overridden(&self, name: &str) -> Option<Value> {
        self.overrides.as_ref().and_then(|o| o.get(name)).cloned()
    }

    /// An argument as the before hooks left it, moved out of the call.
    pub(crate) fn take_overridden(&mut self, name: &str) -> Option<Value> {
        self.overrides.as_mut().and_then(|o| o.shift_remove(name))
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
