//! The connector conformance suite: one set of cases — CRUD, every where operator on every
//! type, null and missing values, ordering, paging, fields, count/update/delete with a where,
//! near — run against every datasource: memory (LoopBack's reference semantics), SQLite,
//! PostgreSQL and MySQL/MariaDB (`support::datasource_urls`). Every one must give the same
//! answers.

mod support;

use lb::{App, GeoPoint, Model};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One property of each LoopBack type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Model)]
#[model(path = "things")]
pub struct Thing {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
    pub n: Option<f64>,
    pub i: Option<i64>,
    pub flag: Option<bool>,
    pub when: Option<lb::DateTime>,
    pub tags: Option<Vec<String>>,
    pub geo: Option<GeoPoint>,
}

use support::datasource_urls;

/// Six rows with values, explicit nulls and missing properties (ids 1..=6).
fn rows() -> Value {
    json!([
        {"name": "apple", "n": 1.5, "i": 10, "flag": true, "when": "2020-01-01T00:00:00.000Z",
         "tags": ["a", "b"], "geo": {"lat": 37.0, "lng": -122.0}},
        {"name": "Banana", "n": -2, "i": 20, "flag": false, "when": "2021-06-15T00:00:00.000Z",
         "tags": ["b"], "geo": {"lat": 37.1, "lng": -122.1}},
        {"name": "cherry", "n": 3, "flag": true, "tags": [], "geo": {"lat": 38, "lng": -121}},
        {"n": 0, "i": 30, "when": "2019-12-31T00:00:00.000Z"},
        {"name": "apple pie", "n": null, "i": 10, "flag": false,
         "when": "2022-01-01T00:00:00.000Z", "tags": ["c"], "geo": {"lat": 36.9, "lng": -122.2}},
        {"name": "date", "n": 100, "i": 40, "flag": true, "when": "2020-01-01T12:00:00.000Z",
         "tags": ["a"], "geo": {"lat": 37.0, "lng": -122.0}},
    ])
}

/// A fresh table with the six rows; the guard keeps other tests off a shared server.
async fn seeded(url: &str) -> (App, Option<tokio::sync::MutexGuard<'static, ()>>) {
    let guard = support::database_lock(url).await;
    let app = App::builder()
        .datasource_url("db", url)
        .expect("datasource")
        .model::<Thing>()
        .build()
        .expect("app");
    app.automigrate().await.expect("automigrate");
    let r = support::json(&app, "POST", "/api/things", &rows()).await;
    assert_eq!(r.status, 200, "{url}: seeding: {}", r.text);
    (app, guard)
}

async fn ids(app: &App, filter: Value) -> Vec<i64> {
    Thing::find(app, filter.clone())
        .await
        .unwrap_or_else(|e| panic!("{filter}: {}", e.message))
        .into_iter()
        .map(|t| t.id.expect("an id"))
        .collect()
}

/// Runs `cases` (where clause, expected ids in id order) on every datasource.
async fn check_where(cases: &[(Value, &[i64])]) {
    for url in datasource_urls() {
        let (app, _guard) = seeded(&url).await;
        for (where_, want) in cases {
            let got = ids(&app, json!({ "where": where_ })).await;
            assert_eq!(got, *want, "{url}: where {where_}");
            let count = Thing::count(&app, where_.clone()).await.unwrap();
            assert_eq!(count, want.len() as u64, "{url}: count where {where_}");
        }
    }
}

#[tokio::test]
async fn equality_on_every_type_and_array_elements() {
    check_where(&[
        (json!({"name": "apple"}), &[1]),
        (json!({"name": {"eq": "apple"}}), &[1]),
        (json!({"i": 10}), &[1, 5]),
        (json!({"n": -2}), &[2]),
        (json!({"flag": true}), &[1, 3, 6]),
        (json!({"when": "2020-01-01T00:00:00.000Z"}), &[1]),
        (json!({"tags": "b"}), &[1, 2]),
        (json!({"name": {"neq": "apple"}}), &[2, 3, 4, 5, 6]),
        (json!({"flag": {"neq": true}}), &[2, 4, 5]),
    ])
    .await;
}

