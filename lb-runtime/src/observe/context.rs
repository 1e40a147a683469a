//! What an operation hook sees (spec §8): which fields are set depends on the hook and the
//! operation, as in LoopBack.

use serde_json::{Map, Value};

use super::OperationHook;
use crate::filter::{parse_where, Filter, ParseOptions, Where};
use crate::model::ModelDefinition;
use crate::value::Object;
use crate::Result;

/// `info` of `after save` (updateAll) and `after delete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// How many instances the operation wrote or deleted.
    pub count: u64,
}

/// The context of one hook call. Within one operation the hooks share `hook_state`
/// (`OperationContext::hook_state`).
#[derive(Debug, Clone)]
pub struct OperationContext {
    /// The model.
    pub model: &'static ModelDefinition,
    /// The hook being run.
    pub hook: OperationHook,
    /// `access`: the query (`{where, ...}`; may be changed).
    pub query: Option<Filter>,
    /// create and replace (`before save`, `after save`) and `after save` of single-instance
    /// operations: the whole instance.
    pub instance: Option<Object>,
    /// Partial updates (`before save`): the changed properties; `persist`: what will be
    /// written; `loaded`: the row the connector returned; updateAll's `after save`: the data.
    pub data: Option<Object>,
    /// Partial updates, updateAll and deletes: which instances.
    pub where_: Option<Where>,
    /// Partial updates of one instance: the instance as stored before the change.
    pub current_instance: Option<Object>,
    /// Whether the write creates the instance.
    pub is_new_instance: Option<bool>,
    /// updateAll's `after save` and `after delete`: `{count}`.
    pub info: Option<OperationInfo>,
    /// State shared by the hooks of one operation.
    pub hook_state: Map<String, Value>,
}

impl OperationContext {
    /// An empty context of `model` (the repository fills in what the hook gets).
    pub fn new(model: &'static ModelDefinition, hook: OperationHook) -> Self {
        OperationContext {
            model,
            hook,
            query: None,
            instance: None,
            data: None,
            where_: None,
            current_instance: None,
            is_new_instance: None,
            info: None,
            hook_state: Map::new(),
        }
    }

    /// The model's name.
    pub fn model_name(&self) -> &str {
        &self.model.name
    }

    /// A property of the instance, or else of the data (LoopBack's `ctx.instance || ctx.data`).
    pub fn get(&self, property: &str) -> Option<&Value> {
        match &self.instance {
            Some(i) => i.get(property),
            None => self.data.as_ref()?.get(property),
        }
    }

    /// Sets a property on the instance, or else on the data (which is created when absent).
    pub fn set(&mut self, property: &str, value: impl Into<Value>) {
        let target = match &mut self.instance {
            Some(i) => i,
            None => self.data.get_or_insert_with(Object::new),
        };
        target.insert(property.to_string(), value.into());
    }

    /// ANDs a JSON condition (`{"active": true}`, parsed against the model) into the query's
    /// where (`access`).
    pub fn and_query_where(&mut self, condition: &Value) -> Result<()> {
        let extra = parse_where(self.model, condition, ParseOptions::default())?;
        let q = self.query.get_or_insert_with(Filter::default);
        q.where_ = and(q.where_.take(), extra);
        Ok(())
    }

    /// ANDs a JSON condition into `where_` (updates and deletes).
    pub fn and_where(&mut self, condition: &Value) -> Result<()> {
        let extra = parse_where(self.model, condition, ParseOptions::default())?;
        self.where_ = and(self.where_.take(), extra);
        Ok(())
    }

    /// The query as LoopBack JSON (`{"where": ..}`), if there is one.
    pub fn query_json(&self) -> Option<Value> {
        self.query.as_ref().map(Filter::to_json)
    }

    /// The where as LoopBack JSON, if there is one.
    pub fn where_json(&self) -> Option<Value> {
        self.where_.as_ref().map(Where::to_json)
    }

    /// A context for the next hook of the same operation: the same model, the hook state
    /// moved over.
    pub(crate) fn next(&mut self, hook: OperationHook) -> OperationContext {
        let mut c = OperationContext::new(self.model, hook);
        c.hook_state = std::mem::take(&mut self.hook_state);
        c
    }
}

fn and(a: Option<Where>, b: Option<Where>) -> Option<Where> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            a.0.extend(b.0);
            Some(a)
        }
        (a, b) => a.or(b),
    }
}
