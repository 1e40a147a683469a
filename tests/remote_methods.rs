//! Remote methods over HTTP: every argument source, strong-remoting's coercion rows, result
//! shapes and statuses, instance methods, remote hooks on custom and built-in methods, and
//! `sharedMethods`.

mod support;

use std::sync::{Arc, Mutex};

use lb::{Accept, App, ArgType, Error, HttpContext, Model, RemoteMethod, Returns};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support::{get, json as send_json, send};

#[derive(Debug, Clone, Serialize, Deserialize, Model)]
#[model(path = "widgets")]
pub struct Widget {
    pub name: Option<String>,
    pub size: Option<f64>,
    #[property(hidden)]
    pub secret: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Dims {
    pub w: u32,
    pub h: u32,
}

#[lb::remote_methods]
impl Widget {
    /// Echoes typed query arguments back.
    #[remote_method(
        verb = "get",
        path = "/echo",
        accepts(
            n(source = "query"),
            i(source = "query"),
            b(source = "query"),
            d(source = "query"),
            o(source = "query", type = "object"),
            a(source = "query", type = "[number]"),
            any(source = "query"),
            s(source = "query")
        ),
        returns(arg = "args", root)
    )]
    #[allow(clippy::too_many_arguments)]
    async fn echo(
        n: Option<f64>,
        i: Option<i64>,
        b: Option<bool>,
        d: Option<lb::DateTime>,
        o: Option<Value>,
        a: Option<Vec<f64>>,
        any: Option<Value>,
        s: Option<String>,
    ) -> lb::Result<Value> {
        Ok(json!({"n": n, "i": i, "b": b, "d": d, "o": o, "a": a, "any": any, "s": s}))
    }

    /// A required query argument and one with a default.
    #[remote_method(
        verb = "get",
        path = "/page",
        accepts(q(required), size(default = 25)),
        returns(arg = "q"),
        returns(arg = "size")
    )]
    async fn page(q: String, size: u32) -> lb::Result<(String, u32)> {
        Ok((q, size))
    }

    /// Path, header and the request context.
    #[remote_method(
        verb = "get",
        path = "/tag/{label}/:n",
        accepts(agent(arg = "x-agent", source = "header"), ctx(source = "context")),
        returns(arg = "label"),
        returns(arg = "n"),
        returns(arg = "agent"),
        returns(arg = "verb")
    )]
    async fn tag(
        label: String,
        n: u32,
        agent: Option<String>,
        ctx: &HttpContext,
    ) -> lb::Result<(String, u32, Option<String>, String)> {
        Ok((
            label,
            n,
            agent,
            format!("{} {}", ctx.method, ctx.uri.path()),
        ))
    }

    /// The whole body, a 201.
    #[remote_method(
        verb = "post",
        path = "/area",
        status = 201,
        accepts(dims(source = "body")),
        returns(arg = "area")
    )]
    async fn area(dims: Dims) -> lb::Result<u32> {
        Ok(dims.w * dims.h)
    }

    /// Body properties (`form`): strict in JSON, sloppy in urlencoded bodies.
    #[remote_method(
        verb = "post",
        path = "/add",
        accepts(x(source = "form"), y(source = "form")),
        returns(arg = "sum")
    )]
    async fn add(x: f64, y: f64) -> lb::Result<f64> {
        Ok(x + y)
    }

    /// No source: path, then body property, then query, then header.
    #[remote_method(verb = "post", path = "/lookup", returns(arg = "k"))]
    async fn lookup(k: Option<String>) -> lb::Result<Option<String>> {
        Ok(k)
    }

    /// A default coerced like a request value (a date string becomes a date).
    #[remote_method(
        verb = "get",
        path = "/since",
        accepts(since(default = "2020-01-02")),
        returns(arg = "since")
    )]
    async fn since(since: lb::DateTime) -> lb::Result<lb::DateTime> {
        Ok(since)
    }

    /// Nothing returned: 204.
    #[remote_method(verb = "post", path = "/noop")]
    async fn noop() -> lb::Result<()> {
        Ok(())
    }

    /// A failure without a status of its own gets `error_status`.
    #[remote_method(verb = "get", path = "/fail", error_status = 503)]
    async fn fail() -> lb::Result<u32> {
        Err(Error::internal("backend down"))
    }

    /// A failure with its own status keeps it.
    #[remote_method(verb = "get", path = "/teapot", error_status = 503)]
    async fn teapot() -> lb::Result<u32> {
        Err(Error::new(lb::StatusCode::IM_A_TEAPOT, "short and stout"))
    }

    /// An instance method.
    #[remote_method(verb = "get", path = "/describe", returns(arg = "text", root))]
    async fn describe(&self, prefix: Option<String>) -> String {
        format!(
            "{}{}",
            prefix.unwrap_or_default(),
            self.name.clone().unwrap_or_default()
        )
    }
}

