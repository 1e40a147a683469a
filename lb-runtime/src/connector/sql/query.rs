//! The filter AST as SQL: where (every operator, LoopBack's null semantics), order (null
//! first ascending), paging, `fields` as the select list, and the write statements.
//!
//! Every condition is written two-valued (never SQL `NULL`), so `NOT`, `nor` and `neq` keep the
//! memory connector's meaning: `{"name": {"neq": "a"}}` matches rows whose name is null.

use serde_json::Value;

use super::dialect::{ElementRef, Target};
use super::statement::{Arg, Sql};
use super::table::Table;
use super::values::{json_arg, path_arg, scalar_arg, write_arg};
use super::Dialect;
use crate::filter::{Clause, Filter, Near, Op, Pattern, Where};
use crate::model::DataType;
use crate::value::Object;

/// What a property name in a filter refers to.
struct Resolved<'a> {
    target: Target<'a>,
    /// The property's type; `None` for values inside a JSON document.
    data_type: Option<&'static DataType>,
}

fn resolve<'a>(d: Dialect, t: &'a Table, name: &'a str, path: &'a mut Vec<String>) -> Resolved<'a> {
    if let Some((i, p)) = t.property(name) {
        return Resolved {
            target: Target::Column(&t.columns[i]),
            data_type: Some(&p.data_type),
        };
    }
    if let Some((head, rest)) = name.split_once('.') {
        if let Some((i, p)) = t.property(head) {
            if matches!(
                p.data_type,
                DataType::Object | DataType::Any | DataType::GeoPoint
            ) {
                *path = rest.split('.').map(str::to_string).collect();
                // a NUL cannot be part of a JSON path (nor of a stored key on PostgreSQL)
                if path.iter().any(|k| k.contains('\0')) || !d.path_supported(path) {
                    return Resolved {
                        target: Target::Null,
                        data_type: None,
                    };
                }
                return Resolved {
                    target: Target::Path(&t.columns[i], path.as_slice()),
                    data_type: None,
                };
            }
        }
    }
    // not stored by the table: behaves as a missing value
    Resolved {
        target: Target::Null,
        data_type: None,
    }
}

/// Writes `w` as a boolean expression.
pub(super) fn where_(sql: &mut Sql, t: &Table, w: &Where) {
    where_in(sql, t, w, &t.name);
}

/// `w`, or `TRUE` when there is none (after a `WHERE ` the caller wrote).
pub(super) fn where_or_true(sql: &mut Sql, t: &Table, w: Option<&Where>) {
    match w {
        Some(w) => where_(sql, t, w),
        None => {
            sql.push("TRUE");
        }
    }
}

/// `w` on table `t`, known in the statement as `q` (its name, or a subquery's alias).
fn where_in(sql: &mut Sql, t: &Table, w: &Where, q: &str) {
    all(sql, t, &w.0, q);
}

fn all(sql: &mut Sql, t: &Table, clauses: &[Clause], q: &str) {
    if clauses.is_empty() {
        sql.push("TRUE");
        return;
    }
    sql.push("(");
    sql.join(clauses, " AND ", |sql, c| clause(sql, t, c, q));
    sql.push(")");
}

fn any(sql: &mut Sql, t: &Table, ws: &[Where], q: &str) {
    if ws.is_empty() {
        sql.push("FALSE");
        return;
    }
    sql.push("(");
    sql.join(ws, " OR ", |sql, w| where_in(sql, t, w, q));
    sql.push(")");
}

fn clause(sql: &mut Sql, t: &Table, c: &Clause, q: &str) {
    match c {
        Clause::And(ws) => {
            if ws.is_empty() {
                sql.push("TRUE");
            } else {
                sql.push("(");
                sql.join(ws, " AND ", |sql, w| where_in(sql, t, w, q));
                sql.push(")");
            }
        }
        Clause::Or(ws) => any(sql, t, ws, q),
        Clause::Nor(ws) => {
            sql.push("NOT ");
            any(sql, t, ws, q);
        }
        Clause::Related(r) => related(sql, t, r, q),
        Clause::Property { name, ops, .. } => {
            let mut path = Vec::new();
            let r = resolve(sql.dialect(), t, name, &mut path);
            if ops.is_empty() {
                sql.push("TRUE");
                return;
            }
            sql.push("(");
            sql.join(ops, " AND ", |sql, op| operator(sql, &r, op));
            sql.push(")");
        }
    }
}

