//! What a to-many relation (hasMany, hasManyThrough, referencesMany) offers for one parent,
//! as traits: the relation endpoints (`routes.rs`) are written once over them and the typed
//! accessors (`lb::typed`) call the same operations.

use std::future::Future;

use serde_json::{Map, Value};

use crate::connector::Row;
use crate::filter::{Filter, Where};
use crate::model::{ModelDefinition, RelationDefinition};
use crate::remote::Invocation;
use crate::repository::Repository;
use crate::Result;

/// The operations every to-many relation has.
pub(crate) trait Many: Send + Sync + Sized + 'static {
    /// How a created target is tied to the parent beyond its foreign key (`linked`,
    /// `referenced`), for the endpoints' documentation.
    const TIED: Option<&'static str>;
    /// Whether `__create__` takes an array of instances too (LoopBack's hasMany does).
    const CREATE_MANY: bool;
    /// The relation of the parent an endpoint is called on (the invocation's instance).
    fn open(
        def: &'static ModelDefinition,
        rel: &'static RelationDefinition,
        inv: &Invocation,
    ) -> Result<Self>;
    /// The parent's repository: the related models are its siblings.
    fn parent(&self) -> &Repository;
    fn rel(&self) -> &'static RelationDefinition;
    /// The condition that selects this parent's targets, AND-ed with `client`.
    fn scope(&self, target: &ModelDefinition, client: Option<Where>) -> Result<Where>;

    fn target(&self) -> Result<Repository> {
        self.parent().sibling(&self.rel().target)
    }

    /// The related targets matching the filter (its `include` applies).
    fn find(&self, mut filter: Filter) -> impl Future<Output = Result<Vec<Row>>> + Send {
        async move {
            let repo = self.target()?;
            filter.where_ = Some(self.scope(repo.model, filter.where_.take())?);
            repo.find(&filter).await
        }
    }

    /// How many related targets match `client`.
    fn count(&self, client: Option<Where>) -> impl Future<Output = Result<u64>> + Send {
        async move {
            let repo = self.target()?;
            let w = self.scope(repo.model, client)?;
            repo.count(Some(&w)).await
        }
    }

    /// Creates a target tied to the parent.
    fn create(&mut self, data: Value) -> impl Future<Output = Result<Row>> + Send;
    /// Creates several targets tied to the parent, one after the other.
    fn create_many(&mut self, items: Vec<Value>) -> impl Future<Output = Result<Vec<Row>>> + Send {
        async move {
            let mut rows = Vec::with_capacity(items.len());
            for data in items {
                rows.push(self.create(data).await?);
            }
            Ok(rows)
        }
    }
    /// The related target `fk`; LoopBack's 404 when it is not related or gone.
    fn find_by_id(&self, fk: &Value) -> impl Future<Output = Result<Row>> + Send;
    /// Deletes the related target `fk` (and its tie); a 404 when it is not related.
    fn destroy_by_id(&mut self, fk: &Value) -> impl Future<Output = Result<()>> + Send;
}

/// The to-many relations whose targets can be edited by id and dropped all at once
/// (hasMany deletes its rows; hasManyThrough removes the links, the targets remain).
pub(crate) trait Editable: Many {
    /// What `__delete__` does, for documentation (`Deletes`, `Unlinks`).
    const DELETE_ALL: &'static str;
    /// Merges `data` into the related target `fk`; a 404 when it is not related.
    fn update_by_id(&self, fk: &Value, data: Value) -> impl Future<Output = Result<Row>> + Send;
    /// Drops every related target; how many.
    fn delete_all(&self) -> impl Future<Output = Result<u64>> + Send;
}

/// The to-many relations whose targets are linked, not owned (hasManyThrough,
/// referencesMany): a link can be made and removed without creating or deleting a target.
pub(crate) trait Links: Many {
    /// Whether a link carries data of its own (a link row's other properties).
    const LINK_DATA: bool;
    /// Links target `fk` (a 404 when there is none), with the link's own data where the
    /// relation has link rows; answers what LoopBack answers: the link row, or the target.
    fn link(
        &mut self,
        fk: &Value,
        data: Map<String, Value>,
    ) -> impl Future<Output = Result<Row>> + Send;
    /// Removes the link to `fk` (none: nothing to do).
    fn unlink(&mut self, fk: &Value) -> impl Future<Output = Result<()>> + Send;
    /// Whether `fk` is linked to this parent.
    fn exists(&self, fk: &Value) -> impl Future<Output = Result<bool>> + Send;
}