fn app() -> App {
    app_with(|b| b)
}

fn app_with(f: impl FnOnce(lb::AppBuilder) -> lb::AppBuilder) -> App {
    f(App::builder().model::<Widget>())
        .build()
        .expect("app builds")
}

async fn seed(app: &App) {
    let r = send_json(
        app,
        "POST",
        "/api/widgets",
        &json!([{"name": "cog", "size": 3, "secret": "s1"}, {"name": "gear", "size": 5}]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn sloppy_coercion_of_query_arguments() {
    let app = app();
    let r = get(
        &app,
        "/api/widgets/echo?n=0x10&i=7&b=TRUE&d=0&o={\"k\":1}&a=3&any=1.50&s=123",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"n": 16, "i": 7, "b": true, "d": "1970-01-01T00:00:00Z", "o": {"k": 1},
               "a": [3], "any": 1.5, "s": "123"})
    );
    // repeated keys make arrays; brackets make objects whose leaves stay strings
    let r = get(&app, "/api/widgets/echo?a=4&a=5&o[k]=1&any=null").await;
    assert_eq!(r.json()["a"], json!([4, 5]));
    assert_eq!(r.json()["o"], json!({"k": "1"}));
    assert_eq!(r.json()["any"], Value::Null);
    // the empty string is absent
    let r = get(&app, "/api/widgets/echo?n=&b=&s=").await;
    assert_eq!(
        (r.json()["n"].clone(), r.json()["s"].clone()),
        (Value::Null, Value::Null)
    );
    for (q, msg) in [
        ("n=abc", "Value is not a number."),
        ("n=null", "Value is not a number."),
        ("i=1.5", "Value is not a safe integer."),
        ("b=yes", "Value is not a boolean."),
        (
            "d=soon",
            "Invalid argument \"d\". Value is not a valid date.",
        ),
        ("o=plain", "Value is not an object."),
        ("a=x", "Value is not a number."),
    ] {
        let r = get(&app, &format!("/api/widgets/echo?{q}")).await;
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(
            r.json(),
            json!({"error": {"statusCode": 400, "name": "Error", "message": msg}}),
            "{q}"
        );
    }
}

#[tokio::test]
async fn required_arguments_and_defaults() {
    let app = app();
    for q in ["", "?q=", "?size=3"] {
        let r = get(&app, &format!("/api/widgets/page{q}")).await;
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.json()["error"]["message"], "q is a required argument");
    }
    let r = get(&app, "/api/widgets/page?q=x").await;
    assert_eq!(
        r.json(),
        json!({"q": "x", "size": 25}),
        "declared default applied"
    );
    let r = get(&app, "/api/widgets/page?q=x&size=3").await;
    assert_eq!(r.json(), json!({"q": "x", "size": 3}));
    let r = get(&app, "/api/widgets/page?q=x&size=-1").await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid argument \"size\"."),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn path_header_and_request_context() {
    let app = app();
    let r = send(
        &app,
        "GET",
        "/api/widgets/tag/blue%20ish/42",
        &[("x-agent", "t1")],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"label": "blue ish", "n": 42, "agent": "t1",
               "verb": "GET /api/widgets/tag/blue%20ish/42"})
    );
    let r = get(&app, "/api/widgets/tag/x/nope").await;
    assert_eq!(r.json()["error"]["message"], "Value is not a number.");
    let r = get(&app, "/api/widgets/tag/x/1.5").await;
    assert_eq!(r.json()["error"]["message"], "Value is not a safe integer.");
}

