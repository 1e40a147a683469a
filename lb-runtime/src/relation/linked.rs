//! The operations of the relations whose targets are linked rather than pointing back:
//! hasManyThrough / hasAndBelongsToMany (link rows in a through model) and referencesMany (an
//! array of ids on the parent). The REST endpoints and the typed accessors both run these.

use serde_json::{json, Map, Value};

use super::many::{Editable, Links, Many};
use super::not_found;
use crate::connector::Row;
use crate::filter::{parse_where, Clause, Filter, ParseOptions, Related, Where};
use crate::model::{ModelDefinition, RelationDefinition};
use crate::remote::Invocation;
use crate::repository::Repository;
use crate::value::js;
use crate::value::js::key_of;
use crate::{Error, Result};

type Rel = &'static RelationDefinition;

fn and(mut w: Where, other: Option<Where>) -> Where {
    if let Some(o) = other {
        w.0.extend(o.0);
    }
    w
}

/// A hasManyThrough relation of one parent (`key`: the parent's primary key).
pub(crate) struct Through {
    /// The parent's repository.
    pub parent: Repository,
    pub rel: Rel,
    pub key: Value,
}

impl Through {
    fn links_repo(&self) -> Result<Repository> {
        self.parent
            .sibling(self.rel.through.as_deref().unwrap_or_default())
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

    /// Whether target `fk` is linked to this parent.
    async fn is_linked(&self, fk: &Value) -> Result<bool> {
        Ok(!self.links(Some(fk)).await?.1.is_empty())
    }

    async fn require_link(&self, fk: &Value) -> Result<()> {
        if self.is_linked(fk).await? {
            Ok(())
        } else {
            Err(not_found(fk, &self.rel.target))
        }
    }

    /// Removes the links to target `fk` (none: nothing to do).
    async fn remove_links(&self, fk: &Value) -> Result<()> {
        let (links, rows) = self.links(Some(fk)).await?;
        for r in rows {
            if let Some(id) = links.row_id(&r) {
                links.delete_by_id(&id).await?;
            }
        }
        Ok(())
    }
}

impl Many for Through {
    const TIED: Option<&'static str> = Some("linked");
    const CREATE_MANY: bool = false;

    fn open(def: &'static ModelDefinition, rel: Rel, inv: &Invocation) -> Result<Self> {
        Ok(Through {
            parent: super::repository(inv, &def.name)?,
            rel,
            key: super::parent_key(def, rel, inv)?,
        })
    }

    fn parent(&self) -> &Repository {
        &self.parent
    }

    fn rel(&self) -> Rel {
        self.rel
    }

    fn scope(&self, target: &ModelDefinition, client: Option<Where>) -> Result<Where> {
        self.linked(target, client)
    }

    /// Creates a target and links it.
    async fn create(&mut self, data: Value) -> Result<Row> {
        let repo = self.target()?;
        let row = repo.create(data).await?;
        let id = repo.row_id(&row).unwrap_or(Value::Null);
        self.links_repo()?
            .create(json!({ &self.rel.foreign_key: self.key, self.rel.key_through(): id }))
            .await?;
        Ok(row)
    }

    async fn find_by_id(&self, fk: &Value) -> Result<Row> {
        self.require_link(fk).await?;
        self.target()?
            .find_by_id(fk, None)
            .await?
            .ok_or_else(|| not_found(fk, &self.rel.target))
    }

    /// Deletes the linked target `fk` and its links.
    async fn destroy_by_id(&mut self, fk: &Value) -> Result<()> {
        self.require_link(fk).await?;
        self.target()?.delete_by_id(fk).await?;
        self.remove_links(fk).await
    }
}

impl Editable for Through {
    const DELETE_ALL: &'static str = "Unlinks";

    async fn update_by_id(&self, fk: &Value, data: Value) -> Result<Row> {
        self.require_link(fk).await?;
        self.target()?
            .patch_attributes(fk, data, &js::to_js_string(fk))
            .await
    }

    /// Removes every link of this parent (LoopBack: the targets remain).
    async fn delete_all(&self) -> Result<u64> {
        let repo = self.links_repo()?;
        let w = parse_where(
            repo.model,
            &json!({ &self.rel.foreign_key: self.key }),
            ParseOptions::default(),
        )?;
        repo.delete_all(w.as_ref()).await
    }
}

impl Links for Through {
    const LINK_DATA: bool = true;

