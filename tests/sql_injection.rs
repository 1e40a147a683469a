//! SQL injection attempts over HTTP, on every SQL datasource: in property names, operators,
//! order strings, like patterns, JSON paths, field names, ids and stored values. None may fail
//! the server (5xx), change data, or be read as SQL: every table keeps its rows, and values
//! come back byte for byte.

mod support;

use lb::{App, Model};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "victims", table = "lb_victims")]
pub struct Victim {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
    pub n: Option<f64>,
    pub meta: Option<Value>,
    pub tags: Option<Vec<String>>,
}

const EVIL: &[&str] = &[
    "'; DROP TABLE lb_victims; --",
    "\"; DROP TABLE lb_victims; --",
    "`; DROP TABLE lb_victims; --",
    "' OR '1'='1",
    "\" OR \"1\"=\"1",
    "1 OR 1=1",
    "1; DELETE FROM lb_victims",
    "x') OR ('1'='1",
    "\\'; DELETE FROM lb_victims; --",
    "$1",
    "?",
    "%' OR 1=1 --",
    "$.\"a\"') OR 1=1 --",
    "*/ OR 1=1 /*",
    "name\" DESC; DROP TABLE lb_victims; --",
    "name; DROP TABLE lb_victims",
    "\u{0}",
    "é' || (SELECT version()) || '",
];

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn filter_uri(f: &Value) -> String {
    format!("/api/victims?filter={}", enc(&f.to_string()))
}

#[tokio::test]
async fn injection_attempts_are_data() {
    for url in support::datasource_urls() {
        if url.starts_with("memory:") {
            continue;
        }
        let _g = support::database_lock(&url).await;
        let app = App::builder()
            .datasource_url("db", &url)
            .unwrap()
            .model::<Victim>()
            .build()
            .unwrap();
        app.automigrate().await.unwrap();
        let seed = json!([
            {"name": "a", "n": 1, "meta": {"k": "v"}, "tags": ["x"]},
            {"name": "b", "n": 2},
            {"name": "c", "n": 3, "meta": {"k": 1}},
        ]);
        assert_eq!(
            support::json(&app, "POST", "/api/victims", &seed)
                .await
                .status,
            200
        );

        for evil in EVIL {
            let filters = [
                json!({"where": {*evil: 1}}),
                json!({"where": {*evil: {"gt": 1}}}),
                json!({"where": {"name": {*evil: "a"}}}),
                json!({"where": {"name": *evil}}),
                json!({"where": {"name": {"neq": *evil}}}),
                json!({"where": {"name": {"inq": [*evil]}}}),
                json!({"where": {"name": {"like": *evil}}}),
                json!({"where": {"name": {"ilike": *evil}}}),
                json!({"where": {"name": {"regexp": *evil}}}),
                json!({"where": {"n": {"between": [*evil, *evil]}}}),
                json!({"where": {"tags": *evil}}),
                json!({"where": {format!("meta.{evil}"): *evil}}),
                json!({"where": {"meta.k": *evil}}),
                json!({"order": *evil}),
                json!({"order": format!("name {evil}")}),
                json!({"order": [format!("meta.{evil} DESC")]}),
                json!({"fields": [*evil]}),
                json!({"fields": {*evil: true}}),
                json!({"limit": *evil, "skip": *evil}),
            ];
            for f in &filters {
                let r = support::get(&app, &filter_uri(f)).await;
                assert!(
                    r.status.as_u16() < 500,
                    "{url}: {f}: {} {}",
                    r.status,
                    r.text
                );
            }
            let uris = [
                format!("/api/victims/{}", enc(evil)),
                format!("/api/victims/{}/exists", enc(evil)),
                format!(
                    "/api/victims/count?where={}",
                    enc(&json!({"name": evil}).to_string())
                ),
                format!("/api/victims?filter[where][{}]=1", enc(evil)),
                format!("/api/victims?filter[order]={}", enc(evil)),
            ];
            for uri in &uris {
                let r = support::get(&app, uri).await;
                assert!(
                    r.status.as_u16() < 500,
                    "{url}: {uri}: {} {}",
                    r.status,
                    r.text
                );
            }
            // writes: evil keys are unknown properties (dropped), evil values are stored as is
            let uri = format!(
                "/api/victims/update?where={}",
                enc(&json!({"name": evil}).to_string())
            );
            let r = support::json(&app, "POST", &uri, &json!({*evil: 1, "n": 9})).await;
            assert!(
                r.status.as_u16() < 500,
                "{url}: update: {} {}",
                r.status,
                r.text
            );
            assert_eq!(r.json(), json!({"count": 0}), "{url}: {evil}");
            let r = support::json(
                &app,
                "DELETE",
                &format!("/api/victims/{}", enc(evil)),
                &Value::Null,
            )
            .await;
            assert!(
                r.status.as_u16() < 500,
                "{url}: delete: {} {}",
                r.status,
                r.text
            );
        }

        // nothing was dropped, deleted or changed
        let rows = support::get(&app, "/api/victims").await.json();
        assert_eq!(rows.as_array().map(Vec::len), Some(3), "{url}: {rows}");
        assert_eq!(rows[0]["n"], 1, "{url}");

        // every evil string is stored and read back exactly, and found by equality
        let mut stored = 0;
        for evil in EVIL {
            let body = json!({"name": evil, "meta": {*evil: evil}, "tags": [evil]});
            let r = support::json(&app, "POST", "/api/victims", &body).await;
            if evil.contains('\0') && url.starts_with("postgres") {
                // PostgreSQL text cannot hold U+0000: a client error, nothing stored
                assert_eq!(r.status, 400, "{url}: {}", r.text);
                continue;
            }
            stored += 1;
            assert_eq!(r.status, 200, "{url}: {evil:?}: {}", r.text);
            let id = r.json()["id"].clone();
            let back = support::get(&app, &format!("/api/victims/{id}"))
                .await
                .json();
            assert_eq!(back["name"], json!(evil), "{url}");
            assert_eq!(back["meta"], json!({*evil: evil}), "{url}");
            assert_eq!(back["tags"], json!([evil]), "{url}");
            let found = support::get(&app, &filter_uri(&json!({"where": {"name": evil}}))).await;
            assert_eq!(
                found.json().as_array().map(Vec::len),
                Some(1),
                "{url}: {evil:?}"
            );
            let by_tag = support::get(&app, &filter_uri(&json!({"where": {"tags": evil}}))).await;
            assert_eq!(
                by_tag.json().as_array().map(Vec::len),
                Some(1),
                "{url}: {evil:?}"
            );
        }
        let count = support::get(&app, "/api/victims/count").await.json();
        assert_eq!(count["count"], 3 + stored, "{url}");
    }
}
