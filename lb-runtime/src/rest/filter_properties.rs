//! Property tests of the filter engine: parse → AST → JSON → parse is the identity, and the
//! bracket encoding of a filter (the query-string reader `qs`) parses to the same AST as its
//! JSON encoding. A unit test module because `qs` is private to the crate.

use std::sync::LazyLock;

use crate::filter::{parse_filter, ParseOptions};
use crate::model::{DataType, ModelDefinition};
use crate::rest::qs;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

static DEF: LazyLock<ModelDefinition> = LazyLock::new(|| {
    ModelDefinition::builder("Thing")
        .property("name", DataType::String, |p| p)
        .property("n", DataType::Number, |p| p)
        .property("d", DataType::Date, |p| p)
        .property("flag", DataType::Boolean, |p| p)
        .property("tags", DataType::Array(Box::new(DataType::String)), |p| p)
        .property("geo", DataType::GeoPoint, |p| p)
        .build()
});

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-1000i64..1000).prop_map(|n| json!(n.to_string())),
        (-1000i64..1000).prop_map(|n| json!(n)),
        "[a-z]{0,6}".prop_map(Value::from),
        Just(json!("2020-01-02")),
        Just(json!("true")),
        Just(Value::Null),
    ]
}

fn condition() -> impl Strategy<Value = Value> {
    let prop = prop_oneof![
        Just("name"),
        Just("n"),
        Just("d"),
        Just("flag"),
        Just("tags"),
        Just("other")
    ];
    let op = prop_oneof![
        scalar().prop_map(|v| v),
        (
            prop_oneof![
                Just("eq"),
                Just("neq"),
                Just("gt"),
                Just("gte"),
                Just("lt"),
                Just("lte")
            ],
            scalar()
        )
            .prop_map(|(o, v)| json!({ o: v })),
        prop::collection::vec(scalar(), 1..4).prop_map(|v| json!({"inq": v})),
        prop::collection::vec(scalar(), 1..3).prop_map(|v| json!({"nin": v})),
        (scalar(), scalar()).prop_map(|(a, b)| json!({"between": [a, b]})),
        "[a-z%_]{1,5}".prop_map(|p| json!({"like": p})),
        "[a-z%_]{1,5}".prop_map(|p| json!({"nilike": p})),
        prop_oneof![Just("^a"), Just("/b$/i"), Just("c+")].prop_map(|p| json!({"regexp": p})),
        (scalar(), scalar()).prop_map(|(a, b)| json!({"gt": a, "lt": b})),
    ];
    (prop, op).prop_map(|(p, o)| json!({ p: o }))
}

fn where_clause() -> impl Strategy<Value = Value> {
    condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (
                prop_oneof![Just("and"), Just("or"), Just("nor")],
                prop::collection::vec(inner.clone(), 1..3)
            )
                .prop_map(|(k, v)| json!({ k: v })),
            prop::collection::vec(inner, 1..3).prop_map(|parts| {
                let mut o = Map::new();
                for p in parts {
                    if let Value::Object(m) = p {
                        for (k, v) in m {
                            o.entry(k).or_insert(v);
                        }
                    }
                }
                Value::Object(o)
            }),
        ]
    })
}

fn filter() -> impl Strategy<Value = Value> {
    (
        where_clause(),
        prop::option::of(0usize..50),
        prop::option::of(0usize..50),
        prop::option::of(prop_oneof![
            Just(json!("n DESC")),
            Just(json!(["name ASC", "d DESC"]))
        ]),
        prop::option::of(prop_oneof![
            Just(json!(["name", "n"])),
            Just(json!({"tags": false}))
        ]),
    )
        .prop_map(|(w, limit, skip, order, fields)| {
            let mut f = Map::new();
            f.insert("where".into(), w);
            if let Some(l) = limit {
                f.insert("limit".into(), json!(l));
            }
            if let Some(s) = skip {
                f.insert("skip".into(), json!(s));
            }
            if let Some(o) = order {
                f.insert("order".into(), o);
            }
            if let Some(fl) = fields {
                f.insert("fields".into(), fl);
            }
            Value::Object(f)
        })
}

/// Turns every leaf into a string, as a query string carries them.
fn stringify(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), stringify(v))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(stringify).collect()),
        Value::String(s) => Value::String(s.clone()),
        Value::Null => Value::String("null".into()),
        other => Value::String(other.to_string()),
    }
}

