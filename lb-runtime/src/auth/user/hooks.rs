//! User's hooks, as LoopBack 3.28's `user.js` has them: passwords hashed whenever one is
//! written (its `password` setter), emails lower-cased unless `caseSensitiveEmail`, a REST
//! create cannot mark its email verified, password changes through PATCH/PUT refused when
//! `rejectPasswordChangesViaPatchOrReplace`, a changed email or password ends the user's
//! other tokens (`prepareForTokenInvalidation` / `invalidateOtherTokens`), and deleting users
//! deletes their tokens.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::Users;
use crate::auth::current_token;
use crate::auth::password::is_hash;
use crate::filter::Filter;
use crate::observe::{Observer, OperationContext, OperationHook};
use crate::remote::{HookKind, RemoteHook};
use crate::value::{js, Object};
use crate::{Error, Result};

tokio::task_local! {
    /// Set while `setPassword`/`changePassword` write the password (LoopBack's
    /// `options.setPassword`).
    static SETTING_PASSWORD: ();
}

/// Runs `f` as a password change of User's own methods.
pub(super) async fn setting_password<F: std::future::Future>(f: F) -> F::Output {
    SETTING_PASSWORD.scope((), f).await
}

const ORIGINAL: &str = "lb:originalUserData";

/// User's remote hooks: a client cannot create a verified user (`beforeRemote('create')`)
/// nor, unlike LoopBack, verify its own email by a PATCH or PUT, nor set its verification
/// token; a `password` that is not text is ignored, as LoopBack's setter ignores it (before
/// the values are coerced to the property's type).
pub(super) fn remote_hooks(model: &str) -> Vec<RemoteHook> {
    vec![
        // `afterRemote('confirm')`: on to `redirect` (checked by confirm: a path of this site)
        RemoteHook::new(model, "confirm", HookKind::After, |ctx| async move {
            if let Some(Value::String(to)) = ctx.arg("redirect") {
                ctx.redirect(to);
            }
            Ok(())
        }),
        each_data(model, "create", |o| {
            if o.get("emailVerified").is_some_and(js::truthy) {
                o.insert("emailVerified".into(), Value::Bool(false));
            }
        }),
        each_data(model, "**", |o| {
            if o.get("password").is_some_and(|p| !p.is_string()) {
                o.shift_remove("password");
            }
            o.shift_remove("verificationToken");
            if o.get("emailVerified").is_some_and(js::truthy) {
                o.shift_remove("emailVerified");
            }
        }),
    ]
}

/// A before hook of `pattern` changing each object of the `data` argument.
fn each_data(model: &str, pattern: &str, change: fn(&mut Map<String, Value>)) -> RemoteHook {
    RemoteHook::new(model, pattern, HookKind::Before, move |ctx| async move {
        if let Some(mut data) = ctx.arg("data") {
            match &mut data {
                Value::Object(o) => change(o),
                Value::Array(items) => items
                    .iter_mut()
                    .filter_map(Value::as_object_mut)
                    .for_each(change),
                _ => {}
            }
            ctx.set_arg("data", data);
        }
        Ok(())
    })
}

pub(super) fn observers(users: &Arc<Users>) -> Vec<Observer> {
    let model = users.model.clone();
    let (a, b, c) = (users.clone(), users.clone(), users.clone());
    // a write to the token rows (or the revoked tokens) drops the cached tokens
    let mut token_models = vec![users.token_model.clone()];
    if users.config.jwt_key.is_some() {
        token_models.push("RevokedToken".to_string());
    }
    let written = token_models.iter().flat_map(|m| {
        [OperationHook::AfterSave, OperationHook::AfterDelete].map(|hook| {
            let writes = users.token_writes.clone();
            Observer::new(m, hook, move |ctx| {
                writes.fetch_add(1, std::sync::atomic::Ordering::Release);
                async move { Ok(ctx) }
            })
        })
    });
    let mut out: Vec<Observer> = written.collect();
    out.extend([
        Observer::new(&model, OperationHook::BeforeSave, move |ctx| {
            let u = a.clone();
            async move { before_save(&u, ctx).await }
        }),
        Observer::new(&model, OperationHook::AfterSave, move |ctx| {
            let u = b.clone();
            async move { after_save(&u, ctx).await }
        }),
        Observer::new(&model, OperationHook::BeforeDelete, move |ctx| {
            let u = c.clone();
            async move { before_delete(&u, ctx).await }
        }),
    ]);
    out
}

fn target(ctx: &mut OperationContext) -> Option<&mut Object> {
    match &mut ctx.instance {
        Some(i) => Some(i),
        None => ctx.data.as_mut(),
    }
}

