//! JSON → [`Filter`] with LoopBack's validation messages and coercion by property type.

use serde_json::{Map, Value};

use super::ast::{
    Clause, Direction, Fields, Filter, Inclusion, Lookup, Near, Op, Order, Scope, Where,
};
use super::Pattern;
use crate::model::{DataType, ModelDefinition};
use crate::value::{date, js, DistanceUnit, GeoPoint};
use crate::Error;

/// LoopBack's `maxDepthOfQuery`.
pub const MAX_QUERY_DEPTH: usize = 12;

/// The most conditions a `where` may hold, at every depth: an `or` of thousands is a SQL
/// expression no database takes (SQLite: 1000 levels), and work for the memory connector.
pub const MAX_CONDITIONS: usize = 512;

/// The most values the lists of a `where` (`inq`, `nin`) may hold together: each is a bound
/// parameter (SQLite takes 32,766 per statement, PostgreSQL and MySQL 65,535).
pub const MAX_LIST_VALUES: usize = 10_000;

/// The longest `like` / `regexp` pattern, in characters: a long literal pattern over large
/// texts costs seconds on every datasource.
pub const MAX_PATTERN_LENGTH: usize = 1_000;

/// The most distinct keys an `order` may have (repeated keys count once): sorting costs
/// rows × keys, so one request cannot make it unbounded.
pub const MAX_ORDER_KEYS: usize = 64;

/// The bounds of one filter (each a 400 beyond it, before any statement is built), per app
/// (`AppBuilder::query_limits`). The defaults are the `MAX_*` constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    /// Conditions in a `where`, at every depth ([`MAX_CONDITIONS`]).
    pub max_conditions: usize,
    /// Values the lists of a `where` hold together ([`MAX_LIST_VALUES`]); past 32,766 SQLite
    /// cannot bind them.
    pub max_list_values: usize,
    /// Characters of a `like`/`regexp` pattern ([`MAX_PATTERN_LENGTH`]).
    pub max_pattern_length: usize,
    /// Distinct `order` keys ([`MAX_ORDER_KEYS`]).
    pub max_order_keys: usize,
    /// Distinct names in `fields` ([`MAX_FIELDS`]).
    pub max_fields: usize,
    /// Bytes of a `filter` or `where` sent as text — a query parameter or a header
    /// ([`MAX_FILTER_BYTES`]).
    pub max_filter_bytes: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            max_conditions: MAX_CONDITIONS,
            max_list_values: MAX_LIST_VALUES,
            max_pattern_length: MAX_PATTERN_LENGTH,
            max_order_keys: MAX_ORDER_KEYS,
            max_fields: MAX_FIELDS,
            max_filter_bytes: MAX_FILTER_BYTES,
        }
    }
}

/// The most distinct names a `fields` may list (a projection costs rows × names).
pub const MAX_FIELDS: usize = 256;

/// The longest `filter` or `where` sent as text (a query parameter or a header), in bytes.
pub const MAX_FILTER_BYTES: usize = 64 * 1024;

/// Where the filter comes from; REST callers get LoopBack's remote-call rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// Remove conditions on hidden properties (`prohibitHiddenPropertiesInQuery`), as LoopBack
    /// does for every REST call, and `order` keys on them (which LoopBack honours, leaking the
    /// values one comparison at a time).
    pub strip_hidden: bool,
    /// A stripped condition matches nothing instead of being dropped: the `where` of a write,
    /// which a dropped condition would widen to every instance.
    pub hidden_matches_nothing: bool,
    /// The bounds of the filter.
    pub limits: QueryLimits,
}

impl ParseOptions {
    /// These options with `limits`.
    pub fn with_limits(self, limits: QueryLimits) -> Self {
        ParseOptions { limits, ..self }
    }

    /// The options of a REST request.
    pub fn rest() -> Self {
        ParseOptions {
            strip_hidden: true,
            hidden_matches_nothing: false,
            limits: QueryLimits::default(),
        }
    }

    /// The options of the `where` of a REST write (`updateAll`, `upsertWithWhere`).
    pub fn rest_write() -> Self {
        ParseOptions {
            strip_hidden: true,
            hidden_matches_nothing: true,
            limits: QueryLimits::default(),
        }
    }
}

