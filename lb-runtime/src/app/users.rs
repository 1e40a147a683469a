//! Attaching the app's user model (LoopBack's `User`): its definition based on User, the
//! `AccessToken` model, User's ACLs, methods and hooks, and access control switched on.

use std::sync::Arc;

use super::{AppBuilder, FastMap, PendingModel};
use crate::acl::Acl;
use crate::auth::user::{base_acls, token_definition, user_definition, Users};
use crate::auth::UserModel;
use crate::model::ModelDefinition;
use crate::repository::Peers;
use crate::{Error, Result};

impl AppBuilder {
    /// Makes the attached model `users.model` a User (LoopBack's `"base": "User"`): it gets
    /// User's properties, checks, hidden properties, `accessTokens` relation, methods
    /// (`login`, `logout`, `confirm`, `verify`, `reset`, `change-password`,
    /// `reset-password`), ACLs and hooks. An `AccessToken` model is attached on its
    /// datasource unless the app attaches one, and access control is switched on
    /// ([`crate::rest::AclAuthorizer`]) unless the app set an authorizer.
    pub fn user_model(mut self, users: UserModel) -> Self {
        self.user_model = Some(users);
        self
    }

    /// Makes `model` owner-scoped: a request sees and changes only the instances its caller
    /// owns (find, findOne, findById, count, exists, updateAll, deleteAll, relation lists,
    /// include, change streams); a caller without a token owns nothing; code outside a
    /// request sees everything. The owner is the foreign key of the model's belongsTo to the
    /// user model (else its `userId` or `ownerId`). Needs a user model.
    pub fn owner_scoped(mut self, model: &str) -> Self {
        self.owner_scoped.push(model.to_string());
        self
    }

    /// The owner property of each owner-scoped model, and their hooks.
    pub(super) fn attach_owner_scopes(
        &mut self,
        user_model: Option<&str>,
    ) -> Result<FastMap<String, String>> {
        let mut out = FastMap::default();
        for model in std::mem::take(&mut self.owner_scoped) {
            let user_model = user_model.ok_or_else(|| {
                Error::internal(format!(
                    "owner-scoped model {model}: the app has no user model (AppBuilder::user_model)"
                ))
            })?;
            let def = self
                .models
                .iter()
                .find(|p| p.def.name == model)
                .map(|p| p.def)
                .ok_or_else(|| {
                    Error::internal(format!("owner-scoped model {model} is not attached"))
                })?;
            let owner = def
                .relations
                .iter()
                .find(|r| r.kind == crate::model::RelationKind::BelongsTo && r.target == user_model)
                .map(|r| r.foreign_key.clone())
                .or_else(|| {
                    ["userId", "ownerId"]
                        .into_iter()
                        .find(|p| def.property(p).is_some())
                        .map(str::to_string)
                })
                .ok_or_else(|| {
                    Error::internal(format!(
                        "owner-scoped model {model}: no belongsTo to {user_model}, no userId or ownerId"
                    ))
                })?;
            self.observers
                .extend(crate::auth::owner_scope::observers(&model, &owner));
            out.insert(model, owner);
        }
        Ok(out)
    }

    /// The user model's definition based on User, and its token model.
    pub(super) fn prepare_user_model(&mut self) -> Result<Option<UserModel>> {
        let Some(config) = self.user_model.take() else {
            return Ok(None);
        };
        let pending = self
            .models
            .iter_mut()
            .find(|p| p.def.name == config.model)
            .ok_or_else(|| {
                Error::internal(format!(
                    "user model {}: attach the model with AppBuilder::model first",
                    config.model
                ))
            })?;
        let def: &'static ModelDefinition =
            Box::leak(Box::new(user_definition(pending.def, &config.settings)));
        pending.def = def;
        let datasource = pending.datasource.clone();
        if !self.models.iter().any(|p| p.def.name == "AccessToken") {
            self.models.push(PendingModel {
                type_id: None,
                def: Box::leak(Box::new(token_definition(def))),
                datasource,
                remote_methods: Vec::new(),
            });
        }
        #[cfg(feature = "jwt")]
        if let Some(key) = &config.jwt_key {
            if key.len() < 32 {
                return Err(Error::internal(
                    "the JWT signing key must be at least 32 bytes",
                ));
            }
            let datasource = self
                .models
                .iter()
                .find(|p| p.def.name == config.model)
                .and_then(|p| p.datasource.clone());
            if !self.models.iter().any(|p| p.def.name == "RevokedToken") {
                self.models.push(PendingModel {
                    type_id: None,
                    def: crate::auth::revoked_token_model(),
                    datasource,
                    remote_methods: Vec::new(),
                });
            }
        }
        // User's ACLs come before the model's own (model-config.json's)
        self.acls
            .insert(0, (config.model.clone(), base_acls(&config.model)));
        Ok(Some(config))
    }

