//! The application platform: middleware at LoopBack's 21 phase slots (a marker in every slot),
//! the built-in middleware (CORS as the `cors` package answers, helmet's headers, status,
//! static files, compression, request ids, timeouts), `middleware.json` and `config.json`
//! read from a LoopBack `server/` folder with per-environment files and `${VAR}`, and the
//! start-up errors of bad configuration.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use lb::middleware::{Cors, Phase, SecurityHeaders, Slot, SubPhase};
use lb::App;
use serde_json::{json, Value};
use tower::ServiceExt;

/// A whole answer: status, headers, body.
async fn send(
    app: &App,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .into_router()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

const SUBS: [SubPhase; 3] = [SubPhase::Before, SubPhase::Main, SubPhase::After];

#[tokio::test]
async fn a_marker_in_every_slot_runs_in_loopbacks_order() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut slots: Vec<Slot> = Vec::new();
    for p in [
        "initial", "session", "auth", "audit", "parse", "routes", "files", "final",
    ] {
        for s in SUBS {
            slots.push(Slot(Phase::named(p), s));
        }
    }
    // registered in reverse: the order comes from the phases, not from registration
    let app = support::app_with(|mut b| {
        b = b.middleware_phases(["audit"]);
        for slot in slots.iter().rev() {
            let seen = seen.clone();
            let name = slot.to_string();
            b = b.middleware(
                slot.clone(),
                tower::util::MapRequestLayer::new(move |req: Request<Body>| {
                    seen.lock().unwrap().push(name.clone());
                    req
                }),
            );
        }
        b
    });
    let names = |v: &[&str]| -> Vec<String> {
        v.iter()
            .flat_map(|p| [format!("{p}:before"), p.to_string(), format!("{p}:after")])
            .collect()
    };
    // a request a route answers: every slot up to `routes`, the app's own phase before `parse`
    let (s, _, _) = send(&app, "GET", "/api/locations", &[]).await;
    assert_eq!(s, StatusCode::OK);
    let mut want = names(&["initial", "session", "auth", "audit", "parse"]);
    want.extend(["routes:before".to_string(), "routes".to_string()]);
    assert_eq!(*seen.lock().unwrap(), want);
    // a request no route answers: all 24 slots, then LoopBack's 404
    seen.lock().unwrap().clear();
    let (s, _, body) = send(&app, "GET", "/nothing/here", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(&body)["error"]["message"],
        "Cannot GET /nothing/here"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        names(&["initial", "session", "auth", "audit", "parse", "routes", "files", "final"])
    );
    assert_eq!(app.middleware_order().len(), 24);
    assert_eq!(app.middleware_order()[9].0, "audit:before");
}

#[tokio::test]
async fn a_phase_the_app_did_not_define_is_a_build_error() {
    let e = App::builder()
        .middleware(
            Slot::parse("nope:after").unwrap(),
            tower::util::MapRequestLayer::new(|r: Request<Body>| r),
        )
        .build()
        .unwrap_err();
    assert!(
        e.message.contains("phase \"nope\" is not defined"),
        "{}",
        e.message
    );
    assert!(Slot::parse("routes:during").is_err());
}

