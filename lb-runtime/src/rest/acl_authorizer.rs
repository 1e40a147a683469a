//! The authorize stage run by LoopBack 3's ACLs: the caller's access token (read as LoopBack's
//! token middleware reads it, looked up in the app's `AccessToken` rows or another
//! [`TokenStore`]), the roles it has (`$everyone`, `$authenticated` / `$unauthenticated`,
//! `$owner` of the instance, roles of Rust resolvers), the ACLs of the model resolved by
//! [`crate::acl`] — its own entries and those the app holds (`model-config.json`'s `acls`). A
//! denial is 401 `AUTHORIZATION_REQUIRED` without a valid token, else the
//! model's `aclErrorStatus` (or the app's; 401 by default, 403 `ACCESS_DENIED`).

use std::collections::HashMap;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::acl_decisions::{Decisions, Shape};
use super::authorize::{AccessRequest, Authorizer, MethodRef, Protection};
use crate::acl::{
    effective, resolve, roles, static_acls, Acl, AclRequest, Permission, PrincipalType,
};
use crate::auth::{token_id, AccessToken, RowTokenStore, TokenSources, TokenStore};
use crate::connector::BoxFuture;
use crate::filter::{parse_where, Filter, ParseOptions};
use crate::model::{ModelDefinition, RelationKind};
use crate::value::js;
use crate::{App, Error, Result};

/// What a role resolver is asked: is the caller of this method in the role?
pub struct RoleContext<'a> {
    /// The application.
    pub app: &'a App,
    /// The model of the method.
    pub model: &'static ModelDefinition,
    /// The `:id` of an instance method, as sent.
    pub id: Option<&'a str>,
    /// The caller's valid token, if any.
    pub token: Option<&'a AccessToken>,
}

/// A role decided in Rust (LoopBack's `Role.registerResolver`).
pub type RoleResolver =
    Arc<dyn for<'a> Fn(&'a RoleContext<'a>) -> BoxFuture<'a, Result<bool>> + Send + Sync>;

/// Where tokens are looked up.
#[derive(Clone)]
enum Tokens {
    /// The app's: its user model's store, else the rows of its `AccessToken` model.
    App,
    /// The rows of a model of the app.
    Model(String),
    /// A store of the app's choosing.
    Store(Arc<dyn TokenStore>),
}

/// An [`Authorizer`] that runs LoopBack 3's ACLs (see the module docs).
#[derive(Clone)]
pub struct AclAuthorizer {
    tokens: Tokens,
    sources: TokenSources,
    acls: Map<String, Vec<Acl>>,
    error_status: Map<String, StatusCode>,
    default_error_status: Option<StatusCode>,
    resolvers: Map<String, RoleResolver>,
    user_model: Option<String>,
    owner_relations: Map<String, Vec<String>>,
    allow_eternal_tokens: bool,
    decisions: Decisions,
}

impl Default for AclAuthorizer {
    fn default() -> AclAuthorizer {
        AclAuthorizer::new()
    }
}

impl AclAuthorizer {
    /// Tokens where the app keeps them (its user model's token store, else its
    /// `AccessToken` rows), no ACLs yet (everything allowed).
    pub fn new() -> AclAuthorizer {
        AclAuthorizer {
            tokens: Tokens::App,
            sources: TokenSources::default(),
            acls: Map::default(),
            error_status: Map::default(),
            default_error_status: None,
            resolvers: Map::default(),
            user_model: None,
            owner_relations: Map::default(),
            allow_eternal_tokens: false,
            decisions: Decisions::default(),
        }
    }

    /// Tokens from another model of the app.
    pub fn token_model(mut self, model: &str) -> Self {
        self.tokens = Tokens::Model(model.to_string());
        self
    }