#[tokio::test]
async fn null_and_missing_values() {
    check_where(&[
        (json!({"name": null}), &[4]),
        (json!({"n": null}), &[5]),
        (json!({"i": null}), &[3]),
        (json!({"i": {"neq": null}}), &[1, 2, 4, 5, 6]),
        (json!({"n": {"gt": -100}}), &[1, 2, 3, 4, 6]),
        (json!({"i": {"nin": [10]}}), &[2, 3, 4, 6]),
        (json!({"i": {"inq": [10, 40]}}), &[1, 5, 6]),
    ])
    .await;
}

#[tokio::test]
async fn ranges_on_numbers_dates_and_strings() {
    check_where(&[
        (json!({"n": {"gt": 1.5}}), &[3, 6]),
        (json!({"n": {"gte": 1.5}}), &[1, 3, 6]),
        (json!({"n": {"lt": 0}}), &[2]),
        (json!({"n": {"lte": 0}}), &[2, 4]),
        (json!({"n": {"between": [0, 3]}}), &[1, 3, 4]),
        (json!({"n": {"gt": 0, "lt": 3}}), &[1]),
        (json!({"when": {"gt": "2020-06-01"}}), &[2, 5]),
        (
            json!({"when": {"between": ["2019-12-31", "2020-01-01T23:59:59.999Z"]}}),
            &[1, 4, 6],
        ),
        // UTF-16 code unit order: upper case sorts before lower case
        (json!({"name": {"gt": "b"}}), &[3, 6]),
        (json!({"name": {"lt": "B"}}), &[]),
        (
            json!({"name": {"gte": "Banana", "lt": "apple pie"}}),
            &[1, 2],
        ),
    ])
    .await;
}

#[tokio::test]
async fn patterns() {
    check_where(&[
        (json!({"name": {"like": "app%"}}), &[1, 5]),
        (json!({"name": {"like": "%an%"}}), &[2]),
        (json!({"name": {"like": "ban%"}}), &[]),
        (json!({"name": {"ilike": "ban%"}}), &[2]),
        // unanchored, as LoopBack's memory connector matches: "_pple" is in "apple pie"
        (json!({"name": {"like": "_pple"}}), &[1, 5]),
        (json!({"name": {"nlike": "app%"}}), &[2, 3, 4, 6]),
        (json!({"name": {"nilike": "BAN%"}}), &[1, 3, 4, 5, 6]),
        (json!({"name": {"regexp": "^a"}}), &[1, 5]),
        (json!({"name": {"regexp": "/^A/i"}}), &[1, 5]),
        (json!({"name": {"regexp": "e$"}}), &[1, 5, 6]),
    ])
    .await;
}

#[tokio::test]
async fn logical_combinations() {
    check_where(&[
        (json!({"or": [{"name": "apple"}, {"i": 40}]}), &[1, 6]),
        (json!({"and": [{"flag": true}, {"n": {"gt": 2}}]}), &[3, 6]),
        (json!({"nor": [{"flag": true}]}), &[2, 4, 5]),
        (
            json!({"or": [{"and": [{"i": 10}, {"flag": false}]}, {"name": null}]}),
            &[4, 5],
        ),
        (json!({"flag": true, "i": {"gt": 10}}), &[6]),
    ])
    .await;
}

#[tokio::test]
async fn ordering_paging_and_fields() {
    for url in datasource_urls() {
        let (app, _guard) = seeded(&url).await;
        let order = |o: Value| json!({ "order": o });
        assert_eq!(
            ids(&app, json!({})).await,
            [1, 2, 3, 4, 5, 6],
            "{url}: by id"
        );
        // null and missing first ascending, last descending
        assert_eq!(
            ids(&app, order(json!("n ASC"))).await,
            [5, 2, 4, 1, 3, 6],
            "{url}"
        );
        assert_eq!(
            ids(&app, order(json!("n DESC"))).await,
            [6, 3, 1, 4, 2, 5],
            "{url}"
        );
        assert_eq!(
            ids(&app, order(json!("name"))).await,
            [4, 2, 1, 5, 3, 6],
            "{url}"
        );
        assert_eq!(
            ids(&app, order(json!(["i ASC", "n DESC"]))).await,
            [3, 1, 5, 2, 4, 6],
            "{url}"
        );
        assert_eq!(
            ids(&app, order(json!("when DESC"))).await,
            [5, 2, 6, 1, 4, 3],
            "{url}"
        );
        assert_eq!(
            ids(&app, json!({"limit": 2, "skip": 1})).await,
            [2, 3],
            "{url}"
        );
        assert_eq!(
            ids(
                &app,
                json!({"where": {"flag": true}, "order": "n DESC", "limit": 2})
            )
            .await,
            [6, 3],
            "{url}"
        );
        // fields: only the named properties, no id added
        let r = support::get(
            &app,
            "/api/things?filter=%7B%22fields%22%3A%5B%22name%22%5D%2C%22limit%22%3A2%7D",
        )
        .await;
        assert_eq!(
            r.json(),
            json!([{"name": "apple"}, {"name": "Banana"}]),
            "{url}"
        );
        let r = support::get(
            &app,
            "/api/things/4?filter=%7B%22fields%22%3A%7B%22name%22%3Afalse%7D%7D",
        )
        .await;
        // SQL tables have a column per property: what memory leaves out is null there (as
        // in LoopBack's SQL connectors)
        let want = if url.starts_with("memory:") {
            json!({"n": 0, "i": 30, "when": "2019-12-31T00:00:00.000Z", "id": 4})
        } else {
            json!({"n": 0, "i": 30, "flag": null, "when": "2019-12-31T00:00:00.000Z",
                   "tags": null, "geo": null, "id": 4})
        };
        assert_eq!(r.json(), want, "{url}");
    }
}

