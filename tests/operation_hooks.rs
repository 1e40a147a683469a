//! Operation hooks (spec §8) on every datasource: the exact sequence of hooks per operation,
//! what each context holds, and hooks that change the query, the data or the instance, share
//! state, or abort with an error that reaches the client.

mod support;

use std::sync::{Arc, Mutex};

use lb::{App, Model, ModelObserver, OperationContext, OperationHook};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "shelves", has_many(books, model = Book, foreign_key = "shelfId"))]
pub struct Shelf {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "books")]
#[serde(rename_all = "camelCase")]
pub struct Book {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[property(length(max = 10))]
    pub title: Option<String>,
    pub pages: Option<i64>,
    pub shelf_id: Option<i64>,
    pub stamp: Option<String>,
    pub hidden_flag: Option<bool>,
}

type Log = Arc<Mutex<Vec<String>>>;

/// Records every hook of a model: `"<hook>"` plus the context's notable fields.
struct Recorder {
    log: Log,
}

impl Recorder {
    fn record(&self, ctx: &OperationContext) {
        let mut parts = vec![format!("{} {}", ctx.model_name(), ctx.hook)];
        if let Some(q) = ctx.query_json() {
            parts.push(format!("query={q}"));
        }
        if let Some(w) = ctx.where_json() {
            parts.push(format!("where={w}"));
        }
        if let Some(i) = &ctx.instance {
            parts.push(format!("instance={}", Value::Object(i.clone())));
        }
        if let Some(d) = &ctx.data {
            parts.push(format!("data={}", Value::Object(d.clone())));
        }
        if let Some(c) = &ctx.current_instance {
            parts.push(format!("current={}", Value::Object(c.clone())));
        }
        if let Some(n) = ctx.is_new_instance {
            parts.push(format!("isNew={n}"));
        }
        if let Some(i) = ctx.info {
            parts.push(format!("count={}", i.count));
        }
        self.log.lock().unwrap().push(parts.join(" "));
    }
}

impl ModelObserver for Recorder {
    async fn access(&self, ctx: OperationContext) -> lb::Result<OperationContext> {
        self.record(&ctx);
        Ok(ctx)
    }
    async fn before_save(&self, ctx: OperationContext) -> lb::Result<OperationContext> {
        self.record(&ctx);
        Ok(ctx)
    }
    async fn persist(&self, ctx: OperationContext) -> lb::Result<OperationContext> {
        self.record(&ctx);
        Ok(ctx)
    }
    async fn loaded(&self, ctx: OperationContext) -> lb::Result<OperationContext> {
        self.record(&ctx);
        Ok(ctx)
    }
    async fn after_save(&self, ctx: OperationContext) -> lb::Result<OperationContext> {
        self.record(&ctx);
        Ok(ctx)
    }
    async fn before_delete(&self, ctx: OperationContext) -> lb::Result<OperationContext> {
        self.record(&ctx);
        Ok(ctx)
    }
    async fn after_delete(&self, ctx: OperationContext) -> lb::Result<OperationContext> {
        self.record(&ctx);
        Ok(ctx)
    }
}

async fn recorded_app(url: &str) -> (App, Log) {
    let log: Log = Arc::default();
    let app = App::builder()
        .datasource_arc("db", lb::connector::from_url(url).unwrap())
        .model::<Shelf>()
        .model::<Book>()
        .observer("Book", Recorder { log: log.clone() })
        .observer("Shelf", Recorder { log: log.clone() })
        .build()
        .unwrap();
    app.automigrate().await.unwrap();
    (app, log)
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

/// The hook names of each entry ("Book before save").
fn names(entries: &[String]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            let hook_end = e
                .find(" query=")
                .or(e.find(" where="))
                .or(e.find(" instance="));
            let hook_end = hook_end
                .or(e.find(" data="))
                .or(e.find(" isNew="))
                .or(e.find(" count="))
                .unwrap_or(e.len());
            e[..hook_end].to_string()
        })
        .collect()
}

