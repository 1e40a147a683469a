//! Hidden properties never leave the server, whatever kind of answer carries an instance
//! (LoopBack's `toJSON`, shaped at one edge): built-in rows, results after remote hooks,
//! relation rows, includes (where protected properties are left out too), remote-method
//! results holding instances (by value, `Vec`, `Option`, inside a tuple of named returns, of
//! an instance method) and change-stream events — on every datasource.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use lb::{App, Model};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tower::ServiceExt;

/// The values no answer may carry.
const SECRETS: [&str; 3] = ["TOPSECRET", "ITEMSECRET", "ONLYTOP"];

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "members",
    has_many(items, model = Item, foreign_key = "memberId"),
    has_one(badge, model = Badge, foreign_key = "memberId")
)]
pub struct Member {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
    pub nick: Option<String>,
    #[property(hidden)]
    pub secret: Option<String>,
    /// Shown at the top level, left out when nested (LoopBack's `protected`).
    #[property(protected)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "items", belongs_to(member, model = Member, foreign_key = "memberId"))]
#[serde(rename_all = "camelCase")]
pub struct Item {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub label: Option<String>,
    pub member_id: Option<i64>,
    #[property(hidden)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "badges")]
#[serde(rename_all = "camelCase")]
pub struct Badge {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub member_id: Option<i64>,
    #[property(hidden)]
    pub pin: Option<String>,
}

#[lb::remote_methods]
impl Member {
    /// Every member, by value.
    #[remote_method(verb = "get", path = "/all", returns(arg = "members", root))]
    async fn all(app: &lb::App) -> lb::Result<Vec<Member>> {
        Member::find(app, ()).await
    }

    /// The first member, or none.
    #[remote_method(verb = "get", path = "/first", returns(arg = "member", root))]
    async fn first(app: &lb::App) -> lb::Result<Option<Member>> {
        Member::find_one(app, ()).await
    }

    /// One member by value.
    #[remote_method(verb = "get", path = "/one", returns(arg = "member", root))]
    async fn one(app: &lb::App) -> lb::Result<Member> {
        Ok(Member::find_by_id(app, 1).await?.expect("member 1"))
    }

    /// A member and its items, as two named results.
    #[remote_method(
        verb = "get",
        path = "/with-items",
        returns(arg = "member"),
        returns(arg = "items")
    )]
    async fn with_items(app: &lb::App) -> lb::Result<(Member, Vec<Item>)> {
        let m = Member::find_by_id(app, 1).await?.expect("member 1");
        let items = Item::find(app, ()).await?;
        Ok((m, items))
    }

    /// The instance itself (an instance method).
    #[remote_method(verb = "get", path = "/me", returns(arg = "me", root))]
    async fn me(self) -> lb::Result<Member> {
        Ok(self)
    }
}

fn app_on(url: &str, hooked: bool) -> App {
    let mut b = App::builder()
        .datasource_arc("db", lb::connector::from_url(url).unwrap())
        .model::<Member>()
        .model::<Item>()
        .model::<Badge>();
    if hooked {
        // an after hook on every method: results take the hooked path, not the cached bytes
        b = b.after_remote("Member", "**", |_ctx| async { Ok(()) });
        b = b.after_remote("Item", "**", |_ctx| async { Ok(()) });
    }
    b.build().unwrap()
}

