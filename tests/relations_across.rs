//! Relations whose models live on different datasources (related-property filters resolved on
//! the related model's own datasource, includes from it), and includes that need more than one
//! batch of keys (the scope's order holds across batches).

mod support;

use lb::{App, Model};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "writers", has_many(notes, model = Note, foreign_key = "writerId"))]
pub struct Writer {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "notes",
    belongs_to(writer, model = Writer, foreign_key = "writerId"),
    references_many(stamps, model = Stamp, foreign_key = "stampIds"),
    has_many(topics, model = Topic, through = NoteTopic, foreign_key = "noteId", key_through = "topicId")
)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub title: Option<String>,
    pub views: Option<i64>,
    pub writer_id: Option<i64>,
    pub stamp_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "stamps")]
pub struct Stamp {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "topics")]
pub struct Topic {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "notetopics")]
#[serde(rename_all = "camelCase")]
pub struct NoteTopic {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub note_id: Option<i64>,
    pub topic_id: Option<i64>,
}

fn enc(v: &Value) -> String {
    support::escape_uri(&v.to_string())
}

fn names(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("an array: {v}"))
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Writers and topics on a memory datasource of their own; notes, stamps and links on `url`.
async fn split_app(url: &str) -> App {
    let app = App::builder()
        .datasource_arc("db", lb::connector::from_url(url).unwrap())
        .datasource_arc("side", lb::connector::from_url("memory:").unwrap())
        .model_on::<Writer>("side")
        .model::<Note>()
        .model::<Stamp>()
        .model_on::<Topic>("side")
        .model::<NoteTopic>()
        .build()
        .unwrap();
    app.automigrate().await.unwrap();
    let post = |u: &'static str, b: Value| {
        let app = app.clone();
        async move {
            let r = support::json(&app, "POST", u, &b).await;
            assert!(r.status.is_success(), "{u}: {}", r.text);
        }
    };
    post("/api/writers", json!([{"name": "Ann"}, {"name": "Bob"}])).await;
    post(
        "/api/notes",
        json!([
            {"title": "a1", "views": 10, "writerId": 1},
            {"title": "a2", "views": 2, "writerId": 1},
            {"title": "b1", "views": 5, "writerId": 2},
            {"title": "none", "views": 0}
        ]),
    )
    .await;
    post("/api/topics", json!([{"name": "rust"}, {"name": "sql"}])).await;
    post(
        "/api/notetopics",
        json!([{"noteId": 1, "topicId": 1}, {"noteId": 3, "topicId": 2}]),
    )
    .await;
    app
}

#[tokio::test]
async fn related_filters_and_includes_across_datasources() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = split_app(&url).await;
        let get = |u: String| {
            let app = app.clone();
            async move {
                let r = support::get(&app, &u).await;
                assert_eq!(r.status, 200, "{u}: {}", r.text);
                r.json()
            }
        };
        // notes (on `url`) by their writer (in memory), and the other way round
        let w = json!({"where": {"writer.name": "Ann"}, "order": "id"});
        let v = get(format!("/api/notes?filter={}", enc(&w))).await;
        assert_eq!(names(&v, "title"), ["a1", "a2"], "{url}");
        let w = json!({"where": {"notes.views": {"gte": 5}}, "order": "id"});
        let v = get(format!("/api/writers?filter={}", enc(&w))).await;
        assert_eq!(names(&v, "name"), ["Ann", "Bob"], "{url}");
        let w = json!({"where": {"notes.views": {"gt": 5}}});
        let v = get(format!("/api/writers?filter={}", enc(&w))).await;
        assert_eq!(names(&v, "name"), ["Ann"], "{url}");
        // inside or/nor, and a chain that crosses twice (writer -> notes -> topics)
        let w = json!({"where": {"or": [{"writer.name": "Bob"}, {"views": 2}]}, "order": "id"});
        let v = get(format!("/api/notes?filter={}", enc(&w))).await;
        assert_eq!(names(&v, "title"), ["a2", "b1"], "{url}");
        let w = json!({"nor": [{"writer.name": "Ann"}]});
        let v = get(format!(
            "/api/notes?filter={}",
            enc(&json!({"where": w, "order": "id"}))
        ))
        .await;
        assert_eq!(names(&v, "title"), ["b1", "none"], "{url}");
        let w = json!({"where": {"notes.topics.name": "sql"}});
        let v = get(format!("/api/writers?filter={}", enc(&w))).await;
        assert_eq!(names(&v, "name"), ["Bob"], "{url}");
        // a through relation whose target lives elsewhere
        let w = json!({"where": {"topics.name": "rust"}});
        let v = get(format!("/api/notes?filter={}", enc(&w))).await;
        assert_eq!(names(&v, "title"), ["a1"], "{url}");
        // count, updateAll and deleteAll take the same conditions
        let c = get(format!(
            "/api/notes/count?where={}",
            enc(&json!({"writer.name": "Ann"}))
        ))
        .await;
        assert_eq!(c, json!({"count": 2}), "{url}");
        let r = support::json(
            &app,
            "POST",
            &format!(
                "/api/notes/update?where={}",
                enc(&json!({"writer.name": "Bob"}))
            ),
            &json!({"views": 50}),
        )
        .await;
        assert_eq!(r.json(), json!({"count": 1}), "{url}: {}", r.text);
        let v = get("/api/notes/3".to_string()).await;
        assert_eq!(v["views"], 50, "{url}");
        // include reads each relation from its own datasource
        let f = json!({"include": ["notes"], "order": "id"});
        let v = get(format!("/api/writers?filter={}", enc(&f))).await;
        assert_eq!(names(&v[0]["notes"], "title"), ["a1", "a2"], "{url}");
        let f = json!({"include": ["writer", "topics"], "order": "id"});
        let v = get(format!("/api/notes?filter={}", enc(&f))).await;
        assert_eq!(v[0]["writer"]["name"], "Ann", "{url}");
        assert_eq!(names(&v[0]["topics"], "name"), ["rust"], "{url}");
        assert!(v[3].get("writer").is_none(), "{url}: {}", v[3]);
        // nothing matches on the other side: nothing matches here
        let w = json!({"writer.name": "Zed"});
        let c = get(format!("/api/notes/count?where={}", enc(&w))).await;
        assert_eq!(c, json!({"count": 0}), "{url}");
        let r = support::json(&app, "DELETE", "/api/writers/1/notes", &Value::Null).await;
        assert_eq!(r.status, 204, "{url}: {}", r.text);
        let c = get(format!(
            "/api/notes/count?where={}",
            enc(&json!({"writer.name": "Ann"}))
        ))
        .await;
        assert_eq!(c, json!({"count": 0}), "{url}");
    }
}