    /// The link row, with `data` as its own properties. Linking again answers the existing
    /// link, as LoopBack.
    async fn link(&mut self, fk: &Value, data: Map<String, Value>) -> Result<Row> {
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

    async fn unlink(&mut self, fk: &Value) -> Result<()> {
        self.remove_links(fk).await
    }

    async fn exists(&self, fk: &Value) -> Result<bool> {
        self.is_linked(fk).await
    }
}

/// A referencesMany relation of one parent: the ids its array foreign key holds.
pub(crate) struct References {
    /// The parent's repository (which stores its array).
    pub parent: Repository,
    pub rel: Rel,
    /// The parent's id (to store its array).
    pub parent_id: Value,
    /// The referenced ids, in the parent's order.
    pub ids: Vec<Value>,
}

impl References {
    /// The relation of `row`, a stored row of `parent`'s model.
    pub(crate) fn of(parent: Repository, rel: Rel, row: &Row) -> Self {
        let ids = match row.get(&rel.foreign_key).map(std::borrow::Cow::into_owned) {
            Some(Value::Array(a)) => a.into_iter().filter(|v| !v.is_null()).collect(),
            _ => Vec::new(),
        };
        let parent_id = row
            .get(&parent.model.id().name)
            .map(std::borrow::Cow::into_owned)
            .unwrap_or(Value::Null);
        References {
            parent,
            rel,
            parent_id,
            ids,
        }
    }

    /// Whether the parent references `fk`.
    pub(crate) fn references(&self, fk: &Value) -> bool {
        let k = key_of(fk);
        self.ids.iter().any(|v| key_of(v) == k)
    }

    fn require(&self, fk: &Value) -> Result<()> {
        if self.references(fk) {
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

    /// The parent's array with `id` added (once) or removed, stored.
    async fn set(&mut self, id: &Value, add: bool) -> Result<()> {
        if add == self.references(id) {
            return Ok(());
        }
        let k = key_of(id);
        if add {
            self.ids.push(id.clone());
        } else {
            self.ids.retain(|v| key_of(v) != k);
        }
        let text = js::to_js_string(&self.parent_id);
        self.parent
            .patch_attributes(
                &self.parent_id,
                json!({ &self.rel.foreign_key: self.ids }),
                &text,
            )
            .await?;
        Ok(())
    }
}

impl Many for References {
    const TIED: Option<&'static str> = Some("referenced");
    const CREATE_MANY: bool = false;

    fn open(def: &'static ModelDefinition, rel: Rel, inv: &Invocation) -> Result<Self> {
        let parent = inv
            .instance
            .as_ref()
            .ok_or_else(|| Error::internal(format!("{}: no instance", def.name)))?;
        Ok(References::of(
            super::repository(inv, &def.name)?,
            rel,
            parent,
        ))
    }

    fn parent(&self) -> &Repository {
        &self.parent
    }

    fn rel(&self) -> Rel {
        self.rel
    }

    fn scope(&self, target: &ModelDefinition, client: Option<Where>) -> Result<Where> {
        self.among(target, client)
    }

    /// Creates a target and references it.
    async fn create(&mut self, data: Value) -> Result<Row> {
        let repo = self.target()?;
        let row = repo.create(data).await?;
        let id = repo.row_id(&row).unwrap_or(Value::Null);
        self.set(&id, true).await?;
        Ok(row)
    }

    async fn find_by_id(&self, fk: &Value) -> Result<Row> {
        self.require(fk)?;
        self.target()?
            .find_by_id(fk, None)
            .await?
            .ok_or_else(|| not_found(fk, &self.rel.target))
    }

    /// Deletes the referenced target `fk` and the reference.
    async fn destroy_by_id(&mut self, fk: &Value) -> Result<()> {
        self.require(fk)?;
        self.target()?.delete_by_id(fk).await?;
        self.set(fk, false).await
    }
}

impl Links for References {
    const LINK_DATA: bool = false;

    /// References target `fk` (a 404 when there is none); answers the target (LoopBack).
    async fn link(&mut self, fk: &Value, _data: Map<String, Value>) -> Result<Row> {
        let Some(row) = self.target()?.find_by_id(fk, None).await? else {
            return Err(not_found(fk, &self.rel.target));
        };
        self.set(fk, true).await?;
        Ok(row)
    }

    async fn unlink(&mut self, fk: &Value) -> Result<()> {
        self.set(fk, false).await
    }

    async fn exists(&self, fk: &Value) -> Result<bool> {
        Ok(self.references(fk))
    }
}
