//! Reads: find, findOne, findById, count, exists.

use serde_json::Value;

use super::{project, Repository};
use crate::connector::Row;
use crate::filter::{Filter, Where};
use crate::Result;

impl Repository {
    /// `find`: rows matching the filter, projected by `fields`.
    pub async fn find(&self, filter: &Filter) -> Result<Vec<Row>> {
        let rows = match self.localize(filter.where_.as_ref()).await? {
            Some(std::borrow::Cow::Owned(w)) => {
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

    /// `findById`: the filter's `where` is ignored; `fields` applies.
    pub async fn find_by_id(&self, id: &Value, filter: Option<&Filter>) -> Result<Option<Row>> {
        let id = self.coerce_id(id);
        let row = self.connector.find_by_id(self.model, &id).await?;
        Ok(row.map(|r| project(r, filter.and_then(|f| f.fields.as_ref()))))
    }

    /// `count`.
    pub async fn count(&self, where_: Option<&Where>) -> Result<u64> {
        let w = self.localize(where_).await?;
        self.connector.count(self.model, w.as_deref()).await
    }

    /// `exists`.
    pub async fn exists(&self, id: &Value) -> Result<bool> {
        Ok(self
            .connector
            .find_by_id(self.model, &self.coerce_id(id))
            .await?
            .is_some())
    }
}
