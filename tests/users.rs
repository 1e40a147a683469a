//! LoopBack's User beyond the golden answers (those are in `tests/fixtures/lb3/recorded/users_*`):
//! hidden properties in no answer of any kind, Argon2id hashes, LoopBack 3 bcrypt hashes
//! checked and rehashed, tokens ended with their user, the settings (`emailVerificationRequired`
//! with verify/confirm and a mailer, `restrictResetPasswordTokenScope`,
//! `rejectPasswordChangesViaPatchOrReplace`, `caseSensitiveEmail`, realms), password reset
//! without enumeration, and the caller seen by hooks and remote methods.

mod support;

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use lb::auth::{MemoryMailer, ResetRequest, UserModel, UserSettings, VerifyOptions};
use lb::{App, OperationHook};
use serde_json::{json, Value};
use support::call;
use support::models::{Note, User};

/// `user` and `Note` (Note's ACLs as in the example) with `users`' settings.
fn app_with(users: UserModel, f: impl FnOnce(lb::AppBuilder) -> lb::AppBuilder) -> App {
    let authorizer = lb::rest::AclAuthorizer::new();
    f(App::builder()
        .model::<User>()
        .model::<Note>()
        .user_model(users)
        .authorizer(authorizer))
    .build()
    .unwrap()
}

fn app(users: UserModel) -> App {
    app_with(users, |b| b)
}

