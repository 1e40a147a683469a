//! CRUD mode of the REST connector: a model of one lb app stored by another lb app's REST API,
//! both in this test process (the "remote" one served on a local port).
#![cfg(feature = "rest")]

mod support;

use lb::{App, Model};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "notes")]
pub struct Note {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[property(length(max = 10))]
    pub title: Option<String>,
    pub views: Option<i64>,
    pub tag: Option<String>,
}

/// `GET /api/notes` reached the remote at `resource` and passed its 404 through.
async fn assert_remote_404(front: &App, resource: &str) {
    let r = support::get(front, "/api/notes").await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains(resource)),
        "{}",
        r.text
    );
}

/// The remote app on a free port: its `/api` base URL.
async fn remote() -> String {
    let app = App::builder().model::<Note>().build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    tokio::spawn(async move { app.serve_on(listener).await.unwrap() });
    base
}

#[tokio::test]
async fn a_model_backed_by_another_lb_server() {
    let base = remote().await;
    let config = json!({"remote": {"connector": "rest", "baseURL": base, "dialect": "loopback"}});
    let front = App::builder()
        .datasources_json(&config.to_string())
        .unwrap()
        .model_on::<Note>("remote")
        .build()
        .unwrap();
    let send = |m: &'static str, u: String, b: Value| {
        let app = front.clone();
        async move { support::json(&app, m, &u, &b).await }
    };
    // create goes to the remote API and answers its instance
    let r = send(
        "POST",
        "/api/notes".into(),
        json!([{"title": "a", "views": 1, "tag": "x"}, {"title": "b", "views": 5, "tag": "y"},
               {"title": "c", "views": 9, "tag": null}]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json()[0],
        json!({"id": 1, "title": "a", "views": 1, "tag": "x"})
    );
    // the filter travels as brackets and is answered by the remote
    let f = support::escape_uri(
        &json!({"where": {"views": {"gt": 2}}, "order": "views DESC", "fields": ["title"]})
            .to_string(),
    );
    let r = send("GET", format!("/api/notes?filter={f}"), Value::Null).await;
    assert_eq!(
        r.json(),
        json!([{"title": "c"}, {"title": "b"}]),
        "{}",
        r.text
    );
    let r = send("GET", "/api/notes?filter[where][tag]=x".into(), Value::Null).await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(1), "{}", r.text);
    let w = support::escape_uri(&json!({"tag": null}).to_string());
    let r = send("GET", format!("/api/notes/count?where={w}"), Value::Null).await;
    assert_eq!(r.json(), json!({"count": 1}), "null in a where: {}", r.text);
    // a long inq (more than LoopBack's 20 bracket array items) travels as JSON
    let ids: Vec<i64> = (0..30).collect();
    let f = support::escape_uri(&json!({"where": {"id": {"inq": ids}}, "order": "id"}).to_string());
    let r = send("GET", format!("/api/notes?filter={f}"), Value::Null).await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(3), "{}", r.text);
    // by id, patch, replace, exists, count, updateAll, delete
    let r = send("GET", "/api/notes/2".into(), Value::Null).await;
    assert_eq!(r.json()["title"], "b");
    assert_eq!(
        send("GET", "/api/notes/99".into(), Value::Null)
            .await
            .status,
        404
    );
    let r = send("PATCH", "/api/notes/2".into(), json!({"views": 6})).await;
    assert_eq!(r.json()["views"], 6, "{}", r.text);
    let r = send("PUT", "/api/notes/2".into(), json!({"title": "b2"})).await;
    assert_eq!(r.json(), json!({"id": 2, "title": "b2"}), "{}", r.text);
    let r = send("GET", "/api/notes/3/exists".into(), Value::Null).await;
    assert_eq!(r.json(), json!({"exists": true}));
    let r = send(
        "POST",
        format!(
            "/api/notes/update?where={}",
            support::escape_uri(&json!({"views": {"lt": 5}}).to_string())
        ),
        json!({"tag": "low"}),
    )
    .await;
    assert_eq!(r.json(), json!({"count": 1}), "{}", r.text);
    let r = send("DELETE", "/api/notes/1".into(), Value::Null).await;
    assert_eq!(r.json(), json!({"count": 1}), "{}", r.text);
    let r = send("DELETE", "/api/notes/1".into(), Value::Null).await;
    assert_eq!(r.json(), json!({"count": 0}), "{}", r.text);
    // validation runs here first; the typed API goes through the same connector
    let r = send(
        "POST",
        "/api/notes".into(),
        json!({"title": "far too long"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let n = Note::count(&front, json!({})).await.unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        Note::delete_all(&front, json!({"views": {"gt": 0}}))
            .await
            .unwrap(),
        1
    );
    // the remote answered everything: it holds what the front wrote
    let r = reqwest_free_get(&format!("{base}/notes")).await;
    let titles: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["b2"]);
}

/// A remote error keeps its status and LoopBack body through the front.
#[tokio::test]
async fn remote_errors_pass_through() {
    let base = remote().await;
    // a resource the remote does not have: its 404 and message arrive as they are
    let crud = lb::connector::rest::RestCrud::from_settings(
        &json!({"baseURL": base, "resourceName": "missing", "dialect": "loopback"}),
    )
    .unwrap();
    let front = App::builder()
        .datasource("remote", crud)
        .model_on::<Note>("remote")
        .build()
        .unwrap();
    assert_remote_404(&front, "/missing").await;
    // nothing listens: 502
    let dead =
        lb::connector::rest::RestCrud::from_settings(&json!({"baseURL": "http://127.0.0.1:9/api"}))
            .unwrap();
    let app = App::builder()
        .datasource("d", dead)
        .model_on::<Note>("d")
        .build()
        .unwrap();
    let r = support::get(&app, "/api/notes").await;
    assert_eq!(r.status, 502, "{}", r.text);
}

/// A GET with a raw HTTP/1.1 request (the test's own client).
async fn reqwest_free_get(url: &str) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(
        format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let body = out.split_once("\r\n\r\n").unwrap().1;
    serde_json::from_str(body).unwrap()
}

/// `resourceName` is a model setting, as in LoopBack: from `model-config.json`'s `options`
/// (or `#[model(resource_name)]`), so two models share one datasource with their own
/// collections.
#[tokio::test]
async fn resource_name_from_model_config() {
    let base = remote().await;
    let front = App::builder()
        .datasources_json(
            &json!({"remote": {"connector": "rest", "baseURL": base, "dialect": "loopback"}})
                .to_string(),
        )
        .unwrap()
        .model_on::<Note>("remote")
        .model_config_json(
            r#"{"Note": {"dataSource": "remote", "options": {"resourceName": "missing"}}}"#,
        )
        .unwrap()
        .build()
        .unwrap();
    assert_remote_404(&front, "/missing").await;
}