    /// User's methods and hooks on the user model, and the authorizer.
    pub(super) fn attach_user_model(
        &mut self,
        config: UserModel,
        peers: &Arc<Peers>,
    ) -> Result<Arc<Users>> {
        let model = config.model.clone();
        let pending = self
            .models
            .iter_mut()
            .find(|p| p.def.name == model)
            .ok_or_else(|| Error::internal(format!("user model {model} is not attached")))?;
        let users = Users::new(
            config,
            "AccessToken",
            &self.config.rest_api_root,
            pending.def.rest_path(),
            peers,
        );
        pending.remote_methods.extend(users.methods());
        // User's hooks run before the app's, as LoopBack registers them at setup
        let observers = users.observers();
        self.observers.splice(0..0, observers);
        let hooks = users.remote_hooks();
        self.hooks.splice(0..0, hooks);
        if self.authorizer.is_none() {
            self.authorizer = Some(Arc::new(crate::rest::AclAuthorizer::new()));
        }
        Ok(users)
    }
}

/// ACL entries by model, in the order they were given (several lists of one model are
/// joined).
pub(super) fn merge_acls(lists: Vec<(String, Vec<Acl>)>) -> FastMap<String, Vec<Acl>> {
    let mut out: FastMap<String, Vec<Acl>> = FastMap::default();
    for (model, acls) in lists {
        out.entry(model).or_default().extend(acls);
    }
    out
}

impl crate::App {
    /// Deletes the expired access tokens of the app's user model now; how many. A served
    /// app also does it every hour (`UserModel::purge_expired_tokens_every`).
    pub async fn purge_expired_tokens(&self) -> Result<u64> {
        match &self.inner.users {
            Some(users) => users.purge_expired_tokens().await,
            None => Ok(0),
        }
    }
}

/// The ACL entries the models declare (`#[model(acl = "..")]`), parsed; a malformed one is an
/// error naming the model.
pub(super) fn declared_acls(models: &[PendingModel]) -> Result<Vec<(String, Vec<Acl>)>> {
    models
        .iter()
        .filter(|p| !p.def.acls.is_empty())
        .map(|p| {
            let acls = p
                .def
                .acls
                .iter()
                .map(|a| Acl::from_json(&p.def.name, a))
                .collect::<Result<Vec<_>>>()?;
            Ok((p.def.name.clone(), acls))
        })
        .collect()
}

/// The method names ACL entries name (not `*`).
pub(super) fn named_methods(acls: &[Acl]) -> Vec<String> {
    use crate::acl::PropertyMatch;
    let mut out = Vec::new();
    for a in acls {
        match &a.property {
            PropertyMatch::All => {}
            PropertyMatch::Name(n) => out.push(n.clone()),
            PropertyMatch::List(l) => out.extend(l.iter().cloned()),
        }
    }
    out
}

/// Every method a model's declared ACLs name is one of its methods (built-in, relation or
/// remote; by name or alias): the names `#[model(acl = "..")]` could not check at compile time
/// (remote methods) are checked when the app is built.
pub(super) fn check_acl_methods(
    inner: &super::AppInner,
    named: &[(String, Vec<String>)],
) -> Result<()> {
    for (model, names) in named {
        let Some(&i) = inner.by_name.get(model) else {
            continue;
        };
        let methods = &inner.models[i].methods;
        let known: Vec<&str> = methods
            .iter()
            .flat_map(|m| std::iter::once(m.name.as_ref()).chain(m.aliases.iter().copied()))
            .map(|n| n.strip_prefix("prototype.").unwrap_or(n))
            .collect();
        for name in names {
            if !known.contains(&name.as_str()) {
                return Err(Error::internal(format!(
                    "an ACL of {model} names `{name}`, which is no method of {model}"
                )));
            }
        }
    }
    Ok(())
}
