//! Nothing a client sends may crash the server or produce a 5xx: random query strings, filters
//! and bodies against every kind of endpoint answer 2xx/4xx with a LoopBack error envelope.

mod support;

use proptest::prelude::*;
use serde_json::Value;

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("filter".to_string()),
        Just("where".to_string()),
        Just("[where]".to_string()),
        Just("[zipcode]".to_string()),
        Just("[and][0]".to_string()),
        Just("[or][]".to_string()),
        Just("[near]".to_string()),
        Just("[regexp]".to_string()),
        Just("[like]".to_string()),
        Just("[inq][0]".to_string()),
        Just("[limit]".to_string()),
        Just("[order]".to_string()),
        Just("[fields]".to_string()),
        Just("[geo]".to_string()),
        Just("here".to_string()),
        Just("[lat]".to_string()),
        Just("max".to_string()),
        Just("page".to_string()),
        Just("=".to_string()),
        Just("&".to_string()),
        Just("%7B".to_string()),
        Just("%22".to_string()),
        Just("%5B".to_string()),
        Just("%".to_string()),
        "[a-z0-9,.:/$^()*+?\\-]{0,6}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..16).prop_map(|v| v.concat())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i32>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z0-9 ,.%_/]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("name".to_string()),
                        Just("geo".to_string()),
                        Just("id".to_string()),
                        Just("zipcode".to_string()),
                        Just("tags".to_string()),
                        Just("created".to_string()),
                        Just("gt".to_string()),
                        Just("near".to_string()),
                        Just("and".to_string()),
                        "[a-z$]{1,6}"
                    ],
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_queries_never_fail_the_server(q in query(), path in prop_oneof![
        Just("/api/locations"), Just("/api/locations/count"), Just("/api/locations/findOne"),
        Just("/api/locations/1"), Just("/api/products"), Just("/api/products/update"),
        Just("/api/locations/nearby"), Just("/api/locations/1/stock")]) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let app = support::app();
            support::json(&app, "POST", "/api/locations", &serde_json::json!({"name": "a", "geo": "1,2"})).await;
            let uri = support::escape_uri(&format!("{path}?{q}"));
            if uri.parse::<axum::http::Uri>().is_err() {
                return;
            }
            let method = if path.ends_with("update") { "POST" } else { "GET" };
            let r = support::send(&app, method, &uri, &[], None).await;
            assert!(r.status.as_u16() < 500, "{uri} -> {} {}", r.status, r.text);
            if r.status.as_u16() >= 400 {
                assert!(r.json()["error"]["message"].is_string(), "{uri} -> {}", r.text);
            }
        });
    }

    #[test]
    fn random_bodies_never_fail_the_server(body in json_value(), target in prop_oneof![
        Just(("POST", "/api/locations")), Just(("PATCH", "/api/locations")), Just(("PUT", "/api/locations")),
        Just(("PATCH", "/api/locations/1")), Just(("PUT", "/api/locations/1")), Just(("POST", "/api/products")),
        Just(("POST", "/api/products/update?where={}")), Just(("POST", "/api/products/upsertWithWhere?where={}")),
        Just(("POST", "/api/inventories/restock"))]) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let app = support::app();
            support::json(&app, "POST", "/api/locations", &serde_json::json!({"name": "a"})).await;
            let r = support::json(&app, target.0, target.1, &body).await;
            assert!(r.status.as_u16() < 500, "{} {} {body} -> {} {}", target.0, target.1, r.status, r.text);
        });
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Sorting by a property whose values are of mixed kinds (a dynamic property, or one a
    /// client stored before coercion) must neither panic nor lose rows.
    #[test]
    fn sorting_mixed_values_never_fails(values in prop::collection::vec(json_value(), 2..40)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let app = support::app();
            let rows: Vec<Value> = values
                .iter()
                .map(|v| serde_json::json!({"productId": "p", "mixed": v}))
                .collect();
            let r = support::json(&app, "POST", "/api/inventories", &Value::Array(rows)).await;
            assert_eq!(r.status, 200, "{}", r.text);
            for order in ["mixed", "mixed DESC", "mixed ASC,id DESC"] {
                let q = format!("/api/inventories?filter[order]={order}");
                let r = support::get(&app, &support::escape_uri(&q)).await;
                assert_eq!(r.status, 200, "{q}: {}", r.text);
                assert_eq!(r.json().as_array().map(Vec::len), Some(values.len()));
            }
        });
    }
}
