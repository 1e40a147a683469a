//! Running a model's operation hooks: one [`Operation`] per repository call carries the hook
//! state from hook to hook. Without hooks for a step nothing is built or copied.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use super::Repository;
use crate::changes::{Change, ChangeKind};
use crate::connector::Row;
use crate::filter::{Clause, Filter, Lookup, Op, Where};
use crate::observe::{OperationContext, OperationHook, OperationInfo};
use crate::value::{Object, Record};
use crate::Result;

/// The hooks of one repository operation (create, find, updateAll, ...).
pub(crate) struct Operation<'r> {
    repo: &'r Repository,
    /// Carries `hook_state` from one hook to the next.
    ctx: Option<OperationContext>,
}

impl Repository {
    /// Starts an operation (its hooks share one hook state).
    pub(crate) fn operation(&self) -> Operation<'_> {
        Operation {
            repo: self,
            ctx: None,
        }
    }

    pub(crate) fn observes(&self, hook: OperationHook) -> bool {
        self.observers.as_ref().is_some_and(|o| o.observes(hook))
    }

    /// `{id: id}` as a where of this model.
    pub(crate) fn id_where(&self, id: &Value) -> Where {
        let name = self.model.id().name.clone();
        let ops = vec![Op::Eq(id.clone())];
        let lookup = Lookup::for_property(self.model, &name, &ops);
        Where(vec![Clause::Property { name, ops, lookup }])
    }
}

impl Operation<'_> {
    fn observes(&self, hook: OperationHook) -> bool {
        self.repo.observes(hook)
    }

    /// A context for `hook` with the operation's hook state.
    fn context(&mut self, hook: OperationHook) -> OperationContext {
        match &mut self.ctx {
            Some(c) => c.next(hook),
            None => OperationContext::new(self.repo.model, hook),
        }
    }

    async fn notify(&mut self, ctx: OperationContext) -> Result<OperationContext> {
        let hook = ctx.hook;
        let observers = self.repo.observers.as_ref().expect("checked by observes()");
        let mut out = observers.notify(hook, ctx).await?;
        // the state moves on to the next hook; the caller reads the rest
        let mut keep = OperationContext::new(self.repo.model, hook);
        keep.hook_state = std::mem::take(&mut out.hook_state);
        self.ctx = Some(keep);
        Ok(out)
    }

    /// `access`: the query the operation will run (hooks may change it).
    pub(crate) async fn access<'f>(&mut self, query: Cow<'f, Filter>) -> Result<Cow<'f, Filter>> {
        if !self.observes(OperationHook::Access) {
            return Ok(query);
        }
        let mut ctx = self.context(OperationHook::Access);
        ctx.query = Some(query.into_owned());
        let ctx = self.notify(ctx).await?;
        Ok(Cow::Owned(ctx.query.unwrap_or_default()))
    }

    /// `access` of an operation that only has a where (count, updateAll, deletes).
    pub(crate) async fn access_where<'w>(
        &mut self,
        where_: Option<&'w Where>,
    ) -> Result<Option<Cow<'w, Where>>> {
        if !self.observes(OperationHook::Access) {
            return Ok(where_.map(Cow::Borrowed));
        }
        let q = Filter {
            where_: where_.cloned(),
            ..Default::default()
        };
        let q = self.access(Cow::Owned(q)).await?.into_owned();
        Ok(q.where_.map(Cow::Owned))
    }

    /// `loaded`, once per row (hooks may change the data).
    pub(crate) async fn loaded(
        &mut self,
        rows: Vec<Row>,
        is_new: Option<bool>,
    ) -> Result<Vec<Row>> {
        if !self.observes(OperationHook::Loaded) {
            return Ok(rows);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut ctx = self.context(OperationHook::Loaded);
            ctx.data = Some(r.to_object());
            ctx.is_new_instance = is_new;
            let ctx = self.notify(ctx).await?;
            out.push(Arc::new(Record::new(ctx.data.unwrap_or_default())));
        }
        Ok(out)
    }

    /// `loaded` of one row.
    pub(crate) async fn loaded_one(&mut self, row: Row, is_new: Option<bool>) -> Result<Row> {
        if !self.observes(OperationHook::Loaded) {
            return Ok(row);
        }
        let mut rows = self.loaded(vec![row], is_new).await?;
        Ok(rows.pop().expect("one row in, one out"))
    }

    /// `before save` of a whole instance (create, replace).
    pub(crate) async fn before_save_instance(
        &mut self,
        instance: Object,
        is_new: bool,
    ) -> Result<Object> {
        if !self.observes(OperationHook::BeforeSave) {
            return Ok(instance);
        }
        let mut ctx = self.context(OperationHook::BeforeSave);
        ctx.instance = Some(instance);
        ctx.is_new_instance = Some(is_new);
        let ctx = self.notify(ctx).await?;
        Ok(ctx.instance.unwrap_or_default())
    }

    /// `before save` of a partial update: the changed properties of the instances `where_`
    /// selects (`current`: the one instance, when there is one).
    pub(crate) async fn before_save_data(
        &mut self,
        where_: Option<Where>,
        data: Object,
        current: Option<&Row>,
    ) -> Result<(Option<Where>, Object)> {
        if !self.observes(OperationHook::BeforeSave) {
            return Ok((where_, data));
        }
        let mut ctx = self.context(OperationHook::BeforeSave);
        ctx.where_ = where_;
        ctx.data = Some(data);
        ctx.current_instance = current.map(|r| r.to_object());
        if current.is_some() {
            ctx.is_new_instance = Some(false);
        }
        let ctx = self.notify(ctx).await?;
        Ok((ctx.where_, ctx.data.unwrap_or_default()))
    }

    /// `persist`: what will be written.
    pub(crate) async fn persist(
        &mut self,
        data: Object,
        where_: Option<&Where>,
        current: Option<&Row>,
        is_new: Option<bool>,
    ) -> Result<Object> {
        if !self.observes(OperationHook::Persist) {
            return Ok(data);
        }
        let mut ctx = self.context(OperationHook::Persist);
        ctx.data = Some(data);
        ctx.where_ = where_.cloned();
        ctx.current_instance = current.map(|r| r.to_object());
        ctx.is_new_instance = is_new;
        let ctx = self.notify(ctx).await?;
        Ok(ctx.data.unwrap_or_default())
    }

    /// `after save` of one instance.
    pub(crate) async fn after_save_instance(&mut self, row: Row, is_new: bool) -> Result<Row> {
        if !self.observes(OperationHook::AfterSave) {
            return Ok(row);
        }
        let mut ctx = self.context(OperationHook::AfterSave);
        ctx.instance = Some(row.to_object());
        ctx.is_new_instance = Some(is_new);
        let ctx = self.notify(ctx).await?;
        Ok(Arc::new(Record::new(ctx.instance.unwrap_or_default())))
    }

    /// `after save` of updateAll.
    pub(crate) async fn after_save_all(
        &mut self,
        where_: Option<&Where>,
        data: &Object,
        count: u64,
    ) -> Result<()> {
        if !self.observes(OperationHook::AfterSave) {
            return Ok(());
        }
        let mut ctx = self.context(OperationHook::AfterSave);
        ctx.where_ = where_.cloned();
        ctx.data = Some(data.clone());
        ctx.info = Some(OperationInfo { count });
        self.notify(ctx).await?;
        Ok(())
    }

    /// `before delete`: which instances (hooks may change it).
    pub(crate) async fn before_delete<'w>(
        &mut self,
        where_: Option<Cow<'w, Where>>,
    ) -> Result<Option<Cow<'w, Where>>> {
        if !self.observes(OperationHook::BeforeDelete) {
            return Ok(where_);
        }
        let mut ctx = self.context(OperationHook::BeforeDelete);
        ctx.where_ = where_.map(Cow::into_owned);
        let ctx = self.notify(ctx).await?;
        Ok(ctx.where_.map(Cow::Owned))
    }

    /// `after delete`, with how many instances went.
    pub(crate) async fn after_delete(&mut self, where_: Option<&Where>, count: u64) -> Result<()> {
        if !self.observes(OperationHook::AfterDelete) {
            return Ok(());
        }
        let mut ctx = self.context(OperationHook::AfterDelete);
        ctx.where_ = where_.cloned();
        ctx.info = Some(OperationInfo { count });
        self.notify(ctx).await?;
        Ok(())
    }
}

