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
                def: Box::leak(Box::new(token_definition(&config.model))),
                datasource,
                remote_methods: Vec::new(),
            });
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
