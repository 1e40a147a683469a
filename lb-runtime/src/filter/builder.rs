//! Typed filters: `Location::filter().where_(location::city.eq("Burlingame"))`.
//!
//! `#[derive(Model)]` generates one [`Field`] constant per property, so a misspelled property
//! is a compile error. A typed filter is turned into the same JSON a client would send and
//! parsed by the same code, so both paths share one set of semantics.

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{parse_filter, Filter, ParseOptions};
use crate::model::ModelDefinition;
use crate::value::{DistanceUnit, GeoPoint};
use crate::Error;

/// A typed handle on property `name` of model `M` whose values are `T`.
pub struct Field<M, T> {
    name: &'static str,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Field<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Field<M, T> {}

impl<M, T> std::fmt::Debug for Field<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Field({})", self.name)
    }
}

/// A where condition on model `M`.
#[derive(Debug, Clone)]
pub struct Condition<M> {
    json: Value,
    _marker: PhantomData<fn() -> M>,
}

/// A sort key of model `M`.
#[derive(Debug, Clone)]
pub struct OrderBy<M> {
    text: String,
    _marker: PhantomData<fn() -> M>,
}

fn to_json<T: Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl<M, T> Field<M, T> {
    /// The handle of property `name` (used by generated code).
    pub const fn new(name: &'static str) -> Self {
        Field {
            name,
            _marker: PhantomData,
        }
    }

    /// The property name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    fn op(self, op: &str, v: Value) -> Condition<M> {
        let mut inner = Map::new();
        inner.insert(op.into(), v);
        self.cond(Value::Object(inner))
    }

    fn cond(self, v: Value) -> Condition<M> {
        let mut o = Map::new();
        o.insert(self.name.into(), v);
        Condition {
            json: Value::Object(o),
            _marker: PhantomData,
        }
    }

    /// Ascending sort key.
    pub fn asc(self) -> OrderBy<M> {
        OrderBy {
            text: format!("{} ASC", self.name),
            _marker: PhantomData,
        }
    }

    /// Descending sort key.
    pub fn desc(self) -> OrderBy<M> {
        OrderBy {
            text: format!("{} DESC", self.name),
            _marker: PhantomData,
        }
    }

    /// `null` or missing.
    pub fn is_null(self) -> Condition<M> {
        self.op("eq", Value::Null)
    }
}

impl<M, T: Serialize> Field<M, T> {
    /// Equality (loose, as LoopBack).
    pub fn eq(self, v: impl Into<T>) -> Condition<M> {
        self.op("eq", to_json(v.into()))
    }
    /// `neq`
    pub fn neq(self, v: impl Into<T>) -> Condition<M> {
        self.op("neq", to_json(v.into()))
    }
    /// `gt`
    pub fn gt(self, v: impl Into<T>) -> Condition<M> {
        self.op("gt", to_json(v.into()))
    }
    /// `gte`
    pub fn gte(self, v: impl Into<T>) -> Condition<M> {
        self.op("gte", to_json(v.into()))
    }
    /// `lt`
    pub fn lt(self, v: impl Into<T>) -> Condition<M> {
        self.op("lt", to_json(v.into()))
    }
    /// `lte`
    pub fn lte(self, v: impl Into<T>) -> Condition<M> {
        self.op("lte", to_json(v.into()))
    }
    /// `between` (inclusive)
    pub fn between(self, lo: impl Into<T>, hi: impl Into<T>) -> Condition<M> {
        self.op(
            "between",
            Value::Array(vec![to_json(lo.into()), to_json(hi.into())]),
        )
    }
    /// `inq`
    pub fn inq<I: IntoIterator<Item = V>, V: Into<T>>(self, vs: I) -> Condition<M> {
        self.op(
            "inq",
            Value::Array(vs.into_iter().map(|v| to_json(v.into())).collect()),
        )
    }
    /// `nin`
    pub fn nin<I: IntoIterator<Item = V>, V: Into<T>>(self, vs: I) -> Condition<M> {
        self.op(
            "nin",
            Value::Array(vs.into_iter().map(|v| to_json(v.into())).collect()),
        )
    }
}

