//! The OpenAPI document and the explorer: what the document says about the example's models
//! and endpoints, that it is deterministic (a committed snapshot), and how the explorer is
//! served. External validation (openapi-spec-validator, schemathesis, a real browser) runs in
//! `.ci/run`.

mod support;

use serde_json::{json, Value};
use support::get;

/// The whole example's app (users, notes and memos with their ACLs too).
fn example() -> lb::App {
    support::full_app_with(|b| b)
}

fn doc() -> Value {
    serde_json::to_value(example().openapi()).expect("serializable")
}

fn op<'a>(d: &'a Value, path: &str, verb: &str) -> &'a Value {
    let o = &d["paths"][path][verb];
    assert!(o.is_object(), "{verb} {path} is documented");
    o
}

fn param<'a>(o: &'a Value, name: &str) -> &'a Value {
    o["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("parameter {name} in {o}"))
}

#[test]
fn every_endpoint_has_an_operation_with_a_loopback_operation_id() {
    let d = doc();
    assert_eq!(d["openapi"], "3.1.0");
    let mut ids: Vec<String> = Vec::new();
    for (path, item) in d["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/"), "{path}");
        for (verb, o) in item.as_object().unwrap() {
            let id = o["operationId"]
                .as_str()
                .expect("an operationId")
                .to_string();
            assert!(!ids.contains(&id), "operationId {id} is unique");
            ids.push(id);
            assert_eq!(o["tags"].as_array().map(Vec::len), Some(1), "{verb} {path}");
            for (status, r) in o["responses"].as_object().unwrap() {
                assert!(r["description"].is_string(), "{verb} {path} {status}");
            }
        }
    }
    for id in [
        "Location.find",
        "Location.findById",
        "Location.prototype.patchAttributes",
        "Location.replaceOrCreate",
        "Location.replaceOrCreate__post_replaceOrCreate",
        "Location.exists",
        "Location.exists__head_id",
        "Location.nearby",
        "Location.prototype.stock",
        "Inventory.restock",
        "Product.count",
        "Location.prototype.__get__inventory",
        "Location.prototype.__findById__inventory",
        "Inventory.prototype.__get__location",
        "Location.createChangeStream",
        "Location.createChangeStream__post_change_stream",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
    }
    // 6 models × 18 built-in routes (change-stream: GET and POST) + 3 custom + User's 7
    // methods + 3 hasMany relations × 7 routes (inventory, notes, accessTokens) + 3 belongsTo
    // routes
    assert_eq!(ids.len(), 6 * 18 + 3 + 7 + 3 * 7 + 3);
}

#[test]
fn model_schemas_come_from_the_definitions() {
    let d = doc();
    let s = &d["components"]["schemas"];
    let product = &s["Product"];
    assert!(
        product["properties"]["secret"].is_null(),
        "hidden left out of responses"
    );
    assert_eq!(product["properties"]["id"]["type"], "integer");
    assert_eq!(product["properties"]["created"]["format"], "date-time");
    assert_eq!(
        product["properties"]["price"]["type"],
        json!(["number", "null"])
    );
    assert_eq!(product["properties"]["tags"]["items"]["type"], "string");
    assert_eq!(product["properties"]["name"]["maxLength"], 20);
    assert_eq!(
        product["properties"]["status"]["enum"],
        json!(["new", "used", "refurbished", null])
    );
    assert_eq!(product["properties"]["status"]["default"], "new");
    assert_eq!(product["description"], "A product for sale.");
    let new = &s["NewProduct"];
    assert_eq!(new["required"], json!(["name"]));
    assert!(
        new["properties"]["id"].is_null(),
        "a generated, forced id is not sent"
    );
    assert!(
        new["properties"]["secret"].is_object(),
        "hidden properties can be written"
    );
    assert!(s["ProductPartial"]["required"].is_null());
    assert_eq!(
        s["Location"]["properties"]["geo"]["oneOf"][0]["$ref"],
        "#/components/schemas/GeoPoint"
    );
    assert_eq!(s["LoopBackCount"]["required"], json!(["count"]));
    assert_eq!(s["LoopBackError"]["required"], json!(["error"]));
}

