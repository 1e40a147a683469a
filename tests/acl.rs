//! The authorize stage run by LoopBack 3's ACLs (`lb::rest::AclAuthorizer`): tokens read from
//! the request and looked up in the app's `AccessToken` rows, the built-in roles, `$owner`, a
//! role decided in Rust, and LoopBack's 401/403 rule — on the example app's `Note` and `Memo`
//! ACLs (`../shared/bench/lb3`), over HTTP.

mod support;

use axum::http::StatusCode;
use lb::acl::Acl;
use lb::auth::{access_token_model, role_mapping_model, role_model, RowTokenStore, TokenStore};
use lb::rest::AclAuthorizer;
use lb::{App, Model};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(name = "user", plural = "users", has_many(notes, model = Note, foreign_key = "ownerId"))]
pub struct User {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(plural = "notes", belongs_to(owner, model = User, foreign_key = "ownerId"))]
pub struct Note {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub title: Option<String>,
    #[serde(rename = "ownerId")]
    pub owner_id: Option<i64>,
}

#[lb::remote_methods]
impl Note {
    /// A custom read (GET: access type READ).
    #[remote_method(verb = "get", path = "/titles", returns(arg = "titles", root))]
    async fn titles(app: &lb::App) -> lb::Result<Vec<String>> {
        Ok(Note::find(app, ())
            .await?
            .into_iter()
            .filter_map(|n| n.title)
            .collect())
    }

    /// A custom instance method (POST: access type EXECUTE).
    #[remote_method(verb = "post", path = "/archive")]
    async fn archive(&self) -> lb::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(plural = "memos", belongs_to(owner, model = User, foreign_key = "ownerId"))]
pub struct Memo {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub text: Option<String>,
    #[serde(rename = "ownerId")]
    pub owner_id: Option<i64>,
}

fn note_acls() -> Value {
    json!([
        {"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY", "accessType": "*"},
        {"principalType": "ROLE", "principalId": "$authenticated", "permission": "ALLOW", "accessType": "READ"},
        {"principalType": "ROLE", "principalId": "$authenticated", "permission": "ALLOW", "accessType": "WRITE", "property": "create"},
        {"principalType": "ROLE", "principalId": "$owner", "permission": "ALLOW", "accessType": "WRITE"},
        {"principalType": "ROLE", "principalId": "admin", "permission": "ALLOW", "accessType": "*"}
    ])
}

fn memo_acls() -> Value {
    json!([
        {"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY", "accessType": "*"},
        {"principalType": "ROLE", "principalId": "$authenticated", "permission": "ALLOW", "accessType": "READ"},
        {"principalType": "ROLE", "principalId": "$owner", "permission": "ALLOW", "accessType": "*"}
    ])
}

struct World {
    app: App,
    ann: String,
    bob: String,
    admin: String,
    expired: String,
}

