//! [`Filter`] → JSON, the inverse of parsing (used by the typed builder, connectors that
//! forward filters, and round-trip tests).

use serde_json::{Map, Value};

use super::ast::{Clause, Direction, Fields, Filter, Op, Scope, Where};
use crate::value::js;

impl Filter {
    /// The filter as LoopBack JSON.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        if let Some(w) = &self.where_ {
            o.insert("where".into(), w.to_json());
        }
        if let Some(f) = &self.fields {
            let (names, show) = match f {
                Fields::Include(n) => (n, true),
                Fields::Exclude(n) => (n, false),
            };
            o.insert(
                "fields".into(),
                Value::Object(
                    names
                        .iter()
                        .map(|n| (n.clone(), Value::Bool(show)))
                        .collect(),
                ),
            );
        }
        if !self.order.is_empty() {
            o.insert(
                "order".into(),
                Value::Array(
                    self.order
                        .iter()
                        .map(|k| {
                            let d = if k.direction == Direction::Asc {
                                "ASC"
                            } else {
                                "DESC"
                            };
                            Value::String(format!("{} {d}", k.property))
                        })
                        .collect(),
                ),
            );
        }
        if let Some(l) = self.limit {
            o.insert("limit".into(), Value::from(l));
        }
        if let Some(s) = self.skip {
            o.insert("skip".into(), Value::from(s));
        }
        if !self.include.is_empty() {
            let items = self.include.iter().map(|i| {
                let mut e = Map::new();
                e.insert("relation".into(), Value::String(i.relation.clone()));
                match &i.scope {
                    Scope::All => {}
                    Scope::Filter(f) => {
                        e.insert("scope".into(), f.to_json());
                    }
                    Scope::PerTarget(v, _) => {
                        e.insert("scope".into(), v.clone());
                    }
                }
                Value::Object(e)
            });
            o.insert("include".into(), Value::Array(items.collect()));
        }
        Value::Object(o)
    }
}

impl Where {
    /// The where clause as LoopBack JSON. Clauses that would repeat a key are nested in `and`.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        let mut extra = Vec::new();
        for c in &self.0 {
            let (k, v) = clause_json(c);
            if o.contains_key(&k) {
                let mut single = Map::new();
                single.insert(k, v);
                extra.push(Value::Object(single));
            } else {
                o.insert(k, v);
            }
        }
        if !extra.is_empty() {
            let mut all: Vec<Value> = vec![Value::Object(o)];
            all.extend(extra);
            let mut and = Map::new();
            and.insert("and".into(), Value::Array(all));
            return Value::Object(and);
        }
        Value::Object(o)
    }
}

fn clause_json(c: &Clause) -> (String, Value) {
    let list = |ws: &[Where]| Value::Array(ws.iter().map(Where::to_json).collect());
    match c {
        Clause::And(ws) => ("and".into(), list(ws)),
        Clause::Or(ws) => ("or".into(), list(ws)),
        Clause::Nor(ws) => ("nor".into(), list(ws)),
        Clause::Related(r) if r.relation.is_empty() => match r.where_.0.first() {
            // the target hop of a hasManyThrough condition: its clause is the relation's
            Some(c) if r.where_.0.len() == 1 => clause_json(c),
            _ => ("and".into(), Value::Array(vec![r.where_.to_json()])),
        },
        Clause::Related(r) => {
            // parsed from `{"rel.prop": ..}`: one clause on the target, written back prefixed
            match r.where_.0.first().map(clause_json) {
                Some((k, v)) if r.where_.0.len() == 1 => (format!("{}.{k}", r.relation), v),
                _ => (
                    "and".into(),
                    Value::Array(
                        r.where_
                            .0
                            .iter()
                            .map(|c| {
                                let (k, v) = clause_json(c);
                                let mut o = Map::new();
                                o.insert(format!("{}.{k}", r.relation), v);
                                Value::Object(o)
                            })
                            .collect(),
                    ),
                ),
            }
        }
        Clause::Property { name, ops, .. } => {
            if let [Op::Eq(v)] = ops.as_slice() {
                if !v.is_object() {
                    return (name.clone(), v.clone());
                }
            }
            let mut o = Map::new();
            for op in ops {
                let v = match op {
                    Op::Eq(v) | Op::Neq(v) | Op::Gt(v) | Op::Gte(v) | Op::Lt(v) | Op::Lte(v) => {
                        v.clone()
                    }
                    Op::Between(a, b) => Value::Array(vec![a.clone(), b.clone()]),
                    Op::Inq(vs) | Op::Nin(vs) => Value::Array(vs.clone()),
                    Op::Like(p) | Op::NLike(p) | Op::ILike(p) | Op::NILike(p) | Op::Regexp(p) => {
                        Value::String(p.source.clone())
                    }
                    Op::Near(n) => {
                        if let Some(d) = n.max_distance {
                            o.insert("maxDistance".into(), js::number(d));
                        }
                        if let Some(d) = n.min_distance {
                            o.insert("minDistance".into(), js::number(d));
                        }
                        if let Some(u) = n.unit {
                            o.insert("unit".into(), Value::from(u.name()));
                        }
                        n.origin.to_json()
                    }
                };
                o.insert(op.name().into(), v);
            }
            (name.clone(), Value::Object(o))
        }
    }
}