fn encode(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => o
            .iter()
            .for_each(|(k, v)| encode(&format!("{prefix}[{k}]"), v, out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| encode(&format!("{prefix}[{i}]"), v, out)),
        Value::String(s) => out.push(format!(
            "{}={}",
            prefix.replace('[', "%5B").replace(']', "%5D"),
            s.replace('%', "%25")
                .replace('+', "%2B")
                .replace('&', "%26")
                .replace('=', "%3D")
                .replace(' ', "+")
        )),
        _ => unreachable!("stringified"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn json_round_trip(f in filter()) {
        let Ok(ast) = parse_filter(&DEF, &f, ParseOptions::default()) else { return Ok(()) };
        let again = parse_filter(&DEF, &ast.to_json(), ParseOptions::default()).expect("re-parses");
        prop_assert_eq!(ast, again);
    }

    #[test]
    fn brackets_and_json_give_the_same_ast(f in filter()) {
        let strings = stringify(&f);
        let mut parts = Vec::new();
        encode("filter", &strings, &mut parts);
        let parsed = qs::parse(&parts.join("&"));
        prop_assert_eq!(&parsed["filter"], &strings);
        let from_brackets = parse_filter(&DEF, &parsed["filter"], ParseOptions::default());
        let from_json = parse_filter(&DEF, &strings, ParseOptions::default());
        prop_assert_eq!(from_brackets.is_ok(), from_json.is_ok());
        if let (Ok(a), Ok(b)) = (from_brackets, from_json) {
            prop_assert_eq!(a, b);
        }
    }
}

#[test]
fn bracket_strings_are_coerced_by_property_type() {
    let q = qs::parse("filter[where][n][gt]=3&filter[where][flag]=true&filter[where][d]=2020-01-02&filter[limit]=2");
    let f = parse_filter(&DEF, &q["filter"], ParseOptions::default()).unwrap();
    assert_eq!(
        f.to_json(),
        json!({"where": {"n": {"gt": 3}, "flag": true, "d": "2020-01-02T00:00:00.000Z"}, "limit": 2})
    );
}

#[test]
fn malformed_filters_answer_loopback_messages() {
    let cases = [
        (json!({"where": "str"}), "The where clause \"str\" is not an object"),
        (json!({"limit": -1}), "The limit parameter -1 is not valid"),
        (json!({"limit": "abc"}), "The limit parameter \"abc\" is not valid"),
        (json!({"skip": 1.5}), "The offset/skip parameter 1.5 is not valid"),
        (json!({"order": "n SIDEWAYS"}), "The order \"n SIDEWAYS\" has invalid direction"),
        (json!({"order": 5}), "The order 5 is not valid"),
        (json!({"where": {"or": {"name": "x"}}}), "The or operator has invalid clauses {\"name\":\"x\"}: Value is not an array or object with sequential numeric indices"),
        (json!({"where": {"n": {"inq": "2"}}}), "The n property has invalid clause {\"inq\":\"2\"}: Error: Value is not an array or object with sequential numeric indices"),
        (json!({"where": {"n": {"between": [1]}}}), "The n property has invalid clause {\"between\":[1]}: Expected precisely 2 values, received 1"),
        (json!({"where": {"name": {"like": 5}}}), "The name property has invalid clause {\"like\":5}: Expected a string or RegExp"),
        (json!({"where": {"name": {"regexp": "/a/x"}}}), "Invalid regex flags: x"),
        (json!({"where": {"name": {"$ne": "x"}}}), "Operators \"$ne\" are not allowed in query"),
        (json!({"where": {"d": "notadate"}}), "Invalid date: notadate"),
    ];
    for (f, msg) in cases {
        let e = parse_filter(&DEF, &f, ParseOptions::default()).unwrap_err();
        assert_eq!((e.status.as_u16(), e.message.as_str()), (400, msg), "{f}");
    }
    let mut deep = json!("x");
    for _ in 0..13 {
        deep = json!({ "and": [deep] });
    }
    let e = parse_filter(&DEF, &json!({"where": deep}), ParseOptions::default()).unwrap_err();
    assert_eq!(e.code.as_deref(), Some("QUERY_OBJECT_TOO_DEEP"));
}
