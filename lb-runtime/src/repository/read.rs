//! Reads: find, findOne, findById, count, exists.

use std::borrow::Cow;

use serde_json::Value;

use super::{project, Repository};
use crate::connector::Row;
use crate::filter::{Filter, Where};
use crate::observe::OperationHook;
use crate::Result;

impl Repository {
    /// `find`: rows matching the filter, projected by `fields`, with the related rows its
    /// `include` names (`access` and `loaded` hooks run, the related models' too).
    pub async fn find(&self, filter: &Filter) -> Result<Vec<Row>> {
        if filter.include.is_empty() {
            self.find_rows(filter).await
        } else {
            super::include::find(self, filter).await
        }
    }

    /// `find` without `include`.
    pub(crate) async fn find_rows(&self, filter: &Filter) -> Result<Vec<Row>> {
        let mut op = self.operation();
        let filter = op.access(Cow::Borrowed(filter)).await?;
        let rows = self.find_raw(&filter).await?;
        op.loaded(rows, None).await
    }

    /// `find` without hooks.
    pub(crate) async fn find_raw(&self, filter: &Filter) -> Result<Vec<Row>> {
        let rows = match self.localize(filter.where_.as_ref()).await? {
            Some(Cow::Owned(w)) => {
                let f = Filter {
                    where_: Some(w),
                    ..filter.clone()
                };
                self.connector.find(self.model, &f).await?
            }
            _ => self.connector.find(self.model, filter).await?,
        };
        Ok(match &filter.fields {
            None => rows,
            Some(f) => rows.into_iter().map(|r| project(r, Some(f))).collect(),
        })
    }

    /// `findOne`: the first match.
    pub async fn find_one(&self, filter: &Filter) -> Result<Option<Row>> {
        let mut f = filter.clone();
        f.limit = Some(1);
        Ok(self.find(&f).await?.into_iter().next())
    }

    /// `findById`: the filter's `where` is ignored; `fields` and `include` apply. With
    /// `access` hooks the query they see is LoopBack's `{where: {id}, limit: 1}`, and the
    /// query they leave runs.
    pub async fn find_by_id(&self, id: &Value, filter: Option<&Filter>) -> Result<Option<Row>> {
        match filter {
            Some(f) if !f.include.is_empty() => super::include::find_by_id(self, id, f).await,
            _ => self.find_by_id_row(id, filter).await,
        }
    }

    /// `findById` without `include`.
    pub(crate) async fn find_by_id_row(
        &self,
        id: &Value,
        filter: Option<&Filter>,
    ) -> Result<Option<Row>> {
        let Some(id) = self.lookup_id(id) else {
            return Ok(None);
        };
        let fields = filter.and_then(|f| f.fields.as_ref());
        let mut op = self.operation();
        if self.observes(OperationHook::Access) {
            let q = Filter {
                where_: Some(self.id_where(&id)),
                fields: fields.cloned(),
                limit: Some(1),
                ..Filter::default()
            };
            let q = op.access(Cow::Owned(q)).await?;
            let rows = self.find_raw(&q).await?;
            return Ok(op.loaded(rows, None).await?.into_iter().next());
        }
        match self.connector.find_by_id(self.model, &id).await? {
            Some(r) => Ok(Some(op.loaded_one(project(r, fields), None).await?)),
            None => Ok(None),
        }
    }

    /// `count`.
    pub async fn count(&self, where_: Option<&Where>) -> Result<u64> {
        let w = self.operation().access_where(where_).await?;
        let local = self.localize(w.as_deref()).await?;
        self.connector.count(self.model, local.as_deref()).await
    }

    /// `exists`.
    pub async fn exists(&self, id: &Value) -> Result<bool> {
        let Some(id) = self.lookup_id(id) else {
            return Ok(false);
        };
        if self.observes(OperationHook::Access) {
            let by_id = self.id_where(&id);
            return Ok(self.count(Some(&by_id)).await? > 0);
        }
        Ok(self.connector.find_by_id(self.model, &id).await?.is_some())
    }
}
