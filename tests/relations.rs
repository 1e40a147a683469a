//! Relations over HTTP on every datasource: the hasMany, belongsTo and hasOne endpoints of
//! spec §3 with LoopBack's statuses and messages, and `include` in all its forms — batched
//! (the number of queries is asserted), scoped, nested, paged per parent, with `fields` that
//! leave out the keys the inclusion needs.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lb::connector::{BoxFuture, Connector, Row};
use lb::filter::{Filter, Where};
use lb::value::Object;
use lb::{App, Model, ModelDefinition};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "authors",
    has_many(posts, model = Post, foreign_key = "authorId"),
    has_many(pictures, model = Picture, polymorphic = "imageable"),
    has_one(profile, model = Profile, foreign_key = "authorId")
)]
pub struct Author {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
    #[property(hidden)]
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "posts",
    belongs_to(author, model = Author, foreign_key = "authorId"),
    has_many(tags, model = Tag, through = PostTag, foreign_key = "postId", key_through = "tagId"),
    references_many(labels, model = Label, foreign_key = "labelIds"),
    has_and_belongs_to_many(categories, model = Category),
    has_many(pictures, model = Picture, polymorphic = "imageable")
)]
#[serde(rename_all = "camelCase")]
pub struct Post {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub title: Option<String>,
    pub views: Option<i64>,
    pub author_id: Option<i64>,
    pub label_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "profiles")]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub bio: Option<String>,
    pub author_id: Option<i64>,
}

/// Belongs to an author or a post (polymorphic).
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "pictures", belongs_to(imageable, polymorphic))]
#[serde(rename_all = "camelCase")]
pub struct Picture {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
    pub imageable_id: Option<i64>,
    pub imageable_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "categories")]
pub struct Category {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "labels")]
pub struct Label {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "tags")]
pub struct Tag {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
}

/// The link between a post and a tag (with a property of its own).
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "posttags")]
#[serde(rename_all = "camelCase")]
pub struct PostTag {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub post_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub note: Option<String>,
}

/// What a [`Counting`] connector saw.
#[derive(Default)]
struct Counters {
    /// Queries (`find`, `find_by_id`).
    finds: AtomicUsize,
    /// Rows returned by `find`.
    rows: AtomicUsize,
}

/// A connector that counts the queries it runs and the rows they return.
struct Counting {
    inner: Arc<dyn Connector>,
    finds: Arc<Counters>,
}

impl Connector for Counting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn define(&self, m: &'static ModelDefinition) {
        self.inner.define(m)
    }
    fn create<'a>(
        &'a self,
        m: &'static ModelDefinition,
        d: Object,
    ) -> BoxFuture<'a, lb::Result<Row>> {
        self.inner.create(m, d)
    }
    fn find<'a>(
        &'a self,
        m: &'static ModelDefinition,
        f: &'a Filter,
    ) -> BoxFuture<'a, lb::Result<Vec<Row>>> {
        self.finds.finds.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let rows = self.inner.find(m, f).await?;
            self.finds.rows.fetch_add(rows.len(), Ordering::SeqCst);
            Ok(rows)
        })
    }
    fn find_by_id<'a>(
        &'a self,
        m: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, lb::Result<Option<Row>>> {
        self.finds.finds.fetch_add(1, Ordering::SeqCst);
        self.inner.find_by_id(m, id)
    }
    fn count<'a>(
        &'a self,
        m: &'static ModelDefinition,
        w: Option<&'a Where>,
    ) -> BoxFuture<'a, lb::Result<u64>> {
        self.inner.count(m, w)
    }
    fn update_all<'a>(
        &'a self,
        m: &'static ModelDefinition,
        w: Option<&'a Where>,
        d: Object,
    ) -> BoxFuture<'a, lb::Result<u64>> {
        self.inner.update_all(m, w, d)
    }
    fn delete_all<'a>(
        &'a self,
        m: &'static ModelDefinition,
        w: Option<&'a Where>,
    ) -> BoxFuture<'a, lb::Result<u64>> {
        self.inner.delete_all(m, w)
    }
    fn delete_by_id<'a>(
        &'a self,
        m: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, lb::Result<u64>> {
        self.inner.delete_by_id(m, id)
    }
    fn replace_by_id<'a>(
        &'a self,
        m: &'static ModelDefinition,
        id: &'a Value,
        d: Object,
    ) -> BoxFuture<'a, lb::Result<Option<Row>>> {
        self.inner.replace_by_id(m, id, d)
    }
    fn patch_by_id<'a>(
        &'a self,
        m: &'static ModelDefinition,
        id: &'a Value,
        d: Object,
    ) -> BoxFuture<'a, lb::Result<Option<Row>>> {
        self.inner.patch_by_id(m, id, d)
    }
    fn automigrate<'a>(
        &'a self,
        models: &'a [&'static ModelDefinition],
    ) -> BoxFuture<'a, lb::Result<()>> {
        self.inner.automigrate(models)
    }
}

/// The builder with every model of these tests.
fn with_models(b: lb::AppBuilder) -> lb::AppBuilder {
    b.model::<Author>()
        .model::<Post>()
        .model::<Profile>()
        .model::<Tag>()
        .model::<PostTag>()
        .model::<Label>()
        .model::<Category>()
        .model::<Picture>()
}

async fn app_on(url: &str) -> (App, Arc<Counters>) {
    let finds = Arc::new(Counters::default());
    let counting = Counting {
        inner: lb::connector::from_url(url).unwrap(),
        finds: finds.clone(),
    };
    let app = with_models(App::builder().datasource("db", counting))
        .build()
        .unwrap();
    app.automigrate().await.unwrap();
    support::json(
        &app,
        "POST",
        "/api/authors",
        &json!([{"name": "Ann", "secret": "s1"}, {"name": "Bob"}, {"name": "Cy"}]),
    )
    .await;
    support::json(
        &app,
        "POST",
        "/api/posts",
        &json!([
            {"title": "p1", "views": 10, "authorId": 1},
            {"title": "p2", "views": 5, "authorId": 1},
            {"title": "p3", "views": 7, "authorId": 1},
            {"title": "b1", "views": 1, "authorId": 2},
            {"title": "orphan", "views": 0, "authorId": 99},
            {"title": "none", "views": 0}
        ]),
    )
    .await;
    support::json(
        &app,
        "POST",
        "/api/profiles",
        &json!({"bio": "ann's", "authorId": 1}),
    )
    .await;
    (app, finds)
}

fn enc(v: &Value) -> String {
    support::escape_uri(&v.to_string())
}