#[tokio::test]
async fn body_sources_are_strict_in_json_and_sloppy_in_forms() {
    let app = app();
    let r = send_json(&app, "POST", "/api/widgets/area", &json!({"w": 3, "h": 4})).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json(), json!({"area": 12}));
    let r = send_json(&app, "POST", "/api/widgets/area", &json!([1, 2])).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = send_json(&app, "POST", "/api/widgets/area", &Value::Null).await;
    assert_eq!(r.json()["error"]["message"], "dims is a required argument");

    let r = send_json(&app, "POST", "/api/widgets/add", &json!({"x": 1.5, "y": 2})).await;
    assert_eq!(r.json(), json!({"sum": 3.5}));
    let r = send_json(&app, "POST", "/api/widgets/add", &json!({"x": "1", "y": 2})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["message"], "Value is not a number.");
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let r = send(&app, "POST", "/api/widgets/add", &form, Some("x=1&y=2.5")).await;
    assert_eq!(r.json(), json!({"sum": 3.5}), "{}", r.text);
}

#[tokio::test]
async fn arguments_without_a_source_follow_strong_remotings_order() {
    let app = app();
    let r = send(
        &app,
        "POST",
        "/api/widgets/lookup?k=query",
        &[("content-type", "application/json"), ("k", "header")],
        Some(r#"{"k":"body"}"#),
    )
    .await;
    assert_eq!(r.json(), json!({"k": "body"}));
    let r = send(
        &app,
        "POST",
        "/api/widgets/lookup?k=query",
        &[("k", "header")],
        None,
    )
    .await;
    assert_eq!(r.json(), json!({"k": "query"}));
    let r = send(
        &app,
        "POST",
        "/api/widgets/lookup",
        &[("k", "header")],
        None,
    )
    .await;
    assert_eq!(r.json(), json!({"k": "header"}));
}

#[tokio::test]
async fn result_shapes_and_statuses() {
    let app = app();
    let r = send(&app, "POST", "/api/widgets/noop", &[], None).await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (204, ""));
    let r = get(&app, "/api/widgets/fail").await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.json()["error"]["message"],
        "Service Unavailable",
        "5xx details stay on the server in production mode"
    );
    let r = get(&app, "/api/widgets/teapot").await;
    assert_eq!(r.status, 418);
    // the verb is part of the route
    let r = send(&app, "POST", "/api/widgets/fail", &[], None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["error"]["message"],
        "Shared class \"Widget\" has no method handling POST /fail"
    );
}

#[tokio::test]
async fn instance_methods_load_the_instance_or_answer_404() {
    let app = app();
    seed(&app).await;
    let r = get(&app, "/api/widgets/2/describe?prefix=a%20").await;
    assert_eq!((r.status.as_u16(), r.json()), (200, json!("a gear")));
    let r = get(&app, "/api/widgets/9/describe").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"error": {"statusCode": 404, "name": "Error",
            "message": "could not find a model with id 9", "code": "MODEL_NOT_FOUND"}})
    );
}

type Log = Arc<Mutex<Vec<String>>>;

fn logger(
    log: &Log,
    what: &'static str,
) -> impl Fn(lb::HookContext) -> std::future::Ready<lb::Result<()>> {
    let log = log.clone();
    move |ctx| {
        log.lock()
            .unwrap()
            .push(format!("{what} {}", ctx.method_string()));
        std::future::ready(Ok(()))
    }
}

