//! Validation over HTTP on every datasource: each validator with LoopBack's codes and
//! messages, allowBlank/allowNull, scoped and case-insensitive uniqueness (a unique index on
//! SQL too), custom sync and async validators, every failure reported at once in declaration
//! order, and the operations that validate (create, replace, patch of the merged instance,
//! relation create, upsert with validate_upsert) or do not (updateAll, upsert).

mod support;

use lb::{App, Model};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "things",
    strict,
    validate(code, with = Self::not_reserved, code = "reserved", message = "is for staff only"),
    validate_async("email", with = Self::not_blocked, message = "is blocked")
)]
#[serde(rename_all = "camelCase")]
pub struct Thing {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[property(length(min = 3, max = 8))]
    pub code: Option<String>,
    #[property(format("^[^@]+@[^@]+$", allow_blank))]
    pub email: Option<String>,
    #[property(inclusion("a", "b", allow_null))]
    pub kind: Option<String>,
    #[property(exclusion("x", "y", allow_blank))]
    #[serde(default)]
    pub kind2: Option<String>,
    #[property(numericality(integer, allow_blank, allow_null))]
    pub qty: Option<f64>,
    #[property(type = "any", numericality(allow_blank, allow_null))]
    pub amount: Option<Value>,
    #[property(absence)]
    pub internal: Option<String>,
    #[property(unique(scoped_to("shelf"), ignore_case))]
    pub title: Option<String>,
    pub shelf: Option<String>,
    pub crate_id: Option<i64>,
}

impl Thing {
    fn not_reserved(&self) -> bool {
        self.code.as_deref() != Some("admin")
    }

    async fn not_blocked(&self) -> bool {
        tokio::task::yield_now().await;
        self.email.as_deref() != Some("spam@x.io")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "crates", has_many(things, model = Thing, foreign_key = "crateId"))]
pub struct Crate {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub label: Option<String>,
}

/// validateUpsert: a patchOrCreate of an existing instance validates it.
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "careful", validate_upsert)]
pub struct Careful {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[property(length(max = 3))]
    pub name: Option<String>,
}

async fn app_on(url: &str) -> App {
    let app = App::builder()
        .datasource_arc("db", lb::connector::from_url(url).unwrap())
        .model::<Thing>()
        .model::<Crate>()
        .model::<Careful>()
        .build()
        .unwrap();
    app.automigrate().await.unwrap();
    app
}

fn valid() -> Value {
    json!({"code": "abc", "email": "a@b.c", "kind": "a", "qty": 2, "title": "Dune", "shelf": "s1"})
}