fn titles(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("an array: {v}"))
        .iter()
        .map(|p| p["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn has_many_endpoints() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;

        let f = json!({"where": {"views": {"gt": 4}}, "order": "views ASC"});
        let r = support::get(&app, &format!("/api/authors/1/posts?filter={}", enc(&f))).await;
        assert_eq!(titles(&r.json()), ["p2", "p3", "p1"], "{url}");
        let r = support::get(
            &app,
            "/api/authors/1/posts/count?where=%7B%22views%22%3A%7B%22lt%22%3A8%7D%7D",
        )
        .await;
        assert_eq!(r.json(), json!({"count": 2}), "{url}");
        // the parent must exist
        let r = support::get(&app, "/api/authors/99/posts").await;
        assert_eq!(r.status, 404, "{url}");
        assert_eq!(
            r.json()["error"]["message"],
            "could not find a model with id 99",
            "{url}"
        );
        // create: the foreign key is the parent's, whatever the body says
        let r = support::json(
            &app,
            "POST",
            "/api/authors/2/posts",
            &json!({"title": "b2", "authorId": 1}),
        )
        .await;
        assert_eq!(
            (r.status.as_u16(), r.json()["authorId"].clone()),
            (200, json!(2)),
            "{url}: {}",
            r.text
        );
        let b2 = r.json()["id"].clone();
        // findById: only a related instance
        let r = support::get(&app, &format!("/api/authors/2/posts/{b2}")).await;
        assert_eq!(r.json()["title"], "b2", "{url}");
        let r = support::get(&app, "/api/authors/2/posts/1").await;
        assert_eq!(r.status, 404, "{url}");
        assert_eq!(
            r.json()["error"]["message"],
            "No instance with id 1 found for Post",
            "{url}"
        );
        // updateById merges; moving to another parent is refused
        let r = support::json(
            &app,
            "PUT",
            &format!("/api/authors/2/posts/{b2}"),
            &json!({"views": 3}),
        )
        .await;
        assert_eq!(
            (r.json()["title"].clone(), r.json()["views"].clone()),
            (json!("b2"), json!(3)),
            "{url}"
        );
        let r = support::json(
            &app,
            "PUT",
            &format!("/api/authors/2/posts/{b2}"),
            &json!({"authorId": 1}),
        )
        .await;
        assert_eq!(r.status, 400, "{url}: {}", r.text);
        assert_eq!(
            r.json()["error"]["message"],
            "Cannot override foreign key authorId from 2 to 1",
            "{url}"
        );
        // destroyById, then deleting all of a parent's posts
        let r = support::json(
            &app,
            "DELETE",
            &format!("/api/authors/2/posts/{b2}"),
            &Value::Null,
        )
        .await;
        assert_eq!(r.status, 204, "{url}");
        let r = support::json(
            &app,
            "DELETE",
            &format!("/api/authors/2/posts/{b2}"),
            &Value::Null,
        )
        .await;
        assert_eq!(r.status, 404, "{url}");
        let r = support::json(&app, "DELETE", "/api/authors/1/posts", &Value::Null).await;
        assert_eq!(r.status, 204, "{url}");
        assert_eq!(
            support::get(&app, "/api/authors/1/posts/count")
                .await
                .json(),
            json!({"count": 0}),
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posts/count").await.json(),
            json!({"count": 3}),
            "{url}: others kept"
        );
    }
}

#[tokio::test]
async fn belongs_to_and_has_one_endpoints() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;
        let r = support::get(&app, "/api/posts/1/author").await;
        assert_eq!(
            r.json(),
            json!({"id": 1, "name": "Ann"}),
            "{url}: hidden left out"
        );
        // a key with no target: null; no key: {}
        assert_eq!(
            support::get(&app, "/api/posts/5/author").await.json(),
            Value::Null,
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posts/6/author").await.json(),
            json!({}),
            "{url}"
        );

        let r = support::get(&app, "/api/authors/1/profile").await;
        assert_eq!(r.json()["bio"], "ann's", "{url}");
        let r = support::get(&app, "/api/authors/2/profile").await;
        assert_eq!(r.status, 404, "{url}");
        assert_eq!(
            r.json()["error"]["message"],
            "No \"Profile\" instance(s) found",
            "{url}"
        );
        assert_eq!(r.json()["error"]["code"], "MODEL_NOT_FOUND", "{url}");
        let r = support::json(&app, "PUT", "/api/authors/2/profile", &json!({"bio": "x"})).await;
        assert_eq!(r.status, 404, "{url}: {}", r.text);
        let r = support::json(
            &app,
            "POST",
            "/api/authors/2/profile",
            &json!({"bio": "bob's"}),
        )
        .await;
        assert_eq!(
            (r.status.as_u16(), r.json()["authorId"].clone()),
            (200, json!(2)),
            "{url}"
        );
        let r = support::json(
            &app,
            "POST",
            "/api/authors/2/profile",
            &json!({"bio": "again"}),
        )
        .await;
        assert_eq!(r.status, 409, "{url}: one instance only");
        let r = support::json(
            &app,
            "PUT",
            "/api/authors/2/profile",
            &json!({"bio": "edited"}),
        )
        .await;
        assert_eq!(r.json()["bio"], "edited", "{url}");
        let r = support::json(&app, "DELETE", "/api/authors/2/profile", &Value::Null).await;
        assert_eq!(r.status, 204, "{url}");
        assert_eq!(
            support::get(&app, "/api/authors/2/profile").await.status,
            404,
            "{url}"
        );
    }
}

#[tokio::test]
async fn include_is_batched_scoped_and_nested() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, finds) = app_on(&url).await;
        let find = |f: Value| {
            let app = app.clone();
            let finds = finds.clone();
            async move {
                finds.finds.store(0, Ordering::SeqCst);
                let r = support::get(&app, &format!("/api/authors?filter={}", enc(&f))).await;
                assert_eq!(r.status, 200, "{f}: {}", r.text);
                (r.json(), finds.finds.load(Ordering::SeqCst))
            }
        };
        // to-many: arrays ([] when none); to-one: the key only when there is a row
        let (v, queries) = find(json!({"include": ["posts", "profile"]})).await;
        assert_eq!(queries, 3, "{url}: one query per relation, not per author");
        assert_eq!(titles(&v[0]["posts"]), ["p1", "p2", "p3"], "{url}");
        assert_eq!(v[2]["posts"], json!([]), "{url}");
        assert_eq!(v[0]["profile"]["bio"], "ann's", "{url}");
        assert!(
            v[1].get("profile").is_none(),
            "{url}: no profile key for Bob"
        );
        assert!(v[0].get("secret").is_none(), "{url}: hidden stays hidden");

        // scope: where/order/fields, paging per parent
        let scope = json!({"include": {"relation": "posts",
            "scope": {"where": {"views": {"gt": 0}}, "order": "views DESC", "limit": 2, "fields": ["title"]}}});
        let (v, _) = find(scope).await;
        assert_eq!(
            v[0]["posts"],
            json!([{"title": "p1", "authorId": 1}, {"title": "p3", "authorId": 1}]),
            "{url}"
        );
        assert_eq!(
            v[1]["posts"],
            json!([{"title": "b1", "authorId": 2}]),
            "{url}"
        );

        // per-parent paging runs in the connector: only the page's rows are read
        let (v, _) = find(json!({"where": {"id": {"inq": [1, 2]}},
            "include": {"relation": "posts", "scope": {"limit": 1, "skip": 1}}}))
        .await;
        assert_eq!(titles(&v[0]["posts"]), ["p2"], "{url}");
        assert_eq!(v[1]["posts"], json!([]), "{url}");
        finds.rows.store(0, Ordering::SeqCst);
        let (v, _) = find(
            json!({"include": {"relation": "posts", "scope": {"limit": 1, "order": "views DESC"}}}),
        )
        .await;
        assert_eq!(titles(&v[0]["posts"]), ["p1"], "{url}");
        assert_eq!(
            finds.rows.load(Ordering::SeqCst),
            3 + 2,
            "{url}: 3 authors, 1 post each for 2 of them"
        );

        // nested, both directions; 3 levels = 3 queries
        let (v, queries) = find(json!({"where": {"id": 2}, "include": {"posts": "author"}})).await;
        assert_eq!(queries, 3, "{url}");
        assert_eq!(
            v[0]["posts"][0]["author"],
            json!({"id": 2, "name": "Bob"}),
            "{url}"
        );

        // fields without the keys the inclusion needs: fetched, used, left out
        let (v, _) = find(json!({"fields": ["name"], "include": "posts", "limit": 1})).await;
        assert_eq!(v[0]["name"], "Ann", "{url}");
        assert!(v[0].get("id").is_none(), "{url}: {}", v[0]);
        assert_eq!(titles(&v[0]["posts"]), ["p1", "p2", "p3"], "{url}");
        let r = support::get(
            &app,
            &format!(
                "/api/posts?filter={}",
                enc(&json!({"fields": ["title"], "include": "author", "where": {"id": 4}}))
            ),
        )
        .await;
        assert_eq!(
            r.json(),
            json!([{"title": "b1", "author": {"id": 2, "name": "Bob"}}]),
            "{url}"
        );

        // findById and findOne include too
        let r = support::get(
            &app,
            &format!("/api/posts/1?filter={}", enc(&json!({"include": "author"}))),
        )
        .await;
        assert_eq!(r.json()["author"]["name"], "Ann", "{url}");
        let r = support::get(
            &app,
            &format!(
                "/api/authors/findOne?filter={}",
                enc(&json!({"include": "profile"}))
            ),
        )
        .await;
        assert_eq!(r.json()["profile"]["authorId"], 1, "{url}");

        // unknown relations, top-level and nested: 400 naming them
        let r = support::get(
            &app,
            &format!("/api/authors?filter={}", enc(&json!({"include": "nope"}))),
        )
        .await;
        assert_eq!(r.status, 400, "{url}");
        assert_eq!(
            r.json()["error"]["message"],
            "Relation \"nope\" is not defined for Author model",
            "{url}"
        );
        let r = support::get(
            &app,
            &format!(
                "/api/authors?filter={}",
                enc(&json!({"include": {"posts": "nope"}}))
            ),
        )
        .await;
        assert_eq!(r.status, 400, "{url}");
        assert_eq!(
            r.json()["error"]["message"],
            "Relation \"nope\" is not defined for Post model",
            "{url}"
        );
    }
}

