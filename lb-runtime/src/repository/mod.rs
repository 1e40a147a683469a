//! The PersistedModel operations of LoopBack (create, find, upsert, replace, ...) over any
//! connector, with LoopBack's rules for ids, defaults, strict mode and error messages.
//!
//! Both the REST API and the typed Rust API call these, so they behave the same.

mod atomic;
mod data;
mod include;
mod observe;
mod peers;
mod read;
mod write;

use std::sync::Arc;

use serde_json::Value;

use crate::connector::{Connector, Row};
use crate::filter::Fields;
use crate::model::ModelDefinition;
use crate::value::{js, Object};
use crate::Error;

pub(crate) use peers::{Home, Peers};
pub use write::MAX_ERROR_DETAILS;

/// One model bound to its datasource's connector.
#[derive(Clone)]
pub struct Repository {
    /// The model.
    pub model: &'static ModelDefinition,
    /// The datasource's connector.
    pub connector: Arc<dyn Connector>,
    /// Where the other models of its app live (`None` for a repository outside an app).
    pub(crate) home: Option<Home>,
    /// The model's operation hooks (`None`: none registered).
    pub(crate) observers: Option<Arc<crate::observe::Observers>>,
    /// The app's change streams (`None`: no change is published).
    pub(crate) changes: Option<Arc<crate::changes::Hub>>,
    /// Inside a transaction: the changes to deliver when it commits.
    pub(crate) pending_changes: Option<Arc<std::sync::Mutex<Vec<crate::changes::Change>>>>,
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Repository({} on {})",
            self.model.name,
            self.connector.name()
        )
    }
}

impl Repository {
    /// Binds a model to a connector.
    pub fn new(model: &'static ModelDefinition, connector: Arc<dyn Connector>) -> Self {
        connector.define(model);
        Repository {
            model,
            connector,
            home: None,
            observers: None,
            changes: None,
            pending_changes: None,
        }
    }

    /// The id of a row.
    pub fn id_of<'r>(&self, row: &'r Object) -> Option<&'r Value> {
        row.get(&self.model.id().name).filter(|v| !v.is_null())
    }

    /// The id of a stored row (`None` when unset or null).
    pub fn row_id(&self, row: &crate::value::Record) -> Option<Value> {
        row.get_at(&self.model.id().name, Some(self.model.id_index))
            .filter(|v| !v.is_null())
            .map(std::borrow::Cow::into_owned)
    }

    /// Coerces a client-supplied id (path segment, body value) to the id property's type.
    pub fn coerce_id(&self, id: &Value) -> Value {
        match (&self.model.id().data_type, id) {
            (t, Value::String(s)) if t.is_numeric() => match js::string_to_number(s) {
                Some(f) if !s.trim().is_empty() => js::number(f),
                _ => id.clone(),
            },
            (crate::model::DataType::String, Value::Number(_)) => {
                Value::String(js::to_js_string(id))
            }
            _ => id.clone(),
        }
    }

    /// A client-supplied id as a lookup key (path ids): coerced to the id's type; `None` when
    /// no instance can have it — a boolean for a numeric id finds nothing (LoopBack), where a
    /// database would compare `true` as 1.
    pub(crate) fn lookup_id(&self, id: &Value) -> Option<Value> {
        let id = self.coerce_id(id);
        match (&self.model.id().data_type, &id) {
            (t, Value::Bool(_)) if t.is_numeric() => None,
            _ => Some(id),
        }
    }
}

/// Applies a `fields` projection (a new row only when something is left out).
pub(crate) fn project(row: Row, fields: Option<&Fields>) -> Row {
    match fields {
        None => row,
        Some(f) => {
            if row.all_keys(|k| f.shows(k)) {
                return row;
            }
            let mut o = row.to_object();
            o.retain(|k, _| f.shows(k));
            Arc::new(crate::value::Record::new(o))
        }
    }
}

/// `Value is not an object.` (400), LoopBack's answer to a body of the wrong shape.
pub(crate) fn not_an_object() -> Error {
    Error::bad_request("Value is not an object.")
}