/// `EXISTS (SELECT 1 FROM target AS lb_relN WHERE lb_relN.key = q.key AND <condition>)`: the
/// condition's unqualified columns are the target's (the innermost table).
fn related(sql: &mut Sql, t: &Table, r: &crate::filter::Related, q: &str) {
    let target = Table::new(r.target, sql.dialect());
    let (Some((si, _)), Some((ti, _))) =
        (t.property(&r.source_key), target.property(&r.target_key))
    else {
        sql.push("FALSE");
        return;
    };
    let alias = format!("lb_rel{}", sql.next_alias());
    sql.push("EXISTS (SELECT 1 FROM ");
    if sql.dialect() == Dialect::Mysql && target.name == t.name {
        // MySQL refuses a subquery on the table an UPDATE/DELETE changes (error 1093);
        // a derived table is materialized first, which it accepts
        sql.push("(SELECT * FROM ").ident(&target.name).push(")");
    } else {
        sql.ident(&target.name);
    }
    sql.push(" AS ")
        .ident(&alias)
        .push(" WHERE ")
        .ident(&alias)
        .push(".")
        .ident(&target.columns[ti])
        .push(" = ")
        .ident(q)
        .push(".")
        .ident(&t.columns[si])
        .push(" AND ");
    where_in(sql, &target, &r.where_, &alias);
    sql.dialect().close_exists(sql);
}

fn operator(sql: &mut Sql, r: &Resolved<'_>, op: &Op) {
    let negated = match op {
        Op::Neq(v) => Some(Op::Eq(v.clone())),
        Op::Nin(v) => Some(Op::Inq(v.clone())),
        Op::NLike(p) => Some(Op::Like(p.clone())),
        Op::NILike(p) => Some(Op::ILike(p.clone())),
        _ => None,
    };
    match (negated, r.data_type, r.target) {
        // `!=` compares the whole array as JavaScript does: ["a"] == "a", ["a","b"] != "a"
        (Some(Op::Eq(v)), Some(DataType::Array(elem)), Target::Column(c)) if !v.is_null() => {
            let d = sql.dialect();
            sql.push("NOT (COALESCE(");
            d.array_length(sql, c);
            sql.push(" = 1, FALSE) AND ");
            element_test(sql, c, elem, &Op::Eq(v));
            sql.push(")");
        }
        (Some(positive), _, _) => {
            sql.push("NOT ");
            test(sql, r, &positive);
        }
        (None, _, _) => test(sql, r, op),
    }
}

/// A positive test (eq, ranges, inq, patterns, near), true or false, never null.
fn test(sql: &mut Sql, r: &Resolved<'_>, op: &Op) {
    let d = sql.dialect();
    if let Some(DataType::Array(elem)) = r.data_type {
        if let Target::Column(c) = r.target {
            return element_test(sql, c, elem, op);
        }
    }
    match op {
        Op::Eq(Value::Null) => is_null(sql, r.target),
        Op::Eq(v) => compare(sql, r, "=", v),
        Op::Gt(v) => bound(sql, r, ">", v, false),
        Op::Gte(v) => bound(sql, r, ">=", v, true),
        Op::Lt(v) => bound(sql, r, "<", v, false),
        Op::Lte(v) => bound(sql, r, "<=", v, true),
        Op::Between(lo, hi) => {
            sql.push("(");
            bound(sql, r, ">=", lo, true);
            sql.push(" AND ");
            bound(sql, r, "<=", hi, true);
            sql.push(")");
        }
        Op::Inq(vs) => {
            let args: Vec<Arg> = vs.iter().filter_map(|v| operand(d, r, v)).collect();
            let has_null = vs.iter().any(Value::is_null);
            sql.push("(");
            if args.is_empty() {
                sql.push("FALSE");
            } else {
                sql.push("COALESCE(");
                d.target(sql, r.target);
                sql.push(" IN (");
                sql.join(args, ", ", |sql, a| {
                    sql.bind(a);
                });
                sql.push("), FALSE)");
            }
            if has_null {
                sql.push(" OR ");
                is_null(sql, r.target);
            }
            sql.push(")");
        }
        Op::Like(p) | Op::ILike(p) | Op::Regexp(p) => {
            let dt = r.data_type.unwrap_or(&DataType::Any);
            pattern(sql, |sql| d.text_of(sql, r.target, dt), p);
        }
        Op::Near(n) => near(sql, r.target, r.data_type, n),
        // negative operators are rewritten by `operator`
        Op::Neq(_) | Op::Nin(_) | Op::NLike(_) | Op::NILike(_) => {
            sql.push("FALSE");
        }
    }
}

