//! `datasources.json` and `model-config.json` on the builder.

use std::path::Path;

use axum::http::StatusCode;
use serde_json::Value;

use super::AppBuilder;
use crate::config::boot::{self, Kind};
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

    /// Boots from a LoopBack `server/` folder as loopback-boot does: `config.json`,
    /// `datasources.json`, `model-config.json` and `middleware.json`, each merged with its
    /// `.local.json` and `.<env>.json` files (`env`: `LB_ENV`, else `NODE_ENV`, else
    /// `development`), `${VAR}` read from the environment, then from `config.json`'s settings.
    /// Missing files are skipped; what the files set overrides what the code set before.
    pub fn config_dir(self, dir: impl AsRef<Path>) -> Result<Self> {
        self.config_dir_for(dir, &boot::environment())
    }

    /// [`AppBuilder::config_dir`] for the environment `env`.
    pub fn config_dir_for(mut self, dir: impl AsRef<Path>, env: &str) -> Result<Self> {
        let dir = dir.as_ref();
        let shown = |files: &[std::path::PathBuf]| {
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        if let Some((mut v, files)) = boot::load(dir, "config", env, Kind::Plain)? {
            let name = shown(&files);
            boot::substitute(&mut v, &name, None)?;
            // certificate files are named relative to the folder
            if let Some(h) = v.get_mut("https").and_then(Value::as_object_mut) {
                for k in ["cert", "key"] {
                    if let Some(Value::String(p)) = h.get_mut(k) {
                        if std::path::Path::new(p.as_str()).is_relative() {
                            *p = dir.join(&*p).display().to_string();
                        }
                    }
                }
            }
            self = self.config_json_value(&name, &v)?;
        }
        let settings = self.platform.settings.clone();
        if let Some((mut v, files)) = boot::load(dir, "datasources", env, Kind::Plain)? {
            let name = shown(&files);
            boot::substitute(&mut v, &name, Some(&settings))?;
            self = self
                .datasources_json(&v.to_string())
                .map_err(|e| Error::internal(format!("{name}: {}", e.message)))?;
        }
        if let Some((mut v, files)) = boot::load(dir, "model-config", env, Kind::Plain)? {
            let name = shown(&files);
            boot::substitute(&mut v, &name, Some(&settings))?;
            self = self
                .model_config_json(&v.to_string())
                .map_err(|e| Error::internal(format!("{name}: {}", e.message)))?;
        }
        if let Some((mut v, files)) = boot::load(dir, "middleware", env, Kind::Middleware)? {
            let name = shown(&files);
            let mut vars = settings;
            vars.entry("restApiRoot".to_string())
                .or_insert_with(|| Value::String(self.config.rest_api_root.clone()));
            boot::substitute(&mut v, &name, Some(&vars))?;
            self = self.apply_middleware_json(&name, &v, dir)?;
        }
        Ok(self)
    }

    /// Applies a `config.json` text (see [`AppBuilder::config_dir`] for the files and their
    /// merging). LoopBack's settings are checked and applied: `host`, `port`, `restApiRoot`,
    /// `aclErrorStatus`, `legacyExplorer`, `remoting` (`rest`, `json`, `urlencoded`, `cors`,
    /// `context`); every key, LoopBack's or the app's own, is readable with
    /// [`App::setting`](crate::App::setting).
    pub fn config_json(self, text: &str) -> Result<Self> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::internal(format!("config.json: not valid JSON: {e}")))?;
        self.config_json_value("config.json", &v)
    }

    fn config_json_value(mut self, file: &str, v: &Value) -> Result<Self> {
        let o = v
            .as_object()
            .ok_or_else(|| Error::internal(format!("{file}: must be a JSON object")))?;
        let bad = |key: &str, want: &str, got: &Value| {
            Error::internal(format!("{file}: `{key}` must be {want}, not {got}"))
        };
        for (key, val) in o {
            match key.as_str() {
                "host" => {
                    val.as_str()
                        .ok_or_else(|| bad(key, "a host name or address", val))?;
                }
                "port" => {
                    port_of(val).ok_or_else(|| bad(key, "a port number", val))?;
                }
                "restApiRoot" => {
                    let root = val
                        .as_str()
                        .filter(|r| r.starts_with('/'))
                        .ok_or_else(|| bad(key, "a path starting with /", val))?;
                    self = self.rest_api_root(root);
                }
                "aclErrorStatus" => {
                    let s = match val.as_u64() {
                        Some(401) => StatusCode::UNAUTHORIZED,
                        Some(403) => StatusCode::FORBIDDEN,
                        _ => return Err(bad(key, "401 or 403", val)),
                    };
                    self = self.acl_error_status(s);
                }
                "legacyExplorer" if val != &Value::Bool(false) => {
                    return Err(bad(
                        key,
                        "false (lb has no legacy /models and /routes endpoints)",
                        val,
                    ));
                }
                "remoting" => self = self.remoting(file, val)?,
                "health" => self = self.health_setting(file, val)?,
                "https" => {
                    let ok = val.as_object().is_some_and(|o| {
                        o.len() == 2
                            && ["cert", "key"]
                                .iter()
                                .all(|k| o.get(*k).is_some_and(Value::is_string))
                    });
                    if !ok {
                        return Err(bad(
                            key,
                            "{\"cert\": \"<PEM file>\", \"key\": \"<PEM file>\"}",
                            val,
                        ));
                    }
                    if !cfg!(feature = "https") {
                        return Err(Error::internal(format!(
                            "{file}: `https` needs lb's `https` feature"
                        )));
                    }
                }
                "metrics" => self = self.metrics_setting(file, val)?,
                _ => {}
            }
            self.platform.settings.insert(key.clone(), val.clone());
        }
        Ok(self)
    }

    /// `config.json`'s `health`: `false`, or `{healthPath, livePath, readyPath (a path or
    /// false), checkTimeout (ms or "3s"), pingDatasources}` (LoopBack 4's health options).
    fn health_setting(mut self, file: &str, v: &Value) -> Result<Self> {
        let bad = |key: &str, want: &str, got: &Value| {
            Error::internal(format!("{file}: `health.{key}` must be {want}, not {got}"))
        };
        let o = match v {
            Value::Bool(false) => {
                self.platform.health = None;
                return Ok(self);
            }
            Value::Bool(true) => serde_json::Map::new(),
            Value::Object(o) => o.clone(),
            other => {
                return Err(Error::internal(format!(
                    "{file}: `health` must be false or an object, not {other}"
                )))
            }
        };
        let mut h = crate::health::HealthOptions::default();
        for (k, x) in &o {
            let path = |x: &Value| -> Result<Option<String>> {
                match x {
                    Value::Bool(false) => Ok(None),
                    Value::String(p) if p.starts_with('/') => Ok(Some(p.clone())),
                    _ => Err(bad(k, "a path starting with / or false", x)),
                }
            };
            match k.as_str() {
                "healthPath" => h.health_path = path(x)?,
                "livePath" => h.live_path = path(x)?,
                "readyPath" => h.ready_path = path(x)?,
                "checkTimeout" => {
                    h.check_timeout = crate::middleware::parse_duration(x)
                        .map_err(|e| bad(k, &e.message, x))?
                }
                "pingDatasources" => {
                    h.ping_datasources = x.as_bool().ok_or_else(|| bad(k, "true or false", x))?
                }
                "openApiSpec" => h.openapi = x.as_bool().ok_or_else(|| bad(k, "true or false", x))?,
                other => {
                    return Err(bad(
                        other,
                        "a known option (healthPath, livePath, readyPath, checkTimeout, pingDatasources, openApiSpec)",
                        x,
                    ))
                }
            }
        }
        Ok(self.health(h))
    }

    /// `config.json`'s `metrics`: `false`, or `{path}`.
    fn metrics_setting(mut self, file: &str, v: &Value) -> Result<Self> {
        let mut m = crate::telemetry::MetricsOptions::default();
        match v {
            Value::Bool(false) => {
                self.platform.metrics = None;
                return Ok(self);
            }
            Value::Bool(true) => {}
            Value::Object(o) => {
                for (k, x) in o {
                    match (k.as_str(), x) {
                        ("path", Value::String(p)) if p.starts_with('/') => m.path = p.clone(),
                        ("openApiSpec", Value::Bool(b)) => m.openapi = *b,
                        _ => {
                            return Err(Error::internal(format!(
                                "{file}: `metrics.{k}` is not a known option (path: a path starting with /; openApiSpec: true or false), {x}"
                            )))
                        }
                    }
                }
            }
            other => {
                return Err(Error::internal(format!(
                    "{file}: `metrics` must be false or an object, not {other}"
                )))
            }
        }
        Ok(self.metrics(m))
    }

    /// `config.json`'s `remoting` (strong-remoting's options).
    fn remoting(mut self, file: &str, v: &Value) -> Result<Self> {
        let o = v.as_object().ok_or_else(|| {
            Error::internal(format!("{file}: `remoting` must be an object, not {v}"))
        })?;
        let bad = |key: &str, want: &str, got: &Value| {
            Error::internal(format!(
                "{file}: `remoting.{key}` must be {want}, not {got}"
            ))
        };
        let section = |key: &str, val: &Value| -> Result<serde_json::Map<String, Value>> {
            val.as_object()
                .cloned()
                .ok_or_else(|| bad(key, "an object", val))
        };
        let mut limits: Vec<(String, usize)> = Vec::new();
        for (key, val) in o {
            match key.as_str() {
                "context" => {
                    if val != &Value::Bool(false) {
                        return Err(bad(key, "false (lb has no request context middleware; the caller is lb::auth::current_token())", val));
                    }
                }
                "rest" => {
                    for (k, x) in section(key, val)? {
                        let full = format!("rest.{k}");
                        match k.as_str() {
                            "normalizeHttpPath" | "xml" => {
                                if x != Value::Bool(false) {
                                    return Err(bad(&full, "false (lb does not support it)", &x));
                                }
                            }
                            // strong-remoting's handler or the app's: lb renders errors one way
                            "handleErrors" => {
                                x.as_bool().ok_or_else(|| bad(&full, "true or false", &x))?;
                            }
                            other => {
                                return Err(bad(
                                    &format!("rest.{other}"),
                                    "one of normalizeHttpPath, xml, handleErrors (unknown key)",
                                    &x,
                                ))
                            }
                        }
                    }
                }
                "json" | "urlencoded" => {
                    for (k, x) in section(key, val)? {
                        let full = format!("{key}.{k}");
                        match (key.as_str(), k.as_str()) {
                            (_, "limit") => {
                                let n = crate::middleware::parse_size(&x)
                                    .map_err(|e| bad(&full, &e.message, &x))?;
                                limits.push((full, n));
                            }
                            ("json", "strict") => {
                                if x != Value::Bool(false) {
                                    return Err(bad(&full, "false (lb reads any JSON value as a body, as strict: false does)", &x));
                                }
                            }
                            ("urlencoded", "extended") => {
                                if x != Value::Bool(true) {
                                    return Err(bad(&full, "true (lb reads urlencoded bodies with qs, as extended: true does)", &x));
                                }
                            }
                            _ => {
                                return Err(bad(
                                    &full,
                                    "a known option (limit, strict / extended)",
                                    &x,
                                ))
                            }
                        }
                    }
                }
                "cors" => {
                    if let Some(cors) = crate::middleware::Cors::from_json(val)
                        .map_err(|e| Error::internal(format!("{file}: remoting.{}", e.message)))?
                    {
                        // strong-remoting's CORS answers its own routes: the REST root
                        let root = self.config.rest_api_root.clone();
                        let scope = crate::middleware::Scope {
                            paths: vec![if root.is_empty() { "/".into() } else { root }],
                            methods: Vec::new(),
                        };
                        self = self.middleware_wrap(
                            crate::middleware::Phase::Routes.before(),
                            "remoting.cors",
                            scope,
                            cors.wrap(),
                        );
                    }
                }
                other => {
                    return Err(bad(
                        other,
                        "one of rest, json, urlencoded, cors, context (unknown key)",
                        val,
                    ))
                }
            }
        }
        // one body limit in lb: the JSON and urlencoded limits must agree
        if let Some((first, n)) = limits.first() {
            if let Some((other, m)) = limits.iter().find(|(_, m)| m != n) {
                return Err(Error::internal(format!(
                    "{file}: `remoting.{first}` ({n} bytes) and `remoting.{other}` ({m} bytes) differ: lb has one body limit"
                )));
            }
            self = self.body_limit(*n);
        }
        Ok(self)
    }

    /// The app's `aclErrorStatus`: the status of a denial to a caller with a valid token on
    /// models without their own (401 by default; LoopBack's scaffolds often set 403).
    pub fn acl_error_status(mut self, status: StatusCode) -> Self {
        self.config.acl_error_status = Some(status);
        self
    }

    /// Sets a free-form setting (LoopBack's `app.set(key, value)`), read with
    /// [`App::setting`](crate::App::setting).
    pub fn setting(mut self, key: &str, value: Value) -> Self {
        self.platform.settings.insert(key.to_string(), value);
        self
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

/// A port as `config.json` or `PORT` give it: a number or a numeric string.
pub(crate) fn port_of(v: &Value) -> Option<u16> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
