//! A datasource seen by tracing and metrics: every operation in a `lb::connector` span
//! (datasource, model, operation, rows) and timed into
//! `lb_datasource_operation_duration_seconds{datasource,model,operation}`. Put around an app's
//! datasources when it records metrics or traces connector calls; a transaction's own
//! connector is wrapped too.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use tracing::Instrument;

use super::histogram::{self, Histogram};
use crate::connector::{Connector, Row, Transaction};
use crate::filter::{Filter, Where};
use crate::future::BoxFuture;
use crate::model::ModelDefinition;
use crate::value::Object;
use crate::Result;

/// A connector whose calls are traced and timed.
pub struct Instrumented {
    inner: Arc<dyn Connector>,
    datasource: Arc<str>,
    metrics: bool,
    /// Histogram handles by model (its name's address: names live as long as the app) and
    /// operation.
    handles: Arc<Handles>,
}

type Handles =
    std::sync::RwLock<HashMap<(usize, &'static str), Arc<Histogram>, foldhash::fast::RandomState>>;

impl Instrumented {
    /// `inner`, named `datasource` in spans and metrics; `metrics`: record durations too.
    pub fn new(datasource: &str, inner: Arc<dyn Connector>, metrics: bool) -> Instrumented {
        Instrumented {
            inner,
            datasource: Arc::from(datasource),
            metrics,
            handles: Arc::default(),
        }
    }

    fn record(&self, model: &str, operation: &'static str, nanos: u64) {
        let key = (model.as_ptr() as usize, operation);
        if let Some(h) = self
            .handles
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return h.record(nanos);
        }
        let h = histogram::DATASOURCE_DURATION.series(&[
            ("datasource", &self.datasource),
            ("model", model),
            ("operation", operation),
        ]);
        h.record(nanos);
        self.handles
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, h);
    }

    fn run<'a, T: 'a>(
        &'a self,
        model: &'a str,
        operation: &'static str,
        rows: impl Fn(&T) -> u64 + Send + 'a,
        fut: BoxFuture<'a, Result<T>>,
    ) -> BoxFuture<'a, Result<T>> {
        let span = tracing::debug_span!(
            target: "lb::connector",
            "connector",
            db.datasource = %self.datasource,
            db.system = self.inner.name(),
            lb.model = model,
            db.operation = operation,
            db.rows = tracing::field::Empty,
        );
        if span.is_disabled() {
            if !self.metrics {
                return fut;
            }
            // metrics only: the duration, no span
            return Box::pin(async move {
                let started = histogram::now();
                let r = fut.await;
                self.record(model, operation, histogram::nanos_since(started));
                r
            });
        }
        Box::pin(
            async move {
                let started = histogram::now();
                let r = fut.await;
                let nanos = histogram::nanos_since(started);
                if self.metrics {
                    self.record(model, operation, nanos);
                }
                let ms = nanos as f64 / 1e6;
                match &r {
                    Ok(v) => {
                        let n = rows(v);
                        tracing::Span::current().record("db.rows", n);
                        tracing::debug!(target: "lb::connector", rows = n, duration_ms = ms, "done");
                    }
                    Err(e) => tracing::debug!(
                        target: "lb::connector",
                        status = e.status.as_u16(),
                        duration_ms = ms,
                        "failed: {}",
                        e.message
                    ),
                }
                r
            }
            .instrument(span),
        )
    }
}

struct InstrumentedTx {
    inner: Arc<dyn Transaction>,
    connector: Arc<dyn Connector>,
}

impl Transaction for InstrumentedTx {
    fn connector(&self) -> Arc<dyn Connector> {
        self.connector.clone()
    }
    fn commit(&self) -> BoxFuture<'_, Result<()>> {
        self.inner.commit()
    }
    fn rollback(&self) -> BoxFuture<'_, Result<()>> {
        self.inner.rollback()
    }
}

impl Instrumented {
    fn wrap_tx(&self, tx: Arc<dyn Transaction>) -> Arc<dyn Transaction> {
        let connector: Arc<dyn Connector> = Arc::new(Instrumented {
            inner: tx.connector(),
            datasource: self.datasource.clone(),
            metrics: self.metrics,
            handles: self.handles.clone(),
        });
        Arc::new(InstrumentedTx {
            inner: tx,
            connector,
        })
    }
}

