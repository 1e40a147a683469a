//! The tables of the memory connector.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::super::Row;
use crate::model::{DataType, ModelDefinition};
use crate::value::{js, Object, Record};
use crate::Result;

/// The key of a row: numeric ids order numerically, string ids as strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum IdKey {
    /// An integral id.
    Int(i64),
    /// Any other id, as its string form.
    Str(String),
}

impl IdKey {
    /// The key of an id value for this model (`None` if it cannot be an id of the model).
    pub(super) fn of(model: &ModelDefinition, id: &Value) -> Option<IdKey> {
        match (&model.id().data_type, id) {
            (_, Value::Null) => None,
            // LoopBack's memory connector keys rows by `String(id)`: `true` finds no number
            (DataType::Number | DataType::Integer, v @ (Value::Number(_) | Value::String(_))) => {
                let f = js::to_number(v).filter(|f| f.is_finite())?;
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    Some(IdKey::Int(f as i64))
                } else {
                    Some(IdKey::Str(js::number_to_string(f)))
                }
            }
            (_, Value::String(s)) => Some(IdKey::Str(s.clone())),
            (_, v) => Some(IdKey::Str(js::to_js_string(v))),
        }
    }
}

/// One model's rows and its id counter.
#[derive(Debug, Default)]
pub(super) struct Table {
    /// Next id to hand out.
    pub next_id: i64,
    /// Rows by id.
    pub rows: BTreeMap<IdKey, Row>,
}

/// All tables of one memory datasource.
#[derive(Debug, Default)]
pub(super) struct Database {
    /// Tables by model name.
    pub tables: HashMap<String, Table>,
    /// Rows loaded from a file before their model was defined: the id counter and the rows
    /// by the id text the file keys them with.
    pub pending: HashMap<String, (i64, BTreeMap<String, Object>)>,
    /// Whether writes are journaled (a file-persisted database).
    pub journaled: bool,
    /// What the current write changed, for its journal line: (model, key), or no key when
    /// only the id counter moved.
    pub touched: Vec<(String, Option<IdKey>)>,
}

impl Database {
    /// Registers a model; adopts rows loaded from a file for it.
    pub(super) fn define(&mut self, model: &'static ModelDefinition) {
        let mut table = self.tables.remove(&model.name).unwrap_or_else(|| Table {
            next_id: 1,
            ..Table::default()
        });
        if let Some((next, rows)) = self.pending.remove(&model.name) {
            table.next_id = table.next_id.max(next);
            for row in rows.into_values() {
                let row = retype(model, row);
                if let Some(k) = row
                    .get(&model.id().name)
                    .and_then(|id| IdKey::of(model, id))
                {
                    table.rows.insert(k, Arc::new(Record::compact(model, row)));
                }
            }
        }
        self.tables.insert(model.name.clone(), table);
    }

    /// Notes that the current write changed `key` of `model` (or only its id counter).
    pub(super) fn touch(&mut self, model: &ModelDefinition, key: Option<IdKey>) {
        if self.journaled {
            self.touched.push((model.name.clone(), key));
        }
    }

    /// A model's table (created on first use).
    pub(super) fn table(&mut self, model: &'static ModelDefinition) -> &mut Table {
        if !self.tables.contains_key(&model.name) {
            let table = Table {
                next_id: 1,
                ..Table::default()
            };
            self.tables.insert(model.name.clone(), table);
        }
        self.tables.get_mut(&model.name).expect("inserted above")
    }

    /// A model's table if it exists.
    pub(super) fn get(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }
}

impl Table {
    /// Inserts with LoopBack's id rules: the explicit id or the counter; the counter then
    /// becomes `max(counter, id) + 1`, also when the insert fails as a duplicate.
    pub(super) fn insert(
        &mut self,
        model: &'static ModelDefinition,
        mut data: Object,
    ) -> Result<Row> {
        let id_prop = model.id();
        let given = data.get(&id_prop.name).filter(|v| !v.is_null()).cloned();
        let id = match given {
            Some(v) => v,
            None if matches!(id_prop.data_type, DataType::Number | DataType::Integer) => {
                Value::from(self.next_id)
            }
            None => Value::String(self.next_id.to_string()),
        };
        if let Some(n) = js::to_number(&id).filter(|f| f.is_finite() && f.fract() == 0.0) {
            self.next_id = self.next_id.max(n as i64) + 1;
        } else {
            self.next_id += 1;
        }
        let key = IdKey::of(model, &id).ok_or_else(|| super::duplicate(model))?;
        if self.rows.contains_key(&key) {
            return Err(super::duplicate(model));
        }
        data.insert(id_prop.name.clone(), id);
        let row = Arc::new(Record::compact(model, data));
        self.rows.insert(key, row.clone());
        Ok(row)
    }
}

/// Merges `data` into the stored row (LoopBack's field-by-field update), keeping model key
/// order; the row is replaced, so readers holding the old one are unaffected.
pub(super) fn merge(model: &'static ModelDefinition, stored: &mut Row, data: &Object) {
    let mut row = stored.to_object();
    merge_into(model, &mut row, data);
    *stored = Arc::new(Record::compact(model, row));
}

/// Replaces the stored row by `data` in model key order.
pub(super) fn replace(model: &'static ModelDefinition, stored: &mut Row, data: Object) {
    *stored = Arc::new(Record::compact(model, data));
}

fn merge_into(model: &ModelDefinition, row: &mut Object, data: &Object) {
    for (k, v) in data {
        if k == &model.id().name {
            continue;
        }
        match row.get_mut(k) {
            Some(slot) => *slot = v.clone(),
            None => {
                row.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Re-types values read from a file: dates, numbers and booleans as declared.
fn retype(model: &ModelDefinition, row: Object) -> Object {
    let mut row = row;
    for p in &model.properties {
        if let Some(v) = row.get_mut(&p.name) {
            if let Ok(c) = crate::value::write::coerce(&p.data_type, v.clone()) {
                *v = c;
            }
        }
    }
    row
}