#[tokio::test]
async fn hooks_run_in_order_and_match_patterns() {
    let log: Log = Arc::default();
    let app = app_with(|b| {
        b.before_remote("Widget", "**", logger(&log, "before **"))
            .before_remote("Widget", "*", logger(&log, "before *"))
            .before_remote("Widget", "prototype.*", logger(&log, "before prototype.*"))
            .after_remote("Widget", "find", logger(&log, "after find"))
            .after_remote(
                "Widget",
                "prototype.describe",
                logger(&log, "after describe"),
            )
            .after_remote_error("Widget", "**", logger(&log, "error"))
    });
    seed(&app).await;
    log.lock().unwrap().clear();
    get(&app, "/api/widgets").await;
    get(&app, "/api/widgets/1/describe").await;
    get(&app, "/api/widgets/fail").await;
    send(
        &app,
        "PATCH",
        "/api/widgets/1",
        &[("content-type", "application/json")],
        Some("{}"),
    )
    .await;
    assert_eq!(
        *log.lock().unwrap(),
        [
            "before ** Widget.find",
            "before * Widget.find",
            "after find Widget.find",
            "before ** Widget.prototype.describe",
            "before prototype.* Widget.prototype.describe",
            "after describe Widget.prototype.describe",
            "before ** Widget.fail",
            "before * Widget.fail",
            "error Widget.fail",
            "before ** Widget.prototype.patchAttributes",
            "before prototype.* Widget.prototype.patchAttributes",
        ]
    );
}

#[tokio::test]
async fn a_before_hook_error_short_circuits_with_its_status() {
    let called = Arc::new(Mutex::new(0));
    let seen = called.clone();
    let app = app_with(move |b| {
        b.before_remote("Widget", "create", |_ctx| async {
            Err(Error::new(lb::StatusCode::FORBIDDEN, "no creating"))
        })
        .after_remote_error("Widget", "create", move |ctx| {
            *seen.lock().unwrap() += 1;
            let e = ctx.error().expect("the error");
            ctx.set_error(Error::new(e.status, format!("{} today", e.message)));
            async { Ok(()) }
        })
    });
    let r = send_json(&app, "POST", "/api/widgets", &json!({"name": "x"})).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["message"], "no creating today");
    assert_eq!(*called.lock().unwrap(), 1);
    let r = get(&app, "/api/widgets/count").await;
    assert_eq!(r.json(), json!({"count": 0}), "nothing was created");
}

#[tokio::test]
async fn hooks_change_arguments_and_results() {
    let app = app_with(|b| {
        b.before_remote("Widget", "find", |ctx| {
            // every find is limited to one row
            ctx.set_arg("filter", json!({"limit": 1}));
            async { Ok(()) }
        })
        .after_remote("Widget", "findById", |ctx| {
            let mut r = ctx.result().unwrap_or(Value::Null);
            if r.is_null() {
                r = json!({"placeholder": true});
            } else {
                r["extra"] = json!("added");
            }
            ctx.set_result(r);
            async { Ok(()) }
        })
        .after_remote("Widget", "page", |ctx| {
            let mut r = ctx.result().expect("a result");
            r["size"] = json!(ctx.arg("size").unwrap_or_default());
            r["hooked"] = json!(true);
            ctx.set_result(r);
            async { Ok(()) }
        })
    });
    seed(&app).await;
    let r = get(&app, "/api/widgets").await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(1));
    let r = get(&app, "/api/widgets/1").await;
    assert_eq!(
        r.json(),
        json!({"name": "cog", "size": 3, "id": 1, "extra": "added"}),
        "the hook sees the instance without hidden properties"
    );
    // findById's 404 comes after the hooks: a hook can answer for a missing instance
    let r = get(&app, "/api/widgets/99").await;
    assert_eq!(
        (r.status.as_u16(), r.json()),
        (200, json!({"placeholder": true}))
    );
    let r = get(&app, "/api/widgets/page?q=a").await;
    assert_eq!(r.json(), json!({"q": "a", "size": 25, "hooked": true}));
}

#[tokio::test]
async fn find_by_id_misses_are_404_after_hooks_that_keep_null() {
    let app = app_with(|b| b.after_remote("Widget", "findById", |_ctx| async { Ok(()) }));
    let r = get(&app, "/api/widgets/5").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["message"], "Unknown \"Widget\" id \"5\".");
}