impl Connector for Instrumented {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn define(&self, model: &'static ModelDefinition) {
        self.inner.define(model)
    }
    fn create<'a>(
        &'a self,
        model: &'static ModelDefinition,
        data: Object,
    ) -> BoxFuture<'a, Result<Row>> {
        self.run(&model.name, "create", |_| 1, self.inner.create(model, data))
    }
    fn find<'a>(
        &'a self,
        model: &'static ModelDefinition,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<Vec<Row>>> {
        self.run(
            &model.name,
            "find",
            |v: &Vec<Row>| v.len() as u64,
            self.inner.find(model, filter),
        )
    }
    fn find_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        self.run(
            &model.name,
            "findById",
            |v: &Option<Row>| u64::from(v.is_some()),
            self.inner.find_by_id(model, id),
        )
    }
    fn count<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        self.run(&model.name, "count", |_| 1, self.inner.count(model, where_))
    }
    fn update_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
        data: Object,
    ) -> BoxFuture<'a, Result<u64>> {
        self.run(
            &model.name,
            "updateAll",
            |n: &u64| *n,
            self.inner.update_all(model, where_, data),
        )
    }
    fn delete_all<'a>(
        &'a self,
        model: &'static ModelDefinition,
        where_: Option<&'a Where>,
    ) -> BoxFuture<'a, Result<u64>> {
        self.run(
            &model.name,
            "deleteAll",
            |n: &u64| *n,
            self.inner.delete_all(model, where_),
        )
    }
    fn delete_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
    ) -> BoxFuture<'a, Result<u64>> {
        self.run(
            &model.name,
            "deleteById",
            |n: &u64| *n,
            self.inner.delete_by_id(model, id),
        )
    }
    fn replace_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        self.run(
            &model.name,
            "replaceById",
            |v: &Option<Row>| u64::from(v.is_some()),
            self.inner.replace_by_id(model, id, data),
        )
    }
    fn patch_by_id<'a>(
        &'a self,
        model: &'static ModelDefinition,
        id: &'a Value,
        data: Object,
    ) -> BoxFuture<'a, Result<Option<Row>>> {
        self.run(
            &model.name,
            "patchById",
            |v: &Option<Row>| u64::from(v.is_some()),
            self.inner.patch_by_id(model, id, data),
        )
    }
    fn begin<'a>(&'a self) -> BoxFuture<'a, Result<Arc<dyn Transaction>>> {
        Box::pin(async move { Ok(self.wrap_tx(self.inner.begin().await?)) })
    }
    fn begin_serializable<'a>(&'a self) -> BoxFuture<'a, Result<Option<Arc<dyn Transaction>>>> {
        Box::pin(async move {
            Ok(self
                .inner
                .begin_serializable()
                .await?
                .map(|t| self.wrap_tx(t)))
        })
    }
    fn carries_changes(&self) -> bool {
        self.inner.carries_changes()
    }
    fn others_listen<'a>(&'a self) -> BoxFuture<'a, Result<bool>> {
        self.inner.others_listen()
    }
    fn notify<'a>(&'a self, channel: &'a str, payload: &'a str) -> BoxFuture<'a, Result<()>> {
        self.inner.notify(channel, payload)
    }
    fn listen<'a>(
        &'a self,
        channel: &'a str,
    ) -> BoxFuture<'a, Result<tokio::sync::mpsc::Receiver<String>>> {
        self.inner.listen(channel)
    }
    fn ping(&self) -> BoxFuture<'_, Result<()>> {
        self.inner.ping()
    }
    fn pool_usage(&self) -> Option<(u32, u32)> {
        self.inner.pool_usage()
    }
    fn close(&self) -> BoxFuture<'_, ()> {
        self.inner.close()
    }
    fn automigrate<'a>(
        &'a self,
        models: &'a [&'static ModelDefinition],
    ) -> BoxFuture<'a, Result<()>> {
        self.inner.automigrate(models)
    }
    fn autoupdate<'a>(
        &'a self,
        models: &'a [&'static ModelDefinition],
    ) -> BoxFuture<'a, Result<()>> {
        self.inner.autoupdate(models)
    }
}