impl Repository {
    /// Whether a write publishes its change: someone in this process listens, or (on
    /// PostgreSQL) in another one.
    pub(crate) async fn publishes(&self) -> Result<bool> {
        let Some(hub) = &self.changes else {
            return Ok(false);
        };
        if hub.has_subscribers() {
            return Ok(true);
        }
        if !self.connector.carries_changes() {
            return Ok(false);
        }
        self.connector.others_listen().await
    }

    /// Publishes the change of a write of one instance (hidden properties left out).
    pub(crate) async fn publish_row(&self, kind: ChangeKind, row: &Row) -> Result<()> {
        if !self.publishes().await? {
            return Ok(());
        }
        let change = Change {
            model: self.model.name.clone(),
            kind,
            target: self.row_id(row),
            data: Some(crate::shape::row(self.model, row, crate::shape::Level::Top)),
            where_: None,
        };
        self.publish(change).await
    }

    /// Publishes the change of a write of the instances `where_` selects.
    pub(crate) async fn publish_where(
        &self,
        kind: ChangeKind,
        where_: Option<&Where>,
        target: Option<&Value>,
        data: Option<&Object>,
    ) -> Result<()> {
        if !self.publishes().await? {
            return Ok(());
        }
        let change = Change {
            model: self.model.name.clone(),
            kind,
            target: target.cloned(),
            data: data.map(|d| Value::Object(d.clone())),
            where_: Some(where_.map_or_else(|| Value::Object(Default::default()), Where::to_json)),
        };
        self.publish(change).await
    }

    /// Publishes a change; a failure to publish does not fail the write (it is saved).
    async fn publish(&self, change: Change) -> Result<()> {
        let Some(hub) = &self.changes else {
            return Ok(());
        };
        let pending = self.pending_changes.as_deref();
        if let Err(e) = hub.publish(self.connector.as_ref(), change, pending).await {
            tracing::error!(
                target: "lb::changes",
                "a change of {} was saved but not published: {}",
                self.model.name, e.message
            );
        }
        Ok(())
    }
}
