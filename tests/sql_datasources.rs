//! What only SQL datasources have: table and column names, indexes and unique constraints,
//! `automigrate`/`autoupdate`, generated string and integer ids, transactions, and JSON
//! documents queried by path. Runs on SQLite, and on PostgreSQL and MySQL/MariaDB when their
//! URLs are set (`support::datasource_urls`).

mod support;

use lb::{App, Model};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Custom table and column names, a string id, a unique composite index, a JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(
    path = "accounts",
    table = "lb_accounts",
    index(properties("owner", "label"), unique, name = "lb_accounts_owner_label")
)]
pub struct Account {
    #[property(id)]
    pub code: String,
    #[property(column = "owner_name", index)]
    pub owner: Option<String>,
    pub label: Option<String>,
    pub meta: Option<Value>,
    pub balance: Option<f64>,
}

/// A generated integer id that clients may also choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(path = "counters", table = "lb_counters", force_id = false)]
pub struct Counter {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub n: Option<i64>,
}

/// A generated string id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(path = "notes", table = "lb_notes")]
pub struct Note {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub text: Option<String>,
}

fn sql_urls() -> Vec<String> {
    support::datasource_urls()
        .into_iter()
        .filter(|u| !u.starts_with("memory:"))
        .collect()
}

async fn app_on(url: &str) -> App {
    let app = App::builder()
        .datasource_url("db", url)
        .expect("datasource")
        .model::<Account>()
        .model::<Counter>()
        .model::<Note>()
        .build()
        .expect("app");
    app.automigrate().await.expect("automigrate");
    app
}

fn account(code: &str, owner: &str, label: &str) -> Account {
    Account {
        code: code.into(),
        owner: Some(owner.into()),
        label: Some(label.into()),
        meta: None,
        balance: None,
    }
}

#[tokio::test]
async fn names_indexes_and_unique_constraints() {
    for url in sql_urls() {
        let _g = support::database_lock(&url).await;
        let app = app_on(&url).await;
        Account::create(&app, &account("a1", "ann", "main"))
            .await
            .unwrap();
        Account::create(&app, &account("a2", "ann", "spare"))
            .await
            .unwrap();
        // the composite unique index is the database's: LoopBack's 409, nothing written
        let r = support::json(
            &app,
            "POST",
            "/api/accounts",
            &json!({"code": "a3", "owner": "ann", "label": "main"}),
        )
        .await;
        assert_eq!(r.status, 409, "{url}: {}", r.text);
        assert_eq!(r.json()["error"]["statusCode"], 409, "{url}");
        assert_eq!(Account::count(&app, ()).await.unwrap(), 2, "{url}");
        // a duplicate id is a 409 too
        let r = support::json(
            &app,
            "POST",
            "/api/accounts",
            &json!({"code": "a1", "owner": "bob", "label": "x"}),
        )
        .await;
        assert_eq!(r.status, 409, "{url}: {}", r.text);
        assert_eq!(
            r.json()["error"]["message"],
            "Duplicate entry for Account.code",
            "{url}"
        );
        // the renamed column is used by filters and order
        let found = Account::find(
            &app,
            json!({"where": {"owner": "ann"}, "order": "label DESC"}),
        )
        .await
        .unwrap();
        let codes: Vec<&str> = found.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["a2", "a1"], "{url}");
    }
}

#[tokio::test]
async fn autoupdate_adds_what_is_missing_and_keeps_data() {
    use lb::model::{DataType, ModelDefinition};
    let file = std::env::temp_dir().join(format!("lb-autoupdate-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    for url in sql_urls() {
        // two apps must see one database: a file, not `sqlite::memory:`
        let url = if url.starts_with("sqlite:") {
            format!("sqlite://{}", file.display())
        } else {
            url
        };
        let _g = support::database_lock(&url).await;
        // version 1 of a model: one column
        let v1: &'static ModelDefinition = Box::leak(Box::new(
            ModelDefinition::builder("Evolving")
                .table("lb_evolving")
                .property("name", DataType::String, |p| p)
                .build(),
        ));
        let app = App::builder()
            .datasource_url("db", &url)
            .unwrap()
            .definition(v1, "db")
            .build()
            .unwrap();
        app.automigrate().await.unwrap();
        let r = support::json(&app, "POST", "/api/Evolvings", &json!({"name": "kept"})).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);

        // version 2: a new indexed column; autoupdate twice (idempotent)
        let v2: &'static ModelDefinition = Box::leak(Box::new(
            ModelDefinition::builder("Evolving")
                .table("lb_evolving")
                .property("name", DataType::String, |p| p)
                .property("rank", DataType::Integer, |p| p.index())
                .build(),
        ));
        let app = App::builder()
            .datasource_url("db", &url)
            .unwrap()
            .definition(v2, "db")
            .build()
            .unwrap();
        app.autoupdate().await.unwrap();
        app.autoupdate().await.unwrap();
        let rows = support::get(&app, "/api/Evolvings").await.json();
        assert_eq!(
            rows,
            json!([{"name": "kept", "rank": null, "id": 1}]),
            "{url}"
        );
        let r = support::json(
            &app,
            "POST",
            "/api/Evolvings",
            &json!({"name": "new", "rank": 3}),
        )
        .await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let r = support::get(&app, "/api/Evolvings/count?where=%7B%22rank%22%3A3%7D").await;
        assert_eq!(r.json(), json!({"count": 1}), "{url}");

        // automigrate starts over
        app.automigrate().await.unwrap();
        let r = support::get(&app, "/api/Evolvings/count").await;
        assert_eq!(r.json(), json!({"count": 0}), "{url}");
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

