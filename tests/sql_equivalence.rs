//! Property test: random filters over random rows give the same rows, in the same order, on
//! the memory connector (LoopBack's reference semantics, evaluated in Rust) and on SQLite
//! (compiled to SQL). Strings are ASCII (UTF-16 and code point order agree) and every row has
//! every property (SQL cannot tell a missing value from null, see docs/compat.md).

use std::sync::LazyLock;

use lb::model::{DataType, ModelDefinition};
use lb::App;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

static DEF: LazyLock<&'static ModelDefinition> = LazyLock::new(|| {
    Box::leak(Box::new(
        ModelDefinition::builder("Item")
            .property("name", DataType::String, |p| p)
            .property("n", DataType::Number, |p| p)
            .property("i", DataType::Integer, |p| p)
            .property("d", DataType::Date, |p| p)
            .property("flag", DataType::Boolean, |p| p)
            .property("tags", DataType::Array(Box::new(DataType::String)), |p| p)
            .build(),
    ))
});

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
});

fn word() -> impl Strategy<Value = String> {
    "[a-cA-C]{0,3}"
}

fn row() -> impl Strategy<Value = Value> {
    (
        prop::option::of(word()),
        prop::option::of(prop_oneof![(-5i32..5).prop_map(f64::from), Just(1.5), Just(-0.25)]),
        prop::option::of(-3i64..3),
        prop::option::of(prop_oneof![
            Just("2020-01-01T00:00:00.000Z"),
            Just("2020-01-02T12:00:00.000Z"),
            Just("2019-06-30T00:00:00.000Z")
        ]),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(word(), 0..3)),
    )
        .prop_map(|(name, n, i, d, flag, tags)| {
            json!({"name": name, "n": n, "i": i, "d": d, "flag": flag, "tags": tags})
        })
}

/// An operand for property `p` (as a client would send it: sometimes a string to coerce).
fn operand(p: &'static str) -> BoxedStrategy<Value> {
    match p {
        "name" | "tags" | "other" => {
            prop_oneof![word().prop_map(Value::from), Just(Value::Null)].boxed()
        }
        "n" | "i" => prop_oneof![
            (-4i64..4).prop_map(Value::from),
            (-4i64..4).prop_map(|x| json!(x.to_string())),
            Just(json!(0.5)),
            Just(Value::Null)
        ]
        .boxed(),
        "d" => prop_oneof![
            Just(json!("2020-01-01")),
            Just(json!("2020-01-02T12:00:00.000Z")),
            Just(Value::Null)
        ]
        .boxed(),
        _ => prop_oneof![any::<bool>().prop_map(Value::from), Just(json!("true"))].boxed(),
    }
}

fn condition() -> impl Strategy<Value = Value> {
    let prop = prop_oneof![
        Just("name"),
        Just("n"),
        Just("i"),
        Just("d"),
        Just("flag"),
        Just("tags"),
        Just("other")
    ];
    prop.prop_flat_map(|p| {
        let ranges = !matches!(p, "tags");
        let patterns = matches!(p, "name" | "tags");
        let mut ops: Vec<BoxedStrategy<Value>> = vec![
            operand(p).boxed(),
            (prop_oneof![Just("eq"), Just("neq")], operand(p))
                .prop_map(|(o, v)| json!({ o: v }))
                .boxed(),
            prop::collection::vec(operand(p), 1..3)
                .prop_map(|v| json!({"inq": v}))
                .boxed(),
            prop::collection::vec(operand(p), 1..3)
                .prop_map(|v| json!({"nin": v}))
                .boxed(),
        ];
        if ranges {
            ops.push(
                (
                    prop_oneof![Just("gt"), Just("gte"), Just("lt"), Just("lte")],
                    operand(p),
                )
                    .prop_map(|(o, v)| json!({ o: v }))
                    .boxed(),
            );
            ops.push(
                (operand(p), operand(p))
                    .prop_map(|(a, b)| json!({"between": [a, b]}))
                    .boxed(),
            );
        }
        if patterns {
            ops.push(
                (
                    prop_oneof![Just("like"), Just("nlike"), Just("ilike"), Just("nilike")],
                    "[abAB%_]{1,3}",
                )
                    .prop_map(|(o, v)| json!({ o: v }))
                    .boxed(),
            );
            ops.push(
                prop_oneof![Just("^a"), Just("/b$/i"), Just("a|B")]
                    .prop_map(|r| json!({"regexp": r}))
                    .boxed(),
            );
        }
        (Just(p), prop::strategy::Union::new(ops)).prop_map(|(p, o)| json!({ p: o }))
    })
}

fn where_clause() -> impl Strategy<Value = Value> {
    condition().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            (
                prop_oneof![Just("and"), Just("or"), Just("nor")],
                prop::collection::vec(inner.clone(), 1..3)
            )
                .prop_map(|(k, v)| json!({ k: v })),
            prop::collection::vec(inner, 2..3).prop_map(|parts| {
                let mut o = Map::new();
                for p in parts {
                    if let Value::Object(m) = p {
                        o.extend(m);
                    }
                }
                Value::Object(o)
            }),
        ]
    })
}

fn filter() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("name"),
        Just("n"),
        Just("i"),
        Just("d"),
        Just("flag"),
        Just("id")
    ];
    let order = prop::collection::vec(
        (key, prop_oneof![Just(" ASC"), Just(" DESC")]).prop_map(|(k, d)| format!("{k}{d}")),
        0..3,
    );
    (
        prop::option::of(where_clause()),
        order,
        prop::option::of(0usize..5),
        prop::option::of(0usize..4),
    )
        .prop_map(|(w, order, limit, skip)| {
            let mut f = Map::new();
            if let Some(w) = w {
                f.insert("where".into(), w);
            }
            if !order.is_empty() {
                f.insert("order".into(), json!(order));
            }
            if let Some(l) = limit {
                f.insert("limit".into(), json!(l));
            }
            if let Some(s) = skip {
                f.insert("skip".into(), json!(s));
            }
            Value::Object(f)
        })
}

async fn answers(url: &str, rows: &[Value], f: &Value) -> (Vec<Value>, Value) {
    let app = App::builder()
        .datasource_url("db", url)
        .unwrap()
        .definition(*DEF, "db")
        .build()
        .unwrap();
    app.automigrate().await.unwrap();
    let repo = app.repository("Item").unwrap();
    for r in rows {
        repo.create(r.clone()).await.unwrap();
    }
    let where_ = f.get("where").cloned().unwrap_or(Value::Null);
    let filter = lb::filter::parse_filter(*DEF, f, lb::filter::ParseOptions::default()).unwrap();
    let ids = repo
        .find(&filter)
        .await
        .unwrap()
        .iter()
        .map(|r| repo.row_id(r).unwrap())
        .collect();
    let w = lb::filter::parse_where(*DEF, &where_, lb::filter::ParseOptions::default()).unwrap();
    let count = repo.count(w.as_ref()).await.unwrap();
    (ids, json!(count))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn memory_and_sqlite_agree(rows in prop::collection::vec(row(), 0..9), f in filter()) {
        let (mem, sql) = RT.block_on(async {
            (answers("memory:", &rows, &f).await, answers("sqlite::memory:", &rows, &f).await)
        });
        prop_assert_eq!(mem, sql, "filter {}", f);
    }
}