const OPERATORS: &[&str] = &[
    "eq",
    "neq",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "inq",
    "nin",
    "like",
    "nlike",
    "ilike",
    "nilike",
    "regexp",
    "near",
    "maxDistance",
    "minDistance",
    "unit",
    "options",
];

/// Nesting depth of a JSON value (a scalar is 0, `{}` is 1).
pub(crate) fn depth(v: &Value) -> usize {
    match v {
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn check_depth(v: &Value) -> Result<(), Error> {
    if depth(v) > MAX_QUERY_DEPTH {
        return Err(Error::bad_request(format!(
            "The query object exceeds maximum depth {MAX_QUERY_DEPTH}"
        ))
        .with_code("QUERY_OBJECT_TOO_DEEP"));
    }
    Ok(())
}

/// Parses a whole filter object. `null` is an empty filter.
///
/// ```
/// use lb_runtime::filter::{parse_filter, ParseOptions};
/// use lb_runtime::model::{DataType, ModelDefinition};
/// let def = ModelDefinition::builder("Item").property("n", DataType::Number, |p| p).build();
/// let f = parse_filter(&def, &serde_json::json!({"where": {"n": {"gt": "3"}}, "limit": "2"}),
///                      ParseOptions::default()).unwrap();
/// assert_eq!(f.limit, Some(2));
/// ```
pub fn parse_filter(def: &ModelDefinition, v: &Value, opts: ParseOptions) -> Result<Filter, Error> {
    let o = match v {
        Value::Null => return Ok(Filter::default()),
        Value::Object(o) => o,
        other => {
            return Err(Error::bad_request(format!(
                "The query filter {} is not an object",
                other
            )))
        }
    };
    check_depth(v)?;
    let mut f = Filter::default();
    if let Some(w) = o.get("where") {
        f.where_ = parse_where_value(def, w, opts)?;
    }
    if let Some(l) = o.get("limit") {
        f.limit = parse_count(l, "limit")?.filter(|&n| n > 0);
    }
    if let Some(s) = o.get("skip").or_else(|| o.get("offset")) {
        f.skip = parse_count(s, "offset/skip")?;
    }
    if let Some(ord) = o.get("order") {
        f.order = parse_order(def, ord, opts)?;
    }
    if let Some(fields) = o.get("fields") {
        f.fields = parse_fields(fields, opts.limits.max_fields)?;
    }
    if let Some(inc) = o.get("include") {
        f.include = parse_include(def, inc, opts.limits)?;
    }
    Ok(f)
}

/// An `include` value in any of its forms (`"a"`, `["a", {"b": "c"}]`,
/// `{"relation": "a", "scope": {..}}`, `{"a": <nested include>}`), each relation checked
/// against `def` (LoopBack 3 answers 500 for an unknown one; lb answers 400) and each scope
/// parsed against the relation's target model. Scopes are read with REST rules. A relation
/// named again counts once, with the last scope given (what LoopBack's answer shows): an
/// include repeated thousands of times runs once.
pub fn parse_include(
    def: &ModelDefinition,
    v: &Value,
    limits: QueryLimits,
) -> Result<Vec<Inclusion>, Error> {
    let mut out = Vec::new();
    collect_inclusions(def, v, limits, &mut out)?;
    Ok(out)
}

fn collect_inclusions(
    def: &ModelDefinition,
    v: &Value,
    limits: QueryLimits,
    out: &mut Vec<Inclusion>,
) -> Result<(), Error> {
    match v {
        Value::Null => {}
        Value::String(s) => add(out, inclusion(def, s, None, limits)?),
        Value::Array(a) => {
            for x in a {
                collect_inclusions(def, x, limits, out)?;
            }
        }
        Value::Object(o) => match o.get("relation") {
            Some(Value::String(r)) => {
                let scope = match o.get("scope") {
                    None | Some(Value::Null) => None,
                    Some(s @ Value::Object(_)) => Some(s.clone()),
                    Some(_) => {
                        return Err(Error::bad_request("include: `scope` must be an object"))
                    }
                };
                add(out, inclusion(def, r, scope, limits)?);
            }
            Some(_) => return Err(Error::bad_request("include: `relation` must be a string")),
            None => {
                for (k, nested) in o {
                    let mut scope = Map::new();
                    scope.insert("include".into(), nested.clone());
                    add(out, inclusion(def, k, Some(Value::Object(scope)), limits)?);
                }
            }
        },
        _ => {
            return Err(Error::bad_request(
                "include must be a string, an array or an object",
            ))
        }
    }
    Ok(())
}

/// `inc` added to the list, or replacing an earlier inclusion of the same relation.
fn add(out: &mut Vec<Inclusion>, inc: Inclusion) {
    match out.iter_mut().find(|x| x.relation == inc.relation) {
        Some(earlier) => *earlier = inc,
        None => out.push(inc),
    }
}

fn inclusion(
    def: &ModelDefinition,
    name: &str,
    scope: Option<Value>,
    limits: QueryLimits,
) -> Result<Inclusion, Error> {
    let Some(rel) = def.relation(name) else {
        return Err(Error::bad_request(format!(
            "Relation {} is not defined for {} model",
            Value::String(name.to_string()),
            def.name
        )));
    };
    let scope = match (scope, rel.target_definition) {
        (None, _) => Scope::All,
        (Some(s), Some(target)) if !rel.is_polymorphic_belongs_to() => {
            let opts = ParseOptions::rest().with_limits(limits);
            Scope::Filter(Box::new(parse_filter(target(), &s, opts)?))
        }
        (Some(s), _) => Scope::PerTarget(s, limits),
    };
    Ok(Inclusion {
        relation: name.to_string(),
        scope,
    })
}

/// Parses a where object (count, updateAll, ...). `null` and `{}` are "everything".
pub fn parse_where(
    def: &ModelDefinition,
    v: &Value,
    opts: ParseOptions,
) -> Result<Option<Where>, Error> {
    check_depth(v)?;
    parse_where_value(def, v, opts)
}

fn parse_where_value(
    def: &ModelDefinition,
    v: &Value,
    opts: ParseOptions,
) -> Result<Option<Where>, Error> {
    if v.is_null() {
        return Ok(None);
    }
    let w = WhereParser { def, opts }.parse(v)?;
    check_size(&w, &opts.limits)?;
    Ok(if w.0.is_empty() { None } else { Some(w) })
}

/// How many conditions and list values a `where` holds, at every depth.
fn size(w: &Where) -> (usize, usize) {
    let mut conditions = 0;
    let mut values = 0;
    for c in &w.0 {
        let (c, v) = match c {
            Clause::And(ws) | Clause::Or(ws) | Clause::Nor(ws) => ws
                .iter()
                .map(size)
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
            Clause::Related(r) => size(&r.where_),
            Clause::Property { ops, .. } => (
                1,
                ops.iter()
                    .map(|op| match op {
                        Op::Inq(xs) | Op::Nin(xs) => xs.len(),
                        _ => 0,
                    })
                    .sum(),
            ),
        };
        conditions += c;
        values += v;
    }
    (conditions, values)
}

/// A `where` within the limits' conditions and list values (a 400 otherwise, before any
/// statement is built).
fn check_size(w: &Where, limits: &QueryLimits) -> Result<(), Error> {
    let (conditions, values) = size(w);
    if conditions > limits.max_conditions {
        return Err(Error::bad_request(format!(
            "The where clause has more than {} conditions",
            limits.max_conditions
        )));
    }
    if values > limits.max_list_values {
        return Err(Error::bad_request(format!(
            "The where clause lists more than {} values",
            limits.max_list_values
        )));
    }
    Ok(())
}

fn parse_count(v: &Value, what: &str) -> Result<Option<usize>, Error> {
    let n = match v {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.is_empty() => return Ok(None),
        Value::String(s) => js::string_to_number(s),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    };
    match n {
        Some(f) if f.is_finite() && f >= 0.0 && f.fract() == 0.0 => {
            Ok(Some(f.min(usize::MAX as f64) as usize))
        }
        _ => {
            let shown = match v {
                Value::Number(n) => n
                    .as_f64()
                    .map(js::number_to_string)
                    .unwrap_or_else(|| n.to_string()),
                other => other.to_string(),
            };
            Err(Error::bad_request(format!(
                "The {what} parameter {shown} is not valid"
            )))
        }
    }
}

/// `order` in LoopBack's forms; a key on a hidden property is left out (REST), a repeated key
/// counts once (the first one decides), more distinct keys than the limits allow is a 400.
fn parse_order(def: &ModelDefinition, v: &Value, opts: ParseOptions) -> Result<Vec<Order>, Error> {
    static COMMA: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"(?:\s*,\s*)+").expect("valid regex"));
    static SPACE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\s+").expect("valid regex"));
    let items: Vec<&Value> = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for item in items {
        let s = match item {
            Value::String(s) => s,
            other => {
                return Err(Error::bad_request(format!(
                    "The order {other} is not valid"
                )))
            }
        };
        // the juggler's tokenizer: comma-separated keys, then `prop [ASC|DESC]` split on
        // whitespace (leading whitespace makes an empty property and an invalid direction)
        for token in COMMA.split(s).filter(|t| !t.is_empty()) {
            let parts: Vec<&str> = SPACE.split(token).collect();
            let direction = match parts.get(1) {
                None => Direction::Asc,
                Some(d) if d.eq_ignore_ascii_case("asc") => Direction::Asc,
                Some(d) if d.eq_ignore_ascii_case("desc") => Direction::Desc,
                Some(_) => {
                    return Err(Error::bad_request(format!(
                        "The order {} has invalid direction",
                        Value::String(token.to_string())
                    )))
                }
            };
            let property = parts[0];
            let head = property.split('.').next().unwrap_or(property);
            if opts.strip_hidden && def.is_hidden(head) {
                continue;
            }
            if out.iter().any(|o: &Order| o.property == property) {
                continue;
            }
            if out.len() == opts.limits.max_order_keys {
                return Err(Error::bad_request(format!(
                    "The order has more than {} different keys",
                    opts.limits.max_order_keys
                )));
            }
            out.push(Order {
                property: property.to_string(),
                direction,
            });
        }
    }
    Ok(out)
}