#[tokio::test]
async fn generated_ids() {
    for url in sql_urls() {
        let _g = support::database_lock(&url).await;
        let app = app_on(&url).await;
        let a = Counter::create(
            &app,
            &Counter {
                id: None,
                n: Some(1),
            },
        )
        .await
        .unwrap();
        assert_eq!(a.id, Some(1), "{url}");
        // an explicit id, then the next generated one comes after it (never collides)
        let b = Counter::create(
            &app,
            &Counter {
                id: Some(100),
                n: Some(2),
            },
        )
        .await
        .unwrap();
        assert_eq!(b.id, Some(100), "{url}");
        let c = Counter::create(
            &app,
            &Counter {
                id: None,
                n: Some(3),
            },
        )
        .await
        .unwrap();
        assert_eq!(c.id, Some(101), "{url}");
        // string ids are UUIDs
        let note = Note::create(
            &app,
            &Note {
                id: None,
                text: Some("hi".into()),
            },
        )
        .await
        .unwrap();
        let id = note.id.expect("an id");
        assert_eq!(id.len(), 36, "{url}: {id}");
        let back = Note::find_by_id(&app, id.as_str()).await.unwrap();
        assert_eq!(back.and_then(|n| n.text).as_deref(), Some("hi"), "{url}");
        // an id of the wrong type finds nothing (and is not an error)
        let r = support::get(&app, "/api/counters/1.5").await;
        assert_eq!(r.status, 404, "{url}: {}", r.text);
        let r = support::get(&app, "/api/counters/abc").await;
        assert_eq!(r.status, 404, "{url}: {}", r.text);
    }
}

