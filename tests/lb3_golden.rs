//! Replays the answers recorded from a real LoopBack 3 app (`tests/fixtures/lb3/recorded`)
//! against the locations example and requires the same status and the same body, byte for
//! byte in key order. Steps where lb deliberately answers differently are listed in
//! `tests/fixtures/lb3/divergences.json` with lb's expected answer and the reason
//! (each one is also in docs/compat.md).

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

#[derive(serde::Deserialize)]
struct Divergence {
    reason: String,
    status: u16,
    body: Value,
}

fn remove_path(v: &mut Value, path: &str) {
    if path == "$text" {
        if let Some(o) = v.as_object_mut() {
            o.remove("$text");
        }
        return;
    }
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, p) in parts.iter().enumerate() {
        let Some(o) = cur.as_object_mut() else { return };
        if i == parts.len() - 1 {
            o.remove(*p);
            return;
        }
        match o.get_mut(*p) {
            Some(next) => cur = next,
            None => return,
        }
    }
}

/// `{{name}}` → a value captured from an earlier answer, `{{name|base64}}` → its base64 (as
/// `record.py` does).
fn substitute(text: &str, vars: &BTreeMap<String, String>) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let Some(j) = rest[i..].find("}}") else { break };
        out.push_str(&rest[..i]);
        let spec = &rest[i + 2..i + j];
        let (name, f) = spec.split_once('|').unwrap_or((spec, ""));
        let v = vars
            .get(name)
            .unwrap_or_else(|| panic!("{name} was not captured"));
        match f {
            "base64" => out.push_str(&base64::engine::general_purpose::STANDARD.encode(v)),
            _ => out.push_str(v),
        }
        rest = &rest[i + j + 2..];
    }
    out.push_str(rest);
    out
}

/// `"capture": {"name": "dotted.path"}`: remembers values of an answer.
fn capture(step: &Value, body: &Value, vars: &mut BTreeMap<String, String>) {
    for (name, path) in step
        .get("capture")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let mut cur = body;
        for p in path.as_str().unwrap().split('.') {
            cur = &cur[p];
        }
        let v = match cur {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        vars.insert(name.clone(), v);
    }
}