/// LoopBack keeps a `fields` entry when its value is truthy (so the bracket string `"false"`
/// counts as true, as it does in LoopBack 3).
fn flag(v: &Value) -> bool {
    js::truthy(v)
}

/// `fields` in LoopBack's forms; a repeated name counts once, more distinct names than
/// `max` is a 400 (a projection costs rows × names).
fn parse_fields(v: &Value, max: usize) -> Result<Option<Fields>, Error> {
    let names = |it: &mut dyn Iterator<Item = String>| -> Result<Vec<String>, Error> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for name in it {
            if !seen.insert(name.clone()) {
                continue;
            }
            if out.len() == max {
                return Err(Error::bad_request(format!(
                    "The fields list more than {max} different properties"
                )));
            }
            out.push(name);
        }
        Ok(out)
    };
    Ok(match v {
        Value::String(s) if !s.is_empty() => Some(Fields::Include(vec![s.clone()])),
        Value::Array(a) if !a.is_empty() => {
            Some(Fields::Include(names(&mut a.iter().map(|x| match x {
                Value::String(s) => s.clone(),
                other => js::to_js_string(other),
            }))?))
        }
        Value::Object(o) if !o.is_empty() => {
            let shown = names(&mut o.iter().filter(|(_, v)| flag(v)).map(|(k, _)| k.clone()))?;
            if !shown.is_empty() {
                Some(Fields::Include(shown))
            } else {
                Some(Fields::Exclude(names(&mut o.keys().cloned())?))
            }
        }
        _ => None,
    })
}