fn is_null(sql: &mut Sql, target: Target<'_>) {
    sql.push("(");
    sql.dialect().target(sql, target);
    sql.push(" IS NULL)");
}

fn operand(d: Dialect, r: &Resolved<'_>, v: &Value) -> Option<Arg> {
    match (r.target, r.data_type) {
        (Target::Null, _) => None,
        (Target::Path(..), _) => path_arg(d, v),
        (_, Some(dt @ (DataType::Object | DataType::Any | DataType::GeoPoint))) => {
            Some(scalar_arg(d, dt, v).unwrap_or_else(|| json_arg(d, v)))
        }
        (_, Some(dt)) => scalar_arg(d, dt, v),
        (_, None) => path_arg(d, v),
    }
}

/// `COALESCE(target <op> ?, FALSE)` (`FALSE` when the operand cannot be of the type).
fn compare(sql: &mut Sql, r: &Resolved<'_>, op: &'static str, v: &Value) {
    let d = sql.dialect();
    if let Target::Path(c, path) = r.target {
        if op == "=" {
            return path_equals(sql, r.target, v);
        }
        return path_range(sql, c, path, op, v);
    }
    let Some(arg) = operand(d, r, v) else {
        sql.push("FALSE");
        return;
    };
    let json_column = matches!(r.target, Target::Column(_))
        && matches!(
            r.data_type,
            Some(DataType::Object | DataType::Any | DataType::GeoPoint)
        );
    sql.push("COALESCE(");
    if json_column && d == Dialect::Mysql {
        // JSON documents compare as documents: both contain the other
        sql.push("JSON_CONTAINS(");
        d.target(sql, r.target);
        sql.push(", ")
            .bind(arg.clone())
            .push(") AND JSON_CONTAINS(");
        sql.bind(arg).push(", ");
        d.target(sql, r.target);
        sql.push(")");
    } else if json_column && d == Dialect::Sqlite {
        d.target(sql, r.target);
        sql.push(" ").push(op).push(" json(").bind(arg).push(")");
    } else {
        d.target(sql, r.target);
        sql.push(" ").push(op).push(" ").bind(arg);
    }
    sql.push(", FALSE)");
}

/// Loose equality inside a document: `"37.5"` and `37.5` are equal both ways.
fn path_equals(sql: &mut Sql, target: Target<'_>, v: &Value) {
    let d = sql.dialect();
    let other = match v {
        Value::String(s) if !s.trim().is_empty() => crate::value::js::string_to_number(s)
            .filter(|n| n.is_finite())
            .map(crate::value::js::number),
        Value::Number(n) => Some(Value::String(crate::value::js::to_js_string(
            &Value::Number(n.clone()),
        ))),
        _ => None,
    };
    let args: Vec<Arg> = std::iter::once(v)
        .chain(other.as_ref())
        .filter_map(|x| path_arg(d, x))
        .collect();
    if args.is_empty() {
        sql.push("FALSE");
        return;
    }
    sql.push("COALESCE(");
    d.target(sql, target);
    sql.push(" IN (");
    sql.join(args, ", ", |sql, a| {
        sql.bind(a);
    });
    sql.push("), FALSE)");
}

/// A range inside a document: numbers with numbers, strings with strings (by code point).
fn path_range(sql: &mut Sql, c: &str, path: &[String], op: &'static str, v: &Value) {
    let d = sql.dialect();
    let number = match v {
        Value::Number(_) => true,
        Value::String(_) => false,
        _ => {
            sql.push("FALSE");
            return;
        }
    };
    let arg = match (d, v) {
        (Dialect::Postgres, Value::Number(_)) => Arg::Json(v.clone()),
        (_, Value::Number(n)) => super::values::number_arg(n.as_f64().unwrap_or(0.0)),
        (_, Value::String(s)) if d == Dialect::Postgres && s.contains('\0') => {
            sql.push("FALSE");
            return;
        }
        (_, Value::String(s)) => Arg::Text(s.clone()),
        _ => return,
    };
    sql.push("COALESCE(");
    d.json_kind_is(sql, c, path, number);
    sql.push(" AND ");
    if number {
        d.target(sql, Target::Path(c, path));
    } else {
        d.json_text_binary(sql, c, path);
    }
    sql.push(" ").push(op).push(" ").bind(arg).push(", FALSE)");
}