    /// Tokens from a store of your own.
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.tokens = Tokens::Store(Arc::new(store));
        self
    }

    /// Where tokens are read from in a request.
    pub fn token_sources(mut self, sources: TokenSources) -> Self {
        self.sources = sources;
        self
    }

    /// Adds ACL entries of `model`.
    pub fn acls(mut self, model: &str, acls: impl IntoIterator<Item = Acl>) -> Self {
        self.acls.entry(model.to_string()).or_default().extend(acls);
        self
    }

    /// Adds ACL entries of `model` in LoopBack's JSON (a model JSON's `acls` array).
    pub fn acls_json(self, model: &str, acls: &Value) -> Result<Self> {
        let list = acls
            .as_array()
            .ok_or_else(|| Error::internal(format!("acls of {model}: an array, not {acls}")))?;
        let parsed = list
            .iter()
            .map(|a| Acl::from_json(model, a))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.acls(model, parsed))
    }

    /// The status of a denial to a caller with a valid token on `model` (its
    /// `aclErrorStatus`: 401 or 403).
    pub fn acl_error_status(mut self, model: &str, status: StatusCode) -> Self {
        self.error_status.insert(model.to_string(), status);
        self
    }

    /// The status of a denial on models without their own: the app's `aclErrorStatus`
    /// ([`AppBuilder::acl_error_status`](crate::AppBuilder::acl_error_status), 401 unless set)
    /// when not set here.
    pub fn default_acl_error_status(mut self, status: StatusCode) -> Self {
        self.default_error_status = Some(status);
        self
    }

    /// A role decided by `resolver` (a named role in an ACL, or LoopBack's built-ins
    /// overridden).
    pub fn role<F>(mut self, name: &str, resolver: F) -> Self
    where
        F: for<'a> Fn(&'a RoleContext<'a>) -> BoxFuture<'a, Result<bool>> + Send + Sync + 'static,
    {
        self.resolvers.insert(name.to_string(), Arc::new(resolver));
        self
    }

    /// The user model: instances of it are their own `$owner`, and a belongsTo to it names an
    /// instance's owner.
    pub fn user_model(mut self, model: &str) -> Self {
        self.user_model = Some(model.to_string());
        self
    }

    /// LoopBack's `ownerRelations` model setting: `$owner` of a `model` instance is the user
    /// of any of these belongsTo relations to the user model (all of them when `relations` is
    /// empty, LoopBack's `true`), instead of LoopBack's legacy rule (`userId`, else `owner`,
    /// else the first belongsTo to the user model).
    pub fn owner_relations(mut self, model: &str, relations: &[&str]) -> Self {
        self.owner_relations.insert(
            model.to_string(),
            relations.iter().map(|r| r.to_string()).collect(),
        );
        self
    }

    /// Accept tokens with `ttl` -1 (LoopBack's `allowEternalTokens`).
    pub fn allow_eternal_tokens(mut self, allow: bool) -> Self {
        self.allow_eternal_tokens = allow;
        self
    }

    /// The caller's valid token: an unknown one is anonymous, an expired one is deleted and
    /// anonymous.
    async fn token(&self, request: &AccessRequest<'_>) -> Result<Option<Arc<AccessToken>>> {
        let Some(id) = token_id(
            request.uri,
            request.headers,
            Some(request.body),
            &self.sources,
        ) else {
            return Ok(None);
        };
        let users = request.app.inner.users.as_ref();
        let model = match &self.tokens {
            Tokens::Model(m) => m.as_str(),
            _ => "AccessToken",
        };
        let rows = || {
            request
                .app
                .repository(model)
                .map(|repo| RowTokenStore::new(repo.into_owned()))
        };
        let token = match (&self.tokens, users) {
            (Tokens::Store(s), _) => s.find(&id).await?.map(Arc::new),
            (Tokens::App, Some(users)) => users.find_token(&id).await?,
            (Tokens::App, None) | (Tokens::Model(_), _) => match rows() {
                Some(store) => store.find(&id).await?.map(Arc::new),
                None => None,
            },
        };
        let Some(token) = token else {
            return Ok(None);
        };
        if token.is_valid_now(self.allow_eternal_tokens) {
            return Ok(Some(token));
        }
        // expired: deleted where it was found
        match (&self.tokens, users) {
            (Tokens::Store(s), _) => s.delete(&token.id).await?,
            (Tokens::App, Some(users)) => users.tokens()?.delete(&token.id).await?,
            _ => {
                if let Some(store) = rows() {
                    store.delete(&token.id).await?;
                }
            }
        }
        Ok(None)
    }

    /// Whether the caller owns the instance `id` of the request's model.
    async fn owns(&self, request: &AccessRequest<'_>, token: &AccessToken) -> Result<bool> {
        let Some(id) = request.id else {
            return Ok(false);
        };
        let user = text(&token.user_id);
        let user_model = self.user_model.as_deref().or(request
            .app
            .inner
            .users
            .as_ref()
            .map(|u| u.model.as_str()));
        if user_model == Some(request.model.name.as_str()) {
            return Ok(id == user);
        }
        let Some(repo) = request.app.repository(&request.model.name) else {
            return Ok(false);
        };
        let Some(row) = repo
            .find_by_id(&Value::String(id.to_string()), None)
            .await?
        else {
            return Ok(false);
        };
        let owner_of = |key: &str| row.get(key).is_some_and(|v| text(&v) == user);
        let mut to_user =
            request.model.relations.iter().filter(|r| {
                r.kind == RelationKind::BelongsTo && user_model == Some(r.target.as_str())
            });
        if let Some(listed) = self.owner_relations.get(&request.model.name) {
            // LoopBack's ownerRelations: any listed relation (or any at all) names the owner
            return Ok(to_user.any(|r| {
                (listed.is_empty() || listed.contains(&r.name)) && owner_of(&r.foreign_key)
            }));
        }
        // LoopBack's legacy rule: `userId`, else `owner`, else the first belongsTo to the
        // user model
        let set = |key: &str| row.get(key).filter(|v| js::truthy(v)).map(|v| text(&v));
        if let Some(owner) = set("userId").or_else(|| set("owner")) {
            return Ok(owner == user);
        }
        Ok(to_user.next().is_some_and(|r| owner_of(&r.foreign_key)))
    }

    /// A role decided without any lookup: `$everyone`, `$authenticated`,
    /// `$unauthenticated`, and every other role of an anonymous caller (unless a resolver
    /// decides it).
    fn known_role(&self, role: &str, token: Option<&AccessToken>) -> Option<bool> {
        if self.resolvers.contains_key(role) {
            return None;
        }
        match role {
            roles::EVERYONE => Some(true),
            roles::AUTHENTICATED => Some(token.is_some()),
            roles::UNAUTHENTICATED => Some(token.is_none()),
            roles::RELATED => Some(false),
            _ if token.is_none() => Some(false),
            _ => None,
        }
    }

    async fn in_role(
        &self,
        role: &str,
        request: &AccessRequest<'_>,
        token: Option<&AccessToken>,
    ) -> Result<bool> {
        if let Some(resolver) = self.resolvers.get(role) {
            let ctx = RoleContext {
                app: request.app,
                model: request.model,
                id: request.id,
                token,
            };
            return resolver(&ctx).await;
        }
        Ok(match role {
            roles::EVERYONE => true,
            roles::AUTHENTICATED => token.is_some(),
            roles::UNAUTHENTICATED => token.is_none(),
            roles::OWNER => match token {
                Some(t) => self.owns(request, t).await?,
                None => false,
            },
            roles::RELATED => false,
            named => match token {
                Some(t) => static_role(request.app, named, t).await?,
                None => false,
            },
        })
    }
}

