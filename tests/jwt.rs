//! Signed stateless tokens (feature `jwt`, `UserModel::jwt_tokens`): login answers a JWT, no
//! token row is written, a tampered or foreign token is anonymous, and logout and "end the
//! user's other tokens" work through the revocation list — on every datasource.
#![cfg(feature = "jwt")]

mod support;

use axum::http::StatusCode;
use lb::auth::UserModel;
use lb::App;
use serde_json::json;
use support::call;
use support::models::{Note, User};

const KEY: &[u8] = b"a test signing key of 32 bytes or more";

fn app_on(url: &str, key: &[u8]) -> lb::Result<App> {
    App::builder()
        .datasource_url("db", url)?
        .model::<User>()
        .model::<Note>()
        .user_model(UserModel::new("user").jwt_tokens(key))
        .build()
}

async fn login(app: &App, password: &str) -> (StatusCode, String) {
    let (s, v) = call(
        app,
        "POST",
        "/api/users/login",
        None,
        Some(json!({"email": "ann@x.com", "password": password})),
    )
    .await;
    (s, v["id"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn jwt_tokens_log_in_out_and_end() {
    assert!(app_on("memory:", b"short")
        .unwrap_err()
        .message
        .contains("at least 32 bytes"));
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = app_on(&url, KEY).unwrap();
        app.automigrate().await.unwrap();
        call(
            &app,
            "POST",
            "/api/users",
            None,
            Some(json!({"email": "ann@x.com", "password": "pw"})),
        )
        .await;
        let (s, t1) = login(&app, "pw").await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert_eq!(t1.split('.').count(), 3, "{url}: a JWT: {t1}");
        assert_eq!(
            app.repository("AccessToken")
                .unwrap()
                .count(None)
                .await
                .unwrap(),
            0,
            "{url}: no token rows"
        );
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&t1), None).await.0,
            StatusCode::OK,
            "{url}"
        );
        // signed with another key, or changed: anonymous
        let other = app_on("memory:", b"another signing key of 32 bytes or more").unwrap();
        call(
            &other,
            "POST",
            "/api/users",
            None,
            Some(json!({"email": "ann@x.com", "password": "pw"})),
        )
        .await;
        let (_, foreign) = login(&other, "pw").await;
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&foreign), None)
                .await
                .0,
            StatusCode::UNAUTHORIZED,
            "{url}"
        );
        let mut tampered = t1.clone();
        tampered.pop();
        tampered.push(if t1.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&tampered), None)
                .await
                .0,
            StatusCode::UNAUTHORIZED,
            "{url}"
        );
        // logout revokes it; another login still works
        let (_, t2) = login(&app, "pw").await;
        assert_eq!(
            call(&app, "POST", "/api/users/logout", Some(&t1), None)
                .await
                .0,
            StatusCode::NO_CONTENT,
            "{url}"
        );
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&t1), None).await.0,
            StatusCode::UNAUTHORIZED,
            "{url}"
        );
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&t2), None).await.0,
            StatusCode::OK,
            "{url}"
        );
        // a password change ends every other token, not the one used
        let (_, t3) = login(&app, "pw").await;
        let (s, v) = call(
            &app,
            "POST",
            "/api/users/change-password",
            Some(&t3),
            Some(json!({"oldPassword": "pw", "newPassword": "pw2"})),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{url}: {v}");
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&t2), None).await.0,
            StatusCode::UNAUTHORIZED,
            "{url}"
        );
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&t3), None).await.0,
            StatusCode::OK,
            "{url}"
        );
        // tokens made after the change are good
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let (s, t4) = login(&app, "pw2").await;
        assert_eq!(s, StatusCode::OK, "{url}");
        assert_eq!(
            call(&app, "GET", "/api/users/1", Some(&t4), None).await.0,
            StatusCode::OK,
            "{url}"
        );
    }
}