/// A range bound; a `null` operand matches null values when inclusive (memory semantics).
fn bound(sql: &mut Sql, r: &Resolved<'_>, op: &'static str, v: &Value, inclusive: bool) {
    if v.is_null() {
        if inclusive {
            is_null(sql, r.target);
        } else {
            sql.push("FALSE");
        }
        return;
    }
    compare(sql, r, op, v);
}

fn pattern(sql: &mut Sql, text: impl FnOnce(&mut Sql), p: &Pattern) {
    let d = sql.dialect();
    sql.push("COALESCE(");
    d.regex_match(sql, text, p.expression(), p.case_insensitive, p.multi_line);
    sql.push(", FALSE)");
}

/// Tests on an array property hold when some element passes them (the memory connector's
/// rule for equality, extended to every operator).
fn element_test(sql: &mut Sql, column: &str, elem: &DataType, op: &Op) {
    let d = sql.dialect();
    let elem_arg = |v: &Value| match d {
        Dialect::Postgres => Some(Arg::Json(v.clone())),
        _ => scalar_arg(d, elem, v),
    };
    let cmp = |sql: &mut Sql, e: ElementRef, op: &'static str, v: &Value| {
        let Some(arg) = elem_arg(v) else {
            sql.push("FALSE");
            return;
        };
        element(sql, e);
        sql.push(" ").push(op).push(" ").bind(arg);
    };
    let null_bound = |sql: &mut Sql, inclusive: bool| {
        // `gte: null` matches null (missing) arrays, as in memory; `gt: null` nothing
        if inclusive {
            sql.push("(").ident(column).push(" IS NULL)");
        } else {
            sql.push("FALSE");
        }
    };
    match op {
        Op::Eq(Value::Null) => {
            // a missing array (null) equals null
            sql.push("(").ident(column).push(" IS NULL)");
        }
        Op::Gt(Value::Null) | Op::Lt(Value::Null) => null_bound(sql, false),
        Op::Gte(Value::Null) | Op::Lte(Value::Null) => null_bound(sql, true),
        Op::Between(lo, hi) if lo.is_null() || hi.is_null() => {
            null_bound(sql, lo.is_null() && hi.is_null());
        }
        Op::Eq(v) => d.any_element(sql, column, |sql, e| cmp(sql, e, "=", v)),
        Op::Gt(v) => d.any_element(sql, column, |sql, e| cmp(sql, e, ">", v)),
        Op::Gte(v) => d.any_element(sql, column, |sql, e| cmp(sql, e, ">=", v)),
        Op::Lt(v) => d.any_element(sql, column, |sql, e| cmp(sql, e, "<", v)),
        Op::Lte(v) => d.any_element(sql, column, |sql, e| cmp(sql, e, "<=", v)),
        Op::Between(lo, hi) => d.any_element(sql, column, |sql, e| {
            cmp(sql, e, ">=", lo);
            sql.push(" AND ");
            cmp(sql, e, "<=", hi);
        }),
        Op::Inq(vs) => {
            let args: Vec<Arg> = vs
                .iter()
                .filter(|v| !v.is_null())
                .filter_map(elem_arg)
                .collect();
            sql.push("(");
            if args.is_empty() {
                sql.push("FALSE");
            } else {
                d.any_element(sql, column, |sql, e| {
                    element(sql, e);
                    sql.push(" IN (");
                    sql.join(args, ", ", |sql, a| {
                        sql.bind(a);
                    });
                    sql.push(")");
                });
            }
            // a missing array equals null
            if vs.iter().any(Value::is_null) {
                sql.push(" OR (").ident(column).push(" IS NULL)");
            }
            sql.push(")");
        }
        Op::Like(p) | Op::ILike(p) | Op::Regexp(p) => d.any_element(sql, column, |sql, e| {
            pattern(sql, |sql| element_text(sql, e), p);
        }),
        _ => {
            sql.push("FALSE");
        }
    }
}

fn element(sql: &mut Sql, e: ElementRef) {
    match e {
        ElementRef::Scalar(name) | ElementRef::Jsonb(name) => {
            sql.push(name);
        }
    }
}