/// Whether the token's user has the static role `name`: a `Role` of that name and a
/// `RoleMapping` of it to the user (`principalType` USER, `principalId` the user's id as
/// text), when the app has those models. A role mapped to another role is not followed.
async fn static_role(app: &App, name: &str, token: &AccessToken) -> Result<bool> {
    let (Some(roles), Some(mappings)) = (app.repository("Role"), app.repository("RoleMapping"))
    else {
        return Ok(false);
    };
    let find = |def: &'static ModelDefinition, w: Value| {
        parse_where(def, &w, ParseOptions::default()).map(|where_| Filter {
            where_,
            limit: Some(1),
            ..Filter::default()
        })
    };
    let role = roles
        .find(&find(roles.model, json!({"name": name}))?)
        .await?;
    let Some(id) = role
        .first()
        .and_then(|r| r.get("id").map(|v| v.into_owned()))
    else {
        return Ok(false);
    };
    let mapped = mappings
        .find(&find(
            mappings.model,
            json!({"roleId": id, "principalType": "USER", "principalId": text(&token.user_id)}),
        )?)
        .await?;
    Ok(!mapped.is_empty())
}

/// A JSON id as text (LoopBack compares principal ids as strings).
fn text(v: &Value) -> String {
    js::to_js_string(v)
}

