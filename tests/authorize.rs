//! The request pipeline's authorize stage: every kind of method (built-in on the fast path,
//! built-in with hooks, relation, remote, change stream) asks the app's `Authorizer` first,
//! with LoopBack's access type, name and aliases; a denial is the answer, before any hook,
//! instance load or write — so it changes no data.

mod support;

use std::sync::{Arc, Mutex};

use lb::connector::BoxFuture;
use lb::rest::{AccessRequest, Authorizer};
use lb::{AccessType, Error, StatusCode};
use serde_json::json;

/// What the authorizer was asked: model, ACL property, access type, id.
type Asked = (String, String, AccessType, Option<String>);

/// One request and what the authorizer must be asked: verb, URI, body, status, model,
/// property, access type, id.
type Case = (
    &'static str,
    &'static str,
    Option<serde_json::Value>,
    u16,
    &'static str,
    &'static str,
    AccessType,
    Option<&'static str>,
);

/// Denies every WRITE (401, as LoopBack without a token) and records what it was asked.
#[derive(Clone, Default)]
struct NoWrites {
    asked: Arc<Mutex<Vec<Asked>>>,
    /// The ACL property aliases of the last request.
    aliases: Arc<Mutex<Vec<String>>>,
}

impl Authorizer for NoWrites {
    fn authorize<'a>(
        &'a self,
        r: &'a AccessRequest<'a>,
    ) -> BoxFuture<'a, lb::Result<Option<Arc<lb::auth::AccessToken>>>> {
        Box::pin(async move {
            *self.aliases.lock().unwrap() = r.property_aliases().map(str::to_string).collect();
            self.asked.lock().unwrap().push((
                r.model.name.clone(),
                r.property().to_string(),
                r.access_type,
                r.id.map(str::to_string),
            ));
            if r.access_type == AccessType::Write {
                return Err(
                    Error::new(StatusCode::UNAUTHORIZED, "Authorization Required")
                        .with_code("AUTHORIZATION_REQUIRED"),
                );
            }
            Ok(None)
        })
    }
}

impl NoWrites {
    fn last(&self) -> Asked {
        self.asked
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("the authorizer was asked")
    }
}