fn element_text(sql: &mut Sql, e: ElementRef) {
    match e {
        ElementRef::Scalar(name) => {
            sql.push(name);
        }
        ElementRef::Jsonb(name) => {
            sql.push("(").push(name).push(" #>> '{}')");
        }
    }
}

/// `near`: a stored point within the bounds (no bound: any stored point).
fn near(sql: &mut Sql, target: Target<'_>, t: Option<&DataType>, n: &Near) {
    let Target::Column(c) = target else {
        sql.push("FALSE");
        return;
    };
    if t != Some(&DataType::GeoPoint) {
        sql.push("FALSE");
        return;
    }
    let d = sql.dialect();
    sql.push("(").ident(c).push(" IS NOT NULL");
    for (bound, op) in [(n.max_distance, " <= "), (n.min_distance, " >= ")] {
        if let Some(b) = bound {
            sql.push(" AND COALESCE(");
            distance(sql, d, c, n);
            sql.push(op).bind(Arg::Float(b)).push(", FALSE)");
        }
    }
    sql.push(")");
}

fn distance(sql: &mut Sql, d: Dialect, column: &str, n: &Near) {
    let radius = n.unit.unwrap_or_default().earth_radius();
    d.distance(sql, column, n.origin.lat, n.origin.lng, radius);
}

/// `SELECT <fields> FROM t WHERE .. ORDER BY .. LIMIT ..`; returns the statement and the
/// property indexes of the selected columns, in order.
pub(super) fn select(sql: &mut Sql, t: &Table, filter: &Filter) -> Vec<usize> {
    let props: Vec<usize> = (0..t.columns.len())
        .filter(|&i| {
            filter
                .fields
                .as_ref()
                .is_none_or(|f| f.shows(&t.model.properties[i].name))
        })
        .collect();
    sql.push("SELECT ");
    if props.is_empty() {
        sql.push("1");
    } else {
        sql.join(&props, ", ", |sql, &i| {
            sql.ident(&t.columns[i]);
        });
    }
    sql.push(" FROM ");
    let partition = filter
        .partition
        .as_ref()
        .and_then(|p| t.property(&p.property).map(|(i, _)| (i, p)));
    match partition {
        None => {
            sql.ident(&t.name);
            if let Some(w) = &filter.where_ {
                sql.push(" WHERE ");
                where_(sql, t, w);
            }
        }
        Some((i, p)) => {
            // paging per group (an include scope's limit per parent) in the database:
            // number the rows of each group in the query's order, keep the page
            sql.push("(SELECT *, ROW_NUMBER() OVER (PARTITION BY ")
                .ident(&t.columns[i]);
            order(sql, t, filter);
            sql.push(") AS ")
                .ident("lb_rn")
                .push(" FROM ")
                .ident(&t.name);
            if let Some(w) = &filter.where_ {
                sql.push(" WHERE ");
                where_(sql, t, w);
            }
            sql.push(") AS ")
                .ident("lb_w")
                .push(" WHERE ")
                .ident("lb_rn")
                .push(" > ");
            sql.bind_count(p.skip.unwrap_or(0));
            if let Some(l) = p.limit {
                sql.push(" AND ").ident("lb_rn").push(" <= ");
                sql.bind_count(p.skip.unwrap_or(0).saturating_add(l));
            }
        }
    }
    order(sql, t, filter);
    sql.dialect().paging(sql, filter.limit, filter.skip);
    props
}

/// ORDER BY: the `near` distance when there is one, else the order keys; then the id, so the
/// order is total (as the memory connector's stable sort over id order).
fn order(sql: &mut Sql, t: &Table, filter: &Filter) {
    let d = sql.dialect();
    sql.push(" ORDER BY ");
    let near = filter.where_.as_ref().and_then(Where::near);
    if let Some((name, n)) = near {
        if let Some((i, p)) = t.property(name) {
            if p.data_type == DataType::GeoPoint {
                distance(sql, d, &t.columns[i], n);
                sql.push(" ASC, ");
            }
        }
    } else {
        for o in &filter.order {
            if o.property == t.id().name {
                break;
            }
            let mut path = Vec::new();
            let r = resolve(d, t, &o.property, &mut path);
            if matches!(r.target, Target::Null) {
                continue;
            }
            let desc = o.direction == crate::filter::Direction::Desc;
            match r.data_type {
                // documents sort by their JSON text, the same way on every database
                Some(dt) if matches!(r.target, Target::Column(_)) && driver_json(dt) => {
                    d.text_of(sql, r.target, dt);
                    d.direction(sql, desc);
                }
                _ => d.sort_key(sql, r.target, desc),
            }
            sql.push(", ");
        }
        if let Some(o) = filter.order.iter().find(|o| o.property == t.id().name) {
            sql.ident(t.id_column());
            d.direction(sql, o.direction == crate::filter::Direction::Desc);
            return;
        }
    }
    sql.ident(t.id_column()).push(" ASC");
}

