//! The operations behind the typed API, as free functions over a model type: what the methods
//! `#[derive(Model)]` generates call (`Location::find(&app, ..)` is `ops::find::<Location>`).
//! Glue for the macro, not a second API: call the generated methods.

use serde_json::Value;

use super::{Count, IntoFilter, IntoWhere, Model, WithRelations};
use crate::connector::Row;
use crate::{App, Error, Result};

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
) -> Result<Count> {
    let w = where_.into_where()?;
    Ok(Count::from(
        app.repository_of::<M>()?
            .update_all(w.as_ref(), data)
            .await?,
    ))
}

/// `deleteById`: `{count: 1}` or `{count: 0}`.
pub async fn delete_by_id<M: Model>(app: &App, id: impl Into<Value>) -> Result<Count> {
    Ok(Count::from(
        app.repository_of::<M>()?.delete_by_id(&id.into()).await?,
    ))
}

/// `destroyAll`.
pub async fn delete_all<M: Model>(app: &App, where_: impl IntoWhere<M>) -> Result<Count> {
    let w = where_.into_where()?;
    Ok(Count::from(
        app.repository_of::<M>()?.delete_all(w.as_ref()).await?,
    ))
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