impl Authorizer for AclAuthorizer {
    fn protection(
        &self,
        app: &App,
        model: &ModelDefinition,
        method: &MethodRef<'_>,
    ) -> Option<Protection> {
        let entries: Vec<&Acl> = self.entries(app, &model.name).collect();
        if entries.is_empty() {
            return None;
        }
        let property = method
            .name
            .strip_prefix("prototype.")
            .unwrap_or(method.name);
        let mut names = vec![property];
        names.extend(
            method
                .aliases
                .iter()
                .map(|a| a.strip_prefix("prototype.").unwrap_or(a)),
        );
        let candidates = static_acls(entries.iter().copied(), property);
        // an anonymous caller: `$everyone` and `$unauthenticated`, nothing else
        let applying = effective(candidates, &[], |r| {
            r == roles::EVERYONE || r == roles::UNAUTHENTICATED
        });
        let req = AclRequest {
            model: &model.name,
            property,
            method_names: &names,
            access_type: Some(method.access_type),
        };
        Some(Protection {
            anonymous: resolve(&applying, &req).is_allowed(Permission::Allow),
            denied_status: self.denial_status(model, app),
        })
    }

    fn authorize<'a>(
        &'a self,
        request: &'a AccessRequest<'a>,
    ) -> BoxFuture<'a, Result<Option<Arc<AccessToken>>>> {
        Box::pin(async move {
            let token = self.token(request).await?;
            let denied = |token: &Option<Arc<AccessToken>>| match (
                token,
                self.denial_status(request.model, request.app),
            ) {
                (Some(_), StatusCode::FORBIDDEN) => Error::access_denied(),
                _ => Error::authorization_required(),
            };
            // LoopBack's accessScopes: a token without scopes holds `DEFAULT`, a method
            // without any asks for it; a reset token cannot do anything else
            if !scope_allowed(token.as_deref(), request.scopes) {
                return Err(denied(&token));
            }
            // the authorizer's own entries, the app's (model-config.json) and the ACL
            // model's rows
            let rows = match &request.app.inner.acl_table {
                Some(table) => match request.app.repository("ACL") {
                    Some(repo) => Some(table.entries(&repo, &request.model.name).await?),
                    None => None,
                },
                None => None,
            };
            let entries: Vec<&Acl> = self
                .entries(request.app, &request.model.name)
                .chain(rows.iter().flat_map(|r| r.iter()))
                .collect();
            if entries.is_empty() {
                return Ok(token);
            }
            let property = request.property();
            let shape = Shape {
                model: &request.model.name,
                method: request.method,
                access_type: request.access_type,
                has_token: token.is_some(),
            };
            if let Some(allowed) = self.decisions.get(&shape, rows.as_ref()) {
                return if allowed {
                    Ok(token)
                } else {
                    Err(denied(&token))
                };
            }
            let mut names: Vec<&str> = vec![property];
            names.extend(request.property_aliases());
            let candidates = static_acls(entries.iter().copied(), property);
            let principals: Vec<(PrincipalType, String)> = token
                .iter()
                .map(|t| (PrincipalType::User, text(&t.user_id)))
                .collect();
            let req = AclRequest {
                model: &request.model.name,
                property,
                method_names: &names,
                access_type: Some(request.access_type),
            };
            let decide = |is_member: &dyn Fn(&str) -> bool| {
                let applying = effective(candidates.iter().copied(), &principals, is_member);
                resolve(&applying, &req).is_allowed(Permission::Allow)
            };
            // the roles the candidates name: the built-in ones known at once, the others
            // ($owner: a read of the instance; static roles: two queries; resolvers) only
            // decided while they can still change the answer
            let mut members: Vec<&str> = Vec::new();
            let mut unknown: Vec<&str> = Vec::new();
            for role in candidates
                .iter()
                .filter(|a| a.principal_type == PrincipalType::Role)
                .map(|a| a.principal_id.as_str())
            {
                if members.contains(&role) || unknown.contains(&role) {
                    continue;
                }
                match self.known_role(role, token.as_deref()) {
                    Some(true) => members.push(role),
                    Some(false) => {}
                    None => unknown.push(role),
                }
            }
            // the same for every caller of this shape when every entry names a role and
            // no role is looked up
            let mut for_everyone = candidates
                .iter()
                .all(|a| a.principal_type == PrincipalType::Role);
            let allowed = loop {
                if let Some(decision) = settled(&members, &unknown, &decide) {
                    break decision;
                }
                for_everyone = false;
                let role = unknown.remove(0);
                if self.in_role(role, request, token.as_deref()).await? {
                    members.push(role);
                }
            };
            if for_everyone {
                self.decisions.put(&shape, rows.as_ref(), allowed);
            }
            if allowed {
                return Ok(token);
            }
            Err(denied(&token))
        })
    }
}