struct WhereParser<'a> {
    def: &'a ModelDefinition,
    opts: ParseOptions,
}

/// An array, or an object with keys "0".."n-1" (as bracket syntax can produce).
fn as_list(v: &Value) -> Option<Vec<&Value>> {
    match v {
        Value::Array(a) => Some(a.iter().collect()),
        Value::Object(o) => {
            let mut out = Vec::with_capacity(o.len());
            for i in 0..o.len() {
                out.push(o.get(&i.to_string())?);
            }
            Some(out)
        }
        _ => None,
    }
}

const NOT_A_LIST: &str = "Value is not an array or object with sequential numeric indices";

impl WhereParser<'_> {
    fn parse(&self, v: &Value) -> Result<Where, Error> {
        let o = match v {
            Value::Object(o) => o,
            other => {
                return Err(Error::bad_request(format!(
                    "The where clause {other} is not an object"
                )))
            }
        };
        let mut clauses = Vec::with_capacity(o.len());
        for (key, val) in o {
            match key.as_str() {
                "and" | "or" | "nor" => {
                    let items = as_list(val).ok_or_else(|| {
                        Error::bad_request(format!(
                            "The {key} operator has invalid clauses {val}: {NOT_A_LIST}"
                        ))
                    })?;
                    let subs = items
                        .into_iter()
                        .map(|x| self.parse(x))
                        .collect::<Result<Vec<_>, _>>()?;
                    clauses.push(match key.as_str() {
                        "and" => Clause::And(subs),
                        "or" => Clause::Or(subs),
                        _ => Clause::Nor(subs),
                    });
                }
                _ => {
                    if self.opts.strip_hidden && self.def.is_hidden(key) {
                        if self.opts.hidden_matches_nothing {
                            // an empty `or`: no instance
                            clauses.push(Clause::Or(Vec::new()));
                        }
                        continue;
                    }
                    if let Some(related) = self.related(key, val)? {
                        if !related.where_.0.is_empty() {
                            clauses.push(Clause::Related(Box::new(related)));
                        }
                        continue;
                    }
                    let ops = self.property(key, val, v)?;
                    let lookup = Lookup::for_property(self.def, key, &ops);
                    clauses.push(Clause::Property {
                        name: key.clone(),
                        ops,
                        lookup,
                    });
                }
            }
        }
        Ok(Where(clauses))
    }

    /// `rel.prop` where `rel` is a relation (not a property) of the model: a condition on the
    /// related instances, parsed against the target model.
    fn related(&self, key: &str, val: &Value) -> Result<Option<super::Related>, Error> {
        let Some((head, rest)) = key.split_once('.') else {
            return Ok(None);
        };
        if self.def.property(head).is_some() {
            return Ok(None);
        }
        let Some(rel) = self.def.relation(head) else {
            return Ok(None);
        };
        // each relation hop is a subquery: as deep as a query object may be, no deeper
        if key.split('.').count() > MAX_QUERY_DEPTH {
            return Err(Error::bad_request(format!(
                "The property path {key:?} exceeds maximum depth {MAX_QUERY_DEPTH}"
            ))
            .with_code("QUERY_OBJECT_TOO_DEEP"));
        }
        let Some(target_def) = rel.target_definition else {
            return Err(Error::bad_request(format!(
                "relation {} of {} cannot be filtered on: its target is not known statically",
                rel.name, self.def.name
            )));
        };
        if rel.is_polymorphic_belongs_to() {
            return Err(Error::bad_request(format!(
                "conditions on polymorphic relation {} are not supported",
                rel.name
            )));
        }
        if rel.kind == crate::model::RelationKind::ReferencesMany {
            return Err(Error::bad_request(format!(
                "conditions on referencesMany relation {} are not supported",
                rel.name
            )));
        }
        let target = target_def();
        let mut inner = serde_json::Map::new();
        inner.insert(rest.to_string(), val.clone());
        let mut where_ = WhereParser {
            def: target,
            opts: self.opts,
        }
        .parse(&Value::Object(inner))?;
        if where_.0.is_empty() {
            // a hidden property of the target, stripped: the caller drops the condition, as
            // on the model itself (not "has some related instance")
            return Ok(Some(super::Related {
                relation: rel.name.clone(),
                source_key: String::new(),
                target_key: String::new(),
                target,
                where_,
            }));
        }
        if let Some(d) = &rel.discriminator {
            // a polymorphic hasMany/hasOne: the related rows that point at this model
            let own = WhereParser {
                def: target,
                opts: ParseOptions::default(),
            }
            .parse(&serde_json::json!({ d: self.def.name }))?;
            where_.0.extend(own.0);
        }
        if let (Some(through_def), Some(_)) = (rel.through_definition, &rel.through) {
            // some link of this instance leads to a target that matches
            let through = through_def();
            let to_target = super::Related {
                // the hop from the link to the target: no name of its own in the JSON form
                relation: String::new(),
                source_key: rel.key_through(),
                target_key: target.id().name.clone(),
                target,
                where_,
            };
            return Ok(Some(super::Related {
                relation: rel.name.clone(),
                source_key: rel.referenced_key(self.def).to_string(),
                target_key: rel.foreign_key.clone(),
                target: through,
                where_: Where(vec![Clause::Related(Box::new(to_target))]),
            }));
        }
        let (source_key, target_key) = match rel.kind {
            crate::model::RelationKind::BelongsTo => (
                rel.foreign_key.clone(),
                rel.referenced_key(target).to_string(),
            ),
            _ => (
                rel.referenced_key(self.def).to_string(),
                rel.foreign_key.clone(),
            ),
        };
        Ok(Some(super::Related {
            relation: rel.name.clone(),
            source_key,
            target_key,
            target,
            where_,
        }))
    }

    fn dollar_error(&self, operators: Vec<String>, container: &Value) -> Error {
        let mut details = Map::new();
        details.insert("operators".into(), Value::from(operators.clone()));
        details.insert("where".into(), container.clone());
        Error::operators_not_allowed(&operators)
            .with_code("OPERATOR_NOT_ALLOWED_IN_QUERY")
            .with_details(Value::Object(details))
    }

    fn property(&self, name: &str, val: &Value, container: &Value) -> Result<Vec<Op>, Error> {
        let ty = self.def.property(name).map(|p| &p.data_type);
        let item_ty = match ty {
            Some(DataType::Array(item)) => Some(&**item),
            other => other,
        };
        let cond = match val {
            Value::Object(o) if !o.is_empty() => o,
            other => return Ok(vec![Op::Eq(coerce(item_ty, other)?)]),
        };
        let dollars: Vec<String> = cond
            .keys()
            .filter(|k| k.starts_with('$'))
            .cloned()
            .collect();
        if !dollars.is_empty() {
            return Err(self.dollar_error(dollars, container));
        }
        if !cond.keys().any(|k| OPERATORS.contains(&k.as_str())) {
            // an object value compared as a whole (e.g. a GeoPoint or a nested object)
            return Ok(vec![Op::Eq(val.clone())]);
        }
        let invalid = |msg: &str| {
            Error::bad_request(format!(
                "The {name} property has invalid clause {val}: {msg}"
            ))
        };
        let list = |v: &Value| -> Result<Vec<Value>, Error> {
            as_list(v)
                .ok_or_else(|| invalid(&format!("Error: {NOT_A_LIST}")))?
                .into_iter()
                .map(|x| coerce(item_ty, x))
                .collect()
        };
        let max_pattern = self.opts.limits.max_pattern_length;
        let pattern_text = |v: &Value| -> Result<String, Error> {
            match v {
                Value::String(s) if s.chars().count() > max_pattern => Err(invalid(&format!(
                    "the pattern is longer than {max_pattern} characters"
                ))),
                Value::String(s) => Ok(s.clone()),
                _ => Err(invalid("Expected a string or RegExp")),
            }
        };
        let num = |key: &str| -> Result<Option<f64>, Error> {
            match cond.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => js::to_number(v)
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    .map(Some)
                    .ok_or_else(|| invalid(&format!("{key} must be a non-negative number"))),
            }
        };
        let mut ops = Vec::with_capacity(cond.len());
        for (op, arg) in cond {
            let parsed = match op.as_str() {
                "eq" => Op::Eq(coerce(item_ty, arg)?),
                "neq" => Op::Neq(coerce(item_ty, arg)?),
                "gt" => Op::Gt(coerce(item_ty, arg)?),
                "gte" => Op::Gte(coerce(item_ty, arg)?),
                "lt" => Op::Lt(coerce(item_ty, arg)?),
                "lte" => Op::Lte(coerce(item_ty, arg)?),
                "inq" => Op::Inq(list(arg)?),
                "nin" => Op::Nin(list(arg)?),
                "between" => {
                    let items = list(arg)?;
                    match <[Value; 2]>::try_from(items) {
                        Ok([lo, hi]) => Op::Between(lo, hi),
                        Err(items) => {
                            return Err(invalid(&format!(
                                "Expected precisely 2 values, received {}",
                                items.len()
                            )))
                        }
                    }
                }
                "like" | "nlike" | "ilike" | "nilike" => {
                    let text = pattern_text(arg)?;
                    let ci = op.starts_with("i")
                        || op.starts_with("ni")
                        || cond
                            .get("options")
                            .and_then(Value::as_str)
                            .is_some_and(|o| o.contains('i'));
                    let p = Pattern::like(&text, ci).map_err(|e| invalid(&e))?;
                    match op.as_str() {
                        "like" => Op::Like(p),
                        "nlike" => Op::NLike(p),
                        "ilike" => Op::ILike(p),
                        _ => Op::NILike(p),
                    }
                }
                "regexp" => {
                    Op::Regexp(Pattern::regexp(&pattern_text(arg)?).map_err(Error::bad_request)?)
                }
                "near" => {
                    let origin = GeoPoint::from_json(arg).map_err(|e| invalid(&e))?;
                    let unit = match cond.get("unit") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(u)) => Some(DistanceUnit::from_name(u).ok_or_else(|| {
                            invalid(&format!("unknown unit \"{u}\" (miles, kilometers, meters, feet, radians, degrees)"))
                        })?),
                        Some(_) => return Err(invalid("unit must be a string")),
                    };
                    Op::Near(Near {
                        origin,
                        max_distance: num("maxDistance")?,
                        min_distance: num("minDistance")?,
                        unit,
                    })
                }
                "maxDistance" | "minDistance" | "unit" => {
                    if !cond.contains_key("near") {
                        return Err(invalid(&format!("{op} needs near")));
                    }
                    continue;
                }
                "options" => continue,
                other => return Err(invalid(&format!("unknown operator \"{other}\""))),
            };
            ops.push(parsed);
        }
        Ok(ops)
    }
}