fn driver_json(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Object | DataType::Any | DataType::GeoPoint | DataType::Array(_)
    )
}

/// `SELECT COUNT(*) FROM t WHERE ..`.
pub(super) fn count(sql: &mut Sql, t: &Table, w: Option<&Where>) {
    sql.push("SELECT COUNT(*) FROM ").ident(&t.name);
    if let Some(w) = w {
        sql.push(" WHERE ");
        where_(sql, t, w);
    }
}

/// `<id column> = ?`; `None` when `id` cannot be an id of the model (no row has it).
pub(super) fn id_condition(sql: &mut Sql, t: &Table, id: &Value) -> Option<()> {
    let arg = id_arg(sql.dialect(), t, id)?;
    sql.ident(t.id_column()).push(" = ").bind(arg);
    Some(())
}

/// The bound id value (integral for integer ids).
pub(super) fn id_arg(d: Dialect, t: &Table, id: &Value) -> Option<Arg> {
    let dt = &t.id().data_type;
    let arg = scalar_arg(d, dt, id)?;
    if dt.is_numeric() && matches!(arg, Arg::Float(_)) && t.generated_integer_id() {
        return None;
    }
    Some(arg)
}

/// `SELECT <all> FROM t WHERE id = ?`.
pub(super) fn select_by_id(sql: &mut Sql, t: &Table, id: &Value) -> Option<Vec<usize>> {
    sql.push("SELECT ");
    sql.join(&t.columns, ", ", |sql, c| {
        sql.ident(c);
    });
    sql.push(" FROM ").ident(&t.name).push(" WHERE ");
    id_condition(sql, t, id)?;
    Some((0..t.columns.len()).collect())
}

/// `INSERT INTO t (..) VALUES (..)` of the declared properties in `data`; a missing or null
/// generated integer id is left to the database. With `returning`, the id comes back.
pub(super) fn insert(sql: &mut Sql, t: &Table, data: &Object, returning: bool) {
    let d = sql.dialect();
    let cols: Vec<(usize, &Value)> = t
        .model
        .properties
        .iter()
        .enumerate()
        .filter_map(|(i, p)| data.get(&p.name).map(|v| (i, v)))
        .filter(|(i, v)| !(*i == t.model.id_index && v.is_null() && t.generated_integer_id()))
        .collect();
    sql.push("INSERT INTO ").ident(&t.name);
    if cols.is_empty() {
        sql.push(match d {
            Dialect::Mysql => " () VALUES ()",
            _ => " DEFAULT VALUES",
        });
    } else {
        sql.push(" (");
        sql.join(&cols, ", ", |sql, (i, _)| {
            sql.ident(&t.columns[*i]);
        });
        sql.push(") VALUES (");
        sql.join(&cols, ", ", |sql, (i, v)| {
            sql.bind(write_arg(d, &t.model.properties[*i].data_type, v));
        });
        sql.push(")");
    }
    if returning {
        sql.push(" RETURNING ").ident(t.id_column());
    }
}

/// `UPDATE t SET <declared properties of data, id excepted> WHERE ..`; with `replace`, every
/// other column is set to NULL. `false` when nothing would be set.
pub(super) fn update(sql: &mut Sql, t: &Table, data: &Object, replace: bool) -> bool {
    let d = sql.dialect();
    let sets: Vec<(usize, Option<&Value>)> = t
        .model
        .properties
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != t.model.id_index)
        .filter_map(|(i, p)| match data.get(&p.name) {
            Some(v) => Some((i, Some(v))),
            None if replace => Some((i, None)),
            None => None,
        })
        .collect();
    if sets.is_empty() {
        return false;
    }
    sql.push("UPDATE ").ident(&t.name).push(" SET ");
    sql.join(sets, ", ", |sql, (i, v)| {
        sql.ident(&t.columns[i]).push(" = ");
        match v {
            Some(v) => sql.bind(write_arg(d, &t.model.properties[i].data_type, v)),
            None => sql.push("NULL"),
        };
    });
    sql.push(" WHERE ");
    true
}

