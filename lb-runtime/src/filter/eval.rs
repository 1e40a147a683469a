//! In-memory evaluation of the filter AST with the memory connector's semantics
//! (loose equality, null/missing rules, JavaScript ordering, `near` re-sorting).

use std::cmp::Ordering;

use serde_json::Value;

use super::ast::{Clause, Direction, Filter, Near, Op, Order, Where};
use super::Pattern;
use crate::value::{js, GeoPoint, Record};

/// Whether `row` satisfies `w`.
pub(crate) fn matches(row: &Record, w: &Where) -> bool {
    w.0.iter().all(|c| clause(row, c))
}

fn clause(row: &Record, c: &Clause) -> bool {
    match c {
        Clause::And(ws) => ws.iter().all(|w| matches(row, w)),
        Clause::Or(ws) => ws.iter().any(|w| matches(row, w)),
        Clause::Nor(ws) => !ws.iter().any(|w| matches(row, w)),
        // the memory connector resolves these to key sets first (`resolve_related`); a row
        // evaluated without its related table has no related instance
        Clause::Related(_) => false,
        Clause::Property { name, ops, lookup } => {
            if let (true, Some(i), [Op::Eq(x)]) = (lookup.eq_exact, lookup.index, &ops[..]) {
                if let Some(equal) = row.slot_equals(i, x) {
                    return equal;
                }
            }
            let v = row.get_at(name, lookup.index);
            ops.iter().all(|op| test(v.as_deref(), op))
        }
    }
}

fn is_nullish(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

/// `any element` semantics of array-valued properties for equality-like tests (the memory
/// connector tests each element; the array as a whole never equals an operand).
fn any_elem(v: Option<&Value>, f: impl Fn(Option<&Value>) -> bool) -> bool {
    match v {
        Some(Value::Array(a)) => a.iter().any(|x| f(Some(x))),
        _ => f(v),
    }
}

fn bound(
    v: Option<&Value>,
    operand: &Value,
    ok: impl Fn(Ordering) -> bool,
    inclusive: bool,
) -> bool {
    if operand.is_null() {
        // `gte: null` / `lte: null` match null and missing values (they are "equal")
        return inclusive && is_nullish(v);
    }
    match v {
        None | Some(Value::Null) => false,
        Some(x) => js::compare(x, operand).is_some_and(ok),
    }
}

fn pattern_test(v: Option<&Value>, p: &Pattern) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => p.is_match(s),
        Some(Value::Array(a)) => a.iter().any(|x| pattern_test(Some(x), p)),
        Some(other) => p.is_match(&js::to_js_string(other)),
    }
}

fn test(v: Option<&Value>, op: &Op) -> bool {
    match op {
        Op::Eq(x) => any_elem(v, |e| js::loose_eq(e, Some(x))),
        // an empty array is unequal to anything (LoopBack's memory connector says so
        // explicitly: JavaScript's `[] == ""` would say otherwise)
        Op::Neq(_) if matches!(v, Some(Value::Array(a)) if a.is_empty()) => true,
        // `!=` on the whole value: ["a","b"] != "a" (its string is "a,b"), ["a"] == "a"
        Op::Neq(x) => !js::loose_eq(v, Some(x)),
        Op::Gt(x) => bound(v, x, |o| o == Ordering::Greater, false),
        Op::Gte(x) => bound(v, x, |o| o != Ordering::Less, true),
        Op::Lt(x) => bound(v, x, |o| o == Ordering::Less, false),
        Op::Lte(x) => bound(v, x, |o| o != Ordering::Greater, true),
        Op::Between(lo, hi) => {
            bound(v, lo, |o| o != Ordering::Less, true)
                && bound(v, hi, |o| o != Ordering::Greater, true)
        }
        Op::Inq(xs) => any_elem(v, |e| xs.iter().any(|x| js::loose_eq(e, Some(x)))),
        Op::Nin(xs) => !any_elem(v, |e| xs.iter().any(|x| js::loose_eq(e, Some(x)))),
        Op::Like(p) | Op::ILike(p) | Op::Regexp(p) => pattern_test(v, p),
        Op::NLike(p) | Op::NILike(p) => !pattern_test(v, p),
        Op::Near(n) => near_distance(v, n).is_some(),
    }
}

