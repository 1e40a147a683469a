//! The operations of the relations whose targets are linked rather than pointing back:
//! hasManyThrough / hasAndBelongsToMany (link rows in a through model) and referencesMany (an
//! array of ids on the parent). The REST endpoints and the typed accessors both run these.

use std::future::Future;

use serde_json::{json, Map, Value};

use super::{include, key_of};
use crate::connector::Row;
use crate::filter::{parse_where, Clause, Filter, ParseOptions, Related, Where};
use crate::model::{ModelDefinition, RelationDefinition};
use crate::repository::Repository;
use crate::value::js;
use crate::{App, Error, Result};

type Rel = &'static RelationDefinition;

/// LoopBack's 404 for a target that is not related to this parent.
pub(super) fn not_found(id: &Value, target: &str) -> Error {
    Error::new(
        axum::http::StatusCode::NOT_FOUND,
        format!(
            "No instance with id {} found for {target}",
            js::to_js_string(id)
        ),
    )
}

/// The repository of an attached model.
pub(crate) fn repository(app: &App, name: &str) -> Result<Repository> {
    app.repository(name)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| Error::internal(format!("model {name} is not attached to the app")))
}

fn and(mut w: Where, other: Option<Where>) -> Where {
    if let Some(o) = other {
        w.0.extend(o.0);
    }
    w
}

/// A hasManyThrough relation of one parent (`key`: the parent's primary key).
pub(crate) struct Through {
    pub app: App,
    pub rel: Rel,
    pub key: Value,
}

impl Through {
    pub fn target(&self) -> Result<Repository> {
        repository(&self.app, &self.rel.target)
    }

    fn links_repo(&self) -> Result<Repository> {
        repository(&self.app, self.rel.through.as_deref().unwrap_or_default())
    }

    /// The link rows of this parent (and, with `target_id`, of that target).
    async fn links(&self, target_id: Option<&Value>) -> Result<(Repository, Vec<Row>)> {
        let repo = self.links_repo()?;
        let mut w = json!({ &self.rel.foreign_key: self.key });
        if let Some(t) = target_id {
            w[self.rel.key_through()] = t.clone();
        }
        let f = Filter {
            where_: parse_where(repo.model, &w, ParseOptions::default())?,
            ..Default::default()
        };
        let rows = repo.find(&f).await?;
        Ok((repo, rows))
    }

    /// The linked targets AND-ed with `client`: one condition (an `EXISTS` over the links on
    /// SQL), however many links there are.
    fn linked(&self, target: &ModelDefinition, client: Option<Where>) -> Result<Where> {
        let links = self.links_repo()?;
        let own = parse_where(
            links.model,
            &json!({ &self.rel.foreign_key: self.key }),
            ParseOptions::default(),
        )?
        .unwrap_or_default();
        let w = Where(vec![Clause::Related(Box::new(Related {
            relation: String::new(),
            source_key: target.id().name.clone(),
            target_key: self.rel.key_through(),
            target: links.model,
            where_: own,
        }))]);
        Ok(and(w, client))
    }

    /// The linked targets matching the filter (its `include` applies).
    pub async fn find(&self, mut filter: Filter) -> Result<Vec<Row>> {
        let repo = self.target()?;
        filter.where_ = Some(self.linked(repo.model, filter.where_.take())?);
        include::find_with_include(&self.app, &repo, &filter).await
    }

    pub async fn count(&self, client: Option<Where>) -> Result<u64> {
        let repo = self.target()?;
        let w = self.linked(repo.model, client)?;
        repo.count(Some(&w)).await
    }

    /// Creates a target and links it.
    pub async fn create(&self, data: Value) -> Result<Row> {
        let repo = self.target()?;
        let row = repo.create(data).await?;
        let id = repo.row_id(&row).unwrap_or(Value::Null);
        self.links_repo()?
            .create(json!({ &self.rel.foreign_key: self.key, self.rel.key_through(): id }))
            .await?;
        Ok(row)
    }