fn enc(v: &Value) -> String {
    support::escape_uri(&v.to_string())
}

#[tokio::test]
async fn every_operation_fires_loopbacks_sequence() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, log) = recorded_app(&url).await;
        let send = |m: &'static str, u: String, b: Value| {
            let app = app.clone();
            async move {
                let r = support::json(&app, m, &u, &b).await;
                assert!(r.status.is_success(), "{m} {u}: {}", r.text);
                r.json()
            }
        };

        // create
        send("POST", "/api/shelves".into(), json!({"name": "s1"})).await;
        take(&log);
        send(
            "POST",
            "/api/books".into(),
            json!({"title": "t1", "pages": 10, "shelfId": 1}),
        )
        .await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Book before save",
                "Book persist",
                "Book loaded",
                "Book after save"
            ],
            "{url}: {l:#?}"
        );
        assert!(l[0].contains("isNew=true"), "{url}: {}", l[0]);
        assert!(l[0].contains(r#""title":"t1""#), "{url}: {}", l[0]);
        assert!(
            l[3].contains(r#""id":1"#),
            "{url}: after save has the id: {}",
            l[3]
        );
        send(
            "POST",
            "/api/books".into(),
            json!({"title": "t2", "pages": 20, "shelfId": 1}),
        )
        .await;
        take(&log);

        // find: access, then loaded once per row
        send("GET", "/api/books?filter[order]=id".into(), Value::Null).await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            ["Book access", "Book loaded", "Book loaded"],
            "{url}: {l:#?}"
        );
        // findById: LoopBack's query {where: {id}, limit: 1}
        send("GET", "/api/books/1".into(), Value::Null).await;
        let l = take(&log);
        assert_eq!(names(&l), ["Book access", "Book loaded"], "{url}: {l:#?}");
        assert!(
            l[0].contains(r#"query={"where":{"id":1},"limit":1}"#),
            "{url}: {}",
            l[0]
        );
        // count and exists: access only
        send(
            "GET",
            "/api/books/count?where[pages]=10".into(),
            Value::Null,
        )
        .await;
        let l = take(&log);
        assert_eq!(names(&l), ["Book access"], "{url}: {l:#?}");
        assert!(
            l[0].contains(r#"query={"where":{"pages":10}}"#),
            "{url}: {}",
            l[0]
        );
        send("GET", "/api/books/1/exists".into(), Value::Null).await;
        assert_eq!(names(&take(&log)), ["Book access"], "{url}");

        // PATCH /:id: the instance load, then the partial update
        send("PATCH", "/api/books/1".into(), json!({"pages": 11})).await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Book access",
                "Book loaded",
                "Book before save",
                "Book persist",
                "Book loaded",
                "Book after save"
            ],
            "{url}: {l:#?}"
        );
        assert!(
            l[2].contains(r#"where={"id":1} data={"pages":11} current="#)
                && l[2].contains(r#""pages":10"#),
            "{url}: before save of a patch: {}",
            l[2]
        );
        assert!(l[3].contains("isNew=false"), "{url}: {}", l[3]);
        assert!(l[5].contains(r#""pages":11"#), "{url}: {}", l[5]);

        // PUT /:id (replaceById): the whole instance
        send(
            "PUT",
            "/api/books/2".into(),
            json!({"title": "t2b", "pages": 21}),
        )
        .await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Book before save",
                "Book persist",
                "Book loaded",
                "Book after save"
            ],
            "{url}: {l:#?}"
        );
        assert!(
            l[0].contains("instance=") && l[0].contains("isNew=false"),
            "{url}: {}",
            l[0]
        );

        // PATCH / (patchOrCreate) of an existing id: lookup, then a partial update
        send("PATCH", "/api/books".into(), json!({"id": 2, "pages": 22})).await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Book access",
                "Book before save",
                "Book persist",
                "Book loaded",
                "Book after save"
            ],
            "{url}: {l:#?}"
        );

        // findOne: access (with limit 1), loaded
        send(
            "GET",
            "/api/books/findOne?filter[where][pages]=11".into(),
            Value::Null,
        )
        .await;
        let l = take(&log);
        assert_eq!(names(&l), ["Book access", "Book loaded"], "{url}: {l:#?}");
        assert!(l[0].contains(r#""limit":1"#), "{url}: {}", l[0]);

        // PUT / (replaceOrCreate) of an existing id: lookup, then the whole instance
        send(
            "PUT",
            "/api/books".into(),
            json!({"id": 2, "title": "t2c", "pages": 23}),
        )
        .await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Book access",
                "Book before save",
                "Book persist",
                "Book loaded",
                "Book after save"
            ],
            "{url}: {l:#?}"
        );
        assert!(l[1].contains("isNew=false"), "{url}: {}", l[1]);
        // upsertWithWhere of one match: the lookup, then a partial update of it
        send(
            "POST",
            format!(
                "/api/books/upsertWithWhere?where={}",
                enc(&json!({"title": "t2c"}))
            ),
            json!({"pages": 24}),
        )
        .await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Book access",
                "Book loaded",
                "Book before save",
                "Book persist",
                "Book loaded",
                "Book after save"
            ],
            "{url}: {l:#?}"
        );

        // updateAll: access, before save, persist, after save with the count
        send(
            "POST",
            format!(
                "/api/books/update?where={}",
                enc(&json!({"pages": {"gt": 0}}))
            ),
            json!({"stamp": "x"}),
        )
        .await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Book access",
                "Book before save",
                "Book persist",
                "Book after save"
            ],
            "{url}: {l:#?}"
        );
        assert!(l[1].contains(r#"data={"stamp":"x"}"#), "{url}: {}", l[1]);
        assert!(l[3].contains("count=2"), "{url}: {}", l[3]);

        // deleteById: access, before delete, after delete (count 0 for a missing id too)
        send("DELETE", "/api/books/2".into(), Value::Null).await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            ["Book access", "Book before delete", "Book after delete"],
            "{url}: {l:#?}"
        );
        assert!(l[1].contains(r#"where={"id":2}"#), "{url}: {}", l[1]);
        assert!(l[2].contains("count=1"), "{url}: {}", l[2]);
        send("DELETE", "/api/books/99".into(), Value::Null).await;
        let l = take(&log);
        assert!(l[2].contains("count=0"), "{url}: {l:#?}");

        // a relation create: the parent's load, then the target's create
        send(
            "POST",
            "/api/shelves/1/books".into(),
            json!({"title": "t3"}),
        )
        .await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Shelf access",
                "Shelf loaded",
                "Book before save",
                "Book persist",
                "Book loaded",
                "Book after save"
            ],
            "{url}: {l:#?}"
        );
        // include: the related model's access and loaded
        send(
            "GET",
            "/api/shelves?filter[include]=books".into(),
            Value::Null,
        )
        .await;
        let l = take(&log);
        assert_eq!(
            names(&l),
            [
                "Shelf access",
                "Shelf loaded",
                "Book access",
                "Book loaded",
                "Book loaded"
            ],
            "{url}: {l:#?}"
        );

        // the typed API and a transaction run the same hooks
        app.transaction(|tx| async move {
            Book::delete_all(&tx, json!({"title": "t3"})).await?;
            Ok(())
        })
        .await
        .unwrap_or_else(|e| {
            // the memory connector has no transactions: the same call outside one
            assert!(e.message.contains("transactions"), "{url}: {}", e.message);
        });
        if url.starts_with("memory:") {
            Book::delete_all(&app, json!({"title": "t3"}))
                .await
                .unwrap();
        }
        let l = take(&log);
        assert_eq!(
            names(&l),
            ["Book access", "Book before delete", "Book after delete"],
            "{url}: {l:#?}"
        );
        assert!(l[2].contains("count=1"), "{url}: {}", l[2]);
    }
}

