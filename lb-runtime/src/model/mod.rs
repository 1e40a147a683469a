//! Model metadata: what `#[derive(Model)]` declares and every other part of lb reads.

mod data_type;
mod definition;
mod inflection;
mod key_type;
mod relation;

pub use data_type::{DataType, PropertyValue};
pub(crate) use definition::default_value;
pub use definition::{
    DefaultFn, IndexDefinition, ModelBuilder, ModelDefinition, PropertyBuilder, PropertyDefinition,
    Strict,
};
pub use inflection::pluralize;
#[doc(hidden)]
pub use key_type::{key_type, KeyType};
pub use relation::{RelationDefinition, RelationKind};