    /// Removes every link of this parent (LoopBack: the targets remain).
    pub async fn unlink_all(&self) -> Result<u64> {
        let repo = self.links_repo()?;
        let w = parse_where(
            repo.model,
            &json!({ &self.rel.foreign_key: self.key }),
            ParseOptions::default(),
        )?;
        repo.delete_all(w.as_ref()).await
    }

    /// Whether target `fk` is linked to this parent.
    pub async fn exists(&self, fk: &Value) -> Result<bool> {
        Ok(!self.links(Some(fk)).await?.1.is_empty())
    }

    async fn require_link(&self, fk: &Value) -> Result<()> {
        if self.exists(fk).await? {
            Ok(())
        } else {
            Err(not_found(fk, &self.rel.target))
        }
    }

    /// The linked target `fk`; a 404 when it is not linked or gone.
    pub async fn find_by_id(&self, fk: &Value) -> Result<Row> {
        self.require_link(fk).await?;
        self.target()?
            .find_by_id(fk, None)
            .await?
            .ok_or_else(|| not_found(fk, &self.rel.target))
    }

    /// Patches the linked target `fk`.
    pub async fn update_by_id(&self, fk: &Value, data: Value) -> Result<Row> {
        self.require_link(fk).await?;
        self.target()?
            .patch_attributes(fk, data, &js::to_js_string(fk))
            .await
    }

    /// Deletes the linked target `fk` and its links.
    pub async fn destroy_by_id(&self, fk: &Value) -> Result<()> {
        self.require_link(fk).await?;
        self.target()?.delete_by_id(fk).await?;
        self.unlink(fk).await
    }

    /// Links target `fk` (a 404 when there is no such target); the link row, with `data` as
    /// its own properties. Linking again answers the existing link, as LoopBack.
    pub async fn link(&self, fk: &Value, data: Map<String, Value>) -> Result<Row> {
        if self.target()?.find_by_id(fk, None).await?.is_none() {
            return Err(not_found(fk, &self.rel.target));
        }
        let (links, existing) = self.links(Some(fk)).await?;
        if let Some(r) = existing.into_iter().next() {
            return Ok(r);
        }
        let mut body = data;
        body.insert(self.rel.foreign_key.clone(), self.key.clone());
        body.insert(self.rel.key_through(), fk.clone());
        links.create(Value::Object(body)).await
    }

    /// Removes the links to target `fk` (none: nothing to do).
    pub async fn unlink(&self, fk: &Value) -> Result<()> {
        let (links, rows) = self.links(Some(fk)).await?;
        for r in rows {
            if let Some(id) = links.row_id(&r) {
                links.delete_by_id(&id).await?;
            }
        }
        Ok(())
    }
}

/// A referencesMany relation of one parent: the ids its array foreign key holds.
pub(crate) struct References {
    pub app: App,
    pub rel: Rel,
    pub source: &'static ModelDefinition,
    /// The parent's id (to store its array).
    pub parent_id: Value,
    /// The referenced ids, in the parent's order.
    pub ids: Vec<Value>,
}

impl References {
    /// The relation of `parent` (a stored row of `source`).
    pub fn of(app: App, rel: Rel, source: &'static ModelDefinition, parent: &Row) -> Self {
        let ids = match parent
            .get(&rel.foreign_key)
            .map(std::borrow::Cow::into_owned)
        {
            Some(Value::Array(a)) => a.into_iter().filter(|v| !v.is_null()).collect(),
            _ => Vec::new(),
        };
        let parent_id = parent
            .get(&source.id().name)
            .map(std::borrow::Cow::into_owned)
            .unwrap_or(Value::Null);
        References {
            app,
            rel,
            source,
            parent_id,
            ids,
        }
    }

    pub fn target(&self) -> Result<Repository> {
        repository(&self.app, &self.rel.target)
    }

    /// Whether the parent references `fk`.
    pub fn exists(&self, fk: &Value) -> bool {
        let k = key_of(fk);
        self.ids.iter().any(|v| key_of(v) == k)
    }

    fn require(&self, fk: &Value) -> Result<()> {
        if self.exists(fk) {
            Ok(())
        } else {
            Err(not_found(fk, &self.rel.target))
        }
    }

