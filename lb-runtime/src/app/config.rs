//! `datasources.json` and `model-config.json` on the builder.

use std::path::Path;

use super::AppBuilder;
use crate::config::{datasources, model_config};
use crate::model::ModelDefinition;
use crate::{Error, Result};

impl AppBuilder {
    /// Adds the datasources of a `datasources.json` text (LoopBack's shape:
    /// `{"db": {"connector": "postgresql", "url": "${DATABASE_URL}"}}`, or host/port/database/
    /// user/password/file settings); `${VAR}` and `${VAR:-default}` read the environment.
    /// A datasource of the same name replaces the one set in code.
    pub fn datasources_json(mut self, text: &str) -> Result<Self> {
        let lookup = |n: &str| std::env::var(n).ok();
        let (dbs, rest) = datasources::parse_all(text, &lookup)?;
        #[cfg(not(feature = "rest"))]
        if let Some((name, _)) = rest.first() {
            return Err(Error::internal(format!(
                "datasource {name}: the REST connector needs lb's `rest` feature"
            )));
        }
        #[cfg(feature = "rest")]
        for (name, settings) in rest {
            // `baseURL`: CRUD mode (models attach to it); `operations`: functions
            let crud = settings.get("baseURL").or_else(|| settings.get("restPath"));
            if crud.is_some() {
                let c = crate::connector::rest::RestCrud::from_settings(&settings)
                    .map_err(|e| Error::internal(format!("datasource {name}: {}", e.message)))?;
                self.datasources.retain(|(n, _)| *n != name);
                self.datasources
                    .push((name.clone(), std::sync::Arc::new(c)));
            }
            if crud.is_none() || settings.get("operations").is_some() {
                self = self.rest_settings(&name, &settings)?;
            }
        }
        for ds in dbs {
            let c = ds.connect()?;
            self.datasources.retain(|(n, _)| *n != ds.name);
            self.datasources.push((ds.name, c));
        }
        Ok(self)
    }

    /// Applies a `model-config.json` text: each model's `dataSource`, `public` and
    /// `options.remoting.sharedMethods` override the code's. Naming a model the app does not
    /// attach is an error (at [`AppBuilder::build`]).
    pub fn model_config_json(mut self, text: &str) -> Result<Self> {
        for (name, c) in model_config::parse(text)? {
            if !c.shared_methods.is_empty() {
                self = self.shared_methods(
                    &name,
                    c.shared_methods.iter().map(|(m, on)| (m.as_str(), *on)),
                );
            }
            self.model_config.push((name, c));
        }
        Ok(self)
    }

    /// Reads `datasources.json` and `model-config.json` from `dir` when they exist (a
    /// LoopBack `server/` folder).
    pub fn config_dir(self, dir: impl AsRef<Path>) -> Result<Self> {
        let read = |file: &str| -> Result<Option<String>> {
            let path = dir.as_ref().join(file);
            match std::fs::read_to_string(&path) {
                Ok(t) => Ok(Some(t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::internal(format!("{}: {e}", path.display()))),
            }
        };
        let mut b = self;
        if let Some(t) = read("datasources.json")? {
            b = b.datasources_json(&t)?;
        }
        if let Some(t) = read("model-config.json")? {
            b = b.model_config_json(&t)?;
        }
        Ok(b)
    }

    /// Applies the model-config entries to the attached models (at build).
    pub(super) fn apply_model_config(&mut self) -> Result<()> {
        for (name, c) in std::mem::take(&mut self.model_config) {
            let Some(m) = self.models.iter_mut().find(|m| m.def.name == name) else {
                return Err(Error::internal(format!(
                    "model-config.json: model {name} is not attached to the app"
                )));
            };
            if let Some(ds) = c.datasource {
                m.datasource = Some(ds);
            }
            if !c.acls.is_empty() {
                let acls = c
                    .acls
                    .iter()
                    .map(|a| crate::acl::Acl::from_json(&name, a))
                    .collect::<Result<Vec<_>>>()
                    .map_err(|e| Error::internal(format!("model-config.json: {}", e.message)))?;
                self.acls.push((name.clone(), acls));
            }
            let public = c.public.filter(|p| *p != m.def.public);
            let resource = c
                .resource_name
                .filter(|r| m.def.resource_name.as_ref() != Some(r));
            if public.is_some() || resource.is_some() {
                // definitions are static: an app that changes one gets its own copy
                let mut def: ModelDefinition = m.def.clone();
                def.public = public.unwrap_or(def.public);
                def.resource_name = resource.or(def.resource_name);
                m.def = Box::leak(Box::new(def));
            }
        }
        Ok(())
    }
}