#[tokio::test]
async fn typed_accessors() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;
        let ann = Author::find_by_id(&app, 1).await.unwrap().unwrap();
        let posts = ann
            .posts(&app)
            .find(json!({"where": {"views": {"gte": 7}}, "order": "views DESC"}))
            .await
            .unwrap();
        let t: Vec<_> = posts.iter().map(|p| p.title.clone().unwrap()).collect();
        assert_eq!(t, ["p1", "p3"], "{url}");
        assert_eq!(ann.posts(&app).count(()).await.unwrap(), 3, "{url}");
        let bob = Author::find_by_id(&app, 2).await.unwrap().unwrap();
        let new = bob
            .posts(&app)
            .create(&Post {
                id: None,
                title: Some("b9".into()),
                views: None,
                author_id: Some(1),
                label_ids: None,
            })
            .await
            .unwrap();
        assert_eq!(new.author_id, Some(2), "{url}: the key is the parent's");
        assert!(
            bob.posts(&app).find_by_id(1).await.unwrap().is_none(),
            "{url}: Ann's post"
        );
        let author = new.author(&app).get().await.unwrap().unwrap();
        assert_eq!(author.name.as_deref(), Some("Bob"), "{url}");
        assert!(bob.profile(&app).get().await.unwrap().is_none(), "{url}");
        bob.profile(&app)
            .create(&Profile {
                id: None,
                bio: Some("hi".into()),
                author_id: None,
            })
            .await
            .unwrap();
        assert_eq!(
            bob.profile(&app)
                .get()
                .await
                .unwrap()
                .unwrap()
                .bio
                .as_deref(),
            Some("hi"),
            "{url}"
        );
        // the same operations as the endpoints: a second hasOne is LoopBack's 409, update
        // keeps the foreign key
        let twice = bob
            .profile(&app)
            .create(&Profile {
                id: None,
                bio: None,
                author_id: None,
            })
            .await
            .unwrap_err();
        assert_eq!(twice.status, 409, "{url}: {}", twice.message);
        let p = bob
            .profile(&app)
            .update(json!({"bio": "hello", "authorId": 1}))
            .await
            .unwrap();
        assert_eq!(
            (p.bio.as_deref(), p.author_id),
            (Some("hello"), Some(2)),
            "{url}"
        );
        assert_eq!(bob.profile(&app).delete().await.unwrap(), 1, "{url}");
        assert_eq!(bob.profile(&app).delete().await.unwrap(), 0, "{url}");
        let e = bob.profile(&app).update(json!({})).await.unwrap_err();
        assert_eq!(e.status, 404, "{url}: {}", e.message);
        // hasMany by id: another parent's row is a 404, moving a row to another parent a 400
        let b9 = new.id.unwrap();
        let e = bob
            .posts(&app)
            .update_by_id(1, json!({"views": 0}))
            .await
            .unwrap_err();
        assert_eq!(e.status, 404, "{url}: {}", e.message);
        let e = bob
            .posts(&app)
            .update_by_id(b9, json!({"authorId": 1}))
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "{url}: {}", e.message);
        let b9v = bob
            .posts(&app)
            .update_by_id(b9, json!({"views": 9}))
            .await
            .unwrap();
        assert_eq!((b9v.views, b9v.author_id), (Some(9), Some(2)), "{url}");
        let made = bob
            .posts(&app)
            .create_many(&[Post {
                id: None,
                title: Some("b10".into()),
                views: None,
                author_id: None,
                label_ids: None,
            }])
            .await
            .unwrap();
        assert_eq!(made[0].author_id, Some(2), "{url}");
        bob.posts(&app).destroy_by_id(b9).await.unwrap();
        assert!(
            bob.posts(&app).find_by_id(b9).await.unwrap().is_none(),
            "{url}"
        );
        let e = bob.posts(&app).destroy_by_id(1).await.unwrap_err();
        assert_eq!(e.status, 404, "{url}: Ann's post stays: {}", e.message);
        assert!(Post::find_by_id(&app, 1).await.unwrap().is_some(), "{url}");
        assert_eq!(bob.posts(&app).delete_all().await.unwrap(), 2, "{url}");
        // an instance that was never saved has no key to relate by
        let unsaved = Author {
            id: None,
            name: None,
            secret: None,
        };
        let e = unsaved.posts(&app).count(()).await.unwrap_err();
        assert_eq!(e.status, 400, "{url}: {}", e.message);
    }
}