    /// The referenced targets AND-ed with `client`.
    fn among(&self, target: &ModelDefinition, client: Option<Where>) -> Result<Where> {
        let pk = self.rel.referenced_key(target);
        let w = parse_where(
            target,
            &json!({ pk: { "inq": self.ids } }),
            ParseOptions::default(),
        )?
        .unwrap_or_default();
        Ok(and(w, client))
    }

    pub async fn find(&self, mut filter: Filter) -> Result<Vec<Row>> {
        let repo = self.target()?;
        filter.where_ = Some(self.among(repo.model, filter.where_.take())?);
        include::find_with_include(&self.app, &repo, &filter).await
    }

    /// How many referenced targets match (LoopBack 3 counted the whole target table).
    pub async fn count(&self, client: Option<Where>) -> Result<u64> {
        let repo = self.target()?;
        let w = self.among(repo.model, client)?;
        repo.count(Some(&w)).await
    }

    /// The parent's array with `id` added (once) or removed, stored.
    async fn set(&mut self, id: &Value, add: bool) -> Result<()> {
        if add == self.exists(id) {
            return Ok(());
        }
        let k = key_of(id);
        if add {
            self.ids.push(id.clone());
        } else {
            self.ids.retain(|v| key_of(v) != k);
        }
        let repo = repository(&self.app, &self.source.name)?;
        let text = js::to_js_string(&self.parent_id);
        repo.patch_attributes(
            &self.parent_id,
            json!({ &self.rel.foreign_key: self.ids }),
            &text,
        )
        .await?;
        Ok(())
    }

    /// Creates a target and references it.
    pub async fn create(&mut self, data: Value) -> Result<Row> {
        let repo = self.target()?;
        let row = repo.create(data).await?;
        let id = repo.row_id(&row).unwrap_or(Value::Null);
        self.set(&id, true).await?;
        Ok(row)
    }

    /// The referenced target `fk`; a 404 when it is not referenced or gone.
    pub async fn find_by_id(&self, fk: &Value) -> Result<Row> {
        self.require(fk)?;
        self.target()?
            .find_by_id(fk, None)
            .await?
            .ok_or_else(|| not_found(fk, &self.rel.target))
    }

    /// Deletes the referenced target `fk` and the reference.
    pub async fn destroy_by_id(&mut self, fk: &Value) -> Result<()> {
        self.require(fk)?;
        self.target()?.delete_by_id(fk).await?;
        self.set(fk, false).await
    }

    /// References target `fk` (a 404 when there is none); answers the target (LoopBack).
    pub async fn link(&mut self, fk: &Value) -> Result<Row> {
        let Some(row) = self.target()?.find_by_id(fk, None).await? else {
            return Err(not_found(fk, &self.rel.target));
        };
        self.set(fk, true).await?;
        Ok(row)
    }

    /// Removes the reference to `fk` (none: nothing to do).
    pub async fn unlink(&mut self, fk: &Value) -> Result<()> {
        self.set(fk, false).await
    }
}

/// The operations a linked relation (hasManyThrough, referencesMany) offers for one parent:
/// what their shared endpoints call.
pub(crate) trait Links: Send + Sync + Sized + 'static {
    /// How a created target is tied to the parent, for documentation (`linked`).
    const TIED: &'static str;
    /// Whether a link carries data of its own (a link row's other properties).
    const LINK_DATA: bool;
    /// The relation of the parent an endpoint is called on.
    fn open(
        def: &'static ModelDefinition,
        rel: Rel,
        inv: &crate::remote::Invocation,
    ) -> Result<Self>;
    fn target(&self) -> Result<Repository>;
    fn find(&self, filter: Filter) -> impl Future<Output = Result<Vec<Row>>> + Send;
    fn count(&self, client: Option<Where>) -> impl Future<Output = Result<u64>> + Send;
    fn create(&mut self, data: Value) -> impl Future<Output = Result<Row>> + Send;
    fn find_by_id(&self, fk: &Value) -> impl Future<Output = Result<Row>> + Send;
    fn destroy_by_id(&mut self, fk: &Value) -> impl Future<Output = Result<()>> + Send;
    /// Links target `fk` (with the link's own data, where the relation has link rows);
    /// answers what LoopBack answers: the link row, or the target.
    fn link(
        &mut self,
        fk: &Value,
        data: Map<String, Value>,
    ) -> impl Future<Output = Result<Row>> + Send;
    fn unlink(&mut self, fk: &Value) -> impl Future<Output = Result<()>> + Send;
    fn exists(&self, fk: &Value) -> impl Future<Output = Result<bool>> + Send;
}