#[tokio::test]
async fn shared_methods_hide_endpoints() {
    let app = app_with(|b| {
        b.disable_method("Widget", "deleteById")
            .disable_method("Widget", "noop")
    });
    seed(&app).await;
    let r = send(&app, "DELETE", "/api/widgets/1", &[], None).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"error": {"statusCode": 404, "name": "Error",
            "message": "Shared class \"Widget\" has no method handling DELETE /1"}})
    );
    assert_eq!(
        get(&app, "/api/widgets/count").await.json(),
        json!({"count": 2})
    );
    let r = send(&app, "POST", "/api/widgets/noop", &[], None).await;
    assert_eq!(r.status, 404);

    // "*": false hides everything but the named methods; aliases count
    let app =
        app_with(|b| b.shared_methods("Widget", [("*", false), ("find", true), ("upsert", true)]));
    assert_eq!(get(&app, "/api/widgets").await.status, 200);
    assert_eq!(get(&app, "/api/widgets/count").await.status, 404);
    assert_eq!(get(&app, "/api/widgets/1").await.status, 404);
    let r = send_json(&app, "PATCH", "/api/widgets", &json!({"name": "n"})).await;
    assert_eq!(
        r.status, 200,
        "patchOrCreate is shared through its alias `upsert`"
    );
}

#[tokio::test]
async fn remote_methods_can_be_declared_without_the_macro() {
    let m = RemoteMethod::new("double", |inv| async move {
        let n: f64 = inv.arg("n")?;
        Ok(vec![json!(n * 2.0)])
    })
    .http(lb::Method::GET, "/double")
    .accepts(Accept::new("n", ArgType::Number).required())
    .returns(Returns::arg("result", ArgType::Number));
    let app = app_with(|b| b.remote_method("Widget", m));
    let r = get(&app, "/api/widgets/double?n=2.5").await;
    assert_eq!(r.json(), json!({"result": 5}));
}

#[test]
fn routes_that_collide_are_rejected_when_the_app_is_built() {
    let shadow = RemoteMethod::new("mine", |_| async { Ok(vec![]) }).http(lb::Method::GET, "/{x}");
    let e = App::builder()
        .model::<Widget>()
        .remote_method("Widget", shadow)
        .build()
        .unwrap_err();
    assert!(
        e.message.contains("built-in method findById"),
        "{}",
        e.message
    );
    let e = App::builder()
        .model::<Widget>()
        .before_remote("Gadget", "*", |_| async { Ok(()) })
        .build()
        .unwrap_err();
    assert!(e.message.contains("unknown model"), "{}", e.message);
}

#[tokio::test]
async fn the_example_custom_methods() {
    let app = support::app();
    let r = send_json(
        &app,
        "POST",
        "/api/locations",
        &json!({"name": "A", "geo": {"lat": 37.5, "lng": -122.3}}),
    )
    .await;
    assert_eq!(r.status, 200);
    // restock: form arguments from a JSON body, 201, a new row then an updated one
    let body = json!({"productId": "p1", "locationId": 1, "amount": 5});
    let r = send_json(&app, "POST", "/api/inventories/restock", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"productId": "p1", "locationId": 1, "available": 5, "total": 5, "id": 1})
    );
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let r = send(
        &app,
        "POST",
        "/api/inventories/restock",
        &form,
        Some("productId=p1&locationId=1&amount=2"),
    )
    .await;
    assert_eq!(r.json()["available"], json!(7));
    let r = send_json(
        &app,
        "POST",
        "/api/inventories/restock",
        &json!({"productId": "p1"}),
    )
    .await;
    assert_eq!(
        r.json()["error"]["message"],
        "locationId is a required argument"
    );
    // stock: an instance method with two named results
    let r = get(&app, "/api/locations/1/stock").await;
    assert_eq!(r.json(), json!({"available": 7, "total": 7}));
    let r = get(&app, "/api/locations/1/nearby").await;
    assert_eq!(r.status, 404, "instance routes do not shadow static ones");
    let r = get(&app, "/api/locations/nearby?here=37.5,-122.3&max=1").await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(1));
}

