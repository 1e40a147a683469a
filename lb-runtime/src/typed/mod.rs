//! The typed persistence API behind `#[derive(Model)]`: `Location::find(&app, filter)` and
//! friends convert between the Rust struct and LoopBack's JSON rows at the edge and call the
//! same [`Repository`](crate::repository::Repository) operations the REST API uses.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

#[doc(hidden)]
pub mod ops;
mod relations;
mod with_relations;

pub(crate) use ops::{from_row, to_data};
pub use relations::{BelongsTo, BelongsToAny, HasMany, HasManyThrough, HasOne, ReferencesMany};
pub use with_relations::WithRelations;

use crate::filter::{parse_where, Filter, ParseOptions, TypedFilter, Where};
use crate::model::ModelDefinition;
use crate::Result;

/// A model type: implemented by `#[derive(Model)]`.
pub trait Model: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The model's name (known at compile time: relations name their target with it).
    const MODEL_NAME: &'static str;
    /// Property names on the wire, in declaration order (an injected `id` included): relation
    /// declarations check their foreign keys against it at compile time.
    const PROPERTY_NAMES: &'static [&'static str];
    /// The properties' types as keys compare them, in the order of `PROPERTY_NAMES`.
    #[doc(hidden)]
    const PROPERTY_KEY_TYPES: &'static [crate::model::KeyType] = &[];
    /// The id property's name.
    #[doc(hidden)]
    const ID_NAME: &'static str = "id";

    /// The static definition.
    fn definition() -> &'static ModelDefinition;

    /// Custom REST methods (`#[remote_methods]`); none by default.
    fn remote_methods() -> Vec<crate::remote::RemoteMethod> {
        Vec::new()
    }
}

/// What `updateAll`, `deleteById` and `deleteAll` answer, as LoopBack's methods and lb's REST
/// API do: `{"count": n}`. Compares with a number (`assert_eq!(n, 2)`) and derefs to it.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Count {
    /// How many instances the operation affected.
    pub count: u64,
}

impl From<u64> for Count {
    fn from(count: u64) -> Count {
        Count { count }
    }
}

impl PartialEq<u64> for Count {
    fn eq(&self, n: &u64) -> bool {
        self.count == *n
    }
}

impl std::ops::Deref for Count {
    type Target = u64;
    fn deref(&self) -> &u64 {
        &self.count
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.count.fmt(f)
    }
}

/// Anything usable as a filter in the typed API.
pub trait IntoFilter<M> {
    /// Converts (and validates) the filter.
    fn into_filter(self) -> Result<Filter>;
}

impl<M: Model> IntoFilter<M> for TypedFilter<M> {
    fn into_filter(self) -> Result<Filter> {
        self.build(M::definition())
    }
}
impl<M> IntoFilter<M> for Filter {
    fn into_filter(self) -> Result<Filter> {
        Ok(self)
    }
}
impl<M: Model> IntoFilter<M> for Value {
    fn into_filter(self) -> Result<Filter> {
        crate::filter::parse_filter(M::definition(), &self, ParseOptions::default())
    }
}
impl<M> IntoFilter<M> for () {
    fn into_filter(self) -> Result<Filter> {
        Ok(Filter::default())
    }
}

/// Anything usable as a where condition in the typed API.
pub trait IntoWhere<M> {
    /// Converts (and validates) the condition; `None` matches everything.
    fn into_where(self) -> Result<Option<Where>>;
}
impl<M: Model> IntoWhere<M> for crate::filter::Condition<M> {
    fn into_where(self) -> Result<Option<Where>> {
        parse_where(M::definition(), self.to_json(), ParseOptions::default())
    }
}
impl<M: Model> IntoWhere<M> for Value {
    fn into_where(self) -> Result<Option<Where>> {
        parse_where(M::definition(), &self, ParseOptions::default())
    }
}
impl<M> IntoWhere<M> for () {
    fn into_where(self) -> Result<Option<Where>> {
        Ok(None)
    }
}

#[doc(hidden)]
pub mod probe {
    //! Lets `#[derive(Model)]` pick up `#[remote_methods]` when there is one (autoref
    //! specialization on a concrete type).
    use crate::remote::{RemoteMethod, RemoteMethods};
    use std::marker::PhantomData;

    pub struct Probe<T>(pub PhantomData<T>);

    pub trait ViaRemoteMethods {
        fn lb_remote_methods(&self) -> Vec<RemoteMethod>;
    }
    impl<T: RemoteMethods> ViaRemoteMethods for Probe<T> {
        fn lb_remote_methods(&self) -> Vec<RemoteMethod> {
            T::remote_methods()
        }
    }

    pub trait ViaNone {
        fn lb_remote_methods(&self) -> Vec<RemoteMethod>;
    }
    impl<T> ViaNone for &Probe<T> {
        fn lb_remote_methods(&self) -> Vec<RemoteMethod> {
            Vec::new()
        }
    }

    /// The model name of a type that is a model (documentation of arguments and results).
    pub trait ViaModel {
        fn lb_model_name(&self) -> Option<&'static str>;
    }
    impl<T: super::Model> ViaModel for Probe<T> {
        fn lb_model_name(&self) -> Option<&'static str> {
            Some(&T::definition().name)
        }
    }

    pub trait ViaNoModel {
        fn lb_model_name(&self) -> Option<&'static str>;
    }
    impl<T> ViaNoModel for &Probe<T> {
        fn lb_model_name(&self) -> Option<&'static str> {
            None
        }
    }
}