impl Links for Through {
    const TIED: &'static str = "linked";
    const LINK_DATA: bool = true;
    fn open(
        def: &'static ModelDefinition,
        rel: Rel,
        inv: &crate::remote::Invocation,
    ) -> Result<Self> {
        Ok(Through {
            app: inv.app.clone(),
            rel,
            key: super::parent_key(def, rel, inv)?,
        })
    }
    fn target(&self) -> Result<Repository> {
        Through::target(self)
    }
    fn find(&self, filter: Filter) -> impl Future<Output = Result<Vec<Row>>> + Send {
        Through::find(self, filter)
    }
    fn count(&self, client: Option<Where>) -> impl Future<Output = Result<u64>> + Send {
        Through::count(self, client)
    }
    fn create(&mut self, data: Value) -> impl Future<Output = Result<Row>> + Send {
        Through::create(self, data)
    }
    fn find_by_id(&self, fk: &Value) -> impl Future<Output = Result<Row>> + Send {
        Through::find_by_id(self, fk)
    }
    fn destroy_by_id(&mut self, fk: &Value) -> impl Future<Output = Result<()>> + Send {
        Through::destroy_by_id(self, fk)
    }
    fn link(
        &mut self,
        fk: &Value,
        data: Map<String, Value>,
    ) -> impl Future<Output = Result<Row>> + Send {
        Through::link(self, fk, data)
    }
    fn unlink(&mut self, fk: &Value) -> impl Future<Output = Result<()>> + Send {
        Through::unlink(self, fk)
    }
    fn exists(&self, fk: &Value) -> impl Future<Output = Result<bool>> + Send {
        Through::exists(self, fk)
    }
}

impl Links for References {
    const TIED: &'static str = "referenced";
    const LINK_DATA: bool = false;
    fn open(
        def: &'static ModelDefinition,
        rel: Rel,
        inv: &crate::remote::Invocation,
    ) -> Result<Self> {
        let parent = inv
            .instance
            .as_ref()
            .ok_or_else(|| Error::internal(format!("{}: no instance", def.name)))?;
        Ok(References::of(inv.app.clone(), rel, def, parent))
    }
    fn target(&self) -> Result<Repository> {
        References::target(self)
    }
    fn find(&self, filter: Filter) -> impl Future<Output = Result<Vec<Row>>> + Send {
        References::find(self, filter)
    }
    fn count(&self, client: Option<Where>) -> impl Future<Output = Result<u64>> + Send {
        References::count(self, client)
    }
    fn create(&mut self, data: Value) -> impl Future<Output = Result<Row>> + Send {
        References::create(self, data)
    }
    fn find_by_id(&self, fk: &Value) -> impl Future<Output = Result<Row>> + Send {
        References::find_by_id(self, fk)
    }
    fn destroy_by_id(&mut self, fk: &Value) -> impl Future<Output = Result<()>> + Send {
        References::destroy_by_id(self, fk)
    }
    fn link(
        &mut self,
        fk: &Value,
        _data: Map<String, Value>,
    ) -> impl Future<Output = Result<Row>> + Send {
        References::link(self, fk)
    }
    fn unlink(&mut self, fk: &Value) -> impl Future<Output = Result<()>> + Send {
        References::unlink(self, fk)
    }
    fn exists(&self, fk: &Value) -> impl Future<Output = Result<bool>> + Send {
        std::future::ready(Ok(References::exists(self, fk)))
    }
}
