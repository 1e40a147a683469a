//! A REST datasource's functions as remote methods of a model (LoopBack's way of publishing a
//! service): `geocode(street, city, zipcode)` becomes `GET /api/locations/geocode` with its
//! parameters as arguments from the sources the template gives them.

use axum::http::Method;
use serde_json::{Map, Value};

use crate::connector::rest::template::VarType;
use crate::connector::rest::{Function, RestDataSource, Source};
use crate::remote::{Accept, ArgType, Invocation, RemoteMethod, Returns};

fn arg_type(ty: Option<&VarType>) -> ArgType {
    match ty {
        Some(VarType::String) => ArgType::String,
        Some(VarType::Number | VarType::Integer) => ArgType::Number,
        Some(VarType::Boolean) => ArgType::Boolean,
        Some(VarType::Object | VarType::Json) => ArgType::Object,
        Some(VarType::Array | VarType::Other(_)) | None => ArgType::Any,
    }
}

fn remote_source(s: Source) -> crate::remote::Source {
    match s {
        Source::Path => crate::remote::Source::Path,
        Source::Query => crate::remote::Source::Query,
        Source::Body => crate::remote::Source::Form,
        Source::Header => crate::remote::Source::Header,
    }
}

/// The remote method of one function.
pub(crate) fn remote_method(ds: &RestDataSource, f: &Function) -> RemoteMethod {
    let op = &f.operation;
    // the template's verb when it is fixed; POST when a variable chooses it
    let verb = match op.template.get("method").and_then(Value::as_str) {
        Some(m) if !m.contains('{') => {
            Method::from_bytes(m.to_uppercase().as_bytes()).unwrap_or(Method::POST)
        }
        Some(_) => Method::POST,
        None => Method::GET,
    };
    let mut path = format!("/{}", f.name);
    let mut accepts = Vec::new();
    for p in &f.params {
        let var = op
            .variables
            .iter()
            .find(|(_, v)| v.name == p.name)
            .map(|(_, v)| v);
        let source = p.source.unwrap_or_else(|| op.source_of(&p.name));
        if source == Source::Path {
            path.push_str(&format!("/:{}", p.name));
        }
        let mut a = Accept::new(p.name.clone(), arg_type(var.and_then(|v| v.ty.as_ref())))
            .source(remote_source(source));
        if var.is_some_and(|v| v.required) && p.default.is_none() {
            a = a.required();
        }
        accepts.push(a);
    }
    let ds = ds.clone();
    let name = f.name.clone();
    let mut m = RemoteMethod::new(f.name.clone(), move |inv: Invocation| {
        let ds = ds.clone();
        let name = name.clone();
        async move {
            let args: Map<String, Value> = inv.args.clone();
            Ok(vec![ds.invoke(&name, Value::Object(args)).await?])
        }
    })
    .http(verb, path)
    .returns(Returns::root("data", ArgType::Any))
    .description(format!(
        "Calls {} {} (a REST datasource function).",
        op.template
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("GET"),
        op.template
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default()
    ));
    for a in accepts {
        m = m.accepts(a);
    }
    m
}