#[test]
fn filters_are_typed_per_model_and_sent_as_json() {
    let d = doc();
    let find = op(&d, "/api/products", "get");
    let filter = param(find, "filter");
    assert_eq!(filter["in"], "query");
    assert_eq!(
        filter["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ProductFilter"
    );
    let by_id = op(&d, "/api/products/{id}", "get");
    assert_eq!(
        param(by_id, "filter")["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ProductFilterExcludingWhere"
    );
    let s = &d["components"]["schemas"];
    let where_ = &s["ProductWhere"]["properties"];
    assert!(
        where_["secret"].is_null(),
        "hidden properties cannot be queried"
    );
    let name_ops = &where_["name"]["anyOf"][2]["properties"];
    for o in [
        "eq", "neq", "gt", "inq", "like", "ilike", "regexp", "between",
    ] {
        assert!(name_ops[o].is_object(), "string operator {o}");
    }
    let active_ops = &where_["active"]["anyOf"][2]["properties"];
    assert!(
        active_ops["eq"].is_object() && active_ops["like"].is_null() && active_ops["gt"].is_null()
    );
    let geo_ops = &s["LocationWhere"]["properties"]["geo"]["properties"];
    assert!(geo_ops["near"].is_object() && geo_ops["maxDistance"].is_object());
    assert_eq!(
        where_["and"]["items"]["$ref"],
        "#/components/schemas/ProductWhere"
    );
    let fields = &s["ProductFields"]["oneOf"][0]["items"]["enum"];
    assert!(fields.as_array().unwrap().contains(&json!("price")));
    assert!(!fields.as_array().unwrap().contains(&json!("secret")));
    assert!(s["ProductOrder"]["oneOf"][0]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("price DESC")));
    let count = op(&d, "/api/products/count", "get");
    assert_eq!(
        param(count, "where")["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ProductWhere"
    );
}

#[test]
fn bodies_responses_and_errors() {
    let d = doc();
    let create = op(&d, "/api/products", "post");
    let body = &create["requestBody"]["content"]["application/json"]["schema"]["oneOf"];
    assert_eq!(body[0]["$ref"], "#/components/schemas/NewProduct");
    assert_eq!(body[1]["items"]["$ref"], "#/components/schemas/NewProduct");
    let statuses = |o: &Value| -> Vec<String> {
        o["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(statuses(create), ["200", "400", "413", "422"]);
    assert_eq!(
        create["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LoopBackError"
    );
    let by_id = op(&d, "/api/products/{id}", "get");
    assert_eq!(statuses(by_id), ["200", "400", "404"]);
    assert_eq!(param(by_id, "id")["schema"]["type"], "integer");
    let patch = op(&d, "/api/products/{id}", "patch");
    assert_eq!(
        patch["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ProductPartial"
    );
    let count = op(&d, "/api/products/count", "get");
    assert_eq!(
        count["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LoopBackCount"
    );
    let head = op(&d, "/api/products/{id}", "head");
    assert!(head["responses"]["200"]["content"].is_null());
    // custom methods: arguments, doc comments, declared statuses, several results
    let nearby = op(&d, "/api/locations/nearby", "get");
    assert_eq!(
        nearby["summary"],
        "Find nearby locations around the geo point"
    );
    let here = param(nearby, "here");
    assert_eq!(here["required"], true);
    assert_eq!(here["description"], "geo location (lat & lng)");
    assert_eq!(
        here["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/GeoPoint"
    );
    assert_eq!(param(nearby, "page")["schema"]["type"], "integer");
    assert_eq!(
        nearby["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/Location",
        "a Vec<Location> result refers to the model's schema"
    );
    let restock = op(&d, "/api/inventories/restock", "post");
    assert!(restock["responses"]["201"].is_object());
    let form = &restock["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(
        form["required"],
        json!(["productId", "locationId", "amount"])
    );
    let stock = op(&d, "/api/locations/{id}/stock", "get");
    let result = &stock["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(
        result["properties"]["available"]["description"],
        "units available"
    );
    assert_eq!(param(stock, "id")["in"], "path");
}

#[test]
fn the_document_is_deterministic_and_matches_the_committed_snapshot() {
    let a = serde_json::to_string_pretty(&example().openapi()).unwrap();
    let b = serde_json::to_string_pretty(&example().openapi()).unwrap();
    assert_eq!(a, b, "two builds give the same bytes");
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/openapi/locations.json"
    );
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
        std::fs::write(path, format!("{a}\n")).unwrap();
    }
    let want = std::fs::read_to_string(path).expect("snapshot (UPDATE_SNAPSHOTS=1 writes it)");
    assert!(
        want.trim_end() == a,
        "the document changed: review the diff and rerun with UPDATE_SNAPSHOTS=1"
    );
}

#[tokio::test]
async fn document_and_explorer_are_served() {
    let app = support::app();
    let r = get(&app, "/openapi.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["info"]["title"], "lb application");
    assert_eq!(
        r.json(),
        serde_json::to_value(app.openapi()).unwrap(),
        "the served document is the app's"
    );
    assert_eq!(
        get(&app, "/openapi.json").await.text,
        r.text,
        "rendered once, served again"
    );
    let r = get(&app, "/openapi.yaml").await;
    assert!(r.text.starts_with("openapi: 3.1.0"), "{}", &r.text[..40]);
    let r = get(&app, "/explorer").await;
    assert_eq!(r.status, 301);
    let r = get(&app, "/explorer/").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("swagger-ui-bundle.js"));
    let r = get(&app, "/explorer/swagger-initializer.js").await;
    assert!(
        r.text.contains("\"url\": \"../openapi.json\""),
        "{}",
        r.text
    );
    assert!(r.text.contains("\"validatorUrl\": \"none\""));
    let r = get(&app, "/explorer/swagger-ui-bundle.js").await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.len() > 500_000,
        "the bundle is served from the binary"
    );
    assert_eq!(get(&app, "/explorer/nothing.js").await.status, 404);

    // elsewhere, deeper: the document is still found relative to the page
    let app = support::app_with(|b| {
        b.explorer(Some("/docs/api"))
            .openapi_info("Stores", "2.0.0")
    });
    let r = get(&app, "/docs/api/swagger-initializer.js").await;
    assert!(
        r.text.contains("\"url\": \"../../openapi.json\""),
        "{}",
        r.text
    );
    assert_eq!(
        get(&app, "/openapi.json").await.json()["info"]["version"],
        "2.0.0"
    );
    // turned off
    let app = support::app_with(|b| b.explorer(None));
    assert_eq!(get(&app, "/explorer/").await.status, 404);
    assert_eq!(get(&app, "/openapi.json").await.status, 200);
}

#[tokio::test]
async fn the_explorer_works_behind_a_path_prefix() {
    use tower::ServiceExt;
    // the whole app nested under /svc, as behind a reverse proxy that keeps the prefix
    let router = axum::Router::new().nest("/svc", support::app().router());
    let get = |uri: &'static str| {
        let router = router.clone();
        async move {
            let req = axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .unwrap();
            let res = router.oneshot(req).await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string());
            let body = http_body_util::BodyExt::collect(res.into_body())
                .await
                .unwrap()
                .to_bytes();
            (
                status,
                location,
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
    };
    let (status, location, _) = get("/svc/explorer").await;
    assert_eq!(
        (status.as_u16(), location.as_deref()),
        (301, Some("explorer/"))
    );
    let (_, _, init) = get("/svc/explorer/swagger-initializer.js").await;
    // from /svc/explorer/ the page asks for ../openapi.json = /svc/openapi.json
    assert!(init.contains("\"url\": \"../openapi.json\""));
    let (status, _, served) = get("/svc/openapi.json").await;
    assert_eq!(status, 200);
    assert!(served.contains("\"openapi\": \"3.1.0\""));
    let (status, _, _) = get("/svc/api/locations").await;
    assert_eq!(status, 200);
    // "Try it out" needs the prefix too: the document's server
    let app = support::app_with(|b| b.openapi_server("/svc"));
    let d = serde_json::to_value(app.openapi()).unwrap();
    assert_eq!(d["servers"], json!([{"url": "/svc"}]));
    assert!(doc()["servers"].is_null(), "no server unless one is set");
}

#[test]
fn explorer_paths_that_clash_are_build_errors() {
    for path in ["/", "/api", "/api/docs", "/openapi.json"] {
        let e = lb::App::builder()
            .model::<support::models::Location>()
            .explorer(Some(path))
            .build()
            .unwrap_err();
        assert!(e.message.contains("clashes"), "{path}: {}", e.message);
    }
}

#[test]
fn relations_are_documented() {
    let d = doc();
    let s = &d["components"]["schemas"];
    let with = &s["LocationWithRelations"]["allOf"];
    assert_eq!(with[0]["$ref"], "#/components/schemas/Location");
    assert_eq!(
        with[1]["properties"]["inventory"]["items"]["$ref"],
        "#/components/schemas/Inventory"
    );
    assert_eq!(
        s["InventoryWithRelations"]["allOf"][1]["properties"]["location"]["$ref"],
        "#/components/schemas/Location"
    );
    assert!(
        s.get("ProductWithRelations").is_none(),
        "no relations, no schema"
    );
    let include = &s["LocationFilter"]["properties"]["include"];
    assert_eq!(
        include["oneOf"][0]["anyOf"][0]["enum"],
        serde_json::json!(["inventory"])
    );
    let find = &d["paths"]["/api/locations"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(
        find["items"]["$ref"],
        "#/components/schemas/LocationWithRelations"
    );
    assert!(d["paths"]["/api/locations/{id}/inventory/count"]["get"].is_object());
    // a belongsTo whose key points at nothing answers null
    let parent = &d["paths"]["/api/inventories/{id}/location"]["get"]["responses"]["200"]
        ["content"]["application/json"]["schema"];
    assert_eq!(parent["oneOf"][0]["$ref"], "#/components/schemas/Location");
    assert_eq!(parent["oneOf"][1]["type"], "null");
    // relation create takes (and answers) one instance or a list (LoopBack's allowArray)
    let create = &d["paths"]["/api/locations/{id}/inventory"]["post"];
    let body = &create["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["oneOf"][1]["type"], "array");
    let answer = &create["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(answer["oneOf"][0]["$ref"], "#/components/schemas/Inventory");
    assert_eq!(
        answer["oneOf"][1]["items"]["$ref"],
        "#/components/schemas/Inventory"
    );
}

/// Access control in the document: the token's two security schemes (the explorer's
/// Authorize button), which operations need a token, and their 401/403 answers.
#[test]
fn operations_say_whether_they_need_a_token() {
    let d = doc();
    let schemes = &d["components"]["securitySchemes"];
    assert_eq!(
        schemes["AccessToken"],
        json!({"type": "apiKey", "name": "Authorization", "in": "header",
               "description": schemes["AccessToken"]["description"]})
    );
    assert_eq!(schemes["AccessTokenQuery"]["in"], "query");
    assert_eq!(schemes["AccessTokenQuery"]["name"], "access_token");
    let token = json!([{"AccessToken": []}, {"AccessTokenQuery": []}]);
    let optional = json!([{}, {"AccessToken": []}, {"AccessTokenQuery": []}]);
    // Note: every method needs a token; denials are 401
    let find = op(&d, "/api/notes", "get");
    assert_eq!(find["security"], token);
    assert!(find["responses"]["401"].is_object());
    assert!(find["responses"].get("403").is_none());
    // Memo's aclErrorStatus is 403
    assert!(op(&d, "/api/memos/{id}", "delete")["responses"]["403"].is_object());
    // User: anyone registers and logs in; a token reads a user
    assert_eq!(op(&d, "/api/users", "post")["security"], optional);
    assert_eq!(op(&d, "/api/users/login", "post")["security"], optional);
    assert_eq!(op(&d, "/api/users/{id}", "get")["security"], token);
    assert_eq!(
        op(&d, "/api/users/change-password", "post")["security"],
        token
    );
    // open models say nothing
    let loc = op(&d, "/api/locations", "get");
    assert!(loc.get("security").is_none());
    assert!(loc["responses"].get("401").is_none());
    // the password is in no answer's schema
    assert!(d["components"]["schemas"]["user"]["properties"]
        .get("password")
        .is_none());
    assert!(d["components"]["schemas"]["Newuser"]["properties"]["password"].is_object());
}