/// The typed accessors of hasManyThrough, hasAndBelongsToMany, referencesMany and the
/// polymorphic relations.
#[tokio::test]
async fn typed_accessors_of_linked_and_polymorphic_relations() {
    fn names<T>(v: &[T], f: impl Fn(&T) -> Option<String>) -> Vec<String> {
        v.iter().map(|x| f(x).unwrap_or_default()).collect()
    }
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;
        let p1 = Post::find_by_id(&app, 1).await.unwrap().unwrap();
        let p2 = Post::find_by_id(&app, 2).await.unwrap().unwrap();
        let tag = |n: &str| Tag {
            id: None,
            name: Some(n.into()),
        };
        // hasManyThrough: create links, link/unlink/exists, find/count scoped to the links
        let rust = p1.tags(&app).create(&tag("rust")).await.unwrap();
        let sql = Tag::create(&app, &tag("sql")).await.unwrap();
        let (rust_id, sql_id) = (rust.id.unwrap(), sql.id.unwrap());
        p1.tags(&app).link(sql_id).await.unwrap();
        p1.tags(&app).link(sql_id).await.unwrap();
        p2.tags(&app).link(sql_id).await.unwrap();
        let link = p2
            .tags(&app)
            .link_with(rust_id, json!({"note": "why"}))
            .await
            .unwrap();
        assert_eq!(link["note"], "why", "{url}: {link}");
        let found = p1
            .tags(&app)
            .find(json!({"order": "name DESC"}))
            .await
            .unwrap();
        assert_eq!(names(&found, |t| t.name.clone()), ["sql", "rust"], "{url}");
        assert_eq!(
            p1.tags(&app).count(()).await.unwrap(),
            2,
            "{url}: linked once"
        );
        assert_eq!(
            p1.tags(&app).count(json!({"name": "rust"})).await.unwrap(),
            1,
            "{url}"
        );
        assert!(p1.tags(&app).exists(sql_id).await.unwrap(), "{url}");
        p1.tags(&app).unlink(sql_id).await.unwrap();
        assert!(!p1.tags(&app).exists(sql_id).await.unwrap(), "{url}");
        assert!(
            p1.tags(&app).find_by_id(sql_id).await.unwrap().is_none(),
            "{url}"
        );
        assert!(
            Tag::find_by_id(&app, sql_id).await.unwrap().is_some(),
            "{url}: kept"
        );
        let renamed = p1
            .tags(&app)
            .update_by_id(rust_id, json!({"name": "rustlang"}))
            .await
            .unwrap();
        assert_eq!(renamed.name.as_deref(), Some("rustlang"), "{url}");
        let e = p1
            .tags(&app)
            .update_by_id(sql_id, json!({}))
            .await
            .unwrap_err();
        assert_eq!(e.status, 404, "{url}: not linked: {}", e.message);
        let e = p1.tags(&app).link(999).await.unwrap_err();
        assert_eq!(e.status, 404, "{url}: no such tag: {}", e.message);
        assert_eq!(p2.tags(&app).unlink_all().await.unwrap(), 2, "{url}");
        p1.tags(&app).destroy_by_id(rust_id).await.unwrap();
        assert!(
            Tag::find_by_id(&app, rust_id).await.unwrap().is_none(),
            "{url}"
        );
        assert_eq!(p1.tags(&app).count(()).await.unwrap(), 0, "{url}");

        // hasAndBelongsToMany: the same operations through the generated model
        let cat = p1
            .categories(&app)
            .create(&Category {
                id: None,
                name: Some("news".into()),
            })
            .await
            .unwrap();
        p2.categories(&app).link(cat.id.unwrap()).await.unwrap();
        assert_eq!(p2.categories(&app).count(()).await.unwrap(), 1, "{url}");
        let c = p2.categories(&app).find(()).await.unwrap();
        assert_eq!(names(&c, |c| c.name.clone()), ["news"], "{url}");

        // referencesMany: the parent's array, read as stored at every call
        let label = |n: &str| Label {
            id: None,
            name: Some(n.into()),
        };
        let l1 = p1.labels(&app).create(&label("l1")).await.unwrap();
        let l2 = Label::create(&app, &label("l2")).await.unwrap();
        let (l1_id, l2_id) = (l1.id.unwrap(), l2.id.unwrap());
        // `p1` was read before the create: its stale array is not what counts
        let linked = p1.labels(&app).link(l2_id).await.unwrap();
        assert_eq!(linked.name.as_deref(), Some("l2"), "{url}");
        p1.labels(&app).link(l2_id).await.unwrap();
        let stored = Post::find_by_id(&app, 1).await.unwrap().unwrap();
        assert_eq!(stored.label_ids, Some(vec![l1_id, l2_id]), "{url}");
        let found = p1
            .labels(&app)
            .find(json!({"order": "name DESC"}))
            .await
            .unwrap();
        assert_eq!(names(&found, |l| l.name.clone()), ["l2", "l1"], "{url}");
        assert_eq!(
            p1.labels(&app).count(json!({"name": "l1"})).await.unwrap(),
            1,
            "{url}"
        );
        assert!(p1.labels(&app).exists(l1_id).await.unwrap(), "{url}");
        assert!(
            p2.labels(&app).find_by_id(l1_id).await.unwrap().is_none(),
            "{url}"
        );
        p1.labels(&app).unlink(l1_id).await.unwrap();
        assert!(!p1.labels(&app).exists(l1_id).await.unwrap(), "{url}");
        p1.labels(&app).destroy_by_id(l2_id).await.unwrap();
        assert!(
            Label::find_by_id(&app, l2_id).await.unwrap().is_none(),
            "{url}"
        );
        let stored = Post::find_by_id(&app, 1).await.unwrap().unwrap();
        assert_eq!(stored.label_ids, Some(vec![]), "{url}");
        let e = p1.labels(&app).destroy_by_id(l1_id).await.unwrap_err();
        assert_eq!(e.status, 404, "{url}: not referenced: {}", e.message);

        // polymorphic: hasMany sets and filters by the discriminator; belongsTo names the model
        let ann = Author::find_by_id(&app, 1).await.unwrap().unwrap();
        let pic = |n: &str| Picture {
            id: None,
            name: Some(n.into()),
            imageable_id: None,
            imageable_type: None,
        };
        let a_pic = ann.pictures(&app).create(&pic("face")).await.unwrap();
        assert_eq!(a_pic.imageable_type.as_deref(), Some("Author"), "{url}");
        assert_eq!(a_pic.imageable_id, Some(1), "{url}");
        let p_pic = p1.pictures(&app).create(&pic("cover")).await.unwrap();
        // post 1 and author 1 share the key: the discriminator keeps them apart
        let a: Vec<Picture> = ann.pictures(&app).find(()).await.unwrap();
        assert_eq!(names(&a, |p| p.name.clone()), ["face"], "{url}");
        assert_eq!(p1.pictures(&app).count(()).await.unwrap(), 1, "{url}");
        assert_eq!(
            p_pic.imageable(&app).model_name().unwrap().as_deref(),
            Some("Post"),
            "{url}"
        );
        let post: Option<Post> = p_pic.imageable(&app).get().await.unwrap();
        assert_eq!(post.unwrap().title.as_deref(), Some("p1"), "{url}");
        let not_author: Option<Author> = p_pic.imageable(&app).get().await.unwrap();
        assert!(not_author.is_none(), "{url}: it is a Post");
        let v = a_pic.imageable(&app).get_value().await.unwrap().unwrap();
        assert_eq!(v, json!({"id": 1, "name": "Ann"}), "{url}: hidden left out");
        assert!(
            pic("loose")
                .imageable(&app)
                .get_value()
                .await
                .unwrap()
                .is_none(),
            "{url}"
        );
    }
}