fn with(changes: Value) -> Value {
    let mut v = valid();
    for (k, x) in changes.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

fn details(r: &support::Reply) -> (Value, Value, String) {
    let e = &r.json()["error"];
    (
        e["details"]["codes"].clone(),
        e["details"]["messages"].clone(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn every_validator_with_loopbacks_codes_and_messages() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = app_on(&url).await;
        let post = |b: Value| {
            let app = app.clone();
            async move { support::json(&app, "POST", "/api/things", &b).await }
        };
        // every failing property at once, in declaration order, LoopBack's message format
        let r = post(json!({
            "code": "ab", "email": "nope", "kind": "c", "kind2": "x", "qty": 1.5,
            "amount": "lots", "internal": "set", "title": "t"
        }))
        .await;
        assert_eq!(r.status, 422, "{url}: {}", r.text);
        assert_eq!(r.json()["error"]["name"], "ValidationError", "{url}");
        let (codes, messages, message) = details(&r);
        assert_eq!(
            codes,
            json!({
                "code": ["length.min"], "email": ["format"], "kind": ["inclusion"],
                "kind2": ["exclusion"], "qty": ["numericality.int"],
                "amount": ["numericality.number"], "internal": ["absence"]
            }),
            "{url}"
        );
        assert_eq!(
            serde_json::to_string(&codes).unwrap(),
            r#"{"code":["length.min"],"email":["format"],"kind":["inclusion"],"kind2":["exclusion"],"qty":["numericality.int"],"amount":["numericality.number"],"internal":["absence"]}"#,
            "{url}: keys in declaration order"
        );
        assert_eq!(messages["amount"], json!(["is not a number"]), "{url}");
        assert_eq!(messages["internal"], json!(["can't be set"]), "{url}");
        assert_eq!(
            message,
            "The `Thing` instance is not valid. Details: `code` too short (value: \"ab\"); \
             `email` is invalid (value: \"nope\"); `kind` is not included in the list \
             (value: \"c\"); `kind2` is reserved (value: \"x\"); `qty` is not an integer \
             (value: 1.5); `amount` is not a number (value: \"lots\"); `internal` can't be set \
             (value: \"set\").",
            "{url}"
        );
        assert_eq!(r.json()["error"]["details"]["context"], "Thing", "{url}");
        // blank and null: length has neither allowance, format allows blank, inclusion null
        let r = post(json!({"email": "", "kind": null, "qty": null})).await;
        let (codes, messages, _) = details(&r);
        assert_eq!(
            codes,
            json!({"code": ["length.blank"]}),
            "{url}: {}",
            r.text
        );
        assert_eq!(messages, json!({"code": ["is blank"]}), "{url}");
        let r = post(json!({"code": null, "email": null, "kind": ""})).await;
        let (codes, _, _) = details(&r);
        assert_eq!(
            codes,
            json!({"code": ["length.null"], "email": ["format.null"], "kind": ["inclusion.blank"]}),
            "{url}: {}",
            r.text
        );
        // custom validators: their code and message (sync and async)
        let r = post(with(json!({"code": "admin", "email": "spam@x.io"}))).await;
        let (codes, messages, _) = details(&r);
        assert_eq!(
            codes,
            json!({"code": ["custom.reserved"], "email": ["custom"]}),
            "{url}: {}",
            r.text
        );
        assert_eq!(
            messages,
            json!({"code": ["is for staff only"], "email": ["is blocked"]}),
            "{url}"
        );
        // nothing was stored by the failures
        let c = support::get(&app, "/api/things/count").await.json();
        assert_eq!(c, json!({"count": 0}), "{url}");
        // a valid one, then uniqueness: per shelf, without regard to case
        assert_eq!(post(valid()).await.status, 200, "{url}");
        let r = post(with(json!({"title": "DUNE"}))).await;
        let (codes, _, message) = details(&r);
        assert_eq!(codes, json!({"title": ["uniqueness"]}), "{url}: {}", r.text);
        assert!(
            message.contains("`title` is not unique (value: \"DUNE\")"),
            "{url}"
        );
        assert_eq!(
            post(with(json!({"title": "dune", "shelf": "s2"})))
                .await
                .status,
            200,
            "{url}: another shelf"
        );
        // strict: an unknown property is one more failure
        let r = post(with(json!({"code": "a", "extra": 1, "title": "Fresh"}))).await;
        let (codes, _, _) = details(&r);
        assert_eq!(
            codes,
            json!({"code": ["length.min"], "extra": ["unknown-property"]}),
            "{url}"
        );
    }
}

#[tokio::test]
async fn validation_runs_where_loopback_runs_it() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = app_on(&url).await;
        let send = |m: &'static str, u: String, b: Value| {
            let app = app.clone();
            async move { support::json(&app, m, &u, &b).await }
        };
        assert_eq!(
            send("POST", "/api/things".into(), valid()).await.status,
            200
        );
        // replaceById validates the new instance
        let r = send(
            "PUT",
            "/api/things/1".into(),
            json!({"code": "toolongcode"}),
        )
        .await;
        assert_eq!(r.status, 422, "{url}: {}", r.text);
        // patchAttributes validates the merged instance: a valid change passes, a bad one not
        let r = send("PATCH", "/api/things/1".into(), json!({"kind2": "ok"})).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let r = send("PATCH", "/api/things/1".into(), json!({"kind": "zzz"})).await;
        assert_eq!(
            details(&r).0,
            json!({"kind": ["inclusion"]}),
            "{url}: {}",
            r.text
        );
        // updateAll does not validate (LoopBack)
        let r = send(
            "POST",
            "/api/things/update?where=%7B%7D".into(),
            json!({"code": "x"}),
        )
        .await;
        assert_eq!(r.json(), json!({"count": 1}), "{url}: {}", r.text);
        // patchOrCreate of an existing instance does not validate, unless validate_upsert
        let r = send("PATCH", "/api/things".into(), json!({"id": 1, "code": "y"})).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        send("POST", "/api/careful".into(), json!({"name": "ok"})).await;
        let r = send(
            "PATCH",
            "/api/careful".into(),
            json!({"id": 1, "name": "long"}),
        )
        .await;
        assert_eq!(
            details(&r).0,
            json!({"name": ["length.max"]}),
            "{url}: {}",
            r.text
        );
        // a relation create validates
        send("POST", "/api/crates".into(), json!({"label": "c"})).await;
        let r = send("POST", "/api/crates/1/things".into(), json!({"code": "no"})).await;
        assert_eq!(r.status, 422, "{url}: {}", r.text);
        let r = send(
            "POST",
            "/api/crates/1/things".into(),
            with(json!({"title": "Other"})),
        )
        .await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        assert_eq!(r.json()["crateId"], 1, "{url}");
        // a bulk create reports per item: null for each success
        let r = send(
            "POST",
            "/api/things".into(),
            json!([with(json!({"title": "B1"})), {"code": "no"}]),
        )
        .await;
        assert_eq!(r.status, 422, "{url}: {}", r.text);
        let d = &r.json()["error"]["details"];
        assert_eq!(d[0], Value::Null, "{url}: {d}");
        assert_eq!(
            d[1]["details"]["codes"]["code"],
            json!(["length.min"]),
            "{url}: {d}"
        );
        // the typed API validates too
        let e = Thing::create(
            &app,
            &Thing {
                id: None,
                code: Some("q".into()),
                email: None,
                kind: None,
                kind2: None,
                qty: None,
                amount: None,
                internal: None,
                title: None,
                shelf: None,
                crate_id: None,
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.status, 422, "{url}: {}", e.message);
    }
}

/// On SQL the scoped uniqueness is a unique index too: a write that skips validation (the
/// connector itself) still cannot duplicate a title within a shelf.
#[tokio::test]
async fn scoped_uniqueness_is_a_unique_index_on_sql() {
    for url in support::datasource_urls() {
        if url.starts_with("memory:") {
            continue;
        }
        let _g = support::database_lock(&url).await;
        let app = app_on(&url).await;
        let r = support::json(&app, "POST", "/api/things", &valid()).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let repo = app.repository("Thing").unwrap();
        let raw = |v: Value| v.as_object().unwrap().clone();
        let e = repo
            .connector
            .create(
                Thing::definition(),
                raw(json!({"code": "zzz", "title": "Dune", "shelf": "s1"})),
            )
            .await
            .unwrap_err();
        assert_eq!(e.status, 409, "{url}: {}", e.message);
        repo.connector
            .create(
                Thing::definition(),
                raw(json!({"code": "zzz", "title": "Dune", "shelf": "s9"})),
            )
            .await
            .unwrap_or_else(|e| panic!("{url}: another shelf: {}", e.message));
    }
}
