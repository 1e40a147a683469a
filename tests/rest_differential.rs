//! lb's REST connector against LoopBack's own (`loopback-connector-rest` 5.0.5 on juggler
//! 3.36.1): every case of `tests/rest_differential/cases.json` runs through lb against a
//! recording stub, and the requests sent and the value returned must equal what LoopBack's
//! connector sent and returned for the same configuration and call
//! (`tests/rest_differential/recorded.json`, written by `harness.js`). A case marked
//! `divergence` is a deliberate difference (a row of `docs/compat.md`): lb must then do what
//! its `lb` entry says.
//!
//! With `LB_REST_DIFFERENTIAL_NODE=1` (set by `.ci/run`, which runs `npm ci` in that folder)
//! the harness is run first and must still give `recorded.json`, so the oracle is LoopBack's
//! connector itself, not a file.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::Router;
use lb::connector::rest::{RestCrud, RestDataSource};
use lb::filter::{parse_filter, parse_where, Filter, ParseOptions};
use lb::model::{DataType, ModelDefinition, Strict};
use lb::App;
use serde_json::{json, Value};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rest_differential");

/// Headers that depend on the connection or the HTTP client, not on the connector's choices.
const IGNORED: &[&str] = &["host", "connection", "content-length", "accept-encoding"];

#[derive(Default)]
struct Stub {
    requests: Vec<Value>,
    replies: Vec<Value>,
}

async fn record(
    stub: axum::extract::State<Arc<Mutex<Stub>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let mut seen = serde_json::Map::new();
    for (k, v) in &headers {
        if IGNORED.contains(&k.as_str()) {
            continue;
        }
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match seen.get_mut(k.as_str()) {
            Some(Value::String(s)) => *s = format!("{s}, {v}"),
            _ => {
                seen.insert(k.as_str().to_string(), Value::String(v));
            }
        }
    }
    let mut s = stub.lock().unwrap();
    s.requests.push(json!({
        "method": method.as_str(),
        "url": uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        "headers": seen,
        "body": if body.is_empty() { Value::Null } else { Value::String(String::from_utf8_lossy(&body).into_owned()) },
    }));
    let reply = if s.replies.is_empty() {
        json!({})
    } else {
        s.replies.remove(0)
    };
    let status = StatusCode::from_u16(reply["status"].as_u64().unwrap_or(200) as u16).unwrap();
    let ty = reply["type"]
        .as_str()
        .unwrap_or("application/json")
        .to_string();
    let body = reply["body"].as_str().unwrap_or("{}").to_string();
    (status, [("content-type", ty)], body).into_response()
}

async fn start() -> (String, Arc<Mutex<Stub>>) {
    let stub = Arc::new(Mutex::new(Stub::default()));
    let app = Router::new().fallback(record).with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, stub)
}

fn substitute(v: &Value, from: &str, to: &str) -> Value {
    serde_json::from_str(&v.to_string().replace(from, to)).unwrap()
}

/// Headers compared as a map: their order is not the connector's choice.
fn normalized(seen: &Value) -> Value {
    let mut seen = seen.clone();
    for r in seen["requests"].as_array_mut().into_iter().flatten() {
        let h: BTreeMap<String, Value> = r["headers"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        r["headers"] = json!(h);
        // query parameters compared as a set: their order is not what an API reads (juggler
        // keeps the caller's key order, lb writes the filter's parts in one order)
        if let Some((path, query)) = r["url"].as_str().and_then(|u| u.split_once('?')) {
            let mut pairs: Vec<&str> = query.split('&').collect();
            pairs.sort_unstable();
            r["url"] = json!(format!("{path}?{}", pairs.join("&")));
        }
        // a JSON body compared as JSON (key order kept: it is the connector's choice)
        if let Some(b) = r["body"].as_str() {
            if let Ok(v) = serde_json::from_str::<Value>(b) {
                r["body"] = json!({ "json": v });
            }
        }
    }
    seen
}

async fn run_lb(case: &Value, base: &str, stub: &Arc<Mutex<Stub>>) -> Value {
    {
        let mut s = stub.lock().unwrap();
        s.requests.clear();
        s.replies = case["replies"].as_array().cloned().unwrap_or_default();
    }
    let settings = substitute(&case["datasource"], "{{STUB}}", base);
    let call = &case["call"];
    let outcome = match RestDataSource::from_settings(&settings) {
        Err(e) => Err(e),
        Ok(ds) => {
            if let Some(f) = call["function"].as_str() {
                ds.invoke(f, call["args"].clone()).await
            } else if !call["invoke"].is_null() {
                ds.invoke_template(call["invoke"].clone()).await
            } else if !call["model"].is_null() {
                crud(&settings, call).await
            } else {
                panic!("unknown call {call}")
            }
        }
    };
    let requests = std::mem::take(&mut stub.lock().unwrap().requests);
    let seen = match outcome {
        Ok(v) => json!({"requests": requests, "result": v}),
        Err(e) => json!({
            "requests": requests,
            "error": {"statusCode": e.status.as_u16(), "message": e.message},
        }),
    };
    substitute(&seen, base, "{{STUB}}")
}

/// The model of a CRUD case, as LoopBack's `ds.createModel(name, properties, settings)`.
fn definition(m: &Value) -> &'static ModelDefinition {
    let mut b = ModelDefinition::builder(m["name"].as_str().unwrap());
    for (name, p) in m["properties"].as_object().unwrap() {
        let ty = p.as_str().or_else(|| p["type"].as_str()).unwrap();
        let id = p["id"].as_bool() == Some(true);
        b = b.property(name, DataType::from_lb_name(ty).unwrap(), |x| {
            if id {
                x.id().generated()
            } else {
                x
            }
        });
    }
    let settings = &m["settings"];
    if let Some(p) = settings["plural"].as_str() {
        b = b.plural(p);
    }
    if let Some(r) = settings["resourceName"].as_str() {
        b = b.resource_name(r);
    }
    b = b.strict(match settings["strict"].as_bool() {
        Some(true) => Strict::True,
        _ => Strict::False,
    });
    Box::leak(Box::new(b.build()))
}

