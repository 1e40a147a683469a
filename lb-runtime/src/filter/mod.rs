//! The LoopBack filter language: `where`, `order`, `limit`, `skip`/`offset`, `fields`,
//! `include`.
//!
//! A filter arrives as JSON (from a stringified `filter=` parameter, from bracket syntax
//! decoded by the REST layer's query-string reader, or from the typed builder), is parsed once into the typed
//! [`Filter`] AST (validated against the [`ModelDefinition`](crate::model::ModelDefinition),
//! values coerced by property type) and then evaluated by a connector.

mod ast;
mod builder;
pub(crate) mod eval;
mod json;
mod parse;
mod pattern;

pub use ast::{
    Clause, Direction, Fields, Filter, Inclusion, Lookup, Near, Op, Order, Partition, Related,
    Scope, Where,
};
pub use builder::{Condition, Field, OrderBy, TypedFilter};
pub(crate) use parse::depth;
pub use parse::{
    parse_filter, parse_include, parse_where, ParseOptions, QueryLimits, MAX_CONDITIONS,
    MAX_FIELDS, MAX_FILTER_BYTES, MAX_LIST_VALUES, MAX_ORDER_KEYS, MAX_PATTERN_LENGTH,
    MAX_QUERY_DEPTH,
};
pub use pattern::Pattern;