#[tokio::test]
async fn near_filters_and_sorts_by_distance() {
    for url in datasource_urls() {
        let (app, _guard) = seeded(&url).await;
        let near = |max: f64| json!({"where": {"geo": {"near": "37,-122", "maxDistance": max}}});
        assert_eq!(ids(&app, near(20.0)).await, [1, 6, 2, 5], "{url}");
        assert_eq!(ids(&app, near(10.0)).await, [1, 6, 2], "{url}");
        let km = json!({"where": {"geo": {"near": [37, -122], "maxDistance": 20, "unit": "kilometers"}}});
        assert_eq!(ids(&app, km).await, [1, 6, 2], "{url}");
    }
}

#[tokio::test]
async fn crud_and_bulk_writes() {
    for url in datasource_urls() {
        let (app, _guard) = seeded(&url).await;
        let t = Thing::find_by_id(&app, 2).await.unwrap().expect("row 2");
        assert_eq!(t.name.as_deref(), Some("Banana"));
        assert_eq!(t.tags, Some(vec!["b".to_string()]));
        assert!(Thing::find_by_id(&app, 7).await.unwrap().is_none(), "{url}");
        assert!(Thing::exists(&app, 6).await.unwrap(), "{url}");

        let created = Thing::create(
            &app,
            &Thing {
                name: Some("egg".into()),
                ..blank()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            created.id,
            Some(7),
            "{url}: ids continue after the seeded ones"
        );

        let patched = Thing::patch_attributes(&app, 7, json!({"n": 5, "flag": true}))
            .await
            .unwrap();
        assert_eq!(
            (patched.name.as_deref(), patched.n),
            (Some("egg"), Some(5.0)),
            "{url}"
        );

        let replaced = Thing::replace_by_id(
            &app,
            7,
            &Thing {
                i: Some(1),
                ..blank()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (replaced.name, replaced.i),
            (None, Some(1)),
            "{url}: replace drops the rest"
        );

        let n = Thing::update_all(&app, json!({"i": 10}), json!({"flag": true}))
            .await
            .unwrap();
        assert_eq!(n, 2, "{url}");
        assert_eq!(
            ids(&app, json!({"where": {"flag": true}})).await,
            [1, 3, 5, 6],
            "{url}"
        );

        assert_eq!(Thing::delete_by_id(&app, 7).await.unwrap(), 1, "{url}");
        assert_eq!(Thing::delete_by_id(&app, 7).await.unwrap(), 0, "{url}");
        let n = Thing::delete_all(&app, json!({"n": {"lt": 1}}))
            .await
            .unwrap();
        assert_eq!(n, 2, "{url}: rows 2 and 4");
        assert_eq!(ids(&app, json!({})).await, [1, 3, 5, 6], "{url}");
        let again = Thing::create(&app, &blank()).await.unwrap();
        assert_eq!(again.id, Some(8), "{url}: ids are never reused");
    }
}

fn blank() -> Thing {
    Thing {
        id: None,
        name: None,
        n: None,
        i: None,
        flag: None,
        when: None,
        tags: None,
        geo: None,
    }
}
