//! Writes: create, patchOrCreate, replaceOrCreate, upsertWithWhere, replaceById,
//! patchAttributes, updateAll, deleteById, deleteAll.

use axum::http::StatusCode;
use serde_json::Value;

use std::borrow::Cow;

use super::data::Mode;
use super::observe::Operation;
use super::{not_an_object, Repository};
use crate::changes::ChangeKind;
use crate::connector::Row;
use crate::filter::{Filter, Where};
use crate::observe::OperationHook;
use crate::validation::ValidationErrors;
use crate::value::{js, Object};
use crate::{Error, Result};

fn object(v: Value) -> Result<Object> {
    match v {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(Object::new()),
        _ => Err(not_an_object()),
    }
}

fn id_text(v: &Value) -> String {
    js::to_js_string(v)
}

/// The most failed items a bulk create's error lists in its `details` (the entries stop at
/// the item of the last one listed).
pub const MAX_ERROR_DETAILS: usize = 100;

impl Repository {
    /// An upsert body (an object, else 400) and its id coerced to the id type, if it has one;
    /// the body carries the coerced id (a numeric id given as `true` is stored as 1, one given
    /// as `{}` is a 422).
    fn object_with_id(&self, data: Value) -> Result<(Object, Option<Value>)> {
        let mut body = match data {
            Value::Object(o) => o,
            _ => return Err(not_an_object()),
        };
        let Some(raw) = self.id_of(&body).cloned() else {
            return Ok((body, None));
        };
        let id_prop = self.model.id();
        let mut id = self.coerce_id(&raw);
        if id_prop.data_type.is_numeric() && !id.is_number() {
            id = match crate::value::write::coerce(&id_prop.data_type, id) {
                Ok(n) => n,
                Err(_) => {
                    let mut errors = ValidationErrors::new();
                    errors.add(
                        &id_prop.name,
                        "numericality.number",
                        "is not a number",
                        Some(&raw),
                    );
                    return Err(errors.into_error(&self.model.name));
                }
            };
        }
        body.insert(id_prop.name.clone(), id.clone());
        Ok((body, Some(id)))
    }

    /// `create` of one instance (`null` creates an empty instance, as LoopBack does).
    pub async fn create(&self, data: Value) -> Result<Row> {
        let (data, errors) = self.prepare(object(data)?, Mode::Create)?;
        self.insert(&mut self.operation(), data, errors, None).await
    }

    /// A new instance: `before save` → validation → `persist` → the connector → `loaded` →
    /// `after save`. `own_id`: the id it will have, for the uniqueness checks.
    async fn insert(
        &self,
        op: &mut Operation<'_>,
        data: Object,
        errors: ValidationErrors,
        own_id: Option<&Value>,
    ) -> Result<Row> {
        let data = op.before_save_instance(data, true).await?;
        self.validate(&data, own_id, errors).await?;
        let data = op.persist(data, None, None, Some(true)).await?;
        let row = self.connector.create(self.model, data).await?;
        let row = op.loaded_one(row, Some(true)).await?;
        let row = op.after_save_instance(row, true).await?;
        self.publish_row(ChangeKind::Create, &row).await?;
        Ok(row)
    }

    /// A partial update of one stored instance (`current`): `before save` (where, data,
    /// currentInstance) → validation of the merged instance (unless `validate` is false) →
    /// `persist` → the connector → `loaded` → `after save`.
    async fn update_one(
        &self,
        op: &mut Operation<'_>,
        current: &Row,
        patch: Object,
        validate: bool,
    ) -> Result<Option<Row>> {
        let id = self.row_id(current).unwrap_or(Value::Null);
        let (w, mut patch) = op
            .before_save_data(Some(self.id_where(&id)), patch, Some(current))
            .await?;
        patch.shift_remove(&self.model.id().name);
        if validate {
            let mut merged = current.to_object();
            for (k, v) in &patch {
                merged.insert(k.clone(), v.clone());
            }
            self.validate(&merged, Some(&id), ValidationErrors::new())
                .await?;
        }
        let patch = op
            .persist(patch, w.as_ref(), Some(current), Some(false))
            .await?;
        let Some(row) = self.connector.patch_by_id(self.model, &id, patch).await? else {
            return Ok(None);
        };
        let row = op.loaded_one(row, Some(false)).await?;
        let row = op.after_save_instance(row, false).await?;
        self.publish_row(ChangeKind::Update, &row).await?;
        Ok(Some(row))
    }