/// The JSON text: comparing texts keeps key order significant (Map equality ignores it).
fn ordered(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// Answers that differ from the recording: `(step, message)`; `total` counts the steps.
struct Replay {
    total: usize,
    failures: Vec<String>,
    used: std::collections::BTreeSet<String>,
    dump: serde_json::Map<String, Value>,
}

/// Removes `null` members of objects, recursively: a SQL table has a column per property, so
/// what the memory connector leaves out comes back as `null` (as in LoopBack's SQL connectors).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(o) => {
            o.retain(|_, x| !x.is_null());
            o.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

fn load_divergences(dir: &Path, file: &str) -> BTreeMap<String, Divergence> {
    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
}

/// Replays every recorded scenario on a fresh app over `url`.
async fn replay(url: &str, divergences: &BTreeMap<String, Divergence>) -> Replay {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lb3");
    let sql = !url.starts_with("memory:");
    let mut out = Replay {
        total: 0,
        failures: Vec::new(),
        used: std::collections::BTreeSet::new(),
        dump: serde_json::Map::new(),
    };
    let mut files: Vec<_> = std::fs::read_dir(dir.join("recorded"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for file in files {
        let scenario: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let name = scenario["name"].as_str().unwrap().to_string();
        // the whole example, as the LoopBack 3 app: its users, notes and memos, the admin seeded
        let app = support::full_app_with(|b| b.datasource_url("db", url).expect("datasource"));
        app.automigrate().await.expect("automigrate");
        support::models::seed_admin(&app).await.expect("seed");
        let mut vars = BTreeMap::new();
        for (i, step) in scenario["steps"].as_array().unwrap().iter().enumerate() {
            out.total += 1;
            let key = format!("{name}#{i}");
            let method = step["method"].as_str().unwrap();
            let mut uri = substitute(step["path"].as_str().unwrap(), &vars);
            if let Some(q) = step.get("query").and_then(Value::as_str) {
                uri = format!("{uri}?{}", substitute(q, &vars));
            }
            let headers: Vec<(String, String)> = step
                .get("headers")
                .and_then(Value::as_object)
                .map(|h| {
                    h.iter()
                        .map(|(k, v)| (k.clone(), substitute(v.as_str().unwrap_or(""), &vars)))
                        .collect()
                })
                .unwrap_or_default();
            let hdrs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let body = step
                .get("body")
                .and_then(Value::as_str)
                .map(|b| substitute(b, &vars));
            let reply = support::send(&app, method, &uri, &hdrs, body.as_deref()).await;
            let (mut want_status, mut want_body) = (
                step["response"]["status"].as_u64().unwrap_or(0) as u16,
                step["response"]["body"].clone(),
            );
            let mut got_body = reply.json();
            capture(step, &got_body, &mut vars);
            if let Some(d) = divergences.get(&key) {
                out.used.insert(key.clone());
                assert!(
                    (want_status, &want_body) != (d.status, &d.body),
                    "{key}: listed as a divergence ({}) but the answer is the same",
                    d.reason
                );
                want_status = d.status;
                want_body = d.body.clone();
            }
            for p in step
                .get("ignore")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let p = p.as_str().unwrap();
                remove_path(&mut want_body, p);
                remove_path(&mut got_body, p);
            }
            if sql {
                strip_nulls(&mut want_body);
                strip_nulls(&mut got_body);
            }
            if reply.status.as_u16() != want_status || ordered(&got_body) != ordered(&want_body) {
                out.dump.insert(
                    key.clone(),
                    serde_json::json!({"status": reply.status.as_u16(), "body": got_body.clone()}),
                );
                out.failures.push(format!(
                    "{key} {method} {uri} {}\n    want {want_status} {want_body}\n    got  {} {got_body}",
                    step.get("note").and_then(Value::as_str).unwrap_or(""),
                    reply.status.as_u16()
                ));
            }
        }
    }
    out
}

fn check(url: &str, r: Replay, divergences: &BTreeMap<String, Divergence>, file: &str) {
    // LB3_GOLDEN_DUMP=file writes lb's answers to the differing steps (to review divergences)
    if let Ok(path) = std::env::var("LB3_GOLDEN_DUMP") {
        std::fs::write(
            path,
            serde_json::to_string_pretty(&Value::Object(r.dump)).unwrap(),
        )
        .unwrap();
    }
    let stale: Vec<_> = divergences
        .keys()
        .filter(|k| !r.used.contains(*k))
        .collect();
    assert!(
        stale.is_empty(),
        "{file} lists steps that do not exist: {stale:?}"
    );
    assert!(
        r.failures.is_empty(),
        "{url}: {} of {} recorded LoopBack 3 answers differ:\n{}",
        r.failures.len(),
        r.total,
        r.failures.join("\n")
    );
}

#[tokio::test]
async fn lb3_golden_answers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lb3");
    let divergences = load_divergences(&dir, "divergences.json");
    let r = replay("memory:", &divergences).await;
    check("memory:", r, &divergences, "divergences.json");
}

/// The same recording on every SQL database, compared without `null` members (see
/// [`strip_nulls`]); the steps where SQL storage itself answers differently are listed in
/// `divergences_sql.json` (on top of `divergences.json`), each with its reason.
#[tokio::test]
async fn lb3_golden_answers_on_sql() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lb3");
    let mut divergences = load_divergences(&dir, "divergences.json");
    divergences.extend(load_divergences(&dir, "divergences_sql.json"));
    for url in support::datasource_urls() {
        if url.starts_with("memory:") {
            continue;
        }
        let _g = support::database_lock(&url).await;
        let r = replay(&url, &divergences).await;
        check(&url, r, &divergences, "divergences_sql.json");
    }
}
