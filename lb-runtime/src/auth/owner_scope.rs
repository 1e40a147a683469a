//! Owner-scoped models (the LoopBack 3 feature most asked for, never built): a request sees
//! and changes only its caller's instances — find, findOne, findById, count, exists,
//! updateAll, deleteAll, relation lists, include and change streams. The owner is a
//! property of the instance (the foreign key of its belongsTo to the user model); a caller
//! without a token owns nothing; code outside a request sees everything.

use serde_json::{json, Value};

use super::{current_token, in_request};
use crate::filter::{parse_where, ParseOptions, Where};
use crate::model::ModelDefinition;
use crate::observe::{Observer, OperationContext, OperationHook};
use crate::Result;

/// The condition of the caller's own instances, as JSON (`None` outside a request).
fn condition(owner: &str) -> Option<Value> {
    if !in_request() {
        return None;
    }
    Some(match current_token() {
        Some(t) => json!({ owner: t.user_id }),
        // nobody's: matches nothing
        None => json!({ owner: {"inq": []} }),
    })
}

/// The condition of the caller's own instances of `def`, parsed.
pub(crate) fn owner_where(def: &ModelDefinition, owner: &str) -> Result<Option<Where>> {
    match condition(owner) {
        Some(c) => parse_where(def, &c, ParseOptions::default()),
        None => Ok(None),
    }
}

async fn scope(owner: &str, mut ctx: OperationContext) -> Result<OperationContext> {
    let Some(c) = condition(owner) else {
        return Ok(ctx);
    };
    match ctx.hook {
        OperationHook::Access => ctx.and_query_where(&c)?,
        // writes by where (updateAll, deleteAll, and the where of one instance's update)
        OperationHook::BeforeSave if ctx.where_.is_some() => ctx.and_where(&c)?,
        OperationHook::BeforeDelete => ctx.and_where(&c)?,
        _ => {}
    }
    Ok(ctx)
}

/// The hooks that keep `model`'s operations to the caller's instances (`owner`: the
/// property naming the owner).
pub(crate) fn observers(model: &str, owner: &str) -> Vec<Observer> {
    [
        OperationHook::Access,
        OperationHook::BeforeSave,
        OperationHook::BeforeDelete,
    ]
    .into_iter()
    .map(|hook| {
        let owner = owner.to_string();
        Observer::new(model, hook, move |ctx| {
            let owner = owner.clone();
            async move { scope(&owner, ctx).await }
        })
    })
    .collect()
}
