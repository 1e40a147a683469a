//! Model metadata: what `#[derive(Model)]` declares and every other part of lb reads.

mod data_type;
mod definition;
mod inflection;
mod relation;

pub use data_type::{DataType, PropertyValue};
pub use definition::{
    DefaultFn, IndexDefinition, ModelBuilder, ModelDefinition, PropertyBuilder, PropertyDefinition,
    Strict,
};
pub use inflection::pluralize;
pub use relation::{RelationDefinition, RelationKind};
