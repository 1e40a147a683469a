//! The operations of the relations whose target rows point back at their parent: hasMany and
//! hasOne (the target's foreign key holds the parent's key), and belongsTo (the parent's
//! foreign key names the target). The REST endpoints and the typed accessors both run these.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::many::{Editable, Many};
use super::not_found;
use super::scope;
use crate::connector::Row;
use crate::filter::{parse_where, Filter, ParseOptions, Where};
use crate::model::{ModelDefinition, RelationDefinition};
use crate::remote::Invocation;
use crate::repository::Repository;
use crate::value::js;
use crate::value::js::key_of;
use crate::{Error, Result};

type Rel = &'static RelationDefinition;

/// A hasMany or hasOne relation of one parent (`key`: the parent's primary key).
pub(crate) struct Owned {
    /// The parent's repository.
    pub parent: Repository,
    pub rel: Rel,
    pub key: Value,
}

impl Owned {
    /// The relation's own condition AND-ed with `client`.
    fn scoped(&self, target: &ModelDefinition, client: Option<Where>) -> Result<Where> {
        scope::scoped_where(target, self.rel, self.parent.model, &self.key, client)
    }

    /// `data` as a new related instance's data (foreign key, discriminator).
    fn with_key(&self, data: Value) -> Result<Value> {
        scope::with_key(data, self.rel, self.parent.model, &self.key)
    }

    /// hasOne: the related row, if any.
    pub(crate) async fn current(&self) -> Result<Option<Row>> {
        let repo = self.target()?;
        let filter = Filter {
            where_: Some(self.scoped(repo.model, None)?),
            limit: Some(1),
            ..Default::default()
        };
        Ok(repo.find(&filter).await?.into_iter().next())
    }

    /// hasOne: the related row, or LoopBack's 404 `MODEL_NOT_FOUND`.
    pub(crate) async fn get_one(&self) -> Result<Row> {
        self.current().await?.ok_or_else(|| {
            Error::not_found(format!("No \"{}\" instance(s) found", self.rel.target))
                .with_code("MODEL_NOT_FOUND")
        })
    }

    /// hasOne: creates the related row; LoopBack's 409 when there is one already.
    pub(crate) async fn create_one(&self, data: Value) -> Result<Row> {
        if self.current().await?.is_some() {
            return Err(Error::new(
                StatusCode::CONFLICT,
                format!(
                    "HasOne relation cannot create more than one instance of {}",
                    self.rel.target
                ),
            ));
        }
        self.target()?.create(self.with_key(data)?).await
    }

    /// hasOne: merges `data` into the related row (its foreign key kept); a 404 when there
    /// is none.
    pub(crate) async fn update_one(&self, data: Value) -> Result<Row> {
        let Some(row) = self.current().await? else {
            return Err(Error::not_found(format!(
                "HasOne relation {} is empty",
                self.rel.name
            )));
        };
        let repo = self.target()?;
        let id = repo.row_id(&row).unwrap_or(Value::Null);
        repo.patch_attributes(&id, self.with_key(data)?, &js::to_js_string(&id))
            .await
    }

    /// hasOne: deletes the related row; how many (0 or 1).
    pub(crate) async fn destroy_one(&self) -> Result<u64> {
        let repo = self.target()?;
        match self.current().await?.and_then(|r| repo.row_id(&r)) {
            Some(id) => repo.delete_by_id(&id).await,
            None => Ok(0),
        }
    }
}

impl Many for Owned {
    const TIED: Option<&'static str> = None;
    const CREATE_MANY: bool = true;

    fn open(def: &'static ModelDefinition, rel: Rel, inv: &Invocation) -> Result<Self> {
        Ok(Owned {
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
        self.scoped(target, client)
    }

    /// Creates a related row (its foreign key set to the parent, as LoopBack silently does).
    async fn create(&mut self, data: Value) -> Result<Row> {
        self.target()?.create(self.with_key(data)?).await
    }

    /// Creates several related rows in one repository call (every element must be an
    /// object).
    async fn create_many(&mut self, items: Vec<Value>) -> Result<Vec<Row>> {
        // LoopBack 3 answers a 500 for `[null]`; lb a 400
        if items.iter().any(|i| !i.is_object()) {
            return Err(crate::repository::not_an_object());
        }
        let items = items
            .into_iter()
            .map(|i| self.with_key(i))
            .collect::<Result<Vec<_>>>()?;
        self.target()?.create_many(items).await
    }

    /// The related row `fk`; LoopBack's 404 when it is another parent's or none.
    async fn find_by_id(&self, fk: &Value) -> Result<Row> {
        match self.target()?.find_by_id(fk, None).await? {
            Some(r) if scope::is_related(&r, self.rel, &self.key) => Ok(r),
            _ => Err(not_found(fk, &self.rel.target)),
        }
    }

    /// Deletes the related row `fk` (a 404 when it is not related).
    async fn destroy_by_id(&mut self, fk: &Value) -> Result<()> {
        self.find_by_id(fk).await?;
        self.target()?.delete_by_id(fk).await.map(drop)
    }
}

impl Editable for Owned {
    const DELETE_ALL: &'static str = "Deletes";

    /// Merges `data` into the related row `fk`; moving it to another parent is refused.
    async fn update_by_id(&self, fk: &Value, data: Value) -> Result<Row> {
        self.find_by_id(fk).await?;
        if let Some(v) = data.get(&self.rel.foreign_key) {
            if key_of(v) != key_of(&self.key) {
                return Err(Error::bad_request(format!(
                    "Cannot override foreign key {} from {} to {}",
                    self.rel.foreign_key,
                    js::to_js_string(&self.key),
                    js::to_js_string(v)
                )));
            }
        }
        self.target()?
            .patch_attributes(fk, data, &js::to_js_string(fk))
            .await
    }

    /// Deletes every related row; how many.
    async fn delete_all(&self) -> Result<u64> {
        let repo = self.target()?;
        let w = self.scoped(repo.model, None)?;
        repo.delete_all(Some(&w)).await
    }
}

/// belongsTo: the row the parent's foreign key `fk` refers to, with its repository; `None`
/// when it is gone. `model` names the target of a polymorphic relation (the parent's
/// discriminator); an unknown name is `None` too.
pub(crate) async fn referred(
    parent: &Repository,
    rel: &RelationDefinition,
    fk: &Value,
    model: Option<&str>,
) -> Result<Option<(Repository, Row)>> {
    let repo = match model {
        Some(name) => match parent.sibling(name) {
            Ok(r) => r,
            Err(_) => return Ok(None),
        },
        None => parent.sibling(&rel.target)?,
    };
    let pk = rel.referenced_key(repo.model);
    let filter = Filter {
        where_: parse_where(repo.model, &json!({ pk: fk }), ParseOptions::default())?,
        limit: Some(1),
        ..Default::default()
    };
    let row = repo.find(&filter).await?.into_iter().next();
    Ok(row.map(|r| (repo, r)))
}