#[tokio::test]
async fn filters_on_related_properties() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;
        let names = |v: Value| -> Vec<String> {
            v.as_array()
                .unwrap_or_else(|| panic!("{v}"))
                .iter()
                .map(|a| a["name"].as_str().unwrap_or_default().to_string())
                .collect()
        };
        let find = |w: Value| {
            let app = app.clone();
            async move {
                let r = support::get(
                    &app,
                    &format!("/api/authors?filter={}", enc(&json!({"where": w}))),
                )
                .await;
                assert_eq!(r.status, 200, "{}", r.text);
                r.json()
            }
        };
        // hasMany: some related post matches
        assert_eq!(
            names(find(json!({"posts.views": {"gt": 6}})).await),
            ["Ann"],
            "{url}"
        );
        assert_eq!(
            names(find(json!({"posts.title": {"like": "b%"}})).await),
            ["Bob"],
            "{url}"
        );
        // one answer per author however many posts match, and paging counts authors
        // (SQLite 3.51 once repeated an author per matching post before its OFFSET)
        let r = support::get(
            &app,
            &format!(
                "/api/authors?filter={}",
                enc(&json!({"where": {"posts.views": {"gt": 0}}, "order": "id", "skip": 1}))
            ),
        )
        .await;
        assert_eq!(names(r.json()), ["Bob"], "{url}");
        // its negation: authors without such a post (Cy has none at all)
        assert_eq!(
            names(find(json!({"nor": [{"posts.views": {"gt": 6}}]})).await),
            ["Bob", "Cy"],
            "{url}"
        );
        // hasOne, combined with a property of the parent
        assert_eq!(
            names(find(json!({"profile.bio": {"neq": null}, "name": {"neq": "Bob"}})).await),
            ["Ann"],
            "{url}"
        );
        // belongsTo, and two levels (posts whose author has a post with 10 views)
        let r = support::get(
            &app,
            &format!(
                "/api/posts?filter={}",
                enc(&json!({"where": {"author.name": "Bob"}}))
            ),
        )
        .await;
        assert_eq!(titles(&r.json()), ["b1"], "{url}");
        let r = support::get(
            &app,
            &format!(
                "/api/posts/count?where={}",
                enc(&json!({"author.posts.views": 10}))
            ),
        )
        .await;
        assert_eq!(r.json(), json!({"count": 3}), "{url}");
        // typed API, and bulk writes with such a where
        assert_eq!(
            Author::count(&app, json!({"posts.title": "p1"}))
                .await
                .unwrap(),
            1,
            "{url}"
        );
        let n = Post::update_all(&app, json!({"author.name": "Ann"}), json!({"views": 0}))
            .await
            .unwrap();
        assert_eq!(n, 3, "{url}");
        assert_eq!(
            names(find(json!({"posts.views": {"gt": 0}})).await),
            ["Bob"],
            "{url}"
        );
    }
}

#[tokio::test]
async fn has_many_through_endpoints_include_and_filters() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, finds) = app_on(&url).await;
        let send = |m: &'static str, u: String, b: Value| {
            let app = app.clone();
            async move { support::json(&app, m, &u, &b).await }
        };
        send(
            "POST",
            "/api/tags".into(),
            json!([{"name": "t1"}, {"name": "t2"}, {"name": "t3"}]),
        )
        .await;
        // link: returns the through record; linking again returns the same one
        let r = send(
            "PUT",
            "/api/posts/1/tags/rel/2".into(),
            json!({"note": "linked"}),
        )
        .await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        assert_eq!(
            r.json(),
            json!({"id": 1, "postId": 1, "tagId": 2, "note": "linked"}),
            "{url}"
        );
        let again = send("PUT", "/api/posts/1/tags/rel/2".into(), Value::Null).await;
        assert_eq!(again.json()["id"], 1, "{url}");
        send("PUT", "/api/posts/1/tags/rel/1".into(), Value::Null).await;
        send("PUT", "/api/posts/4/tags/rel/1".into(), Value::Null).await;
        assert_eq!(
            send("PUT", "/api/posts/1/tags/rel/99".into(), Value::Null)
                .await
                .status,
            404,
            "{url}"
        );
        // create: the tag and its link
        let r = send("POST", "/api/posts/1/tags".into(), json!({"name": "t4"})).await;
        assert_eq!(r.json(), json!({"id": 4, "name": "t4"}), "{url}");
        let r = support::get(&app, "/api/posts/1/tags").await;
        let tags = r.json();
        let names: Vec<&str> = tags
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["t1", "t2", "t4"], "{url}");
        assert_eq!(
            support::get(&app, "/api/posts/1/tags/count").await.json(),
            json!({"count": 3}),
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posts/1/tags/3").await.status,
            404,
            "{url}: not linked"
        );
        assert_eq!(
            support::get(&app, "/api/posts/1/tags/2").await.json()["name"],
            "t2",
            "{url}"
        );
        // exists on rel
        assert_eq!(
            send("HEAD", "/api/posts/1/tags/rel/2".into(), Value::Null)
                .await
                .status,
            200,
            "{url}"
        );
        assert_eq!(
            send("HEAD", "/api/posts/1/tags/rel/3".into(), Value::Null)
                .await
                .status,
            404,
            "{url}"
        );

        // include: two queries for the relation (links, targets), per-parent lists
        finds.finds.store(0, Ordering::SeqCst);
        let r = support::get(
            &app,
            &format!(
                "/api/posts?filter={}",
                enc(&json!({"where": {"id": {"inq": [1, 2, 4]}}, "include": "tags"}))
            ),
        )
        .await;
        assert_eq!(finds.finds.load(Ordering::SeqCst), 3, "{url}");
        let v = r.json();
        let tag_names = |i: usize| -> Vec<String> {
            v[i]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(tag_names(0), ["t1", "t2", "t4"], "{url}");
        assert_eq!(tag_names(1), Vec::<String>::new(), "{url}");
        assert_eq!(tag_names(2), ["t1"], "{url}");
        // filter on the target through the links
        let r = support::get(
            &app,
            &format!(
                "/api/posts?filter={}",
                enc(&json!({"where": {"tags.name": "t1"}, "fields": ["title"]}))
            ),
        )
        .await;
        assert_eq!(r.json(), json!([{"title": "p1"}, {"title": "b1"}]), "{url}");

        // unlink; delete all removes the links, not the tags
        assert_eq!(
            send("DELETE", "/api/posts/1/tags/rel/2".into(), Value::Null)
                .await
                .status,
            204,
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posts/1/tags/count").await.json(),
            json!({"count": 2}),
            "{url}"
        );
        assert_eq!(
            send("DELETE", "/api/posts/1/tags".into(), Value::Null)
                .await
                .status,
            204,
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posts/1/tags/count").await.json(),
            json!({"count": 0}),
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/tags/count").await.json(),
            json!({"count": 4}),
            "{url}"
        );
        // destroyById deletes the tag and its link
        assert_eq!(
            send("DELETE", "/api/posts/4/tags/1".into(), Value::Null)
                .await
                .status,
            204,
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/tags/count").await.json(),
            json!({"count": 3}),
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posttags/count").await.json(),
            json!({"count": 0}),
            "{url}"
        );
    }
}