async fn world() -> World {
    let authorizer = AclAuthorizer::new()
        .user_model("user")
        .acls_json("Note", &note_acls())
        .unwrap()
        .acls_json("Memo", &memo_acls())
        .unwrap()
        .acls(
            "AccessToken",
            [Acl::from_json(
                "AccessToken",
                &json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY"}),
            )
            .unwrap()],
        )
        .acl_error_status("Memo", StatusCode::FORBIDDEN);
    let app = App::builder()
        .model::<User>()
        .model::<Note>()
        .model::<Memo>()
        .definition(access_token_model(), "db")
        .definition(role_model(), "db")
        .definition(role_mapping_model(), "db")
        .authorizer(authorizer)
        .build()
        .unwrap();
    for email in ["ann@x.com", "bob@x.com", "admin@x.com"] {
        User::create(
            &app,
            &User {
                id: None,
                email: Some(email.into()),
            },
        )
        .await
        .unwrap();
    }
    // the admin (user 3) through LoopBack's static roles: a Role and a RoleMapping
    let role = app
        .repository("Role")
        .unwrap()
        .create(json!({"name": "admin"}))
        .await
        .unwrap();
    let role_id = role.get("id").unwrap().into_owned();
    app.repository("RoleMapping")
        .unwrap()
        .create(json!({"principalType": "USER", "principalId": "3", "roleId": role_id}))
        .await
        .unwrap();
    Note::create(
        &app,
        &Note {
            id: None,
            title: Some("ann's".into()),
            owner_id: Some(1),
        },
    )
    .await
    .unwrap();
    Memo::create(
        &app,
        &Memo {
            id: None,
            text: Some("ann's".into()),
            owner_id: Some(1),
        },
    )
    .await
    .unwrap();
    let store = RowTokenStore::new(app.repository("AccessToken").unwrap().into_owned());
    let token = |user: i64, ttl: i64| {
        let store = store.clone();
        async move { store.create(&json!(user), ttl, vec![]).await.unwrap().id }
    };
    World {
        ann: token(1, 3600).await,
        bob: token(2, 3600).await,
        admin: token(3, 3600).await,
        expired: {
            // made in 2020 with a one-minute ttl
            let id = lb::auth::new_token_id().unwrap();
            app.repository("AccessToken")
                .unwrap()
                .create(json!({"id": id, "ttl": 60, "created": "2020-01-01T00:00:00.000Z", "userId": 1}))
                .await
                .unwrap();
            id
        },
        app,
    }
}

/// The status of `GET uri` with `headers`.
async fn get_with(app: &App, uri: &str, headers: &[(&str, &str)]) -> u16 {
    support::send(app, "GET", uri, headers, None)
        .await
        .status
        .as_u16()
}

/// The status of `GET path` with `token` in the `Authorization` header (raw).
async fn get_as(app: &App, path: &str, token: Option<&str>) -> u16 {
    let headers: Vec<(&str, &str)> = token
        .map(|t| vec![("authorization", t)])
        .unwrap_or_default();
    get_with(app, path, &headers).await
}

/// The status and body of `verb path` sent with `token` in the `Authorization` header (raw).
async fn status(w: &World, verb: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(t) = token {
        headers.push(("authorization", t));
    }
    // upserts name the instance by the body's id
    let upsert = (matches!(verb, "PATCH" | "PUT") && matches!(path, "/api/notes" | "/api/memos"))
        || path.ends_with("/replaceOrCreate");
    let mut body = json!({"title": "t", "text": "t", "ownerId": 2});
    if upsert {
        body["id"] = json!(1);
    }
    let body = body.to_string();
    let body = matches!(verb, "POST" | "PUT" | "PATCH").then_some(body.as_str());
    let r = support::send(&w.app, verb, path, &headers, body).await;
    (r.status.as_u16(), r.json())
}

#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    Bogus,
    Expired,
    Bob,
    Ann,
    Admin,
}

const CALLERS: [Caller; 6] = [
    Caller::Anonymous,
    Caller::Bogus,
    Caller::Expired,
    Caller::Bob,
    Caller::Ann,
    Caller::Admin,
];

fn token_of(w: &World, c: Caller) -> Option<String> {
    match c {
        Caller::Anonymous => None,
        Caller::Bogus => Some("bogus".into()),
        Caller::Expired => Some(w.expired.clone()),
        Caller::Bob => Some(w.bob.clone()),
        Caller::Ann => Some(w.ann.clone()),
        Caller::Admin => Some(w.admin.clone()),
    }
}

/// Every cell on a fresh app (a delete must not change the next one).
async fn check(matrix: &[(&str, &str, [u16; 6])], denied_code_with_token: &str) {
    for (verb, path, expected) in matrix {
        for (caller, want) in CALLERS.iter().zip(expected) {
            let w = world().await;
            let token = token_of(&w, *caller);
            let (got, body) = status(&w, verb, path, token.as_deref()).await;
            assert_eq!(got, *want, "{verb} {path} as {caller:?}: {body}");
            match got {
                // a HEAD answer has no body
                _ if *verb == "HEAD" => {}
                401 => assert_eq!(body["error"]["code"], "AUTHORIZATION_REQUIRED", "{body}"),
                403 => assert_eq!(body["error"]["code"], denied_code_with_token, "{body}"),
                _ => {}
            }
        }
    }
}