/// A CRUD case through lb: the model on a REST datasource, the call through its repository
/// (what the REST API and the typed API both use).
async fn crud(settings: &Value, call: &Value) -> lb::Result<Value> {
    let def = definition(&call["model"]);
    let app = App::builder()
        .datasource("api", RestCrud::from_settings(settings)?)
        .definition(def, "api")
        .build()?;
    let repo = app.repository(&def.name).unwrap();
    let args = call["args"].as_array().cloned().unwrap_or_default();
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    let filter = |v: Value| parse_filter(def, &v, ParseOptions::default());
    let where_ = |v: Value| parse_where(def, &v, ParseOptions::default());
    let row = |r: lb::connector::Row| Value::Object(r.to_object());
    Ok(match call["method"].as_str().unwrap() {
        "create" => row(repo.create(arg(0)).await?),
        "find" => {
            let f = if arg(0).is_null() {
                Filter::default()
            } else {
                filter(arg(0))?
            };
            Value::Array(repo.find(&f).await?.into_iter().map(row).collect())
        }
        "findOne" => {
            let mut f = filter(arg(0))?;
            f.limit = Some(1);
            repo.find(&f)
                .await?
                .into_iter()
                .next()
                .map_or(Value::Null, row)
        }
        "findById" => repo
            .find_by_id(&arg(0), None)
            .await?
            .map_or(Value::Null, row),
        "exists" => Value::Bool(repo.exists(&arg(0)).await?),
        "count" => json!(repo.count(None).await?),
        "updateAttributes" => {
            let id = call["instance"].clone();
            row(repo.patch_attributes(&id, arg(0), &id.to_string()).await?)
        }
        "replaceById" => row(repo.replace_by_id(&arg(0), arg(1)).await?),
        "deleteById" => json!({"count": repo.delete_by_id(&arg(0)).await?}),
        "deleteAll" => json!({"count": repo.delete_all(where_(arg(0))?.as_ref()).await?}),
        "updateAll" => json!({"count": repo.update_all(where_(arg(0))?.as_ref(), arg(1)).await?}),
        other => panic!("unknown method {other}"),
    })
}

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/{name}")).unwrap()).unwrap()
}

#[tokio::test]
async fn lb_sends_and_returns_what_loopback_does() {
    let cases = load("cases.json");
    let recorded = load("recorded.json");
    if std::env::var("LB_REST_DIFFERENTIAL_NODE").is_ok_and(|v| v == "1") {
        let out = std::process::Command::new("node")
            .arg(format!("{DIR}/harness.js"))
            .output()
            .expect("node runs the harness");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fresh: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            fresh, recorded,
            "LoopBack's connector no longer gives recorded.json"
        );
    } else {
        eprintln!(
            "rest_differential: LB_REST_DIFFERENTIAL_NODE is not 1, comparing with the recorded \
             LoopBack answers without running LoopBack's connector"
        );
    }
    let (base, stub) = start().await;
    let mut failures = Vec::new();
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ours = normalized(&run_lb(case, &base, &stub).await);
        let expected = match case.get("divergence") {
            Some(_) => normalized(&case["lb"]),
            None => normalized(&recorded[name]),
        };
        if ours != expected {
            failures.push(format!(
                "{name}:\n  lb:       {ours}\n  expected: {expected}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases["cases"].as_array().unwrap().len(),
        failures.join("\n")
    );
}