/// A self-relation, and a hidden foreign key.
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "nodes",
    has_many(children, model = Self, foreign_key = "parentId"),
    belongs_to(parent, model = Self, foreign_key = "parentId")
)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
    #[property(hidden)]
    pub parent_id: Option<i64>,
}

#[tokio::test]
async fn hidden_keys_self_relations_and_bad_input() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = App::builder()
            .datasource_url("db", &url)
            .unwrap()
            .model::<Node>()
            .build()
            .unwrap();
        app.automigrate().await.unwrap();
        let post = |u: &'static str, b: Value| {
            let app = app.clone();
            async move { support::json(&app, "POST", u, &b).await }
        };
        post("/api/nodes", json!({"name": "root"})).await;
        post("/api/nodes/1/children", json!({"name": "a"})).await;
        post("/api/nodes/1/children", json!({"name": "b"})).await;
        post("/api/nodes/2/children", json!({"name": "a1"})).await;
        // the hidden foreign key still scopes every relation query
        let r = support::get(&app, "/api/nodes/2/children").await;
        assert_eq!(r.json(), json!([{"id": 4, "name": "a1"}]), "{url}");
        assert_eq!(
            support::get(&app, "/api/nodes/1/children/count")
                .await
                .json(),
            json!({"count": 2}),
            "{url}"
        );
        let r = support::json(&app, "DELETE", "/api/nodes/2/children", &Value::Null).await;
        assert_eq!(r.status, 204, "{url}");
        assert_eq!(
            support::get(&app, "/api/nodes/count").await.json(),
            json!({"count": 3}),
            "{url}: only a1 went"
        );
        let r = support::get(
            &app,
            &format!(
                "/api/nodes?filter={}",
                enc(&json!({"where": {"id": 1}, "include": "children"}))
            ),
        )
        .await;
        assert_eq!(
            r.json()[0]["children"].as_array().map(Vec::len),
            Some(2),
            "{url}"
        );
        // related-property filter on a self-relation
        let r = support::get(
            &app,
            &format!(
                "/api/nodes?filter={}",
                enc(&json!({"where": {"children.name": "b"}}))
            ),
        )
        .await;
        assert_eq!(r.json(), json!([{"id": 1, "name": "root"}]), "{url}");
        // a self-relation condition in a bulk write (MySQL needs a derived table for it)
        let r = support::json(
            &app,
            "POST",
            &format!(
                "/api/nodes/update?where={}",
                enc(&json!({"children.name": "b"}))
            ),
            &json!({"name": "root!"}),
        )
        .await;
        assert_eq!(r.json(), json!({"count": 1}), "{url}: {}", r.text);
        // an operator object where an id belongs: 400, nothing touched
        let r = support::json(
            &app,
            "DELETE",
            "/api/nodes/1/children/%7B%22neq%22%3Anull%7D",
            &Value::Null,
        )
        .await;
        assert_eq!(r.status, 400, "{url}: {}", r.text);
        assert_eq!(
            support::get(&app, "/api/nodes/count").await.json(),
            json!({"count": 3}),
            "{url}"
        );
        // a path of relation hops deeper than a query object may be: 400, not a stack overflow
        let deep = format!("{}name", "children.".repeat(2_000));
        let r = support::get(
            &app,
            &format!("/api/nodes?filter={}", enc(&json!({"where": {deep: "x"}}))),
        )
        .await;
        assert_eq!(r.status, 400, "{url}");
        assert_eq!(r.json()["error"]["code"], "QUERY_OBJECT_TOO_DEEP", "{url}");
        let deeper = format!("{}name", "children.".repeat(200_000));
        let e = Node::count(&app, json!({ deeper: "x" })).await.unwrap_err();
        assert_eq!(e.status, 400, "{url}");
    }
}

#[tokio::test]
async fn references_many_endpoints_and_include() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;
        let send = |m: &'static str, u: &'static str, b: Value| {
            let app = app.clone();
            async move { support::json(&app, m, u, &b).await }
        };
        send(
            "POST",
            "/api/labels",
            json!([{"name": "l1"}, {"name": "l2"}, {"name": "l3"}]),
        )
        .await;
        // link appends the id and answers the label
        let r = send("PUT", "/api/posts/1/labels/rel/2", Value::Null).await;
        assert_eq!(
            r.json(),
            json!({"id": 2, "name": "l2"}),
            "{url}: {}",
            r.text
        );
        send("PUT", "/api/posts/1/labels/rel/2", Value::Null).await;
        send("PUT", "/api/posts/1/labels/rel/3", Value::Null).await;
        assert_eq!(
            support::get(&app, "/api/posts/1").await.json()["labelIds"],
            json!([2, 3]),
            "{url}: once each"
        );
        assert_eq!(
            send("PUT", "/api/posts/1/labels/rel/9", Value::Null)
                .await
                .status,
            404,
            "{url}"
        );
        // create adds a label and references it
        let r = send("POST", "/api/posts/1/labels", json!({"name": "l4"})).await;
        assert_eq!(r.json()["id"], 4, "{url}");
        // the referenced ones only (LoopBack 3 counted every label)
        assert_eq!(
            support::get(&app, "/api/posts/1/labels/count").await.json(),
            json!({"count": 3}),
            "{url}"
        );
        let r = support::get(&app, "/api/posts/1/labels").await;
        assert_eq!(r.json().as_array().map(Vec::len), Some(3), "{url}");
        assert_eq!(
            send("HEAD", "/api/posts/1/labels/rel/2", Value::Null)
                .await
                .status,
            200,
            "{url}"
        );
        assert_eq!(
            send("HEAD", "/api/posts/1/labels/rel/1", Value::Null)
                .await
                .status,
            404,
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posts/1/labels/1").await.status,
            404,
            "{url}"
        );
        // include
        let r = support::get(
            &app,
            &format!(
                "/api/posts?filter={}",
                enc(&json!({"where": {"id": {"inq": [1, 2]}}, "include": "labels"}))
            ),
        )
        .await;
        let v = r.json();
        let names: Vec<&str> = v[0]["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["l2", "l3", "l4"], "{url}");
        assert_eq!(v[1]["labels"], json!([]), "{url}");
        // unlink, destroyById
        assert_eq!(
            send("DELETE", "/api/posts/1/labels/rel/3", Value::Null)
                .await
                .status,
            204,
            "{url}"
        );
        assert_eq!(
            send("DELETE", "/api/posts/1/labels/4", Value::Null)
                .await
                .status,
            204,
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posts/1").await.json()["labelIds"],
            json!([2]),
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/labels/count").await.json(),
            json!({"count": 3}),
            "{url}"
        );
    }
}

