//! REST datasources in an app: registered by name (in code or `datasources.json`), their
//! functions published as remote methods of models.

use std::collections::HashMap;

use serde_json::Value;

use super::rest_functions::remote_method;
use super::{App, AppBuilder};
use crate::connector::rest::RestDataSource;
use crate::remote::RemoteMethod;
use crate::{Error, Result};

/// What the builder collected.
#[derive(Default)]
pub(super) struct PendingRest {
    sources: Vec<(String, RestDataSource)>,
    /// (model, datasource) pairs.
    published: Vec<(String, String)>,
}

/// The datasources by name and the remote methods to attach, as (model, method).
pub(super) type Resolved = (HashMap<String, RestDataSource>, Vec<(String, RemoteMethod)>);

impl PendingRest {
    /// The datasources by name and the remote methods to attach.
    pub(super) fn resolve(self) -> Result<Resolved> {
        let sources: HashMap<String, RestDataSource> = self.sources.into_iter().collect();
        let mut methods = Vec::new();
        for (model, ds) in self.published {
            let rest = sources.get(&ds).ok_or_else(|| {
                Error::internal(format!("model {model}: unknown REST datasource {ds:?}"))
            })?;
            let mut fns: Vec<_> = rest.functions().collect();
            fns.sort_by(|a, b| a.name.cmp(&b.name));
            for f in fns {
                methods.push((model.clone(), remote_method(rest, f)));
            }
        }
        Ok((sources, methods))
    }
}

impl AppBuilder {
    /// Adds a REST datasource (`App::rest(name)` gives it back).
    pub fn rest_datasource(mut self, name: &str, ds: RestDataSource) -> Self {
        self.rest.sources.retain(|(n, _)| n != name);
        self.rest.sources.push((name.to_string(), ds));
        self
    }

    /// Adds a REST datasource from LoopBack's settings (`{"operations": [..], "options": ..}`).
    pub fn rest_settings(self, name: &str, settings: &Value) -> Result<Self> {
        let ds = RestDataSource::from_settings(settings)
            .map_err(|e| Error::internal(format!("datasource {name}: {}", e.message)))?;
        Ok(self.rest_datasource(name, ds))
    }

    /// Publishes the functions of REST datasource `datasource` as remote methods of `model`
    /// (`GET /api/locations/geocode`), with their OpenAPI operations.
    pub fn rest_methods(mut self, model: &str, datasource: &str) -> Self {
        self.rest
            .published
            .push((model.to_string(), datasource.to_string()));
        self
    }
}

impl App {
    /// A REST datasource by name.
    pub fn rest(&self, name: &str) -> Option<&RestDataSource> {
        self.inner.rest.get(name)
    }
}
