//! LoopBack's `ACL` model: entries kept as rows of a datasource (`acl_model`), read by the
//! authorize stage next to the models' own. Rows of a model are cached for the process and
//! read again when the `ACL` model is written here, or after a second (another process may
//! have written them).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::Acl;
use crate::filter::{parse_where, Filter, ParseOptions};
use crate::model::{DataType, ModelDefinition};
use crate::observe::{Observer, OperationHook};
use crate::repository::Repository;
use crate::{Error, Result};

/// How long rows read from the table are used before being read again.
const FRESH: Duration = Duration::from_secs(1);

/// LoopBack's `ACL` model: `model`, `property`, `accessType`, `permission`,
/// `principalType`, `principalId` (text), an injected numeric `id`.
pub fn acl_model() -> &'static ModelDefinition {
    static DEF: LazyLock<ModelDefinition> = LazyLock::new(|| {
        ModelDefinition::builder("ACL")
            .plural("ACLs")
            .property("model", DataType::String, |p| {
                p.description("The name of the model")
            })
            .property("property", DataType::String, |p| {
                p.description("The name of the property, method, scope, or relation")
            })
            .property("accessType", DataType::String, |p| p)
            .property("permission", DataType::String, |p| p)
            .property("principalType", DataType::String, |p| p)
            .property("principalId", DataType::String, |p| p)
            .public(false)
            .build()
    });
    &DEF
}

struct Cached {
    read: Instant,
    generation: u64,
    acls: Arc<Vec<Acl>>,
}

/// The rows of the app's `ACL` model, by model name.
#[derive(Default)]
pub(crate) struct AclTable {
    generation: Arc<AtomicU64>,
    cache: Mutex<HashMap<String, Cached>>,
}

impl AclTable {
    /// Hooks on the `ACL` model: a write here is seen by the next request.
    pub(crate) fn observers(&self, model: &str) -> Vec<Observer> {
        [OperationHook::AfterSave, OperationHook::AfterDelete]
            .into_iter()
            .map(|hook| {
                let generation = self.generation.clone();
                Observer::new(model, hook, move |ctx| {
                    generation.fetch_add(1, Ordering::Relaxed);
                    async move { Ok(ctx) }
                })
            })
            .collect()
    }

    /// The entries of `model` in the table. A row that is not a valid entry is an error:
    /// skipping a DENY would widen access.
    pub(crate) async fn entries(&self, table: &Repository, model: &str) -> Result<Arc<Vec<Acl>>> {
        let generation = self.generation.load(Ordering::Relaxed);
        if let Some(c) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(model)
            .filter(|c| c.generation == generation && c.read.elapsed() < FRESH)
        {
            return Ok(c.acls.clone());
        }
        let filter = Filter {
            where_: parse_where(
                table.model,
                &json!({ "model": model }),
                ParseOptions::default(),
            )?,
            ..Filter::default()
        };
        let mut acls = Vec::new();
        for row in table.find(&filter).await? {
            let mut o = row.to_object();
            o.retain(|_, v| !v.is_null());
            let acl = Acl::from_json(model, &Value::Object(o)).map_err(|e| {
                Error::internal(format!(
                    "a row of the ACL model is not an ACL entry: {}",
                    e.message
                ))
            })?;
            acls.push(acl);
        }
        let acls = Arc::new(acls);
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(
            model.to_string(),
            Cached {
                read: Instant::now(),
                generation,
                acls: acls.clone(),
            },
        );
        Ok(acls)
    }
}