#[tokio::test]
async fn has_and_belongs_to_many_uses_a_generated_through_model() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;
        // PostCategory is generated, attached by the app, and not exposed over REST
        assert!(app.repository("PostCategory").is_some(), "{url}");
        assert_eq!(
            support::get(&app, "/api/PostCategories").await.status,
            404,
            "{url}"
        );
        let send = |m: &'static str, u: &'static str, b: Value| {
            let app = app.clone();
            async move { support::json(&app, m, u, &b).await }
        };
        send(
            "POST",
            "/api/categories",
            json!([{"name": "c1"}, {"name": "c2"}]),
        )
        .await;
        let r = send("PUT", "/api/posts/1/categories/rel/1", Value::Null).await;
        assert_eq!(
            r.json(),
            json!({"postId": 1, "categoryId": 1, "id": 1}),
            "{url}: {}",
            r.text
        );
        send("POST", "/api/posts/1/categories", json!({"name": "c3"})).await;
        let r = support::get(&app, "/api/posts/1/categories").await;
        let names: Vec<String> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["c1", "c3"], "{url}");
        let r = support::get(&app, &format!("/api/posts?filter={}", enc(&json!({"where": {"categories.name": "c3"}, "include": "categories", "fields": ["title"]})))).await;
        assert_eq!(
            r.json(),
            json!([{"title": "p1", "categories": [{"id": 1, "name": "c1"}, {"id": 3, "name": "c3"}]}]),
            "{url}"
        );
        // deleting the relation removes the links only
        assert_eq!(
            send("DELETE", "/api/posts/1/categories", Value::Null)
                .await
                .status,
            204,
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/categories/count").await.json(),
            json!({"count": 3}),
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/posts/1/categories/count")
                .await
                .json(),
            json!({"count": 0}),
            "{url}"
        );
    }
}

#[tokio::test]
async fn polymorphic_relations() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;
        let send = |u: &'static str, b: Value| {
            let app = app.clone();
            async move { support::json(&app, "POST", u, &b).await }
        };
        // the discriminator is set to the parent's model
        let r = send(
            "/api/authors/1/pictures",
            json!({"name": "ann.png", "imageableType": "Post"}),
        )
        .await;
        assert_eq!(
            (
                r.json()["imageableId"].clone(),
                r.json()["imageableType"].clone()
            ),
            (json!(1), json!("Author")),
            "{url}: {}",
            r.text
        );
        send("/api/posts/1/pictures", json!({"name": "p1.png"})).await;
        send("/api/authors/2/pictures", json!({"name": "bob.png"})).await;
        // author 1 and post 1 share the key 1: the discriminator tells them apart
        let r = support::get(&app, "/api/authors/1/pictures").await;
        assert_eq!(titles_of(&r.json(), "name"), ["ann.png"], "{url}");
        let r = support::get(&app, "/api/posts/1/pictures/count").await;
        assert_eq!(r.json(), json!({"count": 1}), "{url}");
        // belongsTo polymorphic: the row names the model
        assert_eq!(
            support::get(&app, "/api/pictures/1/imageable").await.json()["name"],
            "Ann",
            "{url}"
        );
        assert_eq!(
            support::get(&app, "/api/pictures/2/imageable").await.json()["title"],
            "p1",
            "{url}"
        );
        // include both ways
        let r = support::get(
            &app,
            &format!(
                "/api/pictures?filter={}",
                enc(&json!({"include": "imageable"}))
            ),
        )
        .await;
        let v = r.json();
        assert_eq!(v[0]["imageable"]["name"], "Ann", "{url}");
        assert_eq!(v[1]["imageable"]["title"], "p1", "{url}");
        assert_eq!(v[2]["imageable"]["name"], "Bob", "{url}");
        let r = support::get(
            &app,
            &format!(
                "/api/authors?filter={}",
                enc(&json!({"include": "pictures", "where": {"id": {"inq": [1, 3]}}}))
            ),
        )
        .await;
        assert_eq!(
            titles_of(&r.json()[0]["pictures"], "name"),
            ["ann.png"],
            "{url}"
        );
        assert_eq!(r.json()[1]["pictures"], json!([]), "{url}");
        // conditions through the polymorphic hasMany
        let r = support::get(
            &app,
            &format!(
                "/api/authors?filter={}",
                enc(&json!({"where": {"pictures.name": {"like": "%png"}}}))
            ),
        )
        .await;
        assert_eq!(titles_of(&r.json(), "name"), ["Ann", "Bob"], "{url}");
        let r = support::get(
            &app,
            &format!(
                "/api/posts?filter={}",
                enc(&json!({"where": {"pictures.name": "ann.png"}}))
            ),
        )
        .await;
        assert_eq!(r.json(), json!([]), "{url}: Ann's picture is not post 1's");
    }
}

fn titles_of(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("an array: {v}"))
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Relations by a key other than the id (`primary_key`).
#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "shops",
    has_many(items, model = Item, foreign_key = "shopSlug", primary_key = "slug"),
    has_many(goods, model = Item, foreign_key = "shopSlug", primary_key = "slug",
             path = "stock", disable_include)
)]
pub struct Shop {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[property(unique)]
    pub slug: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(
    path = "items",
    belongs_to(shop, model = Shop, foreign_key = "shopSlug", primary_key = "slug")
)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    #[property(id, generated)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: Option<String>,
    pub shop_slug: Option<String>,
}

#[tokio::test]
async fn relations_by_another_key() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let app = App::builder()
            .datasource_url("db", &url)
            .unwrap()
            .model::<Shop>()
            .model::<Item>()
            .build()
            .unwrap();
        app.automigrate().await.unwrap();
        support::json(
            &app,
            "POST",
            "/api/shops",
            &json!([{"slug": "north"}, {"slug": "south"}]),
        )
        .await;
        let r = support::json(&app, "POST", "/api/shops/2/items", &json!({"name": "tent"})).await;
        assert_eq!(r.json()["shopSlug"], "south", "{url}: {}", r.text);
        assert_eq!(
            support::get(&app, "/api/items/1/shop").await.json()["slug"],
            "south",
            "{url}"
        );
        let r = support::get(
            &app,
            &format!("/api/shops?filter={}", enc(&json!({"include": "items"}))),
        )
        .await;
        assert_eq!(r.json()[0]["items"], json!([]), "{url}");
        assert_eq!(r.json()[1]["items"][0]["name"], "tent", "{url}");
        // `path` renames the routes' segment; `disable_include` leaves the relation out of include
        let r = support::get(&app, "/api/shops/2/stock").await;
        assert_eq!(r.json()[0]["name"], "tent", "{url}: {}", r.text);
        assert_eq!(
            support::get(&app, "/api/shops/2/goods").await.status,
            404,
            "{url}"
        );
        let r = support::get(
            &app,
            &format!(
                "/api/shops?filter={}",
                enc(&json!({"include": ["goods", "items"]}))
            ),
        )
        .await;
        assert!(r.json()[1].get("goods").is_none(), "{url}: {}", r.text);
        assert_eq!(r.json()[1]["items"][0]["name"], "tent", "{url}");
        let r = support::get(
            &app,
            &format!(
                "/api/items?filter={}",
                enc(&json!({"where": {"shop.slug": "south"}, "include": "shop"}))
            ),
        )
        .await;
        assert_eq!(r.json()[0]["shop"]["id"], 2, "{url}");
    }
}

