//! The typed filter AST.

use serde_json::Value;

use super::Pattern;
use crate::value::{DistanceUnit, GeoPoint};

/// A parsed filter (`{"where":..,"fields":..,"order":..,"limit":..,"skip":..,"include":..}`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Condition; `None` matches everything.
    pub where_: Option<Where>,
    /// Projection.
    pub fields: Option<Fields>,
    /// Sort keys, most significant first. Empty = by id.
    pub order: Vec<Order>,
    /// Maximum number of rows (`None` = no limit; LoopBack's `0` also means no limit).
    pub limit: Option<usize>,
    /// Rows to skip.
    pub skip: Option<usize>,
    /// Relations to include, parsed once: each names a relation of the model, with its scope
    /// parsed against the target model.
    pub include: Vec<Inclusion>,
    /// Paging per group of rows sharing a property's value (an `include` scope's `limit`/`skip`
    /// apply per parent); applied after `order`, before `skip`/`limit`.
    pub partition: Option<Partition>,
}

/// One relation of an `include` (`"posts"`, `{"relation": "posts", "scope": {..}}`,
/// `{"posts": "author"}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Inclusion {
    /// The relation's name (a relation of the filter's model).
    pub relation: String,
    /// The query of the related rows.
    pub scope: Scope,
}

/// The scope of an [`Inclusion`].
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// None given: every related row.
    All,
    /// A filter of the target model (`where`, `fields`, `order`, `limit`, `skip`, a nested
    /// `include`), validated against it.
    Filter(Box<Filter>),
    /// The target model varies per row (a polymorphic belongsTo): the scope as given, parsed
    /// against each model the rows name when the inclusion runs, within these limits.
    PerTarget(Value, super::QueryLimits),
}

/// Paging within groups (see [`Filter::partition`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    /// The property whose value forms the groups.
    pub property: String,
    /// Rows kept per group.
    pub limit: Option<usize>,
    /// Rows skipped per group.
    pub skip: Option<usize>,
}

/// A conjunction of clauses; empty matches every row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Where(pub Vec<Clause>);

/// One entry of a where object.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `{"and":[..]}`
    And(Vec<Where>),
    /// `{"or":[..]}`
    Or(Vec<Where>),
    /// `{"nor":[..]}`: no branch matches.
    Nor(Vec<Where>),
    /// `{"rel.prop": ..}` where `rel` is a relation: some related instance satisfies the
    /// condition (an `EXISTS` on SQL). Beyond LoopBack.
    Related(Box<Related>),
    /// `{"prop": value}` or `{"prop": {"op": value, ..}}`; several operators are AND-ed.
    Property {
        /// Property name, possibly dotted (`meta.x`).
        name: String,
        /// Operators, all of which must hold.
        ops: Vec<Op>,
        /// How to find the property fast (derived from the model definition).
        lookup: Lookup,
    },
}

/// A condition on a relation's target (see [`Clause::Related`]).
#[derive(Debug, Clone)]
pub struct Related {
    /// The relation's name.
    pub relation: String,
    /// The property of the source row ...
    pub source_key: String,
    /// ... that equals this property of a related target row.
    pub target_key: String,
    /// The target model.
    pub target: &'static crate::model::ModelDefinition,
    /// The condition on the target's properties.
    pub where_: Where,
}

impl PartialEq for Related {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.relation,
            &self.source_key,
            &self.target_key,
            &self.where_,
        ) == (
            &other.relation,
            &other.source_key,
            &other.target_key,
            &other.where_,
        ) && self.target.name == other.target.name
    }
}

/// Precomputed help for evaluating a property condition on stored records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lookup {
    /// Position of the property in the model definition.
    pub index: Option<usize>,
    /// `{prop: scalar}` on a declared scalar property, the operand of the kind the property
    /// stores (values are normalized on write): a compact record's slot answers the condition
    /// by a direct comparison ([`crate::value::Record::slot_equals`]).
    pub eq_exact: bool,
}

/// A comparison operator with its (coerced) operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// equality (implicit or `eq`)
    Eq(Value),
    /// `neq`
    Neq(Value),
    /// `gt`
    Gt(Value),
    /// `gte`
    Gte(Value),
    /// `lt`
    Lt(Value),
    /// `lte`
    Lte(Value),
    /// `between` (inclusive)
    Between(Value, Value),
    /// `inq`
    Inq(Vec<Value>),
    /// `nin`
    Nin(Vec<Value>),
    /// `like`
    Like(Pattern),
    /// `nlike`
    NLike(Pattern),
    /// `ilike`
    ILike(Pattern),
    /// `nilike`
    NILike(Pattern),
    /// `regexp`
    Regexp(Pattern),
    /// `near` (+ `maxDistance`, `minDistance`, `unit`)
    Near(Near),
}

impl Op {
    /// LoopBack's operator name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Eq(_) => "eq",
            Op::Neq(_) => "neq",
            Op::Gt(_) => "gt",
            Op::Gte(_) => "gte",
            Op::Lt(_) => "lt",
            Op::Lte(_) => "lte",
            Op::Between(..) => "between",
            Op::Inq(_) => "inq",
            Op::Nin(_) => "nin",
            Op::Like(_) => "like",
            Op::NLike(_) => "nlike",
            Op::ILike(_) => "ilike",
            Op::NILike(_) => "nilike",
            Op::Regexp(_) => "regexp",
            Op::Near(_) => "near",
        }
    }
}

/// A `near` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Near {
    /// Origin.
    pub origin: GeoPoint,
    /// `maxDistance` in `unit`.
    pub max_distance: Option<f64>,
    /// `minDistance` in `unit`.
    pub min_distance: Option<f64>,
    /// `unit` (miles by default).
    pub unit: Option<DistanceUnit>,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// ascending (default)
    Asc,
    /// descending
    Desc,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Property name (possibly dotted).
    pub property: String,
    /// Direction.
    pub direction: Direction,
}

/// A `fields` projection.
#[derive(Debug, Clone, PartialEq)]
pub enum Fields {
    /// Only these properties.
    Include(Vec<String>),
    /// Every property but these.
    Exclude(Vec<String>),
}

impl Fields {
    /// Whether property `name` is part of the output.
    pub fn shows(&self, name: &str) -> bool {
        match self {
            Fields::Include(names) => names.iter().any(|n| n == name),
            Fields::Exclude(names) => !names.iter().any(|n| n == name),
        }
    }
}

impl Where {
    /// The first `near` condition at the top level of the where (it decides the result order).
    pub fn near(&self) -> Option<(&str, &Near)> {
        self.0.iter().find_map(|c| match c {
            Clause::Property { name, ops, .. } => ops.iter().find_map(|op| match op {
                Op::Near(n) => Some((name.as_str(), n)),
                _ => None,
            }),
            _ => None,
        })
    }
}
