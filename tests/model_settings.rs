//! Model options over HTTP: plural and path overrides, injected ids, strict modes, forceId,
//! replaceOnPUT, public, hidden, defaults and defaultFn, development-mode errors.

mod support;

use lb::{App, Model};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support::{get, json as send_json};

/// A model with LoopBack's defaults: injected id, plural path, non-strict.
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
pub struct Category {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(plural = "people", strict = true)]
pub struct Person {
    pub name: Option<String>,
    #[property(default_fn = "now")]
    pub joined: Option<lb::DateTime>,
    #[property(default_fn = "uuid")]
    pub token: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "gizmos",
    strict = "filter",
    force_id = false,
    replace_on_put = false
)]
pub struct Gadget {
    pub name: Option<String>,
    #[property(default = 3)]
    pub size: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(public = false)]
pub struct Secret {
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(id_injection = false)]
pub struct Book {
    #[property(id)]
    pub isbn: String,
    pub title: Option<String>,
}

fn app(debug: bool) -> App {
    App::builder()
        .model::<Category>()
        .model::<Person>()
        .model::<Gadget>()
        .model::<Secret>()
        .model::<Book>()
        .debug(debug)
        .build()
        .unwrap()
}

#[tokio::test]
async fn default_plural_and_injected_id() {
    let app = app(false);
    assert_eq!(Category::definition().plural, "Categories");
    let r = send_json(&app, "POST", "/api/Categories", &json!({"name": "a"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text, r#"{"name":"a","id":1}"#);
    // the model segment matches case-insensitively
    assert_eq!(
        get(&app, "/api/categories/1").await.text,
        r#"{"name":"a","id":1}"#
    );
    // injected ids are generated: clients cannot set them (forceId)
    let r = send_json(
        &app,
        "POST",
        "/api/Categories",
        &json!({"name": "b", "id": 7}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["error"]["details"]["codes"]["id"],
        json!(["absence"])
    );
}

#[tokio::test]
async fn plural_override_strict_true_and_default_fns() {
    let app = app(false);
    assert_eq!(get(&app, "/api/Persons").await.status, 404);
    let r = send_json(&app, "POST", "/api/people", &json!({"name": "ann"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    let joined = body["joined"].as_str().unwrap();
    assert!(joined.ends_with('Z') && joined.len() == 24, "{joined}");
    assert_eq!(body["token"].as_str().unwrap().len(), 36);
    let r = send_json(
        &app,
        "POST",
        "/api/people",
        &json!({"name": "bob", "extra": 1}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["error"]["message"],
        "The `Person` instance is not valid. Details: `extra` is not defined in the model (value: undefined)."
    );
    assert_eq!(
        r.json()["error"]["details"]["codes"]["extra"],
        json!(["unknown-property"])
    );
}

#[tokio::test]
async fn path_override_strict_filter_force_id_false_and_patch_on_put() {
    let app = app(false);
    // http.path replaces the plural
    assert_eq!(get(&app, "/api/Gadgets").await.status, 404);
    let r = send_json(
        &app,
        "POST",
        "/api/gizmos",
        &json!({"name": "g", "junk": true, "id": 10}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.text, r#"{"name":"g","size":3,"id":10}"#);
    // the counter continues after the explicit id
    let r = send_json(&app, "POST", "/api/gizmos", &json!({"name": "h"})).await;
    assert_eq!(r.json()["id"], 11);
    // forceId false: PATCH / with an unknown id creates it
    let r = send_json(
        &app,
        "PATCH",
        "/api/gizmos",
        &json!({"id": 50, "name": "p"}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["id"], 50);
    // replaceOnPUT false: PUT /:id patches (size is kept)
    let r = send_json(&app, "PUT", "/api/gizmos/10", &json!({"name": "g2"})).await;
    assert_eq!(r.text, r#"{"name":"g2","size":3,"id":10}"#);
    // ... and POST /:id/replace still replaces (defaults re-applied, name dropped)
    let r = send_json(&app, "POST", "/api/gizmos/10/replace", &json!({"size": 9})).await;
    assert_eq!(r.text, r#"{"size":9,"id":10}"#);
}

#[tokio::test]
async fn private_models_have_no_routes_but_work_in_rust() {
    let app = app(false);
    let r = get(&app, "/api/Secrets").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["error"]["message"],
        "There is no method to handle GET /Secrets"
    );
    let s = Secret::create(
        &app,
        &Secret {
            value: Some("x".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(s.value.as_deref(), Some("x"));
    assert_eq!(Secret::count(&app, ()).await.unwrap(), 1);
}

#[tokio::test]
async fn string_ids_and_duplicates() {
    let app = app(false);
    let r = send_json(
        &app,
        "POST",
        "/api/Books",
        &json!({"isbn": "0111", "title": "t"}),
    )
    .await;
    assert_eq!(r.text, r#"{"isbn":"0111","title":"t"}"#);
    assert_eq!(get(&app, "/api/Books/0111").await.status, 200);
    // a string id is not coerced: "111" is another id
    assert_eq!(get(&app, "/api/Books/111").await.status, 404);
    let r = send_json(&app, "POST", "/api/Books", &json!({"isbn": "0111"})).await;
    assert_eq!(r.status, 409);
    assert_eq!(
        r.json()["error"]["message"],
        "Duplicate entry for Book.isbn"
    );
}

#[tokio::test]
async fn development_mode_adds_status_and_stack() {
    let app = app(true);
    let r = get(&app, "/api/Categories/99").await;
    let e = &r.json()["error"];
    assert_eq!(e["status"], 404);
    assert!(e["stack"]
        .as_str()
        .unwrap()
        .contains("Unknown \"Category\" id \"99\"."));
    let prod = get(&self::app(false), "/api/Categories/99").await.json();
    assert!(prod["error"].get("stack").is_none() && prod["error"].get("status").is_none());
}

#[tokio::test]
async fn routes_can_be_nested_in_an_existing_axum_app() {
    let app = app(false);
    let router = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(app.router());
    use tower::ServiceExt;
    let res = router
        .clone()
        .oneshot(
            axum::http::Request::get("/health")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = router
        .oneshot(
            axum::http::Request::get("/api/Categories/count")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = serde_json::from_slice(
        &http_body_util::BodyExt::collect(res.into_body())
            .await
            .unwrap()
            .to_bytes(),
    )
    .unwrap();
    assert_eq!(body, json!({"count": 0}));
}

#[tokio::test]
async fn body_limit_is_configurable() {
    let app = App::builder()
        .model::<Category>()
        .body_limit(64)
        .build()
        .unwrap();
    let big = json!({"name": "x".repeat(100)});
    let r = send_json(&app, "POST", "/api/Categories", &big).await;
    assert_eq!(r.status, 413);
    assert_eq!(
        r.text,
        r#"{"error":{"statusCode":413,"name":"PayloadTooLargeError","message":"request entity too large"}}"#
    );
    assert_eq!(
        get(&app, "/api/Categories/count").await.text,
        r#"{"count":0}"#
    );
}
