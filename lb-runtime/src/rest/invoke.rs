//! One call of a shared method, in LoopBack's order (spec §7.3): load the instance (instance
//! methods), the deferred 404, `before` hooks, the method, `after` hooks; any error goes
//! through `afterError` hooks; findById/findOne's null-to-404 comes last.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::authorize::authorize;
use super::call::Call;
use super::methods::{MethodKind, RestMethod};
use super::outcome::Outcome;
use super::response::{json_response, void_response};
use crate::model::ModelDefinition;
use crate::remote::{self, HookContext, Invocation, RemoteMethod};
use crate::shape::{self, Level};
use crate::{Error, Result};

/// How the method part of a call ended.
enum Ran {
    /// With a value (or none) and findById/findOne's deferred 404.
    Value(StatusCode, Option<Error>),
    /// With a streamed response.
    Stream(Response),
}

/// Runs `method` for `call`; `Err` is the error to send.
pub(crate) async fn invoke(method: &RestMethod, call: Call) -> Result<Response> {
    // the authorize stage, before anything else sees the request
    if call.app.inner.authorizer.is_some() {
        authorize(method, &call).await?;
    }
    if let (MethodKind::Builtin(handler), true) = (&method.kind, method.hooks.is_empty()) {
        // the fast path of every CRUD request without hooks: rows go out as cached JSON
        let def = call.model();
        return handler(call).await?.into_response(def);
    }
    // the staged path lives in its own allocation: the future of every request (which the
    // connection holds and moves) stays the size of the fast path
    Box::pin(staged(method, call)).await
}

/// Every stage of a call with hooks, a remote method or a relation method.
async fn staged(method: &RestMethod, mut call: Call) -> Result<Response> {
    let def = call.model();
    let remote = match &method.kind {
        MethodKind::Remote(rm) => Some(rm.clone()),
        MethodKind::Builtin(_) => None,
    };
    let hooks = method.hooks.clone();
    // 1. the instance of an instance method; a miss (3.) and a failed load are reported
    // inside the hooked part below, so afterError hooks see them
    let (instance, missing) = match &remote {
        Some(rm) if !rm.is_static => match call.repo().find_by_id(&call.id(), None).await {
            Ok(Some(row)) => (Some(row), None),
            Ok(None) => (None, Some(Error::instance_not_found(call.id_text()))),
            Err(e) => (None, Some(e)),
        },
        // built-in instance methods report a missing instance themselves (LB's messages);
        // the hooks still see the instance when there is one
        None if method.name.starts_with("prototype.") => {
            match call.repo().find_by_id(&call.id(), None).await {
                Ok(row) => (row, None),
                Err(e) => (None, Some(e)),
            }
        }
        _ => (None, None),
    };
    let args = match &remote {
        Some(rm) => remote::build_args(&rm.accepts, &call),
        None => call.builtin_args(&method.accepts),
    };
    let instance_json = instance
        .as_ref()
        .and_then(|r| serde_json::to_value(&**r).ok());
    let http = call.http_context();
    let ctx = HookContext::new(
        call.app.clone(),
        &def.name,
        &method.name,
        http.clone(),
        args.as_ref().cloned().unwrap_or_default(),
        instance_json,
    );
    let run = async {
        if let Some(e) = missing {
            return Err(e);
        }
        let _ = args?;
        for h in &hooks.before {
            h.run(&ctx).await?;
        }
        let args = ctx.args();
        let outcome = match &method.kind {
            MethodKind::Remote(rm) => {
                let inv = Invocation {
                    app: call.app.clone(),
                    args,
                    instance,
                    http,
                };
                let values = (rm.invoke)(inv).await?;
                Outcome::Body(status(rm, &values), body(rm, &method.shapes, values))
            }
            MethodKind::Builtin(handler) => {
                call.set_args(args);
                match handler(call).await? {
                    // a stream goes out as it is: after hooks have no result to change
                    Outcome::Stream(r) => return Ok(Ran::Stream(r)),
                    o => o,
                }
            }
        };
        let (status, value, missing) = outcome.into_parts(def);
        if let Some(v) = value {
            ctx.set_result(v);
        }
        for h in &hooks.after {
            h.run(&ctx).await?;
        }
        Ok(Ran::Value(status, missing))
    };
    match run.await {
        Ok(Ran::Stream(r)) => Ok(r),
        Ok(Ran::Value(status, missing)) => {
            let result = ctx.take_result();
            // 7. findById/findOne: a result still null after the hooks is the 404
            if let (Some(e), None | Some(Value::Null)) = (missing, &result) {
                return Err(e);
            }
            Ok(match result {
                // a void method whose result an after hook set answers 200 with it
                Some(v) if status == StatusCode::NO_CONTENT => json_response(StatusCode::OK, &v),
                Some(v) => json_response(status, &v),
                None => {
                    let mut r = void_response();
                    if status != StatusCode::OK {
                        *r.status_mut() = status;
                    }
                    r
                }
            })
        }
        Err(e) => {
            let e = match remote.as_deref() {
                Some(RemoteMethod {
                    error_status: Some(s),
                    ..
                }) if e.status == StatusCode::INTERNAL_SERVER_ERROR => Error { status: *s, ..e },
                _ => e,
            };
            ctx.set_error(e);
            for h in &hooks.after_error {
                if let Err(replaced) = h.run(&ctx).await {
                    ctx.set_error(replaced);
                }
            }
            Err(ctx
                .take_error()
                .unwrap_or_else(|| Error::internal("error removed by a hook")))
        }
    }
}

fn status(rm: &RemoteMethod, values: &[Value]) -> StatusCode {
    match rm.status {
        Some(s) => s,
        None if rm.returns.is_empty() || values.is_empty() => StatusCode::NO_CONTENT,
        None => StatusCode::OK,
    }
}

/// Dates in LoopBack's form (`2020-01-02T00:00:00.000Z`, not chrono's `..00Z`).
fn iso_dates(t: &remote::ArgType, v: &mut Value) {
    use crate::value::date;
    match (t, v) {
        (remote::ArgType::Date, v @ Value::String(_)) => {
            if let Some(ms) = date::parse_value(v) {
                *v = Value::String(date::format_millis(ms));
            }
        }
        (remote::ArgType::Array(Some(item)), Value::Array(items)) => {
            items.iter_mut().for_each(|x| iso_dates(item, x));
        }
        _ => {}
    }
}

/// The body from the return values, shaped: the root one, else an object keyed by arg;
/// nothing declared, nothing sent. A value holding model instances goes out as LoopBack's
/// `toJSON` shapes them (hidden properties left out).
fn body(
    rm: &RemoteMethod,
    shapes: &[Option<&'static ModelDefinition>],
    values: Vec<Value>,
) -> Option<Value> {
    if rm.returns.is_empty() || values.is_empty() {
        return None;
    }
    let mut values = values;
    for (i, (r, v)) in rm.returns.iter().zip(values.iter_mut()).enumerate() {
        crate::value::js::normalize_numbers(v);
        iso_dates(&r.ty, v);
        if let Some(Some(def)) = shapes.get(i) {
            shape::value(def, v, Level::Top);
        }
    }
    if let Some(i) = rm.returns.iter().position(|r| r.root) {
        return values.into_iter().nth(i);
    }
    let mut o = Map::new();
    for (r, v) in rm.returns.iter().zip(values) {
        o.insert(r.arg.to_string(), v);
    }
    Some(Value::Object(o))
}