/// The typed `find_one` and `find_by_id_with` run the filter's `include` (one query per
/// relation, as REST), with its scopes parsed against the target model.
#[tokio::test]
async fn typed_find_one_and_find_by_id_honour_include() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, finds) = app_on(&url).await;
        let queries = |n: &Arc<Counters>| n.finds.swap(0, Ordering::SeqCst);
        queries(&finds);
        let plain = Author::find_one(&app, json!({"where": {"name": "Ann"}}))
            .await
            .unwrap()
            .expect("Ann");
        assert_eq!(queries(&finds), 1, "{url}: no include, one query");
        let with = Author::find_one(
            &app,
            json!({"where": {"name": "Ann"}, "include": ["posts", "profile"]}),
        )
        .await
        .unwrap()
        .expect("Ann");
        assert_eq!(with.id, plain.id);
        assert_eq!(
            queries(&finds),
            3,
            "{url}: the author, her posts, her profile"
        );
        let by_id =
            Author::find_by_id_with(&app, plain.id, json!({"include": {"posts": "author"}}))
                .await
                .unwrap()
                .expect("Ann by id");
        assert_eq!(by_id.name.as_deref(), Some("Ann"));
        assert_eq!(
            queries(&finds),
            3,
            "{url}: the author, her posts, their author"
        );
        assert!(
            Author::find_by_id_with(&app, 999, json!({"include": "posts"}))
                .await
                .unwrap()
                .is_none()
        );
        queries(&finds);
        // a nested scope is checked against its own model before any query runs
        let bad = Author::find_one(&app, json!({"include": {"posts": "nothing"}})).await;
        let e = bad.expect_err("an unknown nested relation");
        assert_eq!(e.status, 400, "{url}");
        assert_eq!(
            e.message,
            "Relation \"nothing\" is not defined for Post model"
        );
        let bad_scope = Author::find_by_id_with(
            &app,
            plain.id,
            json!({"include": {"relation": "posts", "scope": {"limit": "x"}}}),
        )
        .await;
        assert_eq!(bad_scope.expect_err("a bad scope").status, 400, "{url}");
        assert_eq!(queries(&finds), 0, "{url}: rejected filters ran no query");
    }
}

/// Relation create with a list: every element must be an instance (LoopBack 3 answers a 500
/// for `[null]`); nothing is created when one is not.
#[tokio::test]
async fn relation_create_with_a_list_of_non_objects_is_a_400() {
    let (app, _) = app_on("memory:").await;
    let before = support::get(&app, "/api/authors/1/posts/count")
        .await
        .json();
    for body in [
        json!([null, null]),
        json!([{"title": "ok"}, 5]),
        json!(["x"]),
    ] {
        let r = support::json(&app, "POST", "/api/authors/1/posts", &body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(
            r.json()["error"]["message"],
            "Value is not an object.",
            "{body}"
        );
    }
    let after = support::get(&app, "/api/authors/1/posts/count")
        .await
        .json();
    assert_eq!(before, after, "nothing created");
}

/// `include` inside a transaction queries the related models through the transaction: it
/// sees the transaction's own writes, which no other connection sees before the commit.
#[tokio::test]
async fn include_inside_a_transaction_reads_through_it() {
    for url in support::datasource_urls() {
        if url.starts_with("memory") {
            continue; // the memory connector has no transactions
        }
        let _g = support::database_lock(&url).await;
        let app = with_models(App::builder().datasource_url("db", &url).unwrap())
            .build()
            .unwrap();
        app.automigrate().await.unwrap();
        let titles = app
            .transaction(|tx| async move {
                let ann = Author::create(
                    &tx,
                    &Author {
                        id: None,
                        name: Some("Ann".into()),
                        secret: None,
                    },
                )
                .await?;
                ann.posts(&tx)
                    .create(&Post {
                        id: None,
                        title: Some("draft".into()),
                        views: None,
                        author_id: None,
                        label_ids: None,
                    })
                    .await?;
                let repo = tx.repository("Author").expect("Author").into_owned();
                let filter = lb::filter::parse_filter(
                    repo.model,
                    &json!({"include": {"posts": "author"}}),
                    Default::default(),
                )?;
                let rows = repo.find(&filter).await?;
                let row = Value::Object(rows[0].to_object());
                Ok::<_, lb::Error>(
                    row["posts"]
                        .as_array()
                        .map(|p| {
                            p.iter()
                                .map(|p| (p["title"].clone(), p["author"]["name"].clone()))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default(),
                )
            })
            .await
            .unwrap();
        assert_eq!(titles, [(json!("draft"), json!("Ann"))], "{url}");
    }
}

/// `find_with_relations` and friends: the instance and, typed, what `include` attached.
#[tokio::test]
async fn typed_included_relations() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, _) = app_on(&url).await;
        let authors = Author::find_with_relations(
            &app,
            json!({"include": {"relation": "posts", "scope": {"order": "views DESC", "include": "author"}}, "order": "id"}),
        )
        .await
        .unwrap();
        assert_eq!(authors[0].name.as_deref(), Some("Ann"), "{url}: derefs");
        let posts: Vec<Post> = authors[0].many("posts").unwrap();
        let titles: Vec<_> = posts.iter().map(|p| p.title.clone().unwrap()).collect();
        assert_eq!(titles, ["p1", "p3", "p2"], "{url}");
        // nested: each post with its own included author
        let nested = authors[0].many_with_relations::<Post>("posts").unwrap();
        let back: Option<Author> = nested[0].one("author").unwrap();
        assert_eq!(back.unwrap().name.as_deref(), Some("Ann"), "{url}");
        // hidden properties stay out of nested instances, as in a REST answer
        assert_eq!(
            nested[0].one::<Author>("author").unwrap().unwrap().secret,
            None
        );
        assert!(
            authors[2].many::<Post>("posts").unwrap().is_empty(),
            "{url}: Cy has none"
        );
        // a relation that was not included is an error, not an empty list
        let e = authors[0].many::<Picture>("pictures").unwrap_err();
        assert!(
            e.message.contains("was not included"),
            "{url}: {}",
            e.message
        );
        // the wrong target type or arity is an error
        assert!(authors[0].many::<Profile>("posts").is_err(), "{url}");
        assert!(authors[0].one::<Post>("posts").is_err(), "{url}");
        let post = Post::find_by_id_with_relations(&app, 1, json!({"include": "author"}))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(post.title.as_deref(), Some("p1"), "{url}");
        let author: Author = post.one("author").unwrap().unwrap();
        assert_eq!(author.id, Some(1), "{url}");
        let orphan = Post::find_one_with_relations(
            &app,
            json!({"where": {"title": "orphan"}, "include": "author"}),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(orphan.one::<Author>("author").unwrap().is_none(), "{url}");
        assert_eq!(orphan.into_inner().author_id, Some(99), "{url}");
    }
}

/// An include repeated thousands of times runs once (the last scope given wins, as in
/// LoopBack's answer): one query for the posts, one for their authors.
#[tokio::test]
async fn a_repeated_include_runs_once() {
    for url in support::datasource_urls() {
        let _g = support::database_lock(&url).await;
        let (app, finds) = app_on(&url).await;
        let mut include: Vec<Value> = vec![json!("author"); 3000];
        include.push(json!({"relation": "author", "scope": {"fields": ["name"]}}));
        let f = json!({"where": {"title": "p1"}, "include": include});
        finds.finds.swap(0, Ordering::SeqCst);
        let r = support::get(&app, &format!("/api/posts?filter={}", enc(&f))).await;
        assert_eq!(r.status, 200, "{url}: {}", r.text);
        assert_eq!(
            r.json()[0]["author"],
            json!({"name": "Ann"}),
            "{url}: the last scope"
        );
        assert_eq!(finds.finds.swap(0, Ordering::SeqCst), 2, "{url}");
    }
}
