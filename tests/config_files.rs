//! LoopBack's `datasources.json` and `model-config.json`: datasources from settings and
//! environment variables, models moved between datasources, hidden, or with sharedMethods.

mod support;

use lb::App;
use serde_json::json;
use support::models::{Inventory, Location, Product};

fn builder() -> lb::AppBuilder {
    App::builder()
        .model::<Location>()
        .model::<Inventory>()
        .model::<Product>()
}

#[tokio::test]
async fn config_dir_sets_datasources_and_models() {
    let dir = std::env::temp_dir().join(format!("lb-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // an env variable with a default: unset here, so the default applies
    std::fs::write(
        dir.join("datasources.json"),
        r#"{"db": {"connector": "sqlite3", "url": "${LB_TEST_UNSET_URL:-sqlite::memory:}"},
            "cache": {"connector": "memory"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("model-config.json"),
        r#"{"_meta": {},
            "Location": {"dataSource": "db", "public": true},
            "Inventory": {"dataSource": "cache", "public": false},
            "Product": {"dataSource": "db",
                        "options": {"remoting": {"sharedMethods": {"*": false, "find": true}}}}}"#,
    )
    .unwrap();
    let app = builder().config_dir(&dir).unwrap().build().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    app.automigrate().await.unwrap();

    assert_eq!(app.datasource("db").unwrap().name(), "sqlite3");
    assert_eq!(app.datasource("cache").unwrap().name(), "memory");
    let r = support::json(
        &app,
        "POST",
        "/api/locations",
        &json!({"name": "x", "zipcode": 1}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Inventory is not public: its routes are LoopBack's unknown-model 404
    let r = support::get(&app, "/api/inventories").await;
    assert_eq!(r.status, 404, "{}", r.text);
    // ... but usable from Rust, on the memory datasource
    assert_eq!(Inventory::count(&app, ()).await.unwrap(), 0);
    // Product exposes only find
    assert_eq!(support::get(&app, "/api/products").await.status, 200);
    assert_eq!(support::get(&app, "/api/products/count").await.status, 404);
    // a transaction on db cannot use Inventory (it lives on cache)
    let err = app
        .transaction(|tx| async move { Inventory::count(&tx, ()).await })
        .await
        .unwrap_err();
    assert!(err.message.contains("\"cache\""), "{}", err.message);
}

#[test]
fn config_mistakes_are_errors() {
    let e = builder()
        .model_config_json(r#"{"Shop": {"dataSource": "db"}}"#)
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(
        e.message,
        "model-config.json: model Shop is not attached to the app"
    );
    let e = builder()
        .model_config_json(r#"{"Location": {"dataSource": "nowhere"}}"#)
        .unwrap()
        .build()
        .unwrap_err();
    assert!(
        e.message.contains("unknown datasource \"nowhere\""),
        "{}",
        e.message
    );
    let Err(e) = builder()
        .datasources_json(r#"{"db": {"connector": "postgresql", "url": "${LB_TEST_UNSET_URL}"}}"#)
    else {
        panic!("an unset variable is an error");
    };
    assert_eq!(
        e.message,
        "datasources.json: db.url: environment variable LB_TEST_UNSET_URL is not set"
    );
}
