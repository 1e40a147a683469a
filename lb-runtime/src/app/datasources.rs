//! The app's datasources: schema migration and transactions.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use super::App;
use crate::connector::{Connector, Transaction};
use crate::model::ModelDefinition;
use crate::repository::Repository;
use crate::{Error, Result};

/// The datasource a transaction-scoped [`App`] runs in.
pub(crate) struct TxScope {
    /// Position in `AppInner::datasources`.
    datasource: usize,
    /// The transaction's connector.
    connector: Arc<dyn Connector>,
    /// Changes of its writes, delivered to the change streams on commit.
    pending: Arc<std::sync::Mutex<Vec<crate::changes::Change>>>,
}

impl App {
    /// The repository of model `i`, bound to the open transaction when there is one.
    pub(super) fn scoped(&self, i: usize) -> Result<Cow<'_, Repository>> {
        let entry = &self.inner.models[i];
        match &self.tx {
            None => Ok(Cow::Borrowed(&entry.repo)),
            Some(tx) if tx.datasource == entry.datasource => Ok(Cow::Owned(Repository {
                model: entry.repo.model,
                connector: tx.connector.clone(),
                home: entry.repo.home.clone(),
                observers: entry.repo.observers.clone(),
                changes: entry.repo.changes.clone(),
                pending_changes: Some(tx.pending.clone()),
            })),
            Some(tx) => Err(Error::internal(format!(
                "model {} is attached to datasource {:?}, not to the transaction's datasource {:?}",
                entry.repo.model.name,
                self.inner.datasources[entry.datasource].0,
                self.inner.datasources[tx.datasource].0
            ))),
        }
    }

    /// A datasource's connector by name.
    pub fn datasource(&self, name: &str) -> Option<&Arc<dyn Connector>> {
        self.inner
            .datasources
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }

    fn models_on(&self, ds: usize) -> Vec<&'static ModelDefinition> {
        self.inner
            .models
            .iter()
            .filter(|m| m.datasource == ds)
            .map(|m| m.repo.model)
            .collect()
    }

    /// LoopBack's `automigrate`: drops and re-creates the tables of every model on SQL
    /// datasources. **Deletes their data**; use [`App::autoupdate`] to keep it.
    pub async fn automigrate(&self) -> Result<()> {
        for (i, (_, c)) in self.inner.datasources.iter().enumerate() {
            c.automigrate(&self.models_on(i)).await?;
        }
        Ok(())
    }

    /// LoopBack's `autoupdate`: creates missing tables, columns and indexes of every model on
    /// SQL datasources, never dropping or changing data. Safe to run at every start.
    pub async fn autoupdate(&self) -> Result<()> {
        for (i, (_, c)) in self.inner.datasources.iter().enumerate() {
            c.autoupdate(&self.models_on(i)).await?;
        }
        Ok(())
    }

    /// Runs `f` in a transaction on the default datasource: committed when `f` returns `Ok`,
    /// rolled back when it returns `Err` or panics. `f` receives an `App` whose models on that
    /// datasource run inside the transaction (the typed API and [`App::repository`] take it);
    /// using a model of another datasource through it is an error.
    ///
    /// ```no_run
    /// # use lb_runtime::{App, Result};
    /// # async fn demo(app: &App) -> Result<()> {
    /// let moved = app
    ///     .transaction(|tx| async move {
    ///         let n = tx.repository("Inventory").unwrap().count(None).await?;
    ///         Ok(n)
    ///     })
    ///     .await?;
    /// # let _ = moved; Ok(()) }
    /// ```
    pub async fn transaction<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(App) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.transaction_at(0, f).await
    }

    /// [`App::transaction`] on the named datasource.
    pub async fn transaction_on<T, F, Fut>(&self, datasource: &str, f: F) -> Result<T>
    where
        F: FnOnce(App) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let i = self
            .inner
            .datasources
            .iter()
            .position(|(n, _)| n == datasource)
            .ok_or_else(|| Error::internal(format!("unknown datasource {datasource:?}")))?;
        self.transaction_at(i, f).await
    }

    async fn transaction_at<T, F, Fut>(&self, i: usize, f: F) -> Result<T>
    where
        F: FnOnce(App) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if self.tx.is_some() {
            return Err(Error::internal("transactions do not nest"));
        }
        let tx: Arc<dyn Transaction> = self.inner.datasources[i].1.begin().await?;
        let pending: Arc<std::sync::Mutex<Vec<crate::changes::Change>>> = Arc::default();
        let scoped = App {
            inner: self.inner.clone(),
            tx: Some(Arc::new(TxScope {
                datasource: i,
                connector: tx.connector(),
                pending: pending.clone(),
            })),
        };
        // A panic in `f` unwinds through here: the transaction is dropped with the scoped app
        // and the driver rolls it back.
        match f(scoped).await {
            Ok(v) => {
                tx.commit().await?;
                // the changes of the committed writes (never of a rolled-back one)
                let done = std::mem::take(&mut *pending.lock().unwrap_or_else(|e| e.into_inner()));
                for c in done {
                    self.inner.changes.deliver(c, false);
                }
                Ok(v)
            }
            Err(e) => {
                // the operation's error matters more than a failed rollback (the connection is
                // discarded either way)
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }
}
