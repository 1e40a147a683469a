//! The request pipeline's stages for one call of a method, in LoopBack's order (spec §7.3):
//! authorize; then, on the fast path (a built-in without hooks), the handler and the answer
//! from the rows' cached JSON; otherwise load the instance (instance methods), read the
//! arguments, `before` hooks, the method and the shaping of its output, `after` hooks, the
//! answer — any error through the `afterError` hooks, findById/findOne's null-to-404 last.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::authorize::authorize;
use super::call::Call;
use super::methods::{MethodKind, RestMethod};
use super::outcome::Outcome;
use super::response::{json_response, void_response};
use crate::connector::Row;
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
    // the authorize stage, before anything else sees the request; the caller's token is
    // then seen by everything the request runs
    if call.app.inner.authorizer.is_some() {
        let token = authorize(method, &call).await?;
        return Box::pin(crate::auth::as_caller(token, run(method, call))).await;
    }
    run(method, call).await
}

/// The stages after authorize.
async fn run(method: &RestMethod, call: Call) -> Result<Response> {
    if let (MethodKind::Builtin(handler), true) = (&method.kind, method.hooks.is_empty()) {
        // the fast path of every CRUD request without hooks: rows go out as cached JSON
        let def = call.model();
        return handler(call).await?.into_response(def);
    }
    // the staged path lives in its own allocation: the future of every request (which the
    // connection holds and moves) stays the size of the fast path
    Box::pin(staged(method, call)).await
}

/// Every stage of a call with hooks, a remote method or a relation method, in LoopBack's
/// order (the authorize stage ran already):
/// [`load_instance`] → [`read_arguments`] → before hooks → [`run_method`] (the operation and
/// the shaping of its output) → after hooks → [`respond`]; an error anywhere goes through
/// [`after_error`].
async fn staged(method: &RestMethod, call: Call) -> Result<Response> {
    let (instance, missing) = load_instance(method, &call).await;
    let args = read_arguments(method, &call);
    let ctx = HookContext::new(
        call.app.clone(),
        &call.model().name,
        &method.name,
        call.http_context(),
        args.as_ref().cloned().unwrap_or_default(),
        instance
            .as_ref()
            .and_then(|r| serde_json::to_value(&**r).ok()),
    );
    let ran = async {
        // a missing instance or a bad argument is reported here, so afterError hooks see it
        if let Some(e) = missing {
            return Err(e);
        }
        args?;
        for h in &method.hooks.before {
            h.run(&ctx).await?;
        }
        let ran = run_method(method, call, &ctx, instance).await?;
        if let Ran::Value(..) = ran {
            for h in &method.hooks.after {
                h.run(&ctx).await?;
            }
        }
        Ok(ran)
    };
    match ran.await {
        Ok(Ran::Stream(r)) => Ok(r),
        Ok(Ran::Value(status, missing)) => respond(&ctx, status, missing),
        Err(e) => Err(after_error(method, &ctx, e).await),
    }
}

/// The instance of an instance method. A remote method's miss is LoopBack's
/// `could not find a model with id ..`; built-in instance methods report a miss themselves
/// (their own messages), the hooks still see the instance when there is one.
async fn load_instance(method: &RestMethod, call: &Call) -> (Option<Row>, Option<Error>) {
    let is_instance_method = match &method.kind {
        MethodKind::Remote(rm) => !rm.is_static,
        MethodKind::Builtin(_) => method.name.starts_with("prototype."),
    };
    if !is_instance_method {
        return (None, None);
    }
    match call.repo().find_by_id(&call.id(), None).await {
        Ok(Some(row)) => (Some(row), None),
        Ok(None) if matches!(method.kind, MethodKind::Remote(_)) => {
            (None, Some(Error::instance_not_found(call.id_text())))
        }
        Ok(None) => (None, None),
        Err(e) => (None, Some(e)),
    }
}

/// The arguments by name, read from their sources and coerced (what hooks see and change).
fn read_arguments(method: &RestMethod, call: &Call) -> Result<Map<String, Value>> {
    super::arguments::read_all(call, &method.accepts)
}

/// The operation with the arguments as the before hooks left them; its output, shaped, is
/// the hooks' result.
async fn run_method(
    method: &RestMethod,
    mut call: Call,
    ctx: &HookContext,
    instance: Option<Row>,
) -> Result<Ran> {
    let def = call.model();
    let args = ctx.args();
    let outcome = match &method.kind {
        MethodKind::Remote(rm) => {
            let inv = Invocation {
                app: call.app.clone(),
                args,
                instance,
                http: call.http_context(),
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
    Ok(Ran::Value(status, missing))
}

/// The answer from the result as the after hooks left it; findById/findOne's null is the 404
/// (LoopBack decides it last).
fn respond(ctx: &HookContext, status: StatusCode, missing: Option<Error>) -> Result<Response> {
    let result = ctx.take_result();
    if let (Some(e), None | Some(Value::Null)) = (missing, &result) {
        return Err(e);
    }
    if let Some(location) = ctx.take_redirect() {
        let mut r = void_response();
        *r.status_mut() = StatusCode::FOUND;
        let value = axum::http::HeaderValue::try_from(location)
            .map_err(|_| Error::internal("a redirect to a location that is not a header value"))?;
        r.headers_mut().insert(axum::http::header::LOCATION, value);
        return Ok(r);
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

/// The error as the afterError hooks leave it (a remote method's `error_status` first
/// replaces a 500's status).
async fn after_error(method: &RestMethod, ctx: &HookContext, e: Error) -> Error {
    let e = match &method.kind {
        MethodKind::Remote(rm) if e.status == StatusCode::INTERNAL_SERVER_ERROR => {
            match rm.error_status {
                Some(s) => Error { status: s, ..e },
                None => e,
            }
        }
        _ => e,
    };
    ctx.set_error(e);
    for h in &method.hooks.after_error {
        if let Err(replaced) = h.run(ctx).await {
            ctx.set_error(replaced);
        }
    }
    ctx.take_error()
        .unwrap_or_else(|| Error::internal("error removed by a hook"))
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