async fn seed(app: &App) {
    app.automigrate().await.unwrap();
    let r = support::json(
        app,
        "POST",
        "/api/members",
        &json!({"name": "Ann", "secret": "TOPSECRET", "note": "ONLYTOP"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_secret("create", &r.text);
    assert_eq!(
        r.json()["note"],
        "ONLYTOP",
        "protected is shown at the top level"
    );
    for label in ["a", "b"] {
        let r = support::json(
            app,
            "POST",
            "/api/members/1/items",
            &json!({"label": label, "code": "ITEMSECRET"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_no_secret("relation create", &r.text);
    }
    let r = support::json(
        app,
        "POST",
        "/api/members/1/badge",
        &json!({"pin": "TOPSECRET"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_no_secret("hasOne create", &r.text);
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        if s == "ONLYTOP" {
            continue;
        }
        assert!(!text.contains(s), "{what}: the answer carries {s}: {text}");
    }
    assert!(!text.contains("\"secret\""), "{what}: {text}");
    assert!(!text.contains("\"code\""), "{what}: {text}");
    assert!(!text.contains("\"pin\""), "{what}: {text}");
}

/// Every top-level answer kind over HTTP.
async fn check_answers(app: &App, label: &str) {
    let top = [
        "/api/members",
        "/api/members/1",
        "/api/members/findOne",
        "/api/members/1/items",
        "/api/members/1/items/1",
        "/api/members/1/badge",
        "/api/items/1/member",
        "/api/items",
        "/api/members/all",
        "/api/members/first",
        "/api/members/one",
        "/api/members/with-items",
        "/api/members/1/me",
    ];
    for uri in top {
        let r = support::get(app, uri).await;
        assert_eq!(r.status, 200, "{label} {uri}: {}", r.text);
        assert_no_secret(&format!("{label} GET {uri}"), &r.text);
    }
    // remote results: unset properties are left out, as the built-in find leaves them out
    let all = support::get(app, "/api/members/all").await.json();
    assert_eq!(
        all,
        json!([{"id": 1, "name": "Ann", "note": "ONLYTOP"}]),
        "{label}"
    );
    let pair = support::get(app, "/api/members/with-items").await.json();
    assert_eq!(
        pair["member"],
        json!({"id": 1, "name": "Ann", "note": "ONLYTOP"})
    );
    assert_eq!(
        pair["items"],
        json!([{"id": 1, "label": "a", "memberId": 1}, {"id": 2, "label": "b", "memberId": 1}]),
        "{label}"
    );
    // writes answer the written instance without its hidden properties
    let r = support::json(app, "PATCH", "/api/members/1", &json!({"nick": "A"})).await;
    assert_eq!(r.status, 200, "{label}: {}", r.text);
    assert_no_secret(&format!("{label} PATCH"), &r.text);
    let r = support::json(
        app,
        "PUT",
        "/api/members/1/items/1",
        &json!({"label": "a2", "code": "ITEMSECRET"}),
    )
    .await;
    assert_eq!(r.status, 200, "{label}: {}", r.text);
    assert_no_secret(&format!("{label} relation update"), &r.text);

    // includes: nested instances leave out hidden *and* protected properties
    let filter = support::escape_uri(
        &json!({"include": [{"items": "member"}, "badge"], "where": {"id": 1}}).to_string(),
    );
    for uri in [
        format!("/api/members?filter={filter}"),
        format!("/api/members/1?filter={filter}"),
        format!("/api/members/findOne?filter={filter}"),
    ] {
        let r = support::get(app, &uri).await;
        assert_eq!(r.status, 200, "{label} {uri}: {}", r.text);
        assert_no_secret(&format!("{label} include"), &r.text);
        let v = r.json();
        let m = if v.is_array() { &v[0] } else { &v };
        assert_eq!(m["note"], "ONLYTOP", "{label}: top-level protected shown");
        let nested_member = &m["items"][0]["member"];
        assert_eq!(nested_member["name"], "Ann", "{label}: {v}");
        assert!(
            nested_member.get("note").is_none(),
            "{label}: a nested instance leaves protected out: {v}"
        );
    }
    let f = support::escape_uri(&json!({"include": "member"}).to_string());
    let r = support::get(app, &format!("/api/items?filter={f}")).await;
    assert!(
        !r.text.contains("ONLYTOP"),
        "{label}: nested protected: {}",
        r.text
    );
    assert_no_secret(&format!("{label} include belongsTo"), &r.text);
}

/// One change-stream event of a write, as a subscriber receives it.
async fn change_event(app: &App) -> String {
    let req = Request::builder()
        .uri("/api/members/change-stream")
        .body(Body::empty())
        .unwrap();
    let res = app.clone().into_router().oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    let writer = app.clone();
    let write = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        support::json(
            &writer,
            "POST",
            "/api/members",
            &json!({"name": "Cy", "secret": "TOPSECRET"}),
        )
        .await
    });
    let seen = first_event(&mut body).await;
    assert_eq!(write.await.unwrap().status, 200);
    seen
}

/// What a change stream sends up to its first whole event (10 s at most).
async fn first_event(body: &mut Body) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains("event: data") || !seen.ends_with("\n\n") {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .expect("an event within 10 s")
            .expect("the stream stays open")
            .unwrap();
        if let Ok(d) = frame.into_data() {
            seen.push_str(&String::from_utf8_lossy(&d));
        }
    }
    seen
}

#[tokio::test]
async fn hidden_properties_never_appear_in_any_answer() {
    for url in support::datasource_urls() {
        let _db = support::database_lock(&url).await;
        for hooked in [false, true] {
            let label = format!("{url} (after hooks: {hooked})");
            let app = app_on(&url, hooked);
            seed(&app).await;
            check_answers(&app, &label).await;
            let event = change_event(&app).await;
            assert!(event.contains("\"Cy\""), "{label}: {event}");
            assert_no_secret(&format!("{label} change stream"), &event);
        }
    }
}

fn enc(v: &serde_json::Value) -> String {
    support::escape_uri(&v.to_string())
}

fn names(r: &support::Reply) -> Vec<String> {
    r.json()
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["name"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A hidden property cannot be probed: `order` on it is ignored (sorting by it would leak the
/// values one comparison at a time), in an include scope too; and a condition on it never
/// widens a write (`updateAll` / `upsertWithWhere` match nothing, where LoopBack drops the
/// condition and writes every instance).
#[tokio::test]
async fn hidden_properties_cannot_be_probed() {
    for url in support::datasource_urls() {
        let _db = support::database_lock(&url).await;
        let app = app_on(&url, false);
        app.automigrate().await.unwrap();
        // names in one order, secrets in the reverse one
        for (name, secret) in [("a", "z"), ("b", "y"), ("c", "x")] {
            let body = json!({"name": name, "secret": secret});
            let r = support::json(&app, "POST", "/api/members", &body).await;
            assert_eq!(r.status, 200, "{url}: {}", r.text);
        }
        let plain = support::get(&app, "/api/members").await;
        for order in [json!("secret ASC"), json!(["secret DESC", "name DESC"])] {
            let f = json!({"order": order});
            let r = support::get(&app, &format!("/api/members?filter={}", enc(&f))).await;
            assert_eq!(r.status, 200, "{url}: {}", r.text);
            let expected = if order.is_array() {
                vec!["c".to_string(), "b".into(), "a".into()] // only `name DESC` is left
            } else {
                names(&plain)
            };
            assert_eq!(names(&r), expected, "{url}: order {order}");
        }
        // in an include scope: the items' hidden codes run against their ids
        for (label, code) in [("x", "2"), ("y", "1")] {
            let body = json!({"label": label, "code": code});
            support::json(&app, "POST", "/api/members/1/items", &body).await;
        }
        let f = json!({"where": {"name": "a"},
                       "include": {"relation": "items", "scope": {"order": "code ASC"}}});
        let r = support::get(&app, &format!("/api/members?filter={}", enc(&f))).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let labels: Vec<_> = r.json()[0]["items"]
            .as_array()
            .map(|a| a.iter().map(|i| i["label"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(
            labels,
            [json!("x"), json!("y")],
            "{url}: order by id, not by code"
        );
        // a write never widens
        let w = json!({"secret": "nomatch"});
        let r = support::json(
            &app,
            "POST",
            &format!("/api/members/update?where={}", enc(&w)),
            &json!({"nick": "pwned"}),
        )
        .await;
        assert_eq!(
            (r.status.as_u16(), r.json()),
            (200, json!({"count": 0})),
            "{url}"
        );
        let r = support::json(
            &app,
            "POST",
            &format!(
                "/api/members/upsertWithWhere?where={}",
                enc(&json!({"secret": "z"}))
            ),
            &json!({"name": "new"}),
        )
        .await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let all = support::get(&app, "/api/members").await;
        assert_eq!(
            names(&all),
            ["a", "b", "c", "new"],
            "{url}: created, a not patched"
        );
        assert!(!all.text.contains("pwned"), "{url}: {}", all.text);
        // reads keep LoopBack's rule: the condition is dropped
        let r = support::get(
            &app,
            &format!("/api/members/count?where={}", enc(&json!({"secret": "z"}))),
        )
        .await;
        assert_eq!(r.json(), json!({"count": 4}), "{url}");
    }
}

/// `order` costs at most rows × distinct keys: a key repeated thousands of times counts once,
/// and more than `MAX_ORDER_KEYS` different keys is a 400 (no allocation per key and row).
#[tokio::test]
async fn order_keys_are_bounded() {
    for url in support::datasource_urls() {
        let _db = support::database_lock(&url).await;
        let app = app_on(&url, false);
        app.automigrate().await.unwrap();
        for name in ["b", "a", "c"] {
            support::json(&app, "POST", "/api/members", &json!({ "name": name })).await;
        }
        let repeated: Vec<&str> = std::iter::repeat_n("name ASC", 3000).collect();
        let f = json!({ "order": repeated });
        let started = std::time::Instant::now();
        let r = support::get(&app, &format!("/api/members?filter={}", enc(&f))).await;
        assert_eq!(
            (r.status.as_u16(), names(&r)),
            (200, vec!["a".into(), "b".into(), "c".into()]),
            "{url}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{url}: {:?}",
            started.elapsed()
        );
        let many: Vec<String> = (0..=lb::filter::MAX_ORDER_KEYS)
            .map(|i| format!("k{i} ASC"))
            .collect();
        let f = json!({ "order": many });
        let r = support::get(&app, &format!("/api/members?filter={}", enc(&f))).await;
        assert_eq!(r.status, 400, "{url}: {}", r.text);
        assert_eq!(
            r.json()["error"]["message"],
            format!(
                "The order has more than {} different keys",
                lb::filter::MAX_ORDER_KEYS
            ),
            "{url}"
        );
    }
}

/// A change-stream `where` on a hidden property is dropped, as in every read: a subscriber
/// asking for `secret = "nomatch"` receives the same events as one asking for nothing, so
/// the stream cannot tell a secret's value either (the events never carry it).
#[tokio::test]
async fn a_change_stream_where_cannot_probe_a_hidden_property() {
    let app = app_on("memory:", false);
    let options = enc(&json!({"where": {"secret": "nomatch"}}));
    let req = Request::builder()
        .uri(format!("/api/members/change-stream?options={options}"))
        .body(Body::empty())
        .unwrap();
    let res = app.clone().into_router().oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    let body_json = json!({"name": "Cy", "secret": "TOPSECRET"});
    let r = support::json(&app, "POST", "/api/members", &body_json).await;
    assert_eq!(r.status, 200);
    // the event arrives: the hidden condition was dropped
    let seen = first_event(&mut body).await;
    assert!(seen.contains("\"Cy\""), "{seen}");
    assert_no_secret("change stream with a hidden where", &seen);
}