impl Lookup {
    /// The lookup help for a condition on `name`.
    pub fn for_property(def: &ModelDefinition, name: &str, ops: &[Op]) -> Lookup {
        let index = def.property_index(name);
        // Stored values of these types are normalized on write, so loose equality with an
        // operand of the same JSON kind is exact equality.
        let same_kind = |v: &Value| {
            index.is_some_and(|i| match def.properties[i].data_type {
                DataType::String | DataType::Date => v.is_string(),
                DataType::Number | DataType::Integer => v.is_number(),
                DataType::Boolean => v.is_boolean(),
                _ => false,
            })
        };
        Lookup {
            index,
            eq_exact: matches!(ops, [Op::Eq(v)] if same_kind(v)),
        }
    }
}

/// Coerces a where operand by the property's declared type (juggler rules; invalid dates are a
/// 400 instead of LoopBack's 500).
fn coerce(ty: Option<&DataType>, v: &Value) -> Result<Value, Error> {
    let Some(ty) = ty else { return Ok(v.clone()) };
    if v.is_null() {
        return Ok(Value::Null);
    }
    Ok(match ty {
        DataType::Number | DataType::Integer => match v {
            Value::String(s) => match js::string_to_number(s) {
                Some(f) if !s.trim().is_empty() => js::number(f),
                _ => v.clone(),
            },
            _ => v.clone(),
        },
        DataType::Boolean => match v {
            Value::String(s) if s == "true" || s == "1" => Value::Bool(true),
            Value::String(s) if s == "false" || s == "0" => Value::Bool(false),
            Value::Bool(_) => v.clone(),
            other => Value::Bool(js::truthy(other)),
        },
        DataType::Date => match date::parse_value(v) {
            Some(ms) => Value::String(date::format_millis(ms)),
            None => {
                return Err(Error::bad_request(format!(
                    "Invalid date: {}",
                    js::to_js_string(v)
                )))
            }
        },
        DataType::String => match v {
            Value::Number(_) | Value::Bool(_) => Value::String(js::to_js_string(v)),
            _ => v.clone(),
        },
        DataType::Array(item) => match v {
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|x| coerce(Some(item), x))
                    .collect::<Result<_, _>>()?,
            ),
            other => coerce(Some(item), other)?,
        },
        DataType::GeoPoint | DataType::Object | DataType::Any => v.clone(),
    })
}