#[tokio::test]
async fn json_documents_are_queried_by_path() {
    for url in sql_urls() {
        let _g = support::database_lock(&url).await;
        let app = app_on(&url).await;
        for (code, city, floors, balance) in [
            ("m1", "Oslo", 3, 10.0),
            ("m2", "Rome", 12, -5.5),
            ("m3", "Oslo", 40, 0.0),
        ] {
            let mut a = account(code, code, "x");
            a.meta = Some(json!({"address": {"city": city}, "floors": floors}));
            a.balance = Some(balance);
            Account::create(&app, &a).await.unwrap();
        }
        let codes = |rows: Vec<Account>| rows.into_iter().map(|a| a.code).collect::<Vec<_>>();
        let q = |w: Value| Account::find(&app, json!({ "where": w }));
        assert_eq!(
            codes(q(json!({"meta.address.city": "Oslo"})).await.unwrap()),
            ["m1", "m3"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.floors": {"gt": 10}})).await.unwrap()),
            ["m2", "m3"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.missing": null})).await.unwrap()),
            ["m1", "m2", "m3"],
            "{url}"
        );
        let sorted = Account::find(&app, json!({"order": "meta.floors DESC"}))
            .await
            .unwrap();
        assert_eq!(codes(sorted), ["m3", "m2", "m1"], "{url}");
        // JSON null is null; loose equality both ways; ranges compare values of one kind
        let mut odd = account("m4", "m4", "x");
        odd.meta = Some(json!({"x": null, "n": "5", "s": "abc", "t": "a\nb"}));
        Account::create(&app, &odd).await.unwrap();
        let mut odd = account("m5", "m5", "x");
        odd.meta = Some(json!({"x": 1, "n": 5, "s": 200, "t": "ab"}));
        Account::create(&app, &odd).await.unwrap();
        assert_eq!(
            codes(q(json!({"meta.x": null})).await.unwrap()),
            ["m1", "m2", "m3", "m4"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.x": {"neq": null}})).await.unwrap()),
            ["m5"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.n": 5})).await.unwrap()),
            ["m4", "m5"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.n": "5"})).await.unwrap()),
            ["m4", "m5"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.s": {"gt": 100}})).await.unwrap()),
            ["m5"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.s": {"gt": "B"}})).await.unwrap()),
            ["m4"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.s": {"lt": "B"}})).await.unwrap()),
            Vec::<String>::new(),
            "{url}"
        );
        // `.` does not match a line break, as in memory
        assert_eq!(
            codes(q(json!({"meta.t": {"like": "a%b"}})).await.unwrap()),
            ["m5"],
            "{url}"
        );
        assert_eq!(
            codes(q(json!({"meta.a\"b": 1})).await.unwrap()),
            Vec::<String>::new(),
            "{url}"
        );
        Account::delete_all(&app, json!({"code": {"inq": ["m4", "m5"]}}))
            .await
            .unwrap();
        // the document comes back as it was stored
        let m2 = Account::find_by_id(&app, "m2").await.unwrap().unwrap();
        assert_eq!(
            m2.meta,
            Some(json!({"address": {"city": "Rome"}, "floors": 12})),
            "{url}"
        );
        assert_eq!(m2.balance, Some(-5.5), "{url}");
    }
}

#[tokio::test]
async fn transactions_commit_roll_back_and_stay_on_their_datasource() {
    for url in sql_urls() {
        let _g = support::database_lock(&url).await;
        let app = app_on(&url).await;
        let count = || Counter::count(&app, ());

        // Ok commits every write
        let id = app
            .transaction(|tx| async move {
                let c = Counter::create(
                    &tx,
                    &Counter {
                        id: None,
                        n: Some(1),
                    },
                )
                .await?;
                Counter::patch_attributes(&tx, c.id.unwrap(), json!({"n": 2})).await?;
                Ok(c.id)
            })
            .await
            .unwrap();
        assert_eq!(count().await.unwrap(), 1, "{url}");
        let stored = Counter::find_by_id(&app, id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.n, Some(2), "{url}");

        // Err rolls back, and the error reaches the caller
        let err = app
            .transaction(|tx| async move {
                Counter::create(
                    &tx,
                    &Counter {
                        id: None,
                        n: Some(5),
                    },
                )
                .await?;
                Counter::delete_all(&tx, ()).await?;
                Err::<(), _>(lb::Error::bad_request("changed my mind"))
            })
            .await
            .unwrap_err();
        assert_eq!(err.message, "changed my mind", "{url}");
        assert_eq!(count().await.unwrap(), 1, "{url}: nothing of it was kept");

        // a panic rolls back
        let app2 = app.clone();
        let panicked = tokio::spawn(async move {
            app2.transaction(|tx| async move {
                Counter::delete_all(&tx, ()).await?;
                panic!("boom");
                #[allow(unreachable_code)]
                Ok(())
            })
            .await
        })
        .await;
        assert!(panicked.is_err_and(|e| e.is_panic()), "{url}");
        assert_eq!(count().await.unwrap(), 1, "{url}: the panic rolled back");

        // reads inside see the transaction's own writes; outside they are invisible until commit
        let seen = app
            .transaction(|tx| async move {
                Counter::create(
                    &tx,
                    &Counter {
                        id: None,
                        n: Some(9),
                    },
                )
                .await?;
                Counter::count(&tx, ()).await
            })
            .await
            .unwrap();
        assert_eq!(seen, 2, "{url}");
        assert_eq!(count().await.unwrap(), 2, "{url}");
    }
}

#[tokio::test]
async fn a_transaction_refuses_models_of_another_datasource() {
    let app = App::builder()
        .datasource_url("db", "sqlite::memory:")
        .unwrap()
        .datasource_url("cache", "memory:")
        .unwrap()
        .model::<Counter>()
        .model_on::<Note>("cache")
        .build()
        .unwrap();
    app.automigrate().await.unwrap();
    let err = app
        .transaction(|tx| async move {
            Counter::create(
                &tx,
                &Counter {
                    id: None,
                    n: Some(1),
                },
            )
            .await?;
            Note::count(&tx, ()).await
        })
        .await
        .unwrap_err();
    assert!(
        err.message.contains(
            "attached to datasource \"cache\", not to the transaction's datasource \"db\""
        ),
        "{}",
        err.message
    );
    assert_eq!(Counter::count(&app, ()).await.unwrap(), 0, "rolled back");
    // the memory connector has no transactions: an error, not a silent non-transaction
    let err = app
        .transaction_on("cache", |_tx| async { Ok(()) })
        .await
        .unwrap_err();
    assert!(
        err.message.contains("does not support transactions"),
        "{}",
        err.message
    );
}