impl<M> Field<M, String> {
    /// `like` (`%` any run, `_` one character; unanchored).
    pub fn like(self, pattern: &str) -> Condition<M> {
        self.op("like", Value::from(pattern))
    }
    /// `nlike`
    pub fn nlike(self, pattern: &str) -> Condition<M> {
        self.op("nlike", Value::from(pattern))
    }
    /// `ilike` (case-insensitive)
    pub fn ilike(self, pattern: &str) -> Condition<M> {
        self.op("ilike", Value::from(pattern))
    }
    /// `nilike`
    pub fn nilike(self, pattern: &str) -> Condition<M> {
        self.op("nilike", Value::from(pattern))
    }
    /// `regexp`: `"pattern"` or `"/pattern/flags"`.
    pub fn regexp(self, pattern: &str) -> Condition<M> {
        self.op("regexp", Value::from(pattern))
    }
}

impl<M> Field<M, GeoPoint> {
    /// `near`, optionally within `max_distance` in `unit` (results sorted by distance).
    pub fn near(
        self,
        origin: GeoPoint,
        max_distance: Option<f64>,
        unit: DistanceUnit,
    ) -> Condition<M> {
        let mut inner = Map::new();
        inner.insert("near".into(), origin.to_json());
        if let Some(d) = max_distance {
            inner.insert("maxDistance".into(), crate::value::js::number(d));
        }
        inner.insert("unit".into(), Value::from(unit.name()));
        self.cond(Value::Object(inner))
    }
}

impl<M> Condition<M> {
    /// Both conditions.
    pub fn and(self, other: Condition<M>) -> Condition<M> {
        Self::group("and", vec![self, other])
    }
    /// Either condition.
    pub fn or(self, other: Condition<M>) -> Condition<M> {
        Self::group("or", vec![self, other])
    }
    /// None of the conditions (`nor`).
    pub fn none_of(conds: Vec<Condition<M>>) -> Condition<M> {
        Self::group("nor", conds)
    }
    fn group(op: &str, conds: Vec<Condition<M>>) -> Condition<M> {
        let mut o = Map::new();
        o.insert(
            op.into(),
            Value::Array(conds.into_iter().map(|c| c.json).collect()),
        );
        Condition {
            json: Value::Object(o),
            _marker: PhantomData,
        }
    }
    /// The LoopBack JSON of the condition.
    pub fn to_json(&self) -> &Value {
        &self.json
    }
}

/// A filter under construction for model `M`.
#[derive(Debug, Clone)]
pub struct TypedFilter<M> {
    json: Map<String, Value>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Default for TypedFilter<M> {
    fn default() -> Self {
        TypedFilter {
            json: Map::new(),
            _marker: PhantomData,
        }
    }
}

impl<M> TypedFilter<M> {
    /// An empty filter.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a where condition; several are AND-ed.
    pub fn where_(mut self, c: Condition<M>) -> Self {
        let w = match self.json.remove("where") {
            None => c.json,
            Some(Value::Object(mut prev)) if prev.len() == 1 && prev.contains_key("and") => {
                if let Some(Value::Array(all)) = prev.get_mut("and") {
                    all.push(c.json);
                }
                Value::Object(prev)
            }
            Some(prev) => serde_json::json!({ "and": [prev, c.json] }),
        };
        self.json.insert("where".into(), w);
        self
    }
    /// Adds a sort key.
    pub fn order(mut self, o: OrderBy<M>) -> Self {
        match self.json.get_mut("order") {
            Some(Value::Array(a)) => a.push(Value::String(o.text)),
            _ => {
                self.json
                    .insert("order".into(), Value::Array(vec![Value::String(o.text)]));
            }
        }
        self
    }
    /// Limits the number of rows.
    pub fn limit(mut self, n: usize) -> Self {
        self.json.insert("limit".into(), Value::from(n));
        self
    }
    /// Skips rows.
    pub fn skip(mut self, n: usize) -> Self {
        self.json.insert("skip".into(), Value::from(n));
        self
    }
    /// Only these properties (by name).
    pub fn fields(mut self, names: &[&str]) -> Self {
        self.json
            .insert("fields".into(), Value::from(names.to_vec()));
        self
    }
    /// The LoopBack JSON of the filter.
    pub fn to_json(&self) -> Value {
        Value::Object(self.json.clone())
    }
    /// Parses it against the model definition.
    pub fn build(&self, def: &ModelDefinition) -> Result<Filter, Error> {
        parse_filter(
            def,
            &Value::Object(self.json.clone()),
            ParseOptions::default(),
        )
    }
}