/// 600 related rows: their keys take two `IN (..)` batches, and the scope's order and paging
/// still hold over all of them.
#[tokio::test]
async fn include_scope_order_holds_across_batches() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = App::builder()
            .datasource_arc("db", lb::connector::from_url(&url).unwrap())
            .model::<Writer>()
            .model::<Note>()
            .model::<Stamp>()
            .model::<Topic>()
            .model::<NoteTopic>()
            .build()
            .unwrap();
        app.automigrate().await.unwrap();
        // stamp i is named s{i-1}: the last names are in the second batch of ids
        let stamps: Vec<Value> = (0..600)
            .map(|i| json!({"name": format!("s{i:03}")}))
            .collect();
        let r = support::json(&app, "POST", "/api/stamps", &Value::Array(stamps.clone())).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let r = support::json(&app, "POST", "/api/topics", &Value::Array(stamps)).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let ids: Vec<i64> = (1..=600).collect();
        let r = support::json(
            &app,
            "POST",
            "/api/notes",
            &json!([{"title": "big", "stampIds": ids}, {"title": "small", "stampIds": [1, 2]}]),
        )
        .await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        let links: Vec<Value> = (1..=600)
            .map(|t| json!({"noteId": 1, "topicId": t}))
            .collect();
        let r = support::json(&app, "POST", "/api/notetopics", &Value::Array(links)).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        for rel in ["stamps", "topics"] {
            let f = json!({"include": {"relation": rel, "scope": {"order": "name DESC", "limit": 3, "fields": ["name"]}}, "order": "id"});
            let r = support::get(&app, &format!("/api/notes?filter={}", enc(&f))).await;
            assert_eq!(r.status, 200, "{url}: {}", r.text);
            let v = r.json();
            assert_eq!(
                v[0][rel],
                json!([{"name": "s599"}, {"name": "s598"}, {"name": "s597"}]),
                "{url} {rel}"
            );
            // without an order: by id, as one query would answer
            let f = json!({"include": {"relation": rel, "scope": {"skip": 498, "limit": 4}}, "order": "id"});
            let v = support::get(&app, &format!("/api/notes?filter={}", enc(&f)))
                .await
                .json();
            assert_eq!(
                names(&v[0][rel], "name"),
                ["s498", "s499", "s500", "s501"],
                "{url} {rel}"
            );
        }
        let f = json!({"include": {"relation": "stamps", "scope": {"order": "name DESC"}}, "where": {"title": "small"}});
        let v = support::get(&app, &format!("/api/notes?filter={}", enc(&f)))
            .await
            .json();
        assert_eq!(names(&v[0]["stamps"], "name"), ["s001", "s000"], "{url}");
    }
}

/// A condition on another datasource's model that matches too many instances is a 400, not
/// a statement with more parameters than the database takes.
#[tokio::test]
async fn too_many_keys_from_another_datasource() {
    let app = App::builder()
        .datasource_arc("db", lb::connector::from_url("sqlite::memory:").unwrap())
        .datasource_arc("side", lb::connector::from_url("memory:").unwrap())
        .model_on::<Writer>("side")
        .model::<Note>()
        .model::<Stamp>()
        .model::<Topic>()
        .model::<NoteTopic>()
        .build()
        .unwrap();
    app.automigrate().await.unwrap();
    let writers: Vec<Value> = (0..10_001)
        .map(|i| json!({"name": format!("w{i}")}))
        .collect();
    let repo = app.repository("Writer").unwrap();
    repo.create_many(writers).await.unwrap();
    let w = json!({"writer.name": {"like": "w%"}});
    let r = support::get(&app, &format!("/api/notes/count?where={}", enc(&w))).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("more than 10000"), "{}", r.text);
    let w = json!({"writer.name": "w7"});
    let r = support::get(&app, &format!("/api/notes/count?where={}", enc(&w))).await;
    assert_eq!(r.json(), json!({"count": 0}), "{}", r.text);
}