#[tokio::test]
async fn every_method_kind_is_authorized_first() {
    let auth = NoWrites::default();
    let hook_ran = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = hook_ran.clone();
    let app = support::app_with(|b| {
        b.authorizer(auth.clone())
            .before_remote("Product", "**", move |ctx| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(ctx.method_name().to_string());
                    Ok(())
                }
            })
    });
    // seed through the typed API (not the pipeline)
    use support::models::{Location, Product};
    let loc = Location {
        id: None,
        street: None,
        city: Some("C".into()),
        zipcode: None,
        name: Some("L".into()),
        geo: None,
    };
    Location::create(&app, &loc).await.unwrap();

    // (request, expected status, model, method, access type, id)
    let cases: Vec<Case> = vec![
        (
            "GET",
            "/api/locations",
            None,
            200,
            "Location",
            "find",
            AccessType::Read,
            None,
        ),
        (
            "GET",
            "/api/locations/1",
            None,
            200,
            "Location",
            "findById",
            AccessType::Read,
            Some("1"),
        ),
        (
            "HEAD",
            "/api/locations/1",
            None,
            200,
            "Location",
            "exists",
            AccessType::Read,
            Some("1"),
        ),
        (
            "GET",
            "/api/locations/count",
            None,
            200,
            "Location",
            "count",
            AccessType::Read,
            None,
        ),
        (
            "POST",
            "/api/locations",
            Some(json!({"name": "x"})),
            401,
            "Location",
            "create",
            AccessType::Write,
            None,
        ),
        (
            "PATCH",
            "/api/locations/1",
            Some(json!({"name": "y"})),
            401,
            "Location",
            "patchAttributes",
            AccessType::Write,
            Some("1"),
        ),
        (
            "DELETE",
            "/api/locations/1",
            None,
            401,
            "Location",
            "deleteById",
            AccessType::Write,
            Some("1"),
        ),
        (
            "POST",
            "/api/locations/update?where=%7B%7D",
            Some(json!({"name": "z"})),
            401,
            "Location",
            "updateAll",
            AccessType::Write,
            None,
        ),
        (
            "GET",
            "/api/locations/1/inventory",
            None,
            200,
            "Location",
            "__get__inventory",
            AccessType::Read,
            Some("1"),
        ),
        (
            "GET",
            "/api/locations/1/inventory/count",
            None,
            200,
            "Location",
            "__count__inventory",
            AccessType::Read,
            Some("1"),
        ),
        (
            "POST",
            "/api/locations/1/inventory",
            Some(json!({"productId": "p"})),
            401,
            "Location",
            "__create__inventory",
            AccessType::Write,
            Some("1"),
        ),
        (
            "DELETE",
            "/api/locations/1/inventory",
            None,
            401,
            "Location",
            "__delete__inventory",
            AccessType::Write,
            Some("1"),
        ),
        (
            "GET",
            "/api/locations/nearby?here=37,-122",
            None,
            200,
            "Location",
            "nearby",
            AccessType::Read,
            None,
        ),
        (
            "GET",
            "/api/locations/1/stock",
            None,
            200,
            "Location",
            "stock",
            AccessType::Read,
            Some("1"),
        ),
        (
            "POST",
            "/api/inventories/restock",
            Some(json!({"productId": "p", "locationId": 1, "amount": 2})),
            201,
            "Inventory",
            "restock",
            AccessType::Execute,
            None,
        ),
        (
            "GET",
            "/api/products",
            None,
            200,
            "Product",
            "find",
            AccessType::Read,
            None,
        ),
        (
            "POST",
            "/api/products",
            Some(json!({"name": "apple"})),
            401,
            "Product",
            "create",
            AccessType::Write,
            None,
        ),
    ];
    for (verb, uri, body, status, model, method, access, id) in cases {
        let r = match &body {
            Some(b) => support::json(&app, verb, uri, b).await,
            None => support::send(&app, verb, uri, &[], None).await,
        };
        assert_eq!(r.status.as_u16(), status, "{verb} {uri}: {}", r.text);
        assert_eq!(
            auth.last(),
            (
                model.to_string(),
                method.to_string(),
                access,
                id.map(str::to_string)
            ),
            "{verb} {uri}"
        );
        if status == 401 {
            assert_eq!(r.json()["error"]["code"], "AUTHORIZATION_REQUIRED", "{uri}");
        }
    }
    // aliases are matched too, as ACL properties (without `prototype.`)
    support::json(&app, "PATCH", "/api/locations/1", &json!({"name": "y"})).await;
    assert_eq!(*auth.aliases.lock().unwrap(), vec!["updateAttributes"]);
    support::send(&app, "DELETE", "/api/locations/1", &[], None).await;
    assert_eq!(
        *auth.aliases.lock().unwrap(),
        vec!["destroyById", "removeById"]
    );
    // a denied call ran no hook and changed nothing
    assert_eq!(*hook_ran.lock().unwrap(), vec!["find".to_string()]);
    assert_eq!(Product::count(&app, ()).await.unwrap(), 0);
    let l = Location::find_by_id(&app, 1)
        .await
        .unwrap()
        .expect("still there");
    assert_eq!(l.name.as_deref(), Some("L"));
    assert_eq!(
        support::models::Inventory::count(&app, ()).await.unwrap(),
        1,
        "only the allowed restock wrote"
    );

    // the change stream (a streamed answer) is authorized like any read
    let r = support::send(
        &app,
        "POST",
        "/api/locations/change-stream?_format=event-stream",
        &[],
        None,
    );
    let r = tokio::time::timeout(std::time::Duration::from_millis(300), r).await;
    assert!(r.is_err() || r.unwrap().status == 200);
    assert_eq!(
        auth.last(),
        (
            "Location".to_string(),
            "createChangeStream".to_string(),
            AccessType::Read,
            None
        )
    );
}

#[tokio::test]
async fn access_types_follow_loopback() {
    let app = support::app();
    let of = |model: &str, name: &str| {
        app.rest_methods(model)
            .unwrap()
            .iter()
            .find(|m| m.name.strip_prefix("prototype.").unwrap_or(&m.name) == name)
            .unwrap_or_else(|| panic!("{model}.{name}"))
            .access_type
    };
    for read in [
        "find",
        "findById",
        "findOne",
        "count",
        "exists",
        "createChangeStream",
    ] {
        assert_eq!(of("Location", read), AccessType::Read, "{read}");
    }
    for write in [
        "create",
        "patchOrCreate",
        "replaceOrCreate",
        "upsertWithWhere",
        "replaceById",
        "patchAttributes",
        "deleteById",
        "updateAll",
    ] {
        assert_eq!(of("Location", write), AccessType::Write, "{write}");
    }
    for (name, t) in [
        ("__get__inventory", AccessType::Read),
        ("__findById__inventory", AccessType::Read),
        ("__count__inventory", AccessType::Read),
        ("__create__inventory", AccessType::Write),
        ("__updateById__inventory", AccessType::Write),
        ("__destroyById__inventory", AccessType::Write),
        ("__delete__inventory", AccessType::Write),
        ("nearby", AccessType::Read),
    ] {
        assert_eq!(of("Location", name), t, "{name}");
    }
    assert_eq!(of("Inventory", "__get__location"), AccessType::Read);
    assert_eq!(of("Inventory", "restock"), AccessType::Execute);
    // declared explicitly, a remote method keeps its own
    let m =
        lb::RemoteMethod::new("ping", |_inv| async { Ok(vec![]) }).access_type(AccessType::Read);
    assert_eq!(m.effective_access_type(), AccessType::Read);
}