async fn before_save(u: &Users, mut ctx: OperationContext) -> Result<OperationContext> {
    let is_new = ctx.is_new_instance == Some(true);
    let Some(data) = target(&mut ctx) else {
        return Ok(ctx);
    };
    if !u.settings.case_sensitive_email {
        if let Some(Value::String(e)) = data.get_mut("email") {
            *e = e.to_lowercase();
        }
    }
    if data.contains_key("password") {
        if !is_new
            && u.settings.reject_password_changes_via_patch_or_replace
            && SETTING_PASSWORD.try_with(|_| ()).is_err()
        {
            return Err(Error::new(
                StatusCode::UNAUTHORIZED,
                "Changing user password via patch/replace API is not allowed. Use changePassword() or setPassword() instead.",
            )
            .with_code("PASSWORD_CHANGE_NOT_ALLOWED"));
        }
        match data.get("password") {
            // a stored hash (an instance read back and saved, a LoopBack 3 import) stays
            Some(Value::String(s)) if is_hash(s) => {}
            Some(plain @ Value::String(_)) => {
                let plain = u.passwords.validate(plain)?.to_string();
                let hash = u.passwords.hash(&plain).await?;
                data.insert("password".into(), Value::String(hash));
            }
            // LoopBack's setter ignores anything but text
            _ => {
                data.shift_remove("password");
            }
        }
    }
    if is_new {
        return Ok(ctx);
    }
    // prepareForTokenInvalidation: the users as they were
    let originals: Vec<Object> = if let Some(current) = &ctx.current_instance {
        vec![current.clone()]
    } else {
        let where_ = match (&ctx.where_, &ctx.instance) {
            (Some(w), _) => Some(w.clone()),
            (None, Some(i)) => {
                let users = u.users()?;
                i.get(&users.model.id().name)
                    .map(|id| users.id_where(&users.coerce_id(id)))
            }
            (None, None) => None,
        };
        let filter = Filter {
            where_,
            ..Filter::default()
        };
        u.users()?
            .find(&filter)
            .await?
            .iter()
            .map(|r| r.to_object())
            .collect()
    };
    let id_name = u.users()?.model.id().name.clone();
    let kept: Vec<Value> = originals
        .iter()
        .map(|o| {
            json!({
                "id": o.get(&id_name).cloned().unwrap_or(Value::Null),
                "email": o.get("email").cloned().unwrap_or(Value::Null),
                "password": o.get("password").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    let new_email = ctx
        .instance
        .as_ref()
        .or(ctx.data.as_ref())
        .and_then(|d| d.get("email"))
        .cloned();
    let email_changed = match (&ctx.instance, &new_email) {
        (Some(_), e) => kept.first().is_none_or(|o| Some(&o["email"]) != e.as_ref()),
        (None, Some(e)) if js::truthy(e) => kept.iter().any(|o| &o["email"] != e),
        _ => false,
    };
    if email_changed && u.settings.email_verification_required {
        if let Some(d) = target(&mut ctx) {
            d.insert("emailVerified".into(), Value::Bool(false));
        }
    }
    ctx.hook_state.insert(ORIGINAL.into(), Value::Array(kept));
    Ok(ctx)
}

/// invalidateOtherTokens: users whose email or password changed lose every token but the
/// one of the request that changed it.
async fn after_save(u: &Users, ctx: OperationContext) -> Result<OperationContext> {
    let Some(Value::Array(originals)) = ctx.hook_state.get(ORIGINAL) else {
        return Ok(ctx);
    };
    let Some(now) = ctx.instance.as_ref().or(ctx.data.as_ref()) else {
        return Ok(ctx);
    };
    let email = now.get("email").filter(|v| js::truthy(v));
    let password = now.get("password").filter(|v| js::truthy(v));
    if email.is_none() && password.is_none() {
        return Ok(ctx);
    }
    let changed: Vec<&Value> = originals
        .iter()
        .filter(|o| {
            email.is_some_and(|e| &o["email"] != e) || password.is_some_and(|p| &o["password"] != p)
        })
        .map(|o| &o["id"])
        .collect();
    if changed.is_empty() {
        return Ok(ctx);
    }
    let keep = current_token();
    let tokens = u.tokens()?;
    for id in changed {
        tokens
            .delete_for_user(id, keep.as_ref().map(|t| t.id.as_str()))
            .await?;
    }
    Ok(ctx)
}

/// Deleting users deletes their tokens.
async fn before_delete(u: &Users, ctx: OperationContext) -> Result<OperationContext> {
    let users = u.users()?;
    let filter = Filter {
        where_: ctx.where_.clone(),
        ..Filter::default()
    };
    let tokens = u.tokens()?;
    for row in users.find(&filter).await? {
        if let Some(id) = users.row_id(&row) {
            tokens.delete_for_user(&id, None).await?;
        }
    }
    Ok(ctx)
}