/// `DELETE FROM t WHERE `.
pub(super) fn delete(sql: &mut Sql, t: &Table) {
    sql.push("DELETE FROM ").ident(&t.name).push(" WHERE ");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::filter::{parse_filter, ParseOptions};
    use crate::model::ModelDefinition;

    /// Strings a client could send to break out of a value or an identifier.
    const EVIL: &[&str] = &[
        "'; DROP TABLE things; --",
        "\" OR 1=1 --",
        "` OR 1=1 -- ",
        "x') OR ('1'='1",
        "$1 OR 1=1",
        "? OR 1=1",
        "\\'; DELETE FROM things; --",
        "a\" = 1); DROP TABLE \"things",
        "$.\"a\"') OR 1=1 --",
        "*/ OR 1=1 /*",
    ];

    fn model() -> &'static ModelDefinition {
        Box::leak(Box::new(
            ModelDefinition::builder("Thing")
                .property("name", DataType::String, |p| p)
                .property("n", DataType::Number, |p| p)
                .property("meta", DataType::Object, |p| p)
                .property("tags", DataType::Array(Box::new(DataType::String)), |p| p)
                .build(),
        ))
    }

    /// Every client string reaches the database as a bound argument: whatever the position
    /// (property name, dotted path, operand, pattern, order key, field name, id), the SQL text
    /// never contains it.
    #[test]
    fn no_client_string_reaches_the_sql_text() {
        let def = model();
        for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
            let t = Table::new(def, d);
            for evil in EVIL {
                let filters = [
                    json!({"where": {*evil: 1}}),
                    json!({"where": {format!("meta.{evil}"): "x"}}),
                    json!({"where": {"name": *evil}}),
                    json!({"where": {"name": {"inq": [*evil, "b"]}}}),
                    json!({"where": {"name": {"like": *evil}}}),
                    json!({"where": {"name": {"nilike": *evil}}}),
                    json!({"where": {"name": {"regexp": *evil}}}),
                    json!({"where": {"tags": *evil}}),
                    json!({"where": {"or": [{"n": *evil}, {"meta": *evil}]}}),
                    json!({"order": format!("{evil} DESC")}),
                    json!({"order": [format!("meta.{evil}")]}),
                    json!({"fields": [*evil, "name"]}),
                ];
                for f in filters {
                    let Ok(filter) = parse_filter(def, &f, ParseOptions::default()) else {
                        continue; // rejected by the parser: never reaches SQL
                    };
                    let mut sql = Sql::new(d);
                    select(&mut sql, &t, &filter);
                    assert!(
                        !sql.text().contains(evil),
                        "{d:?}: {f} leaked into {}",
                        sql.text()
                    );
                }
                let mut sql = Sql::new(d);
                assert!(
                    select_by_id(&mut sql, &t, &json!(evil)).is_none(),
                    "not a number"
                );
                let mut sql = Sql::new(d);
                let mut data = crate::value::Object::new();
                data.insert("name".into(), json!(evil));
                data.insert((*evil).to_string(), json!(evil));
                insert(&mut sql, &t, &data, true);
                assert!(!sql.text().contains(evil), "{d:?}: {}", sql.text());
            }
        }
    }

    #[test]
    fn conditions_are_two_valued() {
        let def = model();
        let t = Table::new(def, Dialect::Postgres);
        let f = parse_filter(
            def,
            &json!({"where": {"name": {"neq": "a"}, "n": {"nin": [1, 2]}}}),
            ParseOptions::default(),
        )
        .unwrap();
        let mut sql = Sql::new(Dialect::Postgres);
        select(&mut sql, &t, &f);
        assert_eq!(
            sql.text(),
            "SELECT \"name\", \"n\", \"meta\", \"tags\", \"id\" FROM \"thing\" WHERE \
             ((NOT COALESCE(\"name\" = $1, FALSE)) AND (NOT (COALESCE(\"n\" IN ($2::int8, $3::int8), FALSE)))) \
             ORDER BY \"id\" ASC"
        );
    }
}