impl AclAuthorizer {
    /// The ACL entries of `model`: the authorizer's own, then the app's.
    fn entries<'a>(&'a self, app: &'a App, model: &str) -> impl Iterator<Item = &'a Acl> {
        self.acls
            .get(model)
            .into_iter()
            .flatten()
            .chain(app.model_acls(model))
    }

    /// The status of a denial with a valid token: the authorizer's setting for the model,
    /// else the model's `aclErrorStatus`, else the authorizer's default, else the app's.
    fn denial_status(&self, model: &ModelDefinition, app: &App) -> StatusCode {
        self.error_status
            .get(&model.name)
            .copied()
            .or_else(|| {
                model
                    .acl_error_status
                    .and_then(|s| StatusCode::from_u16(s).ok())
            })
            .or(self.default_error_status)
            .or(app.inner.config.acl_error_status)
            .unwrap_or(StatusCode::UNAUTHORIZED)
    }
}

/// Whether a caller with the roles the given function says is allowed.
type Decide<'a> = dyn Fn(&dyn Fn(&str) -> bool) -> bool + 'a;

/// The decision when every assignment of the `unknown` roles gives the same one (up to
/// 2^8 assignments; more unknown roles are decided one by one).
fn settled(members: &[&str], unknown: &[&str], decide: &Decide<'_>) -> Option<bool> {
    if unknown.len() > 8 {
        return None;
    }
    let mut first = None;
    for mask in 0u32..(1 << unknown.len()) {
        let is_member = |r: &str| {
            members.contains(&r)
                || unknown
                    .iter()
                    .enumerate()
                    .any(|(i, u)| mask & (1 << i) != 0 && *u == r)
        };
        let d = decide(&is_member);
        match first {
            None => first = Some(d),
            Some(f) if f != d => return None,
            Some(_) => {}
        }
    }
    first
}

/// Whether `token` (anonymous: `DEFAULT`) holds one of the method's `scopes` (none:
/// `DEFAULT`).
fn scope_allowed(token: Option<&AccessToken>, scopes: &[std::borrow::Cow<'static, str>]) -> bool {
    const DEFAULT: &str = "DEFAULT";
    let held = |scope: &str| match token {
        Some(t) if !t.scopes.is_empty() => t.scopes.iter().any(|s| s == scope),
        _ => scope == DEFAULT,
    };
    if scopes.is_empty() {
        return held(DEFAULT);
    }
    scopes.iter().any(|s| held(s))
}