    /// The stored instance with this id, through `access` when the model has such hooks
    /// (their query runs instead).
    async fn lookup(&self, op: &mut Operation<'_>, id: &Value) -> Result<Option<Row>> {
        if !self.observes(OperationHook::Access) {
            return self.connector.find_by_id(self.model, id).await;
        }
        let q = Filter {
            where_: Some(self.id_where(id)),
            limit: Some(1),
            ..Filter::default()
        };
        let q = op.access(Cow::Owned(q)).await?;
        Ok(self.find_raw(&q).await?.into_iter().next())
    }

    /// `create` with an array body: items are created independently (successes persist).
    /// Failures give one error whose `details` has `null` for each success — up to the
    /// [`MAX_ERROR_DETAILS`]-th failure.
    pub async fn create_many(&self, items: Vec<Value>) -> Result<Vec<Row>> {
        if items.iter().any(|i| !i.is_object() && !i.is_null()) {
            return Err(Error::bad_request("Some of array items are not an object."));
        }
        let mut rows = Vec::with_capacity(items.len());
        let mut errors: Vec<Option<Error>> = Vec::with_capacity(items.len());
        for item in items {
            match self.create(item).await {
                Ok(r) => {
                    rows.push(r);
                    errors.push(None);
                }
                Err(e) => errors.push(Some(e)),
            }
        }
        if errors.iter().all(Option::is_none) {
            return Ok(rows);
        }
        let failed: Vec<&Error> = errors.iter().flatten().collect();
        let status = if failed.iter().all(|e| e.status == failed[0].status)
            && failed[0].status.is_client_error()
        {
            failed[0].status
        } else if failed.iter().all(|e| e.status.is_client_error()) {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        // one entry per item up to the MAX_ERROR_DETAILS-th failure: a large bulk of bad
        // items must not make an answer many times its size
        let mut listed = 0;
        let details = errors
            .iter()
            .take_while(|e| {
                let more = listed < MAX_ERROR_DETAILS;
                listed += usize::from(e.is_some());
                more
            })
            .map(|e| e.as_ref().map_or(Value::Null, |e| e.to_object(false)))
            .collect();
        Err(Error::new(
            status,
            "Failed with multiple errors, see `details` for more information.",
        )
        .with_details(Value::Array(details)))
    }

    /// `patchOrCreate` (`upsert`): no id → create; existing id → patch (validation skipped, as
    /// LoopBack's default `validateUpsert: false`); unknown id → 404 with forceId, else create.
    /// Atomic: concurrent calls with a new id create once and patch after.
    pub async fn patch_or_create(&self, data: Value) -> Result<Row> {
        let (body, id) = self.object_with_id(data)?;
        let Some(id) = id else {
            return self.create(Value::Object(body)).await;
        };
        self.atomically(move |repo| {
            let (body, id) = (body.clone(), id.clone());
            Box::pin(async move { repo.patch_or_create_now(body, id).await })
        })
        .await
    }

    async fn patch_or_create_now(&self, body: Object, id: Value) -> Result<Row> {
        let mut op = self.operation();
        if let Some(current) = self.lookup(&mut op, &id).await? {
            let patch = self.prepare_patch(body.clone())?;
            if let Some(row) = self
                .update_one(&mut op, &current, patch, self.model.validate_upsert)
                .await?
            {
                return Ok(row);
            }
        }
        if self.model.forces_id() {
            return Err(Error::not_found(format!(
                "Could not update attributes. Object with id {} does not exist!",
                id_text(&id)
            )));
        }
        let (data, errors) = self.prepare(body, Mode::Replace)?;
        self.insert(&mut op, data, errors, None).await
    }

    /// `replaceOrCreate`: no id → create; existing id → replace (defaults re-applied);
    /// unknown id → 404 with forceId, else create with that id. Atomic, as
    /// [`Repository::patch_or_create`].
    pub async fn replace_or_create(&self, data: Value) -> Result<Row> {
        let (body, id) = self.object_with_id(data)?;
        let Some(id) = id else {
            return self.create(Value::Object(body)).await;
        };
        self.atomically(move |repo| {
            let (body, id) = (body.clone(), id.clone());
            Box::pin(async move { repo.replace_or_create_now(body, id).await })
        })
        .await
    }

    async fn replace_or_create_now(&self, body: Object, id: Value) -> Result<Row> {
        let (data, errors) = self.prepare(body, Mode::Replace)?;
        let mut op = self.operation();
        let exists = self.lookup(&mut op, &id).await?.is_some();
        if !exists {
            if self.model.forces_id() {
                self.validate(&data, Some(&id), errors).await?;
                return Err(replace_missing(&id));
            }
            return self.insert(&mut op, data, errors, Some(&id)).await;
        }
        self.replace(&mut op, &id, data, errors).await
    }

    /// A whole-instance replace of `id`: `before save` → validation → `persist` → the
    /// connector → `loaded` → `after save`.
    async fn replace(
        &self,
        op: &mut Operation<'_>,
        id: &Value,
        data: Object,
        errors: ValidationErrors,
    ) -> Result<Row> {
        let mut data = op.before_save_instance(data, false).await?;
        data.insert(self.model.id().name.clone(), id.clone());
        self.validate(&data, Some(id), errors).await?;
        let data = op.persist(data, None, None, Some(false)).await?;
        let row = self
            .connector
            .replace_by_id(self.model, id, data)
            .await?
            .ok_or_else(|| replace_missing(id))?;
        let row = op.loaded_one(row, Some(false)).await?;
        let row = op.after_save_instance(row, false).await?;
        self.publish_row(ChangeKind::Update, &row).await?;
        Ok(row)
    }

    /// `replaceById`: validates, then replaces; a body id different from `id` is a 400.
    pub async fn replace_by_id(&self, id: &Value, data: Value) -> Result<Row> {
        let Some(id) = self.lookup_id(id) else {
            return Err(replace_missing(id));
        };
        let mut body = match data {
            Value::Object(o) => o,
            Value::Null => Object::new(),
            _ => return Err(not_an_object()),
        };
        let id_name = self.model.id().name.clone();
        if let Some(given) = self.id_of(&body) {
            if !js::loose_eq(Some(&self.coerce_id(given)), Some(&id)) {
                return Err(Error::bad_request(format!(
                    "id property ({id_name}) cannot be updated from {} to {}",
                    id_text(&id),
                    id_text(given)
                )));
            }
        }
        body.insert(id_name, id.clone());
        let (data, errors) = self.prepare(body, Mode::Replace)?;
        self.replace(&mut self.operation(), &id, data, errors).await
    }

    /// `prototype.patchAttributes`: the instance must exist (404 `could not find a model with
    /// id ..`); the merged instance is validated.
    pub async fn patch_attributes(
        &self,
        id: &Value,
        data: Value,
        id_text_raw: &str,
    ) -> Result<Row> {
        let Some(id) = self.lookup_id(id) else {
            return Err(Error::instance_not_found(id_text_raw));
        };
        // the instance load (LoopBack's findById: `access`, `loaded`)
        let mut op = self.operation();
        let current = self
            .lookup(&mut op, &id)
            .await?
            .ok_or_else(|| Error::instance_not_found(id_text_raw))?;
        let current = op.loaded_one(current, None).await?;
        let body = match data {
            Value::Object(o) => o,
            Value::Null => Object::new(),
            _ => return Err(not_an_object()),
        };
        if let Some(given) = self.id_of(&body) {
            if !js::loose_eq(Some(&self.coerce_id(given)), Some(&id)) {
                let msg = if self.model.force_id {
                    format!(
                        "id cannot be updated from {} to {} when forceId is set to true",
                        id_text(&id),
                        id_text(given)
                    )
                } else {
                    format!(
                        "id property ({}) cannot be updated from {} to {}",
                        self.model.id().name,
                        id_text(&id),
                        id_text(given)
                    )
                };
                return Err(Error::bad_request(msg));
            }
        }
        let patch = self.prepare_patch(body)?;
        self.update_one(&mut op, &current, patch, true)
            .await?
            .ok_or_else(|| Error::instance_not_found(id_text_raw))
    }

    /// `upsertWithWhere`: 0 matches → create, 1 → patch (the merged row is validated),
    /// more → 400. Atomic: concurrent calls that find nothing create once.
    pub async fn upsert_with_where(&self, where_: Option<&Where>, data: Value) -> Result<Row> {
        let body = match data {
            Value::Object(o) if o.is_empty() => return Err(Error::empty_data()),
            Value::Object(o) => o,
            _ => return Err(not_an_object()),
        };
        let where_ = where_.cloned();
        self.atomically(move |repo| {
            let (w, body) = (where_.clone(), body.clone());
            Box::pin(async move { repo.upsert_with_where_now(w.as_ref(), body).await })
        })
        .await
    }

    async fn upsert_with_where_now(&self, where_: Option<&Where>, body: Object) -> Result<Row> {
        let filter = Filter {
            where_: where_.cloned(),
            limit: Some(2),
            ..Filter::default()
        };
        let found = self.find(&filter).await?;
        match found.as_slice() {
            [] => self.create(Value::Object(body)).await,
            // the found instance is updated as it is (LoopBack's updateAttributes: no reload)
            [one] => {
                let id = self.row_id(one).unwrap_or(Value::Null);
                let patch = self.prepare_patch(body)?;
                self.update_one(&mut self.operation(), one, patch, true)
                    .await?
                    .ok_or_else(|| Error::instance_not_found(&id_text(&id)))
            }
            _ => Err(Error::bad_request(
                "There are multiple instances found.Upsert Operation will not be performed!",
            )),
        }
    }

    /// `updateAll`: merges `data` into every match without validation; returns the count.
    pub async fn update_all(&self, where_: Option<&Where>, data: Value) -> Result<u64> {
        let body = match data {
            Value::Object(o) => o,
            Value::Null => Object::new(),
            _ => return Err(not_an_object()),
        };
        let mut op = self.operation();
        let w = op.access_where(where_).await?;
        let mut patch = self.prepare_patch(body)?;
        patch.shift_remove(&self.model.id().name);
        let (w, patch) = match w {
            Some(Cow::Borrowed(w)) if !self.observes(OperationHook::BeforeSave) => {
                (Some(Cow::Borrowed(w)), patch)
            }
            w => {
                let (w, p) = op
                    .before_save_data(w.map(Cow::into_owned), patch, None)
                    .await?;
                (w.map(Cow::Owned), p)
            }
        };
        let patch = op.persist(patch, w.as_deref(), None, None).await?;
        let kept = (self.observes(OperationHook::AfterSave) || self.publishes().await?)
            .then(|| patch.clone());
        let local = self.localize(w.as_deref()).await?;
        let n = self
            .connector
            .update_all(self.model, local.as_deref(), patch)
            .await?;
        if let Some(data) = kept {
            op.after_save_all(w.as_deref(), &data, n).await?;
            if n > 0 {
                self.publish_where(ChangeKind::Update, w.as_deref(), None, Some(&data))
                    .await?;
            }
        }
        Ok(n)
    }

    /// `deleteById`: 1 or 0 (never a 404).
    pub async fn delete_by_id(&self, id: &Value) -> Result<u64> {
        let Some(id) = self.lookup_id(id) else {
            return Ok(0);
        };
        let hooked = [
            OperationHook::Access,
            OperationHook::BeforeDelete,
            OperationHook::AfterDelete,
        ]
        .into_iter()
        .any(|h| self.observes(h));
        if !hooked {
            let n = self.connector.delete_by_id(self.model, &id).await?;
            if n > 0 {
                let by_id = self.id_where(&id);
                self.publish_where(ChangeKind::Remove, Some(&by_id), Some(&id), None)
                    .await?;
            }
            return Ok(n);
        }
        let by_id = self.id_where(&id);
        let mut op = self.operation();
        let w = op.access_where(Some(&by_id)).await?;
        let w = op.before_delete(w).await?;
        let n = match w.as_deref() {
            // the hooks left the where as it was: delete by id
            Some(w) if *w == by_id => self.connector.delete_by_id(self.model, &id).await?,
            w => {
                let local = self.localize(w).await?;
                self.connector
                    .delete_all(self.model, local.as_deref())
                    .await?
            }
        };
        op.after_delete(w.as_deref(), n).await?;
        if n > 0 {
            // a where the hooks changed may have removed other instances: no single target
            let target = (w.as_deref() == Some(&by_id)).then_some(&id);
            self.publish_where(ChangeKind::Remove, w.as_deref(), target, None)
                .await?;
        }
        Ok(n)
    }

    /// `destroyAll`.
    pub async fn delete_all(&self, where_: Option<&Where>) -> Result<u64> {
        let mut op = self.operation();
        let w = op.access_where(where_).await?;
        let w = op.before_delete(w).await?;
        let local = self.localize(w.as_deref()).await?;
        let n = self
            .connector
            .delete_all(self.model, local.as_deref())
            .await?;
        op.after_delete(w.as_deref(), n).await?;
        if n > 0 {
            self.publish_where(ChangeKind::Remove, w.as_deref(), None, None)
                .await?;
        }
        Ok(n)
    }
}

fn replace_missing(id: &Value) -> Error {
    Error::not_found(format!(
        "Could not replace. Object with id {} does not exist!",
        id_text(id)
    ))
}