async fn register(app: &App, email: &str, password: &str) -> Value {
    let (s, v) = call(
        app,
        "POST",
        "/api/users",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["id"].clone()
}

async fn login(app: &App, email: &str, password: &str) -> (StatusCode, Value) {
    call(
        app,
        "POST",
        "/api/users/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

async fn token(app: &App, email: &str, password: &str) -> String {
    let (s, v) = login(app, email, password).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// The stored row of a user, hidden properties included.
async fn stored(app: &App, id: &Value) -> Value {
    let repo = app.repository("user").unwrap();
    Value::Object(
        repo.find_by_id(id, None)
            .await
            .unwrap()
            .unwrap()
            .to_object(),
    )
}

/// Allows everything: every answer kind can be asked for.
struct Open;
impl lb::Authorizer for Open {
    fn authorize<'a>(
        &'a self,
        _: &'a lb::AccessRequest<'a>,
    ) -> lb::connector::BoxFuture<'a, lb::Result<Option<Arc<lb::auth::AccessToken>>>> {
        Box::pin(async { Ok(None) })
    }
}

#[tokio::test]
async fn hidden_properties_are_in_no_answer() {
    let app = App::builder()
        .model::<User>()
        .model::<Note>()
        .user_model(UserModel::new("user"))
        .authorizer(Open)
        .build()
        .unwrap();
    let id = register(&app, "ann@x.com", "ann-pass").await;
    // a verification token stored too
    app.repository("user")
        .unwrap()
        .patch_attributes(&id, json!({"verificationToken": "vt-secret"}), "1")
        .await
        .unwrap();
    call(
        &app,
        "POST",
        "/api/notes",
        None,
        Some(json!({"title": "t", "ownerId": id})),
    )
    .await;
    let answers = [
        call(&app, "GET", "/api/users", None, None).await,
        call(&app, "GET", "/api/users/1", None, None).await,
        call(&app, "GET", "/api/users/findOne", None, None).await,
        call(
            &app,
            "GET",
            "/api/users?filter=%7B%22fields%22%3A%5B%22password%22%5D%7D",
            None,
            None,
        )
        .await,
        call(
            &app,
            "GET",
            "/api/users?filter=%7B%22include%22%3A%22notes%22%7D",
            None,
            None,
        )
        .await,
        call(
            &app,
            "PATCH",
            "/api/users/1",
            None,
            Some(json!({"nickname": "A"})),
        )
        .await,
        call(
            &app,
            "PUT",
            "/api/users/1",
            None,
            Some(json!({"email": "ann@x.com", "password": "p2"})),
        )
        .await,
        call(
            &app,
            "GET",
            "/api/notes?filter=%7B%22include%22%3A%22owner%22%7D",
            None,
            None,
        )
        .await,
        call(&app, "GET", "/api/notes/1/owner", None, None).await,
        call(
            &app,
            "POST",
            "/api/users/login?include=user",
            None,
            Some(json!({"email": "ann@x.com", "password": "p2"})),
        )
        .await,
        call(
            &app,
            "POST",
            "/api/users",
            None,
            Some(json!({"email": "bob@x.com", "password": "b"})),
        )
        .await,
        call(
            &app,
            "POST",
            "/api/users",
            None,
            Some(json!([{"email": "cy@x.com", "password": "c"}])),
        )
        .await,
        call(
            &app,
            "PATCH",
            "/api/users",
            None,
            Some(json!({"id": 1, "nickname": "B"})),
        )
        .await,
    ];
    for (status, body) in &answers {
        assert!(status.is_success(), "{status} {body}");
        let text = body.to_string();
        for secret in ["password", "verificationToken", "vt-secret", "$argon2"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // a client cannot verify its own email nor choose its verification token
    call(
        &app,
        "PATCH",
        "/api/users/1",
        None,
        Some(json!({"emailVerified": true, "verificationToken": "mine"})),
    )
    .await;
    let row = stored(&app, &id).await;
    assert_ne!(row["verificationToken"], "mine");
    assert_ne!(row["emailVerified"], json!(true));
    // where on a hidden property is dropped: it cannot be probed
    let (_, all) = call(
        &app,
        "GET",
        "/api/users?filter=%7B%22where%22%3A%7B%22verificationToken%22%3A%22nope%22%7D%7D",
        None,
        None,
    )
    .await;
    assert_eq!(all.as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn passwords_are_argon2id_at_owasp_parameters() {
    let app = app(UserModel::new("user"));
    let id = register(&app, "ann@x.com", "ann-pass").await;
    let row = stored(&app, &id).await;
    let hash = row["password"].as_str().unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains("ann-pass"));
    let (s, v) = login(&app, "ann@x.com", "wrong").await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("LOGIN_FAILED"))
    );
    // an unknown email gives the same answer
    let (s2, v2) = login(&app, "nobody@x.com", "ann-pass").await;
    assert_eq!((s2, v2), (s, v));
}

#[tokio::test]
async fn loopback3_bcrypt_hashes_log_in_and_are_rehashed() {
    let app = app(UserModel::new("user"));
    // a user as LoopBack 3 stored it (bcryptjs, `$2a$`), written straight to the datasource
    let lb3_hash = bcrypt::hash("lb3-pass", 4)
        .unwrap()
        .replacen("$2b$", "$2a$", 1);
    let repo = app.repository("user").unwrap();
    let mut row = serde_json::Map::new();
    row.insert("email".into(), json!("old@x.com"));
    row.insert("password".into(), json!(lb3_hash));
    let created = repo.connector.create(repo.model, row).await.unwrap();
    let id = repo.row_id(&created).unwrap();
    assert_eq!(
        login(&app, "old@x.com", "wrong").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stored(&app, &id).await["password"],
        json!(lb3_hash),
        "not rehashed on a failure"
    );
    let first = token(&app, "old@x.com", "lb3-pass").await;
    let now = stored(&app, &id).await["password"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(now.starts_with("$argon2id$"), "rehashed: {now}");
    // the same password still logs in, and the rehash did not end the first token
    token(&app, "old@x.com", "lb3-pass").await;
    let (s, _) = call(&app, "GET", &format!("/api/users/{id}"), Some(&first), None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn deleting_users_deletes_their_tokens_and_email_changes_by_update_all_end_tokens() {
    let app = app_with(UserModel::new("user"), |b| b);
    let ann = register(&app, "ann@x.com", "ann-pass").await;
    let bob = register(&app, "bob@x.com", "bob-pass").await;
    let t_ann = token(&app, "ann@x.com", "ann-pass").await;
    let t_bob = token(&app, "bob@x.com", "bob-pass").await;
    let tokens = app.repository("AccessToken").unwrap();
    assert_eq!(tokens.count(None).await.unwrap(), 2);
    // updateAll of an email (from code: no caller) ends that user's tokens only
    let users = app.repository("user").unwrap();
    let w = lb::filter::parse_where(
        users.model,
        &json!({"email": "bob@x.com"}),
        Default::default(),
    )
    .unwrap();
    users
        .update_all(w.as_ref(), json!({"email": "bobby@x.com"}))
        .await
        .unwrap();
    assert_eq!(
        call(
            &app,
            "GET",
            &format!("/api/users/{bob}"),
            Some(&t_bob),
            None
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(
            &app,
            "GET",
            &format!("/api/users/{ann}"),
            Some(&t_ann),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    // the owner deletes itself: its tokens go with it
    let (s, v) = call(
        &app,
        "DELETE",
        &format!("/api/users/{ann}"),
        Some(&t_ann),
        None,
    )
    .await;
    assert_eq!((s, v), (StatusCode::OK, json!({"count": 1})));
    assert_eq!(tokens.count(None).await.unwrap(), 0);
}

#[tokio::test]
async fn email_verification_with_a_mailer() {
    let mailer = MemoryMailer::new();
    let app = app(UserModel::new("user")
        .settings(UserSettings {
            email_verification_required: true,
            ..UserSettings::default()
        })
        .mailer(mailer.clone())
        .verify_options(VerifyOptions {
            from: Some("noreply@example.com".into()),
            origin: "https://api.example.com".into(),
            ..VerifyOptions::default()
        }));
    let id = register(&app, "ann@x.com", "ann-pass").await;
    let (s, v) = login(&app, "ann@x.com", "ann-pass").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "LOGIN_FAILED_EMAIL_NOT_VERIFIED");
    assert_eq!(v["error"]["details"], json!({"userId": id}));
    // an unverified user's reset tells nothing
    let (s, _) = call(
        &app,
        "POST",
        "/api/users/reset",
        None,
        Some(json!({"email": "ann@x.com"})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = call(&app, "POST", &format!("/api/users/{id}/verify"), None, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let sent = mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].to.as_str(), sent[0].from.as_str()),
        ("ann@x.com", "noreply@example.com")
    );
    let link = sent[0]
        .text
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
        .unwrap()
        .to_string();
    assert!(
        link.starts_with(&format!(
            "https://api.example.com/api/users/confirm?uid={id}&redirect=%2F&token="
        )),
        "{link}"
    );
    let vt = link.rsplit("token=").next().unwrap().to_string();
    assert_eq!(vt.len(), 128);
    let (s, v) = call(
        &app,
        "GET",
        &format!("/api/users/confirm?uid={id}&token=x{vt}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("INVALID_TOKEN"))
    );
    // the redirect must be a path of this site: no open redirect in a mailed link
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let uri = format!(
            "/api/users/confirm?uid={id}&token={vt}&redirect={}",
            support::escape_uri(evil)
        );
        let (s, v) = call(&app, "GET", &uri, None, None).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (StatusCode::BAD_REQUEST, json!("INVALID_REDIRECT")),
            "{evil}"
        );
    }
    assert_ne!(stored(&app, &id).await["emailVerified"], json!(true));
    let r = support::send(
        &app,
        "GET",
        &format!("/api/users/confirm?uid={id}&token={vt}&redirect=/welcome"),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let row = stored(&app, &id).await;
    assert_eq!(
        (
            row["emailVerified"].clone(),
            row.get("verificationToken").cloned().unwrap_or(Value::Null)
        ),
        (json!(true), Value::Null)
    );
    let t = token(&app, "ann@x.com", "ann-pass").await;
    // a changed email must be verified again
    let (s, v) = call(
        &app,
        "PATCH",
        &format!("/api/users/{id}"),
        Some(&t),
        Some(json!({"email": "ann2@x.com"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(stored(&app, &id).await["emailVerified"], json!(false));
    // the token used was kept
    assert_eq!(
        call(&app, "GET", &format!("/api/users/{id}"), Some(&t), None)
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn password_reset_tokens_and_their_scope() {
    let requests: Arc<Mutex<Vec<ResetRequest>>> = Arc::default();
    let seen = requests.clone();
    let app = app(UserModel::new("user")
        .settings(UserSettings {
            restrict_reset_password_token_scope: true,
            ..UserSettings::default()
        })
        .on_reset_password(move |r| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(r);
                Ok(())
            }
        }));
    let id = register(&app, "ann@x.com", "ann-pass").await;
    let normal = token(&app, "ann@x.com", "ann-pass").await;
    // unknown and known emails: the same answer
    for email in ["nobody@x.com", "ann@x.com"] {
        let (s, v) = call(
            &app,
            "POST",
            "/api/users/reset",
            None,
            Some(json!({ "email": email })),
        )
        .await;
        assert_eq!((s, v), (StatusCode::NO_CONTENT, Value::Null));
    }
    let mut reset = None;
    for _ in 0..100 {
        if let Some(r) = requests.lock().unwrap().first().cloned() {
            reset = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let reset = reset.expect("the reset handler ran");
    assert_eq!(
        requests.lock().unwrap().len(),
        1,
        "only for the known email"
    );
    assert_eq!(reset.email, "ann@x.com");
    assert_eq!(reset.access_token.ttl, 900);
    assert_eq!(reset.access_token.scopes, ["reset-password"]);
    assert!(reset.user.get("password").is_none());
    let rt = reset.access_token.id.clone();
    // the reset token does nothing but set the password; a normal token cannot set it
    assert_eq!(
        call(&app, "GET", &format!("/api/users/{id}"), Some(&rt), None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&app, "GET", "/api/notes", Some(&rt), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let body = json!({"newPassword": "new-pass"});
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/users/reset-password",
            Some(&normal),
            Some(body.clone())
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/users/reset-password",
            Some(&rt),
            Some(body)
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        login(&app, "ann@x.com", "ann-pass").await.0,
        StatusCode::UNAUTHORIZED
    );
    token(&app, "ann@x.com", "new-pass").await;
    // the password changed: the user's other tokens ended
    assert_eq!(
        call(
            &app,
            "GET",
            &format!("/api/users/{id}"),
            Some(&normal),
            None
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn loopbacks_reset_answer_on_request() {
    let app = app(UserModel::new("user").settings(UserSettings {
        reset_reveals_unknown_email: true,
        ..UserSettings::default()
    }));
    let (s, v) = call(
        &app,
        "POST",
        "/api/users/reset",
        None,
        Some(json!({"email": "nobody@x.com"})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "EMAIL_NOT_FOUND");
}

#[tokio::test]
async fn password_changes_only_through_their_methods_when_asked() {
    let app = app(UserModel::new("user").settings(UserSettings {
        reject_password_changes_via_patch_or_replace: true,
        ..UserSettings::default()
    }));
    let id = register(&app, "ann@x.com", "ann-pass").await;
    let t = token(&app, "ann@x.com", "ann-pass").await;
    let (s, v) = call(
        &app,
        "PATCH",
        &format!("/api/users/{id}"),
        Some(&t),
        Some(json!({"password": "x"})),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (
            StatusCode::UNAUTHORIZED,
            json!("PASSWORD_CHANGE_NOT_ALLOWED")
        )
    );
    let (s, _) = call(
        &app,
        "PATCH",
        &format!("/api/users/{id}"),
        Some(&t),
        Some(json!({"nickname": "x"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call(
        &app,
        "POST",
        "/api/users/change-password",
        Some(&t),
        Some(json!({"oldPassword": "ann-pass", "newPassword": "p2"})),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    token(&app, "ann@x.com", "p2").await;
}

#[tokio::test]
async fn case_insensitive_emails_and_realms() {
    let app = app(UserModel::new("user").settings(UserSettings {
        case_sensitive_email: false,
        ..UserSettings::default()
    }));
    let id = register(&app, "Ann@X.com", "ann-pass").await;
    assert_eq!(stored(&app, &id).await["email"], "ann@x.com");
    token(&app, "ANN@x.COM", "ann-pass").await;
    let (s, v) = call(
        &app,
        "POST",
        "/api/users",
        None,
        Some(json!({"email": "ann@X.COM", "password": "x"})),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "taken in another case: {v}"
    );

    let app = app_with(
        UserModel::new("user").settings(UserSettings {
            realm_required: true,
            realm_delimiter: Some(":".into()),
            ..UserSettings::default()
        }),
        |b| b,
    );
    for realm in ["r1", "r2"] {
        let (s, v) = call(
            &app,
            "POST",
            "/api/users",
            None,
            Some(json!({"email": "ann@x.com", "password": realm, "realm": realm})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "the same email in two realms: {v}");
    }
    let (s, v) = login(&app, "ann@x.com", "r1").await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("REALM_REQUIRED"))
    );
    let (s, v) = login(&app, "r2:ann@x.com", "r2").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["userId"], 2);
    assert_eq!(
        login(&app, "r1:ann@x.com", "r2").await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn ttl_is_capped_and_tokens_expire() {
    let app = app(UserModel::new("user").settings(UserSettings {
        ttl: 60,
        max_ttl: 3600,
        ..UserSettings::default()
    }));
    register(&app, "ann@x.com", "ann-pass").await;
    let (_, v) = login(&app, "ann@x.com", "ann-pass").await;
    assert_eq!(v["ttl"], 60);
    let (_, v) = call(
        &app,
        "POST",
        "/api/users/login",
        None,
        Some(json!({"email": "ann@x.com", "password": "ann-pass", "ttl": 999999})),
    )
    .await;
    assert_eq!(v["ttl"], 3600);
    // an expired token is anonymous and deleted
    let (_, v) = call(
        &app,
        "POST",
        "/api/users/login",
        None,
        Some(json!({"email": "ann@x.com", "password": "ann-pass", "ttl": 1})),
    )
    .await;
    let t = v["id"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        call(&app, "GET", "/api/users/1", Some(&t), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let tokens = app.repository("AccessToken").unwrap();
    assert!(tokens.find_by_id(&json!(t), None).await.unwrap().is_none());
}

#[tokio::test]
async fn hooks_and_remote_methods_see_the_caller() {
    let seen: Arc<Mutex<Vec<Option<Value>>>> = Arc::default();
    let s1 = seen.clone();
    let app = app_with(UserModel::new("user"), |b| {
        b.observe("Note", OperationHook::BeforeSave, move |ctx| {
            let s1 = s1.clone();
            async move {
                s1.lock().unwrap().push(lb::auth::current_user_id());
                Ok(ctx)
            }
        })
    });
    let id = register(&app, "ann@x.com", "ann-pass").await;
    let t = token(&app, "ann@x.com", "ann-pass").await;
    let (s, v) = call(
        &app,
        "POST",
        "/api/notes",
        Some(&t),
        Some(json!({"title": "mine"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(seen.lock().unwrap().as_slice(), [Some(id.clone())]);
    // outside a request: nobody
    Note::create(
        &app,
        &Note {
            title: "code".into(),
            body: None,
            owner_id: None,
            id: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(seen.lock().unwrap().last(), Some(&None));
}

/// The first SSE data event of `body` within `ms`, if any.
async fn next_event(body: &mut axum::body::Body, ms: u64) -> Option<String> {
    use http_body_util::BodyExt;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(ms);
    let mut buf = String::new();
    loop {
        if let Some(i) = buf.find("event: data\ndata: ") {
            if let Some(end) = buf[i..].find("\n\n") {
                return Some(buf[i + 18..i + end].to_string());
            }
        }
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .ok()??;
        if let Ok(data) = frame.unwrap().into_data() {
            buf.push_str(&String::from_utf8_lossy(&data));
        }
    }
}

#[tokio::test]
async fn owner_scoped_models_show_each_caller_its_own_rows() {
    use tower::ServiceExt;
    let app = app_with(UserModel::new("user"), |b| b.owner_scoped("Note"));
    let ann = register(&app, "ann@x.com", "ann-pass").await;
    let bob = register(&app, "bob@x.com", "bob-pass").await;
    let t_ann = token(&app, "ann@x.com", "ann-pass").await;
    let t_bob = token(&app, "bob@x.com", "bob-pass").await;
    for (t, owner, title) in [
        (&t_ann, &ann, "a1"),
        (&t_ann, &ann, "a2"),
        (&t_bob, &bob, "b1"),
    ] {
        let (s, v) = call(
            &app,
            "POST",
            "/api/notes",
            Some(t),
            Some(json!({"title": title, "ownerId": owner})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // ann's change stream: only her notes' changes
    let req = axum::http::Request::get("/api/notes/change-stream")
        .header("authorization", &t_ann)
        .body(axum::body::Body::empty())
        .unwrap();
    let res = app.clone().into_router().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut stream = res.into_body();

    let titles = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, mine) = call(&app, "GET", "/api/notes", Some(&t_ann), None).await;
    assert_eq!(titles(&mine), ["a1", "a2"]);
    let (_, theirs) = call(&app, "GET", "/api/notes", Some(&t_bob), None).await;
    assert_eq!(titles(&theirs), ["b1"]);
    assert_eq!(
        call(&app, "GET", "/api/notes/count", Some(&t_ann), None)
            .await
            .1,
        json!({"count": 2})
    );
    // bob's note is not there for ann, whatever the where says
    assert_eq!(
        call(&app, "GET", "/api/notes/3", Some(&t_ann), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, "GET", "/api/notes/3/exists", Some(&t_ann), None)
            .await
            .1,
        json!({"exists": false})
    );
    let (_, found) = call(
        &app,
        "GET",
        "/api/notes?filter=%7B%22where%22%3A%7B%22title%22%3A%22b1%22%7D%7D",
        Some(&t_ann),
        None,
    )
    .await;
    assert_eq!(found, json!([]));
    let (_, included) = call(
        &app,
        "GET",
        "/api/users/1?filter=%7B%22include%22%3A%22notes%22%7D",
        Some(&t_ann),
        None,
    )
    .await;
    assert_eq!(included["notes"].as_array().map(Vec::len), Some(2));
    // the typed relation list of bob's user, asked by ann: nothing
    let bob_user = User::find_by_id(&app, bob.as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    use lb::auth::TokenStore;
    let store = lb::auth::RowTokenStore::new(app.repository("AccessToken").unwrap().into_owned());
    let token = Arc::new(store.find(&t_ann).await.unwrap().unwrap());
    let listed = lb::auth::as_caller(Some(token.clone()), async {
        bob_user.notes(&app).find(()).await
    })
    .await
    .unwrap();
    assert!(listed.is_empty());
    // updateAll and deleteAll by ann touch only her notes
    let notes = app.repository("Note").unwrap().into_owned();
    let n = lb::auth::as_caller(
        Some(token.clone()),
        notes.update_all(None, json!({"body": "mine"})),
    )
    .await
    .unwrap();
    assert_eq!(n, 2);
    let w =
        lb::filter::parse_where(notes.model, &json!({"title": "b1"}), Default::default()).unwrap();
    let n = lb::auth::as_caller(Some(token), notes.delete_all(w.as_ref()))
        .await
        .unwrap();
    assert_eq!(n, 0, "bob's note is not ann's to delete");
    // code outside a request sees every note
    assert_eq!(Note::count(&app, ()).await.unwrap(), 3);
    // the change stream: bob's new note is not ann's business, hers is
    call(
        &app,
        "POST",
        "/api/notes",
        Some(&t_bob),
        Some(json!({"title": "b2", "ownerId": bob})),
    )
    .await;
    call(
        &app,
        "POST",
        "/api/notes",
        Some(&t_ann),
        Some(json!({"title": "a3", "ownerId": ann})),
    )
    .await;
    let e = next_event(&mut stream, 3000).await.expect("an event");
    assert!(e.contains("\"a3\""), "{e}");
}

#[tokio::test]
async fn rows_of_the_acl_model_are_entries_too() {
    let app = app_with(UserModel::new("user"), |b| {
        b.definition(lb::acl::acl_model(), "db")
    });
    register(&app, "ann@x.com", "ann-pass").await;
    let t = token(&app, "ann@x.com", "ann-pass").await;
    assert_eq!(
        call(&app, "GET", "/api/notes", Some(&t), None).await.0,
        StatusCode::OK
    );
    // a row naming `find` beats Note's `$authenticated READ` (a property over `*`)
    let table = app.repository("ACL").unwrap().into_owned();
    let row = table
        .create(json!({"model": "Note", "property": "find", "accessType": "READ",
                       "permission": "DENY", "principalType": "ROLE", "principalId": "$authenticated"}))
        .await
        .unwrap();
    assert_eq!(
        call(&app, "GET", "/api/notes", Some(&t), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&app, "GET", "/api/notes/count", Some(&t), None)
            .await
            .0,
        StatusCode::OK
    );
    // deleted: the next request sees it gone
    table
        .delete_by_id(&table.row_id(&row).unwrap())
        .await
        .unwrap();
    assert_eq!(
        call(&app, "GET", "/api/notes", Some(&t), None).await.0,
        StatusCode::OK
    );
    // a row that is not an entry fails closed
    table
        .create(json!({"model": "Note", "permission": "MAYBE"}))
        .await
        .unwrap();
    assert_eq!(
        call(&app, "GET", "/api/notes", Some(&t), None).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
}

#[tokio::test]
async fn roles_are_looked_up_only_when_they_can_change_the_answer() {
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let authorizer = lb::rest::AclAuthorizer::new().role("admin", move |_ctx| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async { Ok(false) })
    });
    let app = App::builder()
        .model::<User>()
        .model::<Note>()
        .user_model(UserModel::new("user"))
        .authorizer(authorizer)
        .build()
        .unwrap();
    let ann = register(&app, "ann@x.com", "ann-pass").await;
    register(&app, "bob@x.com", "bob-pass").await;
    let t_ann = token(&app, "ann@x.com", "ann-pass").await;
    let t_bob = token(&app, "bob@x.com", "bob-pass").await;
    call(
        &app,
        "POST",
        "/api/notes",
        Some(&t_ann),
        Some(json!({"title": "a", "ownerId": ann})),
    )
    .await;
    let n = || asked.load(std::sync::atomic::Ordering::SeqCst);
    // a READ by a signed-in user is allowed whatever `admin` says: not asked
    let before = n();
    assert_eq!(
        call(&app, "GET", "/api/notes/1", Some(&t_bob), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(n(), before);
    // an anonymous caller: only a resolver can grant it a role, so it is asked
    assert_eq!(
        call(&app, "GET", "/api/notes/1", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(n(), before + 1);
    // the owner's PATCH is allowed whoever the admins are: not asked
    let (s, _) = call(
        &app,
        "PATCH",
        "/api/notes/1",
        Some(&t_ann),
        Some(json!({"body": "x"})),
    )
    .await;
    assert_eq!((s, n()), (StatusCode::OK, before + 1));
    // bob's PATCH of ann's note: not the owner, so `admin` decides
    let (s, _) = call(
        &app,
        "PATCH",
        "/api/notes/1",
        Some(&t_bob),
        Some(json!({"body": "x"})),
    )
    .await;
    assert_eq!((s, n()), (StatusCode::UNAUTHORIZED, before + 2));
}

/// Expired tokens are deleted by the purge (a served app runs it every hour), on every
/// datasource; valid ones stay.
#[tokio::test]
async fn expired_tokens_are_purged_on_every_datasource() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = app_with(UserModel::new("user"), |b| {
            b.datasource_url("db", &url).unwrap()
        });
        app.automigrate().await.unwrap();
        register(&app, "ann@x.com", "ann-pass").await;
        let short = |ttl: u64| {
            let app = app.clone();
            async move {
                let (_, v) = call(
                    &app,
                    "POST",
                    "/api/users/login",
                    None,
                    Some(json!({"email": "ann@x.com", "password": "ann-pass", "ttl": ttl})),
                )
                .await;
                v["id"].as_str().unwrap().to_string()
            }
        };
        let gone = short(1).await;
        let gone_too = short(1).await;
        let stays = short(3600).await;
        assert_eq!(
            app.purge_expired_tokens().await.unwrap(),
            0,
            "{url}: nothing expired yet"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        assert_eq!(app.purge_expired_tokens().await.unwrap(), 2, "{url}");
        let tokens = app.repository("AccessToken").unwrap();
        for (id, left) in [(&gone, false), (&gone_too, false), (&stays, true)] {
            assert_eq!(
                tokens.find_by_id(&json!(id), None).await.unwrap().is_some(),
                left,
                "{url}"
            );
        }
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&stays), None)
                .await
                .0,
            StatusCode::OK,
            "{url}"
        );
    }
}

/// With a cookie secret, a token in a signed `access_token` cookie (as `cookie-parser` signs
/// it, so a LoopBack 3 app sharing the secret can have set it) identifies the caller; an
/// unsigned or tampered cookie does not.
#[tokio::test]
async fn signed_cookies_carry_tokens_when_a_secret_is_set() {
    let sources = lb::auth::TokenSources::default().cookie_secret("s3cret");
    let app = App::builder()
        .model::<User>()
        .model::<Note>()
        .user_model(UserModel::new("user"))
        .authorizer(lb::rest::AclAuthorizer::new().token_sources(sources))
        .build()
        .unwrap();
    register(&app, "ann@x.com", "ann-pass").await;
    let tok = token(&app, "ann@x.com", "ann-pass").await;
    let signed = lb::auth::sign_cookie(&tok, "s3cret").replace(':', "%3A");
    let with_cookie = |cookie: String| {
        let app = app.clone();
        async move {
            support::send(&app, "GET", "/api/notes", &[("cookie", &cookie)], None)
                .await
                .status
        }
    };
    assert_eq!(
        with_cookie(format!("access_token={signed}")).await,
        StatusCode::OK
    );
    assert_eq!(
        with_cookie(format!("theme=dark; authorization={signed}")).await,
        StatusCode::OK
    );
    for bad in [
        format!("access_token={tok}"),
        format!("access_token={}", signed.replace(&tok[..4], "AAAA")),
        format!(
            "access_token={}",
            lb::auth::sign_cookie(&tok, "other").replace(':', "%3A")
        ),
    ] {
        assert_eq!(
            with_cookie(bad.clone()).await,
            StatusCode::UNAUTHORIZED,
            "{bad}"
        );
    }
}

/// Tokens found in the store are kept for the freshness time (`UserModel::token_cache`): a
/// logout through this app is seen at once; one through another app sharing the datasource
/// (another process, in production) within the freshness time; with the cache off, at once.
#[tokio::test]
async fn a_logout_elsewhere_is_seen_within_the_token_cache_freshness() {
    let file = std::env::temp_dir().join(format!("lb-token-cache-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let url = format!("sqlite://{}", file.display());
    let fresh = std::time::Duration::from_millis(400);
    let on = |fresh: Option<std::time::Duration>| {
        let url = url.clone();
        app_with(UserModel::new("user").token_cache(fresh), move |b| {
            b.datasource_url("db", &url).unwrap()
        })
    };
    let (here, elsewhere, uncached) = (on(Some(fresh)), on(Some(fresh)), on(None));
    here.automigrate().await.unwrap();
    register(&here, "ann@x.com", "ann-pass").await;
    let me = |app: &App, token: &str| {
        let (app, token) = (app.clone(), token.to_string());
        async move {
            call(&app, "GET", "/api/users/1", Some(&token), None)
                .await
                .0
        }
    };
    // a logout here: refused by the next request here
    let t = token(&here, "ann@x.com", "ann-pass").await;
    assert_eq!(me(&here, &t).await, StatusCode::OK);
    let (s, _) = call(&here, "POST", "/api/users/logout", Some(&t), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(me(&here, &t).await, StatusCode::UNAUTHORIZED);

    // a logout elsewhere: still accepted here until the token is read again
    let t = token(&here, "ann@x.com", "ann-pass").await;
    assert_eq!(me(&here, &t).await, StatusCode::OK);
    assert_eq!(me(&uncached, &t).await, StatusCode::OK);
    let (s, _) = call(&elsewhere, "POST", "/api/users/logout", Some(&t), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(me(&uncached, &t).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        me(&here, &t).await,
        StatusCode::OK,
        "kept for the freshness time"
    );
    tokio::time::sleep(fresh + std::time::Duration::from_millis(100)).await;
    assert_eq!(me(&here, &t).await, StatusCode::UNAUTHORIZED);

    // a token row deleted by code of this app (not through the store): seen at once
    let t = token(&here, "ann@x.com", "ann-pass").await;
    assert_eq!(me(&here, &t).await, StatusCode::OK);
    here.repository("AccessToken")
        .unwrap()
        .delete_by_id(&json!(t))
        .await
        .unwrap();
    assert_eq!(me(&here, &t).await, StatusCode::UNAUTHORIZED);
    let _ = std::fs::remove_file(&file);
}
