//! The memory connector's `file` option: LoopBack's file format, durable atomic rewrites, and
//! no lost writes under concurrency.

mod support;

use lb::{App, Memory};
use serde_json::{json, Value};
use support::models::{Inventory, Location, Product};

fn temp_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lb-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("db.json");
    let _ = std::fs::remove_file(&f);
    f
}

fn app_on(path: &std::path::Path) -> App {
    App::builder()
        .datasource("db", Memory::with_file(path).unwrap())
        .model::<Location>()
        .model::<Inventory>()
        .model::<Product>()
        .build()
        .unwrap()
}

#[tokio::test]
async fn writes_loopback_format_and_reloads() {
    let path = temp_file("reload");
    let app = app_on(&path);
    let r = support::json(
        &app,
        "POST",
        "/api/products",
        &json!({"name": "p1", "created": "2020-01-01", "secret": "s"}),
    )
    .await;
    assert_eq!(r.status, 200);
    support::json(&app, "POST", "/api/products", &json!({"name": "p2"})).await;
    support::send(&app, "DELETE", "/api/products/2", &[], None).await;

    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["ids"]["Product"], 3);
    let row: Value =
        serde_json::from_str(file["models"]["Product"]["1"].as_str().unwrap()).unwrap();
    assert_eq!(row["created"], "2020-01-01T00:00:00.000Z");
    assert_eq!(row["secret"], "s", "hidden properties are stored");
    assert!(file["models"]["Product"].get("2").is_none());
    assert!(
        !std::fs::read_dir(path.parent().unwrap()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".tmp-"))
    );

    drop(app);
    let app = app_on(&path);
    let r = support::get(&app, "/api/products").await;
    assert_eq!(
        r.text,
        r#"[{"name":"p1","created":"2020-01-01T00:00:00.000Z","status":"new","qty":0,"id":1}]"#
    );
    // the id counter survives: ids are never reused
    let r = support::json(&app, "POST", "/api/products", &json!({"name": "p3"})).await;
    assert_eq!(r.json()["id"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_are_all_persisted() {
    let path = temp_file("concurrent");
    let app = app_on(&path);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            support::json(
                &app,
                "POST",
                "/api/locations",
                &json!({"name": format!("l{i}"), "zipcode": i}),
            )
            .await
            .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["models"]["Location"].as_object().unwrap().len(), 64);
    assert_eq!(file["ids"]["Location"], 65);
    let reloaded = app_on(&path);
    assert_eq!(
        support::get(&reloaded, "/api/locations/count").await.text,
        r#"{"count":64}"#
    );
}

#[tokio::test]
async fn a_missing_file_is_an_empty_database_and_a_corrupt_one_an_error() {
    let path = temp_file("corrupt");
    assert!(Memory::with_file(&path).is_ok());
    std::fs::write(&path, "{not json").unwrap();
    let err = Memory::with_file(&path)
        .err()
        .expect("corrupt file rejected");
    assert!(err.message.contains("cannot parse"), "{}", err.message);
}