#[test]
fn built_in_and_custom_methods_share_one_description_table() {
    let app = app_with(|b| b.disable_method("Widget", "count"));
    let methods = app.rest_methods("Widget").expect("a model");
    let find = |name: &str, verb: &str| {
        methods
            .iter()
            .find(|m| m.name == name && m.verb.as_str() == verb)
            .unwrap_or_else(|| panic!("{verb} {name}"))
    };
    let f = find("find", "GET");
    assert_eq!(f.accepts[0].arg, "filter");
    assert_eq!(f.accepts[0].ty, ArgType::Object);
    assert!(f.returns[0].root);
    let by_id = find("findById", "GET");
    assert_eq!(
        by_id
            .accepts
            .iter()
            .map(|a| a.arg.as_ref())
            .collect::<Vec<_>>(),
        ["id", "filter"]
    );
    assert_eq!(by_id.accepts[0].source, lb::Source::Path);
    let update = find("updateAll", "POST");
    assert_eq!(update.accepts[0].source, lb::Source::Query);
    assert_eq!(update.returns[0].arg, "count");
    let page = find("page", "GET");
    assert_eq!(page.accepts[1].default, Some(json!(25)));
    assert_eq!(
        page.description.as_deref(),
        Some("A required query argument and one with a default.")
    );
    assert!(find("prototype.describe", "GET")
        .accepts
        .iter()
        .all(|a| a.arg != "id"));
    assert!(
        methods.iter().all(|m| m.name != "count"),
        "hidden methods are not in the table"
    );
    assert!(methods
        .iter()
        .all(|m| !m.accepts.is_empty() || !m.returns.is_empty() || m.name == "noop"));
}

#[tokio::test]
async fn instance_method_hooks_see_the_instance() {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let app = app_with(move |b| {
        b.before_remote("Widget", "prototype.*", move |ctx| {
            log.lock().unwrap().push(json!([
                ctx.method_name(),
                ctx.is_static(),
                ctx.instance().cloned()
            ]));
            async { Ok(()) }
        })
    });
    seed(&app).await;
    send_json(&app, "PATCH", "/api/widgets/1", &json!({"size": 4})).await;
    get(&app, "/api/widgets/2/describe").await;
    let r = send_json(&app, "PATCH", "/api/widgets/7", &json!({"size": 4})).await;
    assert_eq!(
        r.status, 404,
        "the built-in's own 404 for a missing instance"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [
            json!(["prototype.patchAttributes", false,
                   {"name": "cog", "size": 3, "secret": "s1", "id": 1}]),
            json!(["prototype.describe", false, {"name": "gear", "size": 5, "id": 2}]),
            json!(["prototype.patchAttributes", false, null]),
        ]
    );
}

#[tokio::test]
async fn defaults_are_coerced_like_request_values() {
    let app = app();
    let r = get(&app, "/api/widgets/since").await;
    assert_eq!(
        r.json(),
        json!({"since": "2020-01-02T00:00:00.000Z"}),
        "{}",
        r.text
    );
    let r = get(&app, "/api/widgets/since?since=0").await;
    assert_eq!(r.json(), json!({"since": "1970-01-01T00:00:00.000Z"}));
}