#[tokio::test]
async fn cors_answers_as_the_loopback_scaffold_configures_it() {
    let app = support::app_with(|b| b.cors(Cors::default()));
    let origin = "https://app.example.com";
    // preflight
    let (s, h, body) = send(
        &app,
        "OPTIONS",
        "/api/locations",
        &[
            ("origin", origin),
            ("access-control-request-method", "PATCH"),
            (
                "access-control-request-headers",
                "content-type,x-access-token",
            ),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(body.is_empty());
    assert_eq!(header(&h, "access-control-allow-origin"), Some(origin));
    assert_eq!(header(&h, "access-control-allow-credentials"), Some("true"));
    assert_eq!(
        header(&h, "access-control-allow-methods"),
        Some("GET,HEAD,PUT,PATCH,POST,DELETE")
    );
    assert_eq!(
        header(&h, "access-control-allow-headers"),
        Some("content-type,x-access-token")
    );
    assert_eq!(header(&h, "access-control-max-age"), Some("86400"));
    assert_eq!(
        header(&h, "vary"),
        Some("Origin, Access-Control-Request-Headers")
    );
    assert_eq!(header(&h, "content-length"), Some("0"));
    // a simple request, and an error answer: the same three headers
    for (uri, status) in [
        ("/api/locations", 200),
        ("/api/locations/999", 404),
        ("/nope", 404),
    ] {
        let (s, h, _) = send(&app, "GET", uri, &[("origin", origin)]).await;
        assert_eq!(s.as_u16(), status, "{uri}");
        assert_eq!(
            header(&h, "access-control-allow-origin"),
            Some(origin),
            "{uri}"
        );
        assert_eq!(header(&h, "access-control-allow-credentials"), Some("true"));
        assert_eq!(header(&h, "vary"), Some("Origin"));
        assert_eq!(header(&h, "access-control-max-age"), None);
    }
    // no Origin: nothing to reflect
    let (_, h, _) = send(&app, "GET", "/api/locations", &[]).await;
    assert_eq!(header(&h, "access-control-allow-origin"), None);
    // the `cors` package's own defaults, and a list of origins
    let star = Cors::from_json(&json!({})).unwrap().unwrap();
    let app = support::app_with(|b| b.cors(star));
    let (_, h, _) = send(&app, "GET", "/api/locations", &[("origin", origin)]).await;
    assert_eq!(header(&h, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&h, "vary"), None);
    assert_eq!(header(&h, "access-control-allow-credentials"), None);
    let listed = Cors::from_json(&json!({"origin": ["https://a.example"]}))
        .unwrap()
        .unwrap();
    let app = support::app_with(|b| b.cors(listed));
    let (_, h, _) = send(&app, "GET", "/api/locations", &[("origin", origin)]).await;
    assert_eq!(header(&h, "access-control-allow-origin"), None);
    let (_, h, _) = send(
        &app,
        "GET",
        "/api/locations",
        &[("origin", "https://a.example")],
    )
    .await;
    assert_eq!(
        header(&h, "access-control-allow-origin"),
        Some("https://a.example")
    );
    assert!(Cors::from_json(&json!({"origin": false}))
        .unwrap()
        .is_none());
    assert!(Cors::from_json(&json!({"orign": true})).is_err());
}

#[tokio::test]
async fn helmet_headers_status_route_and_static_files() {
    let dir = std::env::temp_dir().join(format!("lb-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello.txt"), "hello from a file").unwrap();
    let app = support::app_with(|b| b.scaffold_defaults().static_files(&dir));
    for uri in [
        "/api/locations",
        "/api/locations/999",
        "/hello.txt",
        "/missing",
    ] {
        let (_, h, _) = send(&app, "GET", uri, &[]).await;
        assert_eq!(header(&h, "x-frame-options"), Some("DENY"), "{uri}");
        assert_eq!(header(&h, "x-xss-protection"), Some("1; mode=block"));
        assert_eq!(
            header(&h, "strict-transport-security"),
            Some("max-age=0; includeSubDomains")
        );
        assert_eq!(header(&h, "x-download-options"), Some("noopen"));
        assert_eq!(header(&h, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(&h, "x-powered-by"), None);
    }
    let (s, _, body) = send(&app, "GET", "/", &[]).await;
    assert_eq!(s, StatusCode::OK);
    let v = json_of(&body);
    assert!(v["started"].as_str().unwrap().ends_with('Z'), "{v}");
    assert!(v["uptime"].as_f64().unwrap() >= 0.0);
    let (s, _, body) = send(&app, "GET", "/hello.txt", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, b"hello from a file");
    // a POST to a file's path and a missing file end at LoopBack's 404
    let (s, _, body) = send(&app, "POST", "/hello.txt", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&body)["error"]["message"], "Cannot POST /hello.txt");
    let (s, _, _) = send(&app, "GET", "/missing", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // helmet() of helmet 3 for code that wants it
    let app = support::app_with(|b| b.security_headers(SecurityHeaders::helmet()));
    let (_, h, _) = send(&app, "GET", "/api/locations", &[]).await;
    assert_eq!(header(&h, "x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(header(&h, "x-dns-prefetch-control"), Some("off"));
    assert_eq!(
        header(&h, "strict-transport-security"),
        Some("max-age=15552000; includeSubDomains")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `server/` folder of LoopBack files in a fresh temporary directory.
fn server_dir(files: &[(&str, Value)]) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("lb-boot-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, v) in files {
        std::fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
    }
    dir
}

fn booted(dir: &std::path::Path, env: &str) -> lb::Result<App> {
    App::builder()
        .model::<support::models::Location>()
        .model::<support::models::Inventory>()
        .model::<support::models::Product>()
        .config_dir_for(dir, env)?
        .build()
}

#[tokio::test]
async fn a_loopback_server_folder_with_per_environment_files() {
    std::env::set_var("LB_PLATFORM_TEST_ROOT", "/v2");
    let dir = server_dir(&[
        (
            "config.json",
            json!({"restApiRoot": "/api", "host": "0.0.0.0", "port": 3000,
                   "remoting": {"context": false, "rest": {"normalizeHttpPath": false, "xml": false, "handleErrors": false},
                                "json": {"strict": false, "limit": "100kb"}, "urlencoded": {"extended": true, "limit": "100kb"},
                                "cors": false},
                   "legacyExplorer": false, "myFeature": {"enabled": true}}),
        ),
        ("config.local.json", json!({"port": 3100})),
        (
            "config.production.json",
            json!({"restApiRoot": "${LB_PLATFORM_TEST_ROOT}", "remoting": {"json": {"limit": "1kb"}, "urlencoded": {"limit": "1kb"}}}),
        ),
        (
            "middleware.json",
            json!({
                "initial:before": {"loopback#favicon": {}},
                "initial": {"compression": {}, "cors": {"params": {"origin": true, "credentials": true, "maxAge": 86400}},
                            "helmet#frameguard": {"params": ["deny"]}, "request-id": {}},
                "routes:before": {"loopback#status": {}},
                "routes": {"loopback#rest": {"paths": ["${restApiRoot}"]}},
                "final": {"loopback#urlNotFound": {}},
                "final:after": {"strong-error-handler": {}}
            }),
        ),
        (
            "middleware.production.json",
            json!({"final:after": {"strong-error-handler": {"params": {"debug": false, "log": true, "safeFields": ["code"]}}}}),
        ),
        (
            "middleware.development.json",
            json!({"final:after": {"strong-error-handler": {"params": {"debug": true}}}}),
        ),
    ]);
    // development: the main files with config.local.json
    let app = booted(&dir, "development").unwrap();
    assert_eq!(app.rest_api_root(), "/api");
    assert_eq!(app.setting("port"), Some(&json!(3100)));
    assert_eq!(app.setting("myFeature"), Some(&json!({"enabled": true})));
    assert!(app.debug(), "middleware.development.json turns debug on");
    let (s, h, body) = send(
        &app,
        "GET",
        "/api/locations",
        &[("origin", "https://x.example"), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        header(&h, "access-control-allow-origin"),
        Some("https://x.example")
    );
    assert_eq!(header(&h, "x-frame-options"), Some("DENY"));
    assert_eq!(header(&h, "x-request-id").map(str::len), Some(36));
    assert_eq!(json_of(&body), json!([]));
    let (s, _, _) = send(&app, "GET", "/favicon.ico", &[]).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _, body) = send(&app, "GET", "/", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(json_of(&body)["uptime"].is_number());
    let (_, h, _) = send(
        &app,
        "GET",
        "/api/locations",
        &[("x-request-id", "abc-123")],
    )
    .await;
    assert_eq!(header(&h, "x-request-id"), Some("abc-123"));
    // production: config.production.json's root from the environment, its body limit
    let app = booted(&dir, "production").unwrap();
    assert_eq!(app.rest_api_root(), "/v2");
    assert!(!app.debug());
    let big = json!({"name": "x".repeat(2000)}).to_string();
    let res = app
        .clone()
        .into_router()
        .oneshot(
            Request::post("/v2/locations")
                .header("content-type", "application/json")
                .body(Body::from(big))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_configuration_is_a_start_up_error_naming_file_and_key() {
    let cases: Vec<(Vec<(&str, Value)>, &str)> = vec![
        (
            vec![("config.json", json!({"port": "abc"}))],
            "config.json: `port` must be a port number",
        ),
        (
            vec![("config.json", json!({"remoting": {"rest": {"xml": true}}}))],
            "`remoting.rest.xml` must be false",
        ),
        (
            vec![("config.json", json!({"remoting": {"jsn": {}}}))],
            "`remoting.jsn`",
        ),
        (
            vec![("config.json", json!({"restApiRoot": "api"}))],
            "`restApiRoot` must be a path starting with /",
        ),
        (
            vec![("config.json", json!({"aclErrorStatus": 418}))],
            "`aclErrorStatus` must be 401 or 403",
        ),
        (
            vec![(
                "config.json",
                json!({"remoting": {"json": {"limit": "1mb"}, "urlencoded": {"limit": "2mb"}}}),
            )],
            "lb has one body limit",
        ),
        (
            vec![
                ("config.json", json!({"port": 3000})),
                ("config.development.json", json!({"port": {"n": 1}})),
            ],
            "Cannot merge values of incompatible types for the option `port`.",
        ),
        (
            vec![("middleware.json", json!({"initial": {"corz": {}}}))],
            "initial › corz: unknown middleware `corz`",
        ),
        (
            vec![(
                "middleware.json",
                json!({"initial": {"cors": {"param": {}}}}),
            )],
            "initial › cors: unknown key `param`",
        ),
        (
            vec![(
                "middleware.json",
                json!({"initial": {"cors": {"params": {"maxage": 1}}}}),
            )],
            "unknown option `maxage`",
        ),
        (
            vec![("middleware.json", json!({"initial:during": {}}))],
            "the sub-phase is `before` or `after`",
        ),
        (
            vec![("middleware.json", json!({"custom": {"cors": {}}}))],
            "phase \"custom\" is not defined",
        ),
        (
            vec![
                ("middleware.json", json!({"final": {}})),
                ("middleware.development.json", json!({"files": {}})),
            ],
            "The phase \"files\" is not defined in the main config.",
        ),
        (
            vec![(
                "middleware.json",
                json!({"final:after": {"strong-error-handler": {"params": {"safeFields": ["stack"]}}}}),
            )],
            "safeFields names \"stack\"",
        ),
        (
            vec![(
                "datasources.json",
                json!({"db": {"connector": "memory", "file": "${LB_SURELY_UNSET_X}"}}),
            )],
            "LB_SURELY_UNSET_X",
        ),
        (vec![("config.json", json!([1]))], "must be a JSON object"),
        (
            vec![("config.json", json!({"https": {"cert": "c.pem"}}))],
            "`https` must be",
        ),
        (
            vec![("config.json", json!({"health": {"path": "/h"}}))],
            "`health.path`",
        ),
        (
            vec![("config.json", json!({"metrics": 5}))],
            "`metrics` must be false or an object",
        ),
    ];
    for (files, want) in cases {
        let dir = server_dir(&files);
        let e = booted(&dir, "development").unwrap_err();
        assert!(e.message.contains(want), "{:?}: {}", files, e.message);
        let file = files.last().unwrap().0;
        assert!(
            e.message.contains(file) || want.contains("phase \"custom\""),
            "names the file {file}: {}",
            e.message
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    // not JSON at all
    let dir = server_dir(&[]);
    std::fs::write(dir.join("config.json"), "{ port: 3000 }").unwrap();
    let e = booted(&dir, "development").unwrap_err();
    assert!(
        e.message.contains("config.json: not valid JSON"),
        "{}",
        e.message
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn strong_error_handler_safe_fields_and_timeouts() {
    // a route that takes too long: the timeout middleware answers 503 in LoopBack's envelope
    let app = support::app_with(|b| {
        b.middleware_wrap(
            Phase::Initial,
            "timeout",
            Default::default(),
            lb::middleware::timeout(Duration::from_millis(50)),
        )
        .middleware_factory("slow", |_| {
            Ok(std::sync::Arc::new(|inner: lb::middleware::Route| {
                lb::middleware::endpoint(move |req: Request<Body>| {
                    let inner = inner.clone();
                    async move {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        inner.call(req).await
                    }
                })
            }))
        })
        .middleware_json(&json!({"final": {"slow": {}}}).to_string())
        .unwrap()
    });
    let (s, _, body) = send(&app, "GET", "/slowly", &[]).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        json_of(&body),
        json!({"error": {"statusCode": 503, "message": "Service Unavailable"}})
    );
    let (s, _, _) = send(&app, "GET", "/api/locations", &[]).await;
    assert_eq!(s, StatusCode::OK);
    // a 5xx in production shows only its reason phrase, plus the safe fields
    let failing = |b: lb::AppBuilder| {
        b.observe("Location", lb::OperationHook::Access, |_ctx| async {
            Err(lb::Error::internal("the database is on fire").with_code("E_FIRE"))
        })
    };
    let app = support::app_with(failing);
    let (s, _, body) = send(&app, "GET", "/api/locations", &[]).await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        json_of(&body),
        json!({"error": {"statusCode": 500, "message": "Internal Server Error"}})
    );
    let app = support::app_with(|b| {
        failing(b)
            .middleware_json(
                &json!({"final:after": {"strong-error-handler": {"params": {"safeFields": ["code"], "log": true}}}})
                    .to_string(),
            )
            .unwrap()
    });
    let (_, _, body) = send(&app, "GET", "/api/locations", &[]).await;
    assert_eq!(
        json_of(&body),
        json!({"error": {"statusCode": 500, "message": "Internal Server Error", "code": "E_FIRE"}})
    );
    let (_, _, body) = send(&app, "GET", "/api/locations?filter=oops", &[]).await;
    assert_eq!(json_of(&body)["error"]["statusCode"], 400);
}

#[tokio::test]
async fn compression_mounted_files_and_a_status_path_from_middleware_json() {
    let dir = server_dir(&[]);
    std::fs::create_dir_all(dir.join("client")).unwrap();
    std::fs::write(dir.join("client/app.js"), "console.log(1)").unwrap();
    std::fs::write(
        dir.join("middleware.json"),
        json!({
            "initial": {"compression": {"params": {"threshold": 10}}},
            "routes:before": {"loopback#status": {"paths": "/status"}},
            "files": {"loopback#static": {"paths": ["/public"], "params": "$!client"}},
            "final": {"loopback#urlNotFound": {}}
        })
        .to_string(),
    )
    .unwrap();
    let app = booted(&dir, "development").unwrap();
    for i in 0..20 {
        let res = app
            .clone()
            .into_router()
            .oneshot(
                Request::post("/api/locations")
                    .header("content-type", "application/json")
                    .body(Body::from(
                        json!({"name": format!("place {i}"), "city": "Sometown"}).to_string(),
                    ))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let (s, h, gz) = send(
        &app,
        "GET",
        "/api/locations",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(header(&h, "content-encoding"), Some("gzip"));
    let (_, h, plain) = send(&app, "GET", "/api/locations", &[]).await;
    assert_eq!(header(&h, "content-encoding"), None);
    assert_eq!(json_of(&plain).as_array().unwrap().len(), 20);
    assert!(
        gz.len() < plain.len() / 2,
        "{} vs {}",
        gz.len(),
        plain.len()
    );
    let (s, _, body) = send(&app, "GET", "/public/app.js", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body, b"console.log(1)");
    let (s, _, _) = send(&app, "GET", "/app.js", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, body) = send(&app, "GET", "/status", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(json_of(&body)["started"].is_string());
    let (s, _, _) = send(&app, "GET", "/", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn health_and_metrics_routes_are_in_the_openapi_document_only_when_asked() {
    let paths = |files: &[(&str, Value)]| -> Vec<String> {
        let dir = server_dir(files);
        let app = booted(&dir, "development").unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        app.openapi().paths.paths.keys().cloned().collect()
    };
    let off = paths(&[("config.json", json!({"health": {}, "metrics": {}}))]);
    assert!(
        !off.iter().any(|p| p == "/health" || p == "/metrics"),
        "{off:?}"
    );
    let on = paths(&[(
        "config.json",
        json!({"health": {"openApiSpec": true, "livePath": false}, "metrics": {"openApiSpec": true, "path": "/prom"}}),
    )]);
    for p in ["/health", "/ready", "/prom"] {
        assert!(on.iter().any(|x| x == p), "{p} in {on:?}");
    }
    assert!(!on.iter().any(|x| x == "/live"), "{on:?}");
}

/// `paths` and `methods` limit a middleware to the requests they name; `remoting.cors`
/// (strong-remoting's CORS) answers the REST root only.
#[tokio::test]
async fn paths_methods_and_remoting_cors_scope_middleware() {
    let dir = server_dir(&[
        (
            "config.json",
            json!({"remoting": {"cors": {"origin": true, "credentials": true}}}),
        ),
        (
            "middleware.json",
            json!({"initial": {"helmet#frameguard": {"params": ["deny"], "paths": ["/api/locations"], "methods": "get"}}}),
        ),
    ]);
    let app = booted(&dir, "development").unwrap();
    let origin = [("origin", "https://ui.example")];
    let (_, h, _) = send(&app, "GET", "/api/locations", &origin).await;
    assert_eq!(header(&h, "x-frame-options"), Some("DENY"));
    assert_eq!(
        header(&h, "access-control-allow-origin"),
        Some("https://ui.example")
    );
    // another method, another path under the root, a path outside it
    let (_, h, _) = send(&app, "HEAD", "/api/locations", &origin).await;
    assert_eq!(header(&h, "x-frame-options"), None);
    let (_, h, _) = send(&app, "GET", "/api/locationsx", &origin).await;
    assert_eq!(
        header(&h, "x-frame-options"),
        None,
        "a prefix matches at a segment boundary"
    );
    let (_, h, _) = send(&app, "GET", "/api/products", &origin).await;
    assert_eq!(header(&h, "x-frame-options"), None);
    assert_eq!(
        header(&h, "access-control-allow-origin"),
        Some("https://ui.example")
    );
    let (_, h, _) = send(&app, "GET", "/elsewhere", &origin).await;
    assert_eq!(header(&h, "access-control-allow-origin"), None);
    let _ = std::fs::remove_dir_all(&dir);
}