#[tokio::test]
async fn hooks_change_queries_data_and_abort() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = App::builder()
            .datasource_arc("db", lb::connector::from_url(&url).unwrap())
            .model::<Shelf>()
            .model::<Book>()
            // soft delete: queries never see hidden books
            .observe("Book", OperationHook::Access, |mut ctx| async move {
                ctx.and_query_where(&json!({"hiddenFlag": {"neq": true}}))?;
                Ok(ctx)
            })
            // stamp every write; the state set here is read in after save
            .observe("Book", OperationHook::BeforeSave, |mut ctx| async move {
                if ctx.get("title").and_then(Value::as_str) == Some("forbidden") {
                    return Err(lb::Error::new(lb::StatusCode::FORBIDDEN, "no such titles"));
                }
                ctx.set("stamp", "saved");
                ctx.hook_state.insert("seen".into(), json!(true));
                Ok(ctx)
            })
            .observe("Book", OperationHook::AfterSave, |ctx| async move {
                assert_eq!(ctx.hook_state.get("seen"), Some(&json!(true)));
                Ok(ctx)
            })
            // what clients read: pages doubled (stored as given)
            .observe("Book", OperationHook::Loaded, |mut ctx| async move {
                if let Some(p) = ctx
                    .data
                    .as_ref()
                    .and_then(|d| d.get("pages"))
                    .and_then(Value::as_i64)
                {
                    ctx.set("pages", p * 2);
                }
                Ok(ctx)
            })
            // deleting is refused for books with many pages
            .observe("Book", OperationHook::BeforeDelete, |mut ctx| async move {
                ctx.and_where(&json!({"pages": {"lt": 100}}))?;
                Ok(ctx)
            })
            .build()
            .unwrap();
        app.automigrate().await.unwrap();
        let r = support::json(
            &app,
            "POST",
            "/api/books",
            &json!([
                {"title": "a", "pages": 5},
                {"title": "b", "pages": 500},
                {"title": "gone", "pages": 1, "hiddenFlag": true}
            ]),
        )
        .await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let v = r.json();
        assert_eq!(v[0]["stamp"], "saved", "{url}: {v}");
        assert_eq!(
            v[0]["pages"], 10,
            "{url}: loaded ran on the created row: {v}"
        );
        // access: the hidden book is not found, not counted, not updated
        let v = support::get(&app, "/api/books?filter[order]=id")
            .await
            .json();
        let titles: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["a", "b"], "{url}");
        assert_eq!(v[1]["pages"], 1000, "{url}");
        assert_eq!(
            support::get(&app, "/api/books/3").await.status,
            404,
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/books/count").await.json(),
            json!({"count": 2}),
            "{url}"
        );
        // before save aborts: the client gets the status, nothing is written
        let r = support::json(&app, "POST", "/api/books", &json!({"title": "forbidden"})).await;
        assert_eq!(r.status, 403, "{url}: {}", r.text);
        assert_eq!(r.json()["error"]["message"], "no such titles", "{url}");
        let r = support::json(
            &app,
            "PATCH",
            "/api/books/1",
            &json!({"title": "forbidden"}),
        )
        .await;
        assert_eq!(r.status, 403, "{url}: {}", r.text);
        // before delete narrows the where: the long book stays
        let r = support::json(&app, "DELETE", "/api/books/2", &Value::Null).await;
        assert_eq!(r.json(), json!({"count": 0}), "{url}: {}", r.text);
        let r = support::json(&app, "DELETE", "/api/books/1", &Value::Null).await;
        assert_eq!(r.json(), json!({"count": 1}), "{url}: {}", r.text);
        // what is stored: the raw values (loaded changes only what is read)
        let stored = app
            .repository("Book")
            .unwrap()
            .connector
            .count(Book::definition(), None)
            .await
            .unwrap();
        assert_eq!(stored, 2, "{url}: b and the hidden one");
    }
}

#[tokio::test]
async fn unknown_model_in_observe_is_a_build_error() {
    let e = App::builder()
        .model::<Book>()
        .observe("Nope", OperationHook::Access, |ctx| async move { Ok(ctx) })
        .build()
        .unwrap_err();
    assert!(e.message.contains("Nope"), "{}", e.message);
}
