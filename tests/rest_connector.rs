//! The REST connector against a local stub server (no internet): template grammar rows,
//! sources, responsePath, errors with status/headers/body, timeouts, hooks, and each of
//! loopback-connector-rest's known bugs shown fixed.
#![cfg(feature = "rest")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{any, get};
use axum::{Json, Router};
use lb::connector::rest::RestDataSource;
use serde_json::{json, Map, Value};

/// What the stub saw of the last request.
#[derive(Default, Clone, Debug)]
struct Seen {
    uri: String,
    headers: Vec<(String, String)>,
    body: String,
}

type Log = Arc<Mutex<Seen>>;

/// A stub API on a free port: `/echo/..` records and answers `{"ok": true}`, `/geocode`
/// answers a Google-like document, `/fail/:status` fails, `/slow` takes 2 s, `/text` is
/// plain text.
async fn stub() -> (String, Log) {
    let log: Log = Arc::default();
    let l = log.clone();
    let app = Router::new()
        .route(
            "/echo/{*rest}",
            any(move |req: Request| {
                let l = l.clone();
                async move {
                    let uri = req.uri().to_string();
                    let headers = req
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                        .collect();
                    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                        .await
                        .unwrap();
                    *l.lock().unwrap() = Seen {
                        uri,
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    };
                    Json(json!({"ok": true}))
                }
            }),
        )
        .route(
            "/geocode",
            get(|Query(q): Query<Map<String, Value>>| async move {
                let address = q
                    .get("address")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                Json(json!({"results": [
                    {"formatted": address, "geometry": {"location": {"lat": 37.4, "lng": -122.1}}},
                    {"formatted": "second", "geometry": {"location": {"lat": 1.0, "lng": 2.0}}}
                ]}))
            }),
        )
        .route(
            "/fail/{status}",
            get(|Path(status): Path<u16>| async move {
                let mut h = HeaderMap::new();
                h.insert("x-reason", "testing".parse().unwrap());
                (
                    StatusCode::from_u16(status).unwrap(),
                    h,
                    Json(json!({"error": {"message": "nope"}})),
                )
            }),
        )
        .route("/text", get(|| async { "plain words" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, log)
}

fn ds(settings: Value) -> RestDataSource {
    RestDataSource::from_settings(&settings).unwrap()
}

#[tokio::test]
async fn geocoder_with_response_path() {
    let (base, _) = stub().await;
    let geo = ds(json!({
        "operations": [{
            "template": {
                "method": "GET",
                "url": format!("{base}/geocode"),
                "query": {"address": "{street},{city},{zipcode}", "sensor": "{sensor=false}"},
                "responsePath": "$.results[0].geometry.location"
            },
            "functions": {"geocode": ["street", "city", "zipcode"]}
        }, {
            "template": {
                "url": format!("{base}/geocode"),
                "query": {"address": "{address}"},
                "responsePath": "$.results[*].formatted",
                "responsePathWrap": false
            },
            "functions": {"firstFormatted": ["address"]}
        }, {
            "template": {"url": format!("{base}/geocode"), "fullResponse": true},
            "functions": {"full": []}
        }]
    }));
    // LoopBack's default: the matches wrapped in an array
    let v = geo
        .invoke("geocode", json!(["107 S B St", "San Mateo", "94401"]))
        .await
        .unwrap();
    assert_eq!(v, json!([{"lat": 37.4, "lng": -122.1}]));
    // every operation is callable by name (LoopBack's invoke only reached the last one)
    let v = geo
        .invoke("firstFormatted", json!({"address": "x"}))
        .await
        .unwrap();
    assert_eq!(v, json!("x"), "the single match, unwrapped");
    let v = geo.invoke("full", json!([])).await.unwrap();
    assert_eq!(v["statusCode"], 200);
    assert_eq!(v["headers"]["content-type"], "application/json");
    assert_eq!(v["body"]["results"][1]["formatted"], "second");
}

#[tokio::test]
async fn grammar_sources_and_encoding() {
    let (base, log) = stub().await;
    let api = ds(json!({
        "options": {"headers": {"x-api-key": "secret", "accept": "application/json"}},
        "operations": [{
            "template": {
                "method": "{verb=POST}",
                "options": {"headers": {"x-op": "op-level", "x-trace": "loses"}},
                "url": format!("{base}/echo/items/{{!id}}/{{part}}"),
                "headers": {"x-trace": "{trace}", "x-optional": "{optional}"},
                "query": {"limit": "{limit=10:number}", "skip": "{skip:integer}", "tag": "{tags:array}"},
                "body": {
                    "name": "{^name}",
                    "count": "{count:number}",
                    "on": "{on:boolean}",
                    "meta": "{meta:object}",
                    "label": "{x=100}ABC{^y}123",
                    "absent": "{absent}",
                    "{key}": "keyed"
                }
            },
            "functions": {
                "save": ["id", "part", "name", "count", "on", "meta", "y", "key", "trace", "tags",
                         {"name": "skip", "source": "header"}]
            }
        }]
    }));
    api.invoke(
        "save",
        json!({
            "id": "a/b c?d=1#x", "part": "p&q", "name": "n", "count": "12", "on": "true",
            "meta": "{\"k\": [1]}", "y": "Y", "key": "dyn", "trace": "t1", "tags": ["a", "b"],
            "skip": 3
        }),
    )
    .await
    .unwrap();
    let seen = log.lock().unwrap().clone();
    // path values are percent-encoded: they cannot add segments or a query string
    assert!(
        seen.uri
            .starts_with("/echo/items/a%2Fb%20c%3Fd%3D1%23x/p%26q?"),
        "{}",
        seen.uri
    );
    assert!(seen.uri.contains("limit=10"), "{}", seen.uri);
    // arrays as LoopBack's `qs` writes them
    assert!(
        seen.uri.contains("tag%5B0%5D=a&tag%5B1%5D=b"),
        "{}",
        seen.uri
    );
    // a parameter's `source` says where a REST client puts it, not where it is sent
    assert!(seen.uri.contains("skip=3"), "{}", seen.uri);
    let header = |n: &str| {
        seen.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-trace").as_deref(), Some("t1"));
    assert_eq!(
        header("x-optional"),
        None,
        "missing optional headers are dropped"
    );
    assert_eq!(header("x-api-key").as_deref(), Some("secret"));
    assert_eq!(
        header("x-op"),
        None,
        "operation-level options.headers give way to the template's headers (LoopBack)"
    );
    assert_eq!(header("skip"), None);
    let body: Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(
        body,
        json!({
            "name": "n", "count": 12, "on": "true", "meta": "{\"k\": [1]}",
            "label": "100ABCY123", "absent": null, "dyn": "keyed"
        })
    );

    // a missing required variable: a 400 error value, nothing sent
    *log.lock().unwrap() = Seen::default();
    let e = api
        .invoke("save", json!({"name": "n", "y": "Y"}))
        .await
        .unwrap_err();
    assert_eq!(e.status, 400, "{}", e.message);
    assert_eq!(e.message, "Required variable id has no value");
    assert!(log.lock().unwrap().uri.is_empty(), "nothing was sent");
    // a value that does not fit its type: an error, not NaN/null
    let e = api
        .invoke(
            "save",
            json!({"id": 1, "name": "n", "y": "Y", "count": "lots"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status, 400);
    assert_eq!(e.message, "Variable count must be a number, not \"lots\"");
    // a boolean: the text `false` is false, other text passes as LoopBack sends it
    api.invoke(
        "save",
        json!({"id": 1, "name": "n", "y": "Y", "on": "FALSE"}),
    )
    .await
    .unwrap();
    let body: Value = serde_json::from_str(&log.lock().unwrap().body).unwrap();
    assert_eq!(body["on"], false);
    // a value that looks like a template is sent as it is, never expanded again
    api.invoke(
        "save",
        json!({"id": 1, "name": "my name is {name} {__proto__}", "y": "{y}"}),
    )
    .await
    .unwrap();
    let body: Value = serde_json::from_str(&log.lock().unwrap().body).unwrap();
    assert_eq!(body["name"], "my name is {name} {__proto__}");
    assert_eq!(body["label"], "100ABC{y}123");
    // positional arguments follow the parameter order
    api.invoke("save", json!(["i1", "p", "n2", 1, false, null, "Y"]))
        .await
        .unwrap();
    assert!(log.lock().unwrap().uri.starts_with("/echo/items/i1/p?"));
}

#[tokio::test]
async fn remote_errors_timeouts_and_text() {
    let (base, _) = stub().await;
    let api = ds(json!({
        "options": {"timeout": 300},
        "operations": [
            {"template": {"url": format!("{base}/fail/{{status:integer}}")}, "functions": {"fail": ["status"]}},
            {"template": {"url": format!("{base}/slow")}, "functions": {"slow": []}},
            {"template": {"url": format!("{base}/text")}, "functions": {"text": []}},
            {"template": {"url": "http://127.0.0.1:9/nothing"}, "functions": {"down": []}}
        ]
    }));
    for status in [404, 422, 500, 503] {
        let e = api.invoke("fail", json!([status])).await.unwrap_err();
        assert_eq!(e.status.as_u16(), status);
        assert_eq!(e.message, r#"{"error":{"message":"nope"}}"#);
        let d = e.details.as_deref().unwrap();
        assert_eq!(d["statusCode"], status);
        assert_eq!(d["headers"]["x-reason"], "testing");
        assert_eq!(d["body"], json!({"error": {"message": "nope"}}));
    }
    let started = std::time::Instant::now();
    let e = api.invoke("slow", json!([])).await.unwrap_err();
    assert_eq!(e.status, 504, "{}", e.message);
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(
        api.invoke("text", json!([])).await.unwrap(),
        json!("plain words")
    );
    let e = api.invoke("down", json!([])).await.unwrap_err();
    assert_eq!(e.status, 502, "{}", e.message);
}

#[tokio::test]
async fn hooks_see_and_change_requests_and_responses() {
    let (base, log) = stub().await;
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (c1, c2) = (calls.clone(), calls.clone());
    let api = ds(json!({
        "operations": [{
            "template": {"method": "GET", "url": format!("{base}/echo/{{what}}")},
            "functions": {"get": ["what"]}
        }]
    }))
    .before_execute(move |mut req| {
        let c = c1.clone();
        async move {
            c.lock()
                .unwrap()
                .push(format!("before {} {}", req.method, req.url));
            req.headers
                .push(("authorization".into(), "Bearer t".into()));
            Ok(req)
        }
    })
    .after_execute(move |mut res| {
        let c = c2.clone();
        async move {
            c.lock().unwrap().push(format!("after {}", res.status));
            res.body["seen"] = json!(true);
            Ok(res)
        }
    });
    let v = api.invoke("get", json!(["x"])).await.unwrap();
    assert_eq!(v, json!({"ok": true, "seen": true}));
    let seen = log.lock().unwrap().clone();
    assert!(seen
        .headers
        .iter()
        .any(|(k, v)| k == "authorization" && v == "Bearer t"));
    assert_eq!(
        *calls.lock().unwrap(),
        [format!("before GET {base}/echo/x"), "after 200".to_string()]
    );
}

#[test]
fn configuration_mistakes_are_errors() {
    let bad = [
        json!({"operations": [{"template": {"method": "GET"}}]}),
        json!({"operations": [{"template": {"url": "http://h"}, "functions": {"f": [{"name": "a", "source": "cookie"}]}}]}),
    ];
    for b in bad {
        assert!(RestDataSource::from_settings(&b).is_err(), "{b}");
    }
    // what LoopBack accepts builds: a parameter that names no variable (unused), and a
    // responsePath lb cannot read (its calls fail, naming the path: tests/rest_differential)
    let accepted = [
        json!({"operations": [{"template": {"url": "http://h", "responsePath": "$[?"}}]}),
        json!({"operations": [{"template": {"url": "http://h/{a}"}, "functions": {"f": ["b"]}}]}),
    ];
    for a in accepted {
        assert!(RestDataSource::from_settings(&a).is_ok(), "{a}");
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, lb::Model)]
#[model(path = "places")]
pub struct Place {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

/// A REST datasource from `datasources.json` (with `${VAR}`), its functions published as
/// remote methods of a model, in the OpenAPI document too.
#[tokio::test]
async fn functions_as_remote_methods_of_a_model() {
    let (base, _) = stub().await;
    std::env::set_var("LB_TEST_GEO_URL", &base);
    let config = json!({
        "db": {"connector": "memory"},
        "geo": {
            "connector": "rest",
            "operations": [{
                "template": {
                    "method": "GET",
                    "url": "${LB_TEST_GEO_URL}/geocode",
                    "query": {"address": "{street},{city},{zipcode}"},
                    "responsePath": "$.results[0].geometry.location"
                },
                "functions": {"geocode": ["street", "city", "zipcode"]}
            }]
        }
    });
    let app = lb::App::builder()
        .datasources_json(&config.to_string())
        .unwrap()
        .model::<Place>()
        .rest_methods("Place", "geo")
        .build()
        .unwrap();
    let v = app
        .rest("geo")
        .unwrap()
        .invoke(
            "geocode",
            json!({"street": "1 Main", "city": "Reno", "zipcode": "89501"}),
        )
        .await
        .unwrap();
    assert_eq!(v, json!([{"lat": 37.4, "lng": -122.1}]));
    let r = support_get(
        &app,
        "/api/places/geocode?street=1%20Main&city=Reno&zipcode=89501",
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(
        serde_json::from_str::<Value>(&r.1).unwrap(),
        json!([{"lat": 37.4, "lng": -122.1}])
    );
    let doc = serde_json::to_value(app.openapi()).unwrap();
    let op = &doc["paths"]["/api/places/geocode"]["get"];
    assert_eq!(op["operationId"], "Place.geocode", "{op}");
    let params: Vec<&str> = op["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["street", "city", "zipcode"]);
    // a remote error keeps its status through the app
    let e =
        lb::App::builder().rest_settings("bad", &json!({"operations": [{"template": {"url": 5}}]}));
    assert!(e.is_err());
}

/// GET through the app's router: (status, body).
async fn support_get(app: &lb::App, uri: &str) -> (u16, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .uri(uri)
        .body(axum::body::Body::empty())
        .unwrap();
    let res = app.clone().into_router().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

lb::rest_client! {
    /// A typed client of the stub's geocoder (the template inline).
    struct Maps = r#"{"operations": [{
        "template": {
            "url": "{!base}/geocode",
            "query": {"address": "{address}", "limit": "{limit=1:integer}"},
            "responsePath": "$.results[*].formatted"
        },
        "functions": {"formatted": ["base", "address", "limit"]}
    }]}"#;
}

/// The typed client: parameters typed by the template, checked by the compiler.
#[tokio::test]
async fn a_typed_client_from_the_template() {
    let (base, _) = stub().await;
    let maps = Maps::new().unwrap();
    let v = maps.formatted(&base, Some("1 Main"), None).await.unwrap();
    assert_eq!(v, json!(["1 Main", "second"]));
    let v = maps.formatted(&base, None, Some(2)).await.unwrap();
    assert_eq!(v, json!(["", "second"]));
    assert!(Maps::SETTINGS.contains("responsePath"));
    assert!(maps.datasource().function("formatted").is_some());
}

/// Operations without `functions` are called as LoopBack's `dataSource.invoke(params)` calls
/// them (the last operation), or any of them by position; a wrong position or arguments
/// that are neither named nor positional are errors, nothing sent.
#[tokio::test]
async fn operations_without_functions() {
    let (base, log) = stub().await;
    let api = ds(json!({"operations": [
        {"template": {"url": format!("{base}/echo/first"), "query": {"q": "{q}"}}},
        {"template": {"url": format!("{base}/echo/last"), "query": {"q": "{q}"}}}
    ]}));
    api.invoke_template(json!({"q": "x"})).await.unwrap();
    assert_eq!(log.lock().unwrap().uri, "/echo/last?q=x");
    api.invoke_operation(0, json!({"q": "y"})).await.unwrap();
    assert_eq!(log.lock().unwrap().uri, "/echo/first?q=y");
    *log.lock().unwrap() = Seen::default();
    assert!(api.invoke_operation(2, json!({})).await.is_err());
    let e = api
        .invoke_operation(0, json!(["positional"]))
        .await
        .unwrap_err();
    assert_eq!(e.status, 400, "{}", e.message);
    let e = api.invoke_template(json!("text")).await.unwrap_err();
    assert_eq!(e.status, 400, "{}", e.message);
    assert!(log.lock().unwrap().uri.is_empty(), "nothing was sent");
}
