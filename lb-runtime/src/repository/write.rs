//! Writes: create, patchOrCreate, replaceOrCreate, upsertWithWhere, replaceById,
//! patchAttributes, updateAll, deleteById, deleteAll.

use axum::http::StatusCode;
use serde_json::Value;

use super::data::Mode;
use super::{not_an_object, Repository};
use crate::connector::Row;
use crate::filter::{Filter, Where};
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
        self.validate(&data, None, errors).await?;
        self.connector.create(self.model, data).await
    }

    /// `create` with an array body: items are created independently (successes persist).
    /// Failures give one error whose `details` has `null` for each success.
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
        let details = errors
            .iter()
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
    pub async fn patch_or_create(&self, data: Value) -> Result<Row> {
        let (body, id) = self.object_with_id(data)?;
        let Some(id) = id else {
            return self.create(Value::Object(body)).await;
        };
        if self.connector.find_by_id(self.model, &id).await?.is_some() {
            let patch = self.prepare_patch(body.clone())?;
            if let Some(row) = self.connector.patch_by_id(self.model, &id, patch).await? {
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
        self.validate(&data, None, errors).await?;
        self.connector.create(self.model, data).await
    }

    /// `replaceOrCreate`: no id → create; existing id → replace (defaults re-applied);
    /// unknown id → 404 with forceId, else create with that id.
    pub async fn replace_or_create(&self, data: Value) -> Result<Row> {
        let (body, id) = self.object_with_id(data)?;
        let Some(id) = id else {
            return self.create(Value::Object(body)).await;
        };
        let (data, errors) = self.prepare(body, Mode::Replace)?;
        self.validate(&data, Some(&id), errors).await?;
        if let Some(row) = self
            .connector
            .replace_by_id(self.model, &id, data.clone())
            .await?
        {
            return Ok(row);
        }
        if self.model.forces_id() {
            return Err(replace_missing(&id));
        }
        self.connector.create(self.model, data).await
    }

    /// `replaceById`: validates, then replaces; a body id different from `id` is a 400.
    pub async fn replace_by_id(&self, id: &Value, data: Value) -> Result<Row> {
        let id = self.coerce_id(id);
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
        self.validate(&data, Some(&id), errors).await?;
        self.connector
            .replace_by_id(self.model, &id, data)
            .await?
            .ok_or_else(|| replace_missing(&id))
    }

    /// `prototype.patchAttributes`: the instance must exist (404 `could not find a model with
    /// id ..`); the merged instance is validated.
    pub async fn patch_attributes(
        &self,
        id: &Value,
        data: Value,
        id_text_raw: &str,
    ) -> Result<Row> {
        let id = self.coerce_id(id);
        let current = self
            .connector
            .find_by_id(self.model, &id)
            .await?
            .ok_or_else(|| Error::instance_not_found(id_text_raw))?;
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
        let mut patch = self.prepare_patch(body)?;
        patch.shift_remove(&self.model.id().name);
        let mut merged = current.to_object();
        for (k, v) in &patch {
            merged.insert(k.clone(), v.clone());
        }
        self.validate(&merged, Some(&id), ValidationErrors::new())
            .await?;
        self.connector
            .patch_by_id(self.model, &id, patch)
            .await?
            .ok_or_else(|| Error::instance_not_found(id_text_raw))
    }

    /// `upsertWithWhere`: 0 matches → create, 1 → patch (the merged row is validated),
    /// more → 400.
    pub async fn upsert_with_where(&self, where_: Option<&Where>, data: Value) -> Result<Row> {
        let body = match data {
            Value::Object(o) => o,
            _ => return Err(not_an_object()),
        };
        let filter = Filter {
            where_: where_.cloned(),
            limit: Some(2),
            ..Filter::default()
        };
        let found = self.find(&filter).await?;
        match found.as_slice() {
            [] => self.create(Value::Object(body)).await,
            [one] => {
                let id = self.row_id(one).unwrap_or(Value::Null);
                self.patch_attributes(&id, Value::Object(body), &id_text(&id))
                    .await
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
        let mut patch = self.prepare_patch(body)?;
        patch.shift_remove(&self.model.id().name);
        let w = self.localize(where_).await?;
        self.connector
            .update_all(self.model, w.as_deref(), patch)
            .await
    }

    /// `deleteById`: 1 or 0 (never a 404).
    pub async fn delete_by_id(&self, id: &Value) -> Result<u64> {
        self.connector
            .delete_by_id(self.model, &self.coerce_id(id))
            .await
    }

    /// `destroyAll`.
    pub async fn delete_all(&self, where_: Option<&Where>) -> Result<u64> {
        let w = self.localize(where_).await?;
        self.connector.delete_all(self.model, w.as_deref()).await
    }
}

fn replace_missing(id: &Value) -> Error {
    Error::not_found(format!(
        "Could not replace. Object with id {} does not exist!",
        id_text(id)
    ))
}