#[tokio::test]
async fn hooks_do_not_change_where_built_in_arguments_come_from() {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let app = app_with(move |b| {
        b.before_remote("Widget", "**", move |ctx| {
            log.lock().unwrap().push(Value::Object(ctx.args()));
            async { Ok(()) }
        })
        .after_remote("Widget", "noop", |ctx| {
            ctx.set_result(json!({"done": true}));
            async { Ok(()) }
        })
    });
    seed(&app).await;
    seen.lock().unwrap().clear();
    // updateAll takes `where` from the query only, hooks or not
    let r = send_json(
        &app,
        "POST",
        "/api/widgets/update",
        &json!({"where": {"id": 1}, "name": "x"}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    // hooks see filter and where parsed, from their declared sources
    get(&app, "/api/widgets?filter=%7B%22limit%22%3A1%7D").await;
    get(&app, "/api/widgets/count?where[name]=cog").await;
    let r = get(&app, "/api/widgets?filter=%7Bbad").await;
    assert_eq!(
        r.status, 400,
        "an unparsable filter is still a 400 with hooks"
    );
    assert_eq!(
        seen.lock().unwrap()[1..3],
        [
            json!({"filter": {"limit": 1}}),
            json!({"where": {"name": "cog"}})
        ]
    );
    // an after hook's result on a void method is sent with 200
    let r = send(&app, "POST", "/api/widgets/noop", &[], None).await;
    assert_eq!((r.status.as_u16(), r.json()), (200, json!({"done": true})));
}

/// Built-in methods read their arguments with the one reader remote methods use, on the fast
/// path (no hooks) and the staged path (hooks) alike: every request below answers the same
/// with and without a hook that sees every call.
#[tokio::test]
async fn built_in_arguments_read_the_same_with_and_without_hooks() {
    let plain = app();
    let hooked = app_with(|b| b.before_remote("Widget", "**", |_ctx| async { Ok(()) }));
    seed(&plain).await;
    seed(&hooked).await;
    let form = &[("content-type", "application/x-www-form-urlencoded")][..];
    let json = &[("content-type", "application/json")][..];
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: &[Case] = &[
        (
            "GET",
            "/api/widgets?filter=%7B%22limit%22%3A1%7D",
            &[],
            None,
        ),
        ("GET", "/api/widgets?filter=%7Bbad", &[], None),
        ("GET", "/api/widgets?filter=7", &[], None),
        ("GET", "/api/widgets?filter=null", &[], None),
        ("GET", "/api/widgets?filter=", &[], None),
        ("GET", "/api/widgets?filter[where][name]=cog", &[], None),
        (
            "GET",
            "/api/widgets/1?filter=%7B%22fields%22%3A%5B%22name%22%5D%7D",
            &[],
            None,
        ),
        (
            "GET",
            "/api/widgets/count?where=%7B%22name%22%3A%22cog%22%7D",
            &[],
            None,
        ),
        ("GET", "/api/widgets/count?where=[1]", &[], None),
        (
            "GET",
            "/api/widgets/count",
            json,
            Some(r#"{"where":{"name":"gear"}}"#),
        ),
        (
            "GET",
            "/api/widgets/findOne?filter=%7B%22where%22%3A%7B%22name%22%3A%22x%22%7D%7D",
            &[],
            None,
        ),
        (
            "POST",
            "/api/widgets/update?where=%7B%22name%22%3A%22cog%22%7D",
            json,
            Some(r#"{"size":4}"#),
        ),
        (
            "POST",
            "/api/widgets/update",
            json,
            Some(r#"{"where":{"id":1},"size":4}"#),
        ),
        (
            "POST",
            "/api/widgets/upsertWithWhere?where=%7B%22name%22%3A%22cog%22%7D",
            &[],
            None,
        ),
        (
            "POST",
            "/api/widgets/upsertWithWhere?where=%7B%22name%22%3A%22cog%22%7D",
            json,
            Some("{}"),
        ),
        ("POST", "/api/widgets", json, Some(r#""text""#)),
        ("POST", "/api/widgets", json, Some("[1, 2]")),
        (
            "POST",
            "/api/widgets",
            json,
            Some(r#"[{"name": "a"}, {"name": "b"}]"#),
        ),
        ("POST", "/api/widgets", form, Some("name=formed&size=2")),
        ("PATCH", "/api/widgets/1", json, Some("[]")),
        ("PATCH", "/api/widgets/1", json, Some(r#"{"size": 9}"#)),
        ("GET", "/api/widgets/1/exists", &[], None),
        ("DELETE", "/api/widgets/2", &[], None),
    ];
    for (method, uri, headers, body) in cases {
        let a = send(&plain, method, uri, headers, *body).await;
        let b = send(&hooked, method, uri, headers, *body).await;
        assert_eq!(
            (a.status, a.json()),
            (b.status, b.json()),
            "{method} {uri} {body:?}"
        );
    }
}