/// The example's Note: `$everyone` DENY, `$authenticated` READ and create, `$owner` WRITE,
/// role `admin` everything. Another user's write is a 401, as LoopBack answers it.
#[tokio::test]
async fn note_acls_as_loopback_decides_them() {
    // anonymous, bogus token, expired token, bob (a user), ann (the owner), admin
    check(
        &[
            // reads: every signed-in caller
            ("GET", "/api/notes", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/notes/1", [401, 401, 401, 200, 200, 200]),
            ("HEAD", "/api/notes/1", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/notes/1/exists", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/notes/findOne", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/notes/count", [401, 401, 401, 200, 200, 200]),
            // include runs with the source model's ACL
            (
                "GET",
                "/api/notes?filter=%7B%22include%22%3A%22owner%22%7D",
                [401, 401, 401, 200, 200, 200],
            ),
            // create: every signed-in caller
            ("POST", "/api/notes", [401, 401, 401, 200, 200, 200]),
            // writes of one instance: its owner and the admin
            ("PATCH", "/api/notes/1", [401, 401, 401, 401, 200, 200]),
            ("PUT", "/api/notes/1", [401, 401, 401, 401, 200, 200]),
            (
                "POST",
                "/api/notes/1/replace",
                [401, 401, 401, 401, 200, 200],
            ),
            ("DELETE", "/api/notes/1", [401, 401, 401, 401, 200, 200]),
            // upserts of an existing instance (its id in the body): its owner and the admin
            ("PATCH", "/api/notes", [401, 401, 401, 401, 200, 200]),
            ("PUT", "/api/notes", [401, 401, 401, 401, 200, 200]),
            (
                "POST",
                "/api/notes/replaceOrCreate",
                [401, 401, 401, 401, 200, 200],
            ),
            // writes by where: no instance, so no owner: the admin only
            (
                "POST",
                "/api/notes/update?where=%7B%7D",
                [401, 401, 401, 401, 401, 200],
            ),
            (
                "POST",
                "/api/notes/upsertWithWhere?where=%7B%22id%22%3A1%7D",
                [401, 401, 401, 401, 401, 200],
            ),
            // a relation method counts with the source model's ACL (READ of the owner)
            ("GET", "/api/notes/1/owner", [401, 401, 401, 200, 200, 200]),
            // remote methods: a GET reads; an instance POST executes (WRITE rules do not
            // cover EXECUTE: only `*` entries, so the admin)
            ("GET", "/api/notes/titles", [401, 401, 401, 200, 200, 200]),
            (
                "POST",
                "/api/notes/1/archive",
                [401, 401, 401, 401, 401, 204],
            ),
        ],
        "",
    )
    .await;
}

/// The example's Memo has `aclErrorStatus` 403: a caller with a valid token is denied with
/// 403 `ACCESS_DENIED`; one without, with 401.
#[tokio::test]
async fn memo_denials_with_a_token_are_403() {
    check(
        &[
            ("GET", "/api/memos", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/memos/1", [401, 401, 401, 200, 200, 200]),
            ("HEAD", "/api/memos/1", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/memos/1/exists", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/memos/findOne", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/memos/count", [401, 401, 401, 200, 200, 200]),
            ("GET", "/api/memos/1/owner", [401, 401, 401, 200, 200, 200]),
            // no instance to own: nobody creates (admin has no Memo rule)
            ("POST", "/api/memos", [401, 401, 401, 403, 403, 403]),
            (
                "POST",
                "/api/memos/update?where=%7B%7D",
                [401, 401, 401, 403, 403, 403],
            ),
            // the owner does everything to its memo
            ("PATCH", "/api/memos/1", [401, 401, 401, 403, 200, 403]),
            ("PUT", "/api/memos/1", [401, 401, 401, 403, 200, 403]),
            (
                "POST",
                "/api/memos/1/replace",
                [401, 401, 401, 403, 200, 403],
            ),
            ("PATCH", "/api/memos", [401, 401, 401, 403, 200, 403]),
            ("DELETE", "/api/memos/1", [401, 401, 401, 403, 200, 403]),
        ],
        "ACCESS_DENIED",
    )
    .await;
}

/// An expired token is deleted when it is presented; models without ACLs stay open to
/// everyone, whatever the token.
#[tokio::test]
async fn expired_tokens_are_deleted_and_open_models_stay_open() {
    let w = world().await;
    let tokens = w.app.repository("AccessToken").unwrap();
    assert!(tokens
        .find_by_id(&json!(w.expired), None)
        .await
        .unwrap()
        .is_some());
    let (got, _) = status(&w, "GET", "/api/notes", Some(&w.expired)).await;
    assert_eq!(got, 401);
    assert!(tokens
        .find_by_id(&json!(w.expired), None)
        .await
        .unwrap()
        .is_none());
    for t in [None, Some("bogus"), Some(w.ann.as_str())] {
        assert_eq!(get_as(&w.app, "/api/users", t).await, 200);
    }
    // the AccessToken model denies everything (not public over REST either)
    assert_eq!(
        status(&w, "GET", "/api/AccessTokens", Some(&w.admin))
            .await
            .0,
        404
    );
}

/// The token is read where LoopBack reads it: `access_token`, `X-Access-Token`,
/// `Authorization` (raw, `Bearer` base64).
#[tokio::test]
async fn token_sources() {
    use base64::Engine;
    let w = world().await;
    let app = &w.app;
    let uri = format!("/api/notes?access_token={}", w.bob);
    assert_eq!(get_with(app, &uri, &[]).await, 200);
    assert_eq!(
        get_with(app, "/api/notes", &[("x-access-token", &w.bob)]).await,
        200
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(&w.bob);
    let bearer = format!("Bearer {b64}");
    assert_eq!(
        get_with(app, "/api/notes", &[("authorization", &bearer)]).await,
        200
    );
    // a plain Bearer value is not LoopBack's default
    let plain = format!("Bearer {}", w.bob);
    assert_eq!(
        get_with(app, "/api/notes", &[("authorization", &plain)]).await,
        401
    );
    // a JSON or form body's `access_token`, as LoopBack's `req.param`
    let json_body = json!({"title": "t", "access_token": w.bob}).to_string();
    let r = support::send(
        app,
        "POST",
        "/api/notes",
        &[("content-type", "application/json")],
        Some(&json_body),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let form = format!("title=t&access_token={}", w.bob);
    let r = support::send(
        app,
        "POST",
        "/api/notes",
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(&form),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let r = support::send(
        app,
        "POST",
        "/api/notes",
        &[("content-type", "application/json")],
        Some(r#"{"title":"t"}"#),
    )
    .await;
    assert_eq!(r.status.as_u16(), 401);
}

/// A role decided in Rust (LoopBack's `Role.registerResolver`): here, user 2 is staff.
#[tokio::test]
async fn a_role_decided_in_rust() {
    let authorizer = AclAuthorizer::new()
        .acls_json(
            "Memo",
            &json!([
                {"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY"},
                {"principalType": "ROLE", "principalId": "staff", "permission": "ALLOW"}
            ]),
        )
        .unwrap()
        .role("staff", |ctx| {
            Box::pin(async move { Ok(ctx.token.is_some_and(|t| t.user_id == json!(2))) })
        });
    let app = App::builder()
        .model::<User>()
        .model::<Memo>()
        .model::<Note>()
        .definition(access_token_model(), "db")
        .authorizer(authorizer)
        .build()
        .unwrap();
    let store = RowTokenStore::new(app.repository("AccessToken").unwrap().into_owned());
    let bob = store.create(&json!(2), 60, vec![]).await.unwrap().id;
    let ann = store.create(&json!(1), 60, vec![]).await.unwrap().id;
    assert_eq!(get_as(&app, "/api/memos", Some(&bob)).await, 200);
    assert_eq!(get_as(&app, "/api/memos", Some(&ann)).await, 401);
}

/// The change stream is a READ of the model: anonymous callers get the 401 at once, a user
/// gets the stream.
#[tokio::test]
async fn the_change_stream_follows_the_acls() {
    let w = world().await;
    let open = |token: Option<String>| {
        let app = w.app.clone();
        async move {
            let headers: Vec<(&str, &str)> = token
                .as_deref()
                .map(|t| vec![("authorization", t)])
                .unwrap_or_default();
            let r = support::send(
                &app,
                "POST",
                "/api/notes/change-stream?_format=event-stream",
                &headers,
                None,
            );
            // an allowed stream never ends: still open after 300 ms
            tokio::time::timeout(std::time::Duration::from_millis(300), r)
                .await
                .map(|r| r.status.as_u16())
        }
    };
    assert_eq!(open(None).await, Ok(401));
    assert_eq!(open(Some("bogus".into())).await, Ok(401));
    let user = open(Some(w.bob.clone())).await;
    assert!(matches!(user, Err(_) | Ok(200)), "{user:?}");
}

/// Tokens on every datasource: a token is found only by its exact id — MySQL/MariaDB compare
/// text ignoring case by default, so the store checks the id it got back byte for byte.
#[tokio::test]
async fn tokens_on_every_datasource_match_exactly() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = App::builder()
            .datasource_url("db", &url)
            .unwrap()
            .model::<User>()
            .model::<Note>()
            .model::<Memo>()
            .definition(access_token_model(), "db")
            .authorizer(
                AclAuthorizer::new()
                    .acls_json("Memo", &memo_acls())
                    .unwrap(),
            )
            .build()
            .unwrap();
        app.automigrate().await.unwrap();
        let store = RowTokenStore::new(app.repository("AccessToken").unwrap().into_owned());
        let token = store.create(&json!(1), 60, vec![]).await.unwrap();
        assert_eq!(
            store.find(&token.id).await.unwrap().as_ref(),
            Some(&token),
            "{url}"
        );
        let swapped: String = token
            .id
            .chars()
            .map(|c| {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            })
            .collect();
        assert_eq!(store.find(&swapped).await.unwrap(), None, "{url}");
        assert_eq!(
            get_as(&app, "/api/memos", Some(&token.id)).await,
            200,
            "{url}"
        );
        assert_eq!(
            get_as(&app, "/api/memos", Some(&swapped)).await,
            401,
            "{url}"
        );
        // a user's other tokens go, the one kept stays
        let other = store.create(&json!(1), 60, vec![]).await.unwrap();
        assert_eq!(
            store
                .delete_for_user(&json!(1), Some(&token.id))
                .await
                .unwrap(),
            1,
            "{url}"
        );
        assert!(store.find(&other.id).await.unwrap().is_none(), "{url}");
        assert!(store.find(&token.id).await.unwrap().is_some(), "{url}");
    }
}

/// ACLs in LoopBack's JSON from `model-config.json` protect a model with no ACLs in code; a
/// malformed entry stops the app from starting, naming the model and the key.
#[tokio::test]
async fn acls_from_model_config() {
    let config = json!({"Memo": {"dataSource": "db", "acls": memo_acls()}});
    let app = App::builder()
        .model::<User>()
        .model::<Memo>()
        .model::<Note>()
        .definition(access_token_model(), "db")
        .model_config_json(&config.to_string())
        .unwrap()
        .authorizer(AclAuthorizer::new())
        .build()
        .unwrap();
    assert_eq!(app.model_acls("Memo").len(), 3);
    let store = RowTokenStore::new(app.repository("AccessToken").unwrap().into_owned());
    let bob = store.create(&json!(2), 60, vec![]).await.unwrap().id;
    assert_eq!(get_as(&app, "/api/memos", None).await, 401);
    assert_eq!(get_as(&app, "/api/memos", Some(&bob)).await, 200);
    // Note has none: open
    assert_eq!(support::get(&app, "/api/notes").await.status, 200);

    let bad = json!({"Memo": {"dataSource": "db", "acls": [{"principalType": "ROLE", "principalId": "$everyone", "permission": "MAYBE"}]}});
    let e = App::builder()
        .model::<User>()
        .model::<Memo>()
        .model::<Note>()
        .model_config_json(&bad.to_string())
        .unwrap()
        .build()
        .unwrap_err();
    assert!(
        e.message.contains("model-config.json")
            && e.message.contains("Memo")
            && e.message.contains("MAYBE"),
        "{}",
        e.message
    );
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(plural = "docs", belongs_to(owner, model = User, foreign_key = "ownerId"))]
pub struct Doc {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(rename = "userId")]
    pub user_id: Option<i64>,
    #[serde(rename = "ownerId")]
    pub owner_id: Option<i64>,
}

/// `$owner` as LoopBack decides it: by default `userId` wins over a belongsTo to the user
/// model (its legacy rule); with `ownerRelations` the listed relations name the owner.
#[tokio::test]
async fn owner_by_user_id_or_by_owner_relations() {
    let acls = json!([
        {"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY"},
        {"principalType": "ROLE", "principalId": "$owner", "permission": "ALLOW"}
    ]);
    for (relations, owner, other) in [(None, 1, 2), (Some(vec!["owner"]), 2, 1)] {
        let mut authorizer = AclAuthorizer::new()
            .user_model("user")
            .acls_json("Doc", &acls)
            .unwrap();
        if let Some(r) = &relations {
            authorizer = authorizer.owner_relations("Doc", r);
        }
        let app = App::builder()
            .model::<User>()
            .model::<Note>()
            .model::<Doc>()
            .definition(access_token_model(), "db")
            .authorizer(authorizer)
            .build()
            .unwrap();
        for email in ["a@x.com", "b@x.com"] {
            User::create(
                &app,
                &User {
                    id: None,
                    email: Some(email.into()),
                },
            )
            .await
            .unwrap();
        }
        Doc::create(
            &app,
            &Doc {
                id: None,
                user_id: Some(1),
                owner_id: Some(2),
            },
        )
        .await
        .unwrap();
        let store = RowTokenStore::new(app.repository("AccessToken").unwrap().into_owned());
        for (user, want) in [(owner, 200), (other, 401)] {
            let t = store.create(&json!(user), 60, vec![]).await.unwrap().id;
            assert_eq!(
                get_as(&app, "/api/docs/1", Some(&t)).await,
                want,
                "{relations:?}"
            );
        }
    }
}

/// ACLs declared on the model (`#[model(acl = "..")]`): the names of remote methods, which the
/// derive cannot see, are checked when the app is built.
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(plural = "gadgets", acl = "DENY $everyone * frobnicate")]
pub struct Gadget {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    plural = "widgets",
    acl = "DENY $everyone",
    acl = "ALLOW $everyone * spin",
    acl_error_status = 403
)]
pub struct Widget {
    pub name: Option<String>,
}

#[lb::remote_methods]
impl Widget {
    /// A remote method the ACL names.
    #[remote_method(verb = "get", path = "/spin")]
    async fn spin() -> lb::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn declared_acls_name_methods_of_the_model() {
    let e = App::builder()
        .model::<Gadget>()
        .authorizer(AclAuthorizer::new())
        .build()
        .unwrap_err();
    assert!(
        e.message
            .contains("names `frobnicate`, which is no method of Gadget"),
        "{}",
        e.message
    );
    let app = App::builder()
        .model::<Widget>()
        .authorizer(AclAuthorizer::new())
        .build()
        .unwrap();
    assert_eq!(get_as(&app, "/api/widgets/spin", None).await, 204);
    assert_eq!(get_as(&app, "/api/widgets", None).await, 401);
}
