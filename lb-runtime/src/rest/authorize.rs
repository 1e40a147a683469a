//! The **authorize** stage: every method — built-in, relation, remote, a REST datasource's
//! function, the change stream — passes through it after its route is resolved and before its
//! instance is loaded, its arguments reach any hook, or it runs. An app without an
//! [`Authorizer`] allows everything (LoopBack without ACLs); access control plugs in here and
//! nowhere else.

use std::borrow::Cow;
use std::sync::Arc;

use axum::http::{HeaderMap, Method, Uri};

use super::call::Call;
use super::methods::RestMethod;
use crate::auth::AccessToken;
use crate::connector::BoxFuture;
use crate::model::ModelDefinition;
use crate::remote::AccessType;
use crate::{App, Result};

/// What is asked: who (the request) wants to do what (the method) to which model.
pub struct AccessRequest<'a> {
    /// The application.
    pub app: &'a App,
    /// The model the method belongs to.
    pub model: &'static ModelDefinition,
    /// The method's name as hooks see it (`find`, `prototype.patchAttributes`,
    /// `prototype.__get__notes`, `nearby`).
    pub method: &'a str,
    /// Its other names: `["upsert", "updateOrCreate"]`, `["prototype.updateAttributes"]`.
    pub aliases: &'a [&'static str],
    /// What the method does.
    pub access_type: AccessType,
    /// The scopes a token must hold one of (LoopBack's `accessScopes`; empty: `DEFAULT`).
    pub scopes: &'a [Cow<'static, str>],
    /// The id of the instance the call is about (its owner decides `$owner`), as sent: the
    /// `:id` of the path, else the body's `id`, else the query's (LoopBack's rule, so an
    /// upsert of an existing instance is checked against its owner).
    pub id: Option<&'a str>,
    /// The HTTP verb.
    pub verb: &'a Method,
    /// The request URI (the `access_token` query parameter).
    pub uri: &'a Uri,
    /// The request headers (`Authorization`, `X-Access-Token`, cookies).
    pub headers: &'a HeaderMap,
    /// The parsed body (`null` when there is none): its `access_token` and `id`.
    pub body: &'a serde_json::Value,
}

impl AccessRequest<'_> {
    /// The name an ACL's `property` matches (LoopBack: the method's name without
    /// `prototype.`: `patchAttributes`, `__get__notes`).
    pub fn property(&self) -> &str {
        acl_name(self.method)
    }

    /// The aliases as ACL properties (`updateAttributes`, `upsert`).
    pub fn property_aliases(&self) -> impl Iterator<Item = &str> {
        self.aliases.iter().map(|a| acl_name(a))
    }
}

fn acl_name(name: &str) -> &str {
    name.strip_prefix("prototype.").unwrap_or(name)
}

/// Decides whether a request may run a method: `Ok` allows — with the caller's valid access
/// token, if it sent one, which everything the request runs then sees
/// ([`crate::auth::current_token`]) —, an error is the answer (LoopBack: 401
/// `AUTHORIZATION_REQUIRED` without a valid token, else the model's `aclErrorStatus`).
pub trait Authorizer: Send + Sync + 'static {
    /// Allows or denies one call.
    fn authorize<'a>(
        &'a self,
        request: &'a AccessRequest<'a>,
    ) -> BoxFuture<'a, Result<Option<Arc<AccessToken>>>>;

    /// How a method is protected, for its documentation (the OpenAPI document): `None`
    /// when anyone may call it.
    fn protection(
        &self,
        app: &App,
        model: &ModelDefinition,
        method: &MethodRef<'_>,
    ) -> Option<Protection> {
        let _ = (app, model, method);
        None
    }
}

/// A method as [`Authorizer::protection`] is asked about it.
#[derive(Debug, Clone, Copy)]
pub struct MethodRef<'a> {
    /// Its name (`find`, `prototype.patchAttributes`).
    pub name: &'a str,
    /// Its other names.
    pub aliases: &'a [&'static str],
    /// What it does.
    pub access_type: AccessType,
}

/// How a method is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protection {
    /// A caller without a token may call it.
    pub anonymous: bool,
    /// The status of a denial to a caller with a valid token (401 or 403).
    pub denied_status: axum::http::StatusCode,
}

/// Runs the app's authorizer, if it has one, for `method` called by `call`: the caller's
/// token when allowed.
pub(crate) async fn authorize(
    method: &RestMethod,
    call: &Call,
) -> Result<Option<Arc<AccessToken>>> {
    let Some(authorizer) = call.app.inner.authorizer.as_deref() else {
        return Ok(None);
    };
    let id = match call.param("id") {
        Some(id) => Some(Cow::Borrowed(id)),
        None => instance_id(call),
    };
    let request = AccessRequest {
        app: &call.app,
        model: call.model(),
        method: &method.name,
        aliases: method.aliases,
        access_type: method.access_type,
        scopes: &method.access_scopes,
        id: id.as_deref(),
        verb: &call.method,
        uri: call.uri(),
        headers: &call.headers,
        body: &call.body,
    };
    authorizer.authorize(&request).await
}

/// The body's `id`, else the query's, as text.
fn instance_id(call: &Call) -> Option<Cow<'static, str>> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(Cow::Owned(s.clone())),
        serde_json::Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    };
    if let Some(id) = call.body.get("id").and_then(text) {
        return Some(id);
    }
    call.query().get("id").and_then(text)
}
