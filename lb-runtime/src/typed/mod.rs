//! The typed persistence API behind `#[derive(Model)]`: `Location::find(&app, filter)` and
//! friends convert between the Rust struct and LoopBack's JSON rows at the edge and call the
//! same [`Repository`](crate::repository::Repository) operations the REST API uses.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

mod relations;
mod with_relations;

pub use relations::{BelongsTo, BelongsToAny, HasMany, HasManyThrough, HasOne, ReferencesMany};
pub use with_relations::WithRelations;

use crate::connector::Row;
use crate::filter::{parse_where, Filter, ParseOptions, TypedFilter, Where};
use crate::model::ModelDefinition;
use crate::{App, Error, Result};

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

/// The struct as JSON data: `None` fields are absent, not `null`.
pub fn to_data<M: Model>(m: &M) -> Result<Value> {
    let mut v = serde_json::to_value(m)?;
    if let Value::Object(o) = &mut v {
        o.retain(|_, x| !x.is_null());
    }
    crate::value::js::normalize_numbers(&mut v);
    Ok(v)
}

/// A row as the struct.
pub fn from_row<M: Model>(row: &Row) -> Result<M> {
    M::deserialize(&Value::Object(row.to_object())).map_err(|e| {
        Error::internal(format!(
            "{} row does not match the Rust type: {e}",
            M::definition().name
        ))
    })
}

fn rows<M: Model>(rows: Vec<Row>) -> Result<Vec<M>> {
    rows.iter().map(from_row).collect()
}

/// `create`.
pub async fn create<M: Model>(app: &App, data: &M) -> Result<M> {
    let repo = app.repository_of::<M>()?;
    from_row(&repo.create(to_data(data)?).await?)
}

/// `find`.
pub async fn find<M: Model>(app: &App, filter: impl IntoFilter<M>) -> Result<Vec<M>> {
    let f = filter.into_filter()?;
    let repo = app.repository_of::<M>()?;
    rows(repo.find(&f).await?)
}

/// `findOne` (with the filter's `include`).
pub async fn find_one<M: Model>(app: &App, filter: impl IntoFilter<M>) -> Result<Option<M>> {
    let f = filter.into_filter()?;
    let repo = app.repository_of::<M>()?;
    repo.find_one(&f).await?.as_ref().map(from_row).transpose()
}

/// `find` with the related instances its `include` attached.
pub async fn find_with_relations<M: Model>(
    app: &App,
    filter: impl IntoFilter<M>,
) -> Result<Vec<WithRelations<M>>> {
    let f = filter.into_filter()?;
    let repo = app.repository_of::<M>()?;
    repo.find(&f)
        .await?
        .iter()
        .map(WithRelations::from_row)
        .collect()
}

/// `findOne` with the related instances its `include` attached.
pub async fn find_one_with_relations<M: Model>(
    app: &App,
    filter: impl IntoFilter<M>,
) -> Result<Option<WithRelations<M>>> {
    let f = filter.into_filter()?;
    let repo = app.repository_of::<M>()?;
    repo.find_one(&f)
        .await?
        .as_ref()
        .map(WithRelations::from_row)
        .transpose()
}

/// `findById(id, filter)` with the related instances its `include` attached.
pub async fn find_by_id_with_relations<M: Model>(
    app: &App,
    id: impl Into<Value>,
    filter: impl IntoFilter<M>,
) -> Result<Option<WithRelations<M>>> {
    let f = filter.into_filter()?;
    let repo = app.repository_of::<M>()?;
    repo.find_by_id(&id.into(), Some(&f))
        .await?
        .as_ref()
        .map(WithRelations::from_row)
        .transpose()
}

/// `findById`.
pub async fn find_by_id<M: Model>(app: &App, id: impl Into<Value>) -> Result<Option<M>> {
    app.repository_of::<M>()?
        .find_by_id(&id.into(), None)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// `findById(id, filter)`: the filter's `fields` and `include` apply (its `where` does not).
pub async fn find_by_id_with<M: Model>(
    app: &App,
    id: impl Into<Value>,
    filter: impl IntoFilter<M>,
) -> Result<Option<M>> {
    let f = filter.into_filter()?;
    let repo = app.repository_of::<M>()?;
    repo.find_by_id(&id.into(), Some(&f))
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// `count`.
pub async fn count<M: Model>(app: &App, where_: impl IntoWhere<M>) -> Result<u64> {
    let w = where_.into_where()?;
    app.repository_of::<M>()?.count(w.as_ref()).await
}

/// `exists`.
pub async fn exists<M: Model>(app: &App, id: impl Into<Value>) -> Result<bool> {
    app.repository_of::<M>()?.exists(&id.into()).await
}

/// `updateAll`: merges `data` (a JSON object of changed properties) into every match.
pub async fn update_all<M: Model>(
    app: &App,
    where_: impl IntoWhere<M>,
    data: Value,
) -> Result<u64> {
    let w = where_.into_where()?;
    app.repository_of::<M>()?.update_all(w.as_ref(), data).await
}

/// `deleteById`: 1 or 0.
pub async fn delete_by_id<M: Model>(app: &App, id: impl Into<Value>) -> Result<u64> {
    app.repository_of::<M>()?.delete_by_id(&id.into()).await
}

/// `destroyAll`.
pub async fn delete_all<M: Model>(app: &App, where_: impl IntoWhere<M>) -> Result<u64> {
    let w = where_.into_where()?;
    app.repository_of::<M>()?.delete_all(w.as_ref()).await
}

/// `patchOrCreate` (`upsert`).
pub async fn upsert<M: Model>(app: &App, data: &M) -> Result<M> {
    from_row(
        &app.repository_of::<M>()?
            .patch_or_create(to_data(data)?)
            .await?,
    )
}

/// `replaceOrCreate`.
pub async fn replace_or_create<M: Model>(app: &App, data: &M) -> Result<M> {
    from_row(
        &app.repository_of::<M>()?
            .replace_or_create(to_data(data)?)
            .await?,
    )
}

/// `replaceById`.
pub async fn replace_by_id<M: Model>(app: &App, id: impl Into<Value>, data: &M) -> Result<M> {
    from_row(
        &app.repository_of::<M>()?
            .replace_by_id(&id.into(), to_data(data)?)
            .await?,
    )
}

/// `patchAttributes`: merges a JSON object of changes into the instance with this id.
pub async fn patch_attributes<M: Model>(app: &App, id: impl Into<Value>, data: Value) -> Result<M> {
    let id = id.into();
    let text = crate::value::js::to_js_string(&id);
    from_row(
        &app.repository_of::<M>()?
            .patch_attributes(&id, data, &text)
            .await?,
    )
}

/// The instance of an instance method as the model type (the glue of `#[remote_method]`
/// calls it for `self`).
pub fn instance<M: Model>(inv: &crate::remote::Invocation) -> Result<M> {
    let row = inv
        .instance
        .as_ref()
        .ok_or_else(|| Error::internal("instance method called without an instance"))?;
    from_row(row)
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