/// Distance from the origin when the value is a point within the near's bounds.
pub(crate) fn near_distance(v: Option<&Value>, n: &Near) -> Option<f64> {
    let p = GeoPoint::from_json(v?).ok()?;
    let d = n.origin.distance_to(p, n.unit.unwrap_or_default());
    if n.max_distance.is_some_and(|m| d > m) || n.min_distance.is_some_and(|m| d < m) {
        return None;
    }
    Some(d)
}

/// LoopBack's memory sort by `order` keys (missing first in ASC, last in DESC).
fn compare_keys(a: &[Option<Value>], b: &[Option<Value>], order: &[Order]) -> Ordering {
    for ((x, y), key) in a.iter().zip(b).zip(order) {
        let o = compare_values(x.as_ref(), y.as_ref());
        let o = if key.direction == Direction::Desc {
            o.reverse()
        } else {
            o
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => sort_order(x, y),
    }
}

/// A total order for sorting that agrees with JavaScript's `<` between values of one kind
/// (numbers numerically, strings by UTF-16 units, so ISO dates chronologically): values of
/// different kinds — which JS compares inconsistently (`"10" < "9"`, `9 < "10"`) — are
/// ordered by kind (null, booleans, numbers, strings, arrays, objects). A sort must never see
/// an inconsistent order: Rust's sort may panic on one, and a client chooses the data.
fn sort_order(a: &Value, b: &Value) -> Ordering {
    let kind = |v: &Value| match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => js::compare_utf16(x, y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ if kind(a) != kind(b) => kind(a).cmp(&kind(b)),
        // arrays and objects: by their JavaScript strings, as `<` does
        _ => js::compare_utf16(&js::to_js_string(a), &js::to_js_string(b)),
    }
}

/// Keeps the rows whose position within their partition group is in the partition's page.
fn partitioned<T>(
    rows: impl Iterator<Item = T>,
    p: Option<&super::Partition>,
    key: impl Fn(&T) -> &Record,
) -> Vec<T> {
    let Some(p) = p else {
        return rows.collect();
    };
    let (skip, limit) = (p.skip.unwrap_or(0), p.limit.unwrap_or(usize::MAX));
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    rows.filter(|r| {
        let k = key(r)
            .get(&p.property)
            .map(|v| js::to_js_string(&v))
            .unwrap_or_default();
        let n = seen.entry(k).or_insert(0);
        *n += 1;
        *n > skip && *n - skip <= limit
    })
    .collect()
}

/// Runs where → order (or near distance) → partition paging → skip/limit over rows already in
/// id order. `key` extracts the row from the container type.
pub(crate) fn apply<T>(
    rows: impl Iterator<Item = T>,
    filter: &Filter,
    key: impl Fn(&T) -> &Record,
) -> Vec<T> {
    let skip = filter.skip.unwrap_or(0);
    let limit = filter.limit.unwrap_or(usize::MAX);
    let near = filter.where_.as_ref().and_then(Where::near);
    let matching = rows.filter(|r| filter.where_.as_ref().is_none_or(|w| matches(key(r), w)));
    if let Some((prop, n)) = near {
        let mut with_d: Vec<(f64, T)> = matching
            .filter_map(|r| near_distance(key(&r).get(prop).as_deref(), n).map(|d| (d, r)))
            .collect();
        with_d.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
        return partitioned(with_d.into_iter(), filter.partition.as_ref(), |(_, r)| {
            key(r)
        })
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|(_, r)| r)
        .collect();
    }
    if filter.order.is_empty() {
        if filter.partition.is_some() {
            return partitioned(matching, filter.partition.as_ref(), &key)
                .into_iter()
                .skip(skip)
                .take(limit)
                .collect();
        }
        return matching.skip(skip).take(limit).collect();
    }
    // sort keys are read once per row, not once per comparison
    let mut keyed: Vec<(Vec<Option<Value>>, T)> = matching
        .map(|r| {
            let keys = filter
                .order
                .iter()
                .map(|o| key(&r).get(&o.property).map(std::borrow::Cow::into_owned))
                .collect();
            (keys, r)
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| compare_keys(a, b, &filter.order));
    partitioned(keyed.into_iter(), filter.partition.as_ref(), |(_, r)| {
        key(r)
    })
    .into_iter()
    .skip(skip)
    .take(limit)
    .map(|(_, r)| r)
    .collect()
}
