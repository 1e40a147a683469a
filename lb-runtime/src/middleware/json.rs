//! `middleware.json` (loopback-boot's shape): `{"<phase>[:before|:after]": {"<name>":
//! {"enabled", "params", "paths", "methods"} or a list of them}}` into middleware at their
//! slots and settings of the app. Every key is checked: an unknown one is an error naming the
//! file, the phase, the middleware and the key.

use std::path::Path;

use axum::http::Method;
use serde_json::{Map, Value};

use super::builtin::{named, Builtin};
use super::endpoint::Wrap;
use super::phase::Slot;
use super::stack::Scope;
use crate::{Error, Result};

/// One middleware of `middleware.json`, ready to register.
pub(crate) struct Configured {
    pub slot: Slot,
    pub name: String,
    pub scope: Scope,
    pub builtin: Builtin,
}

/// A middleware maker of the app's own, named in `middleware.json` (its `params` in).
pub type Factory = std::sync::Arc<dyn Fn(&Value) -> Result<Wrap> + Send + Sync>;

/// Reads a merged `middleware.json` value. `file` names it in errors; `base` is its folder;
/// `factory` finds the app's own middleware by name.
pub(crate) fn parse(
    file: &str,
    doc: &Value,
    base: &Path,
    rest_root: &str,
    factory: &dyn Fn(&str) -> Option<Factory>,
) -> Result<Vec<Configured>> {
    let err = |what: String| Error::internal(format!("{file}: {what}"));
    let phases = doc
        .as_object()
        .ok_or_else(|| err(format!("must be an object of phases, not {doc}")))?;
    let mut out = Vec::new();
    for (phase, entries) in phases {
        let slot = Slot::parse(phase).map_err(|e| err(e.message))?;
        let entries = entries.as_object().ok_or_else(|| {
            err(format!(
                "phase {phase:?} must be an object of middleware, not {entries}"
            ))
        })?;
        for (name, config) in entries {
            let configs: Vec<&Value> = match config {
                Value::Array(list) => list.iter().collect(),
                one => vec![one],
            };
            for config in configs {
                let at = |what: String| err(format!("{phase} › {name}: {what}"));
                let empty = Map::new();
                let obj = match config {
                    Value::Object(o) => o,
                    Value::Null => &empty,
                    other => return Err(at(format!("must be an object, not {other}"))),
                };
                let mut params = Value::Null;
                let mut scope = Scope::default();
                let mut enabled = true;
                for (key, v) in obj {
                    match key.as_str() {
                        "enabled" => {
                            enabled = v
                                .as_bool()
                                .ok_or_else(|| at(format!("`enabled` must be true or false, not {v}")))?
                        }
                        "params" => params = v.clone(),
                        "paths" => scope.paths = paths(v).ok_or_else(|| {
                            at(format!("`paths` must be a path or a list of paths starting with /, not {v}"))
                        })?,
                        "methods" => scope.methods = methods(v).ok_or_else(|| {
                            at(format!("`methods` must be an HTTP method or a list of them, not {v}"))
                        })?,
                        // loopback-boot's label for one instance of a list
                        "name" => {}
                        other => {
                            return Err(at(format!(
                                "unknown key `{other}` (enabled, name, params, paths, methods)"
                            )))
                        }
                    }
                }
                if !enabled {
                    continue;
                }
                let builtin = match factory(name) {
                    Some(f) => Builtin::Wrap(f(&params).map_err(|e| at(e.message))?),
                    None => {
                        // `loopback#status` and static files given one path: answered at it,
                        // served under it (the path stripped, as Express's mount strips it)
                        let mounts = matches!(
                            name.as_str(),
                            "loopback#status"
                                | "loopback#static"
                                | "serve-static"
                                | "loopback.static"
                        );
                        let mount = match scope.paths.as_slice() {
                            [_] if mounts => scope.paths.pop(),
                            _ => None,
                        };
                        let b = named(name, &params, base, mount.as_deref())
                            .map_err(|e| at(e.message))?;
                        rest_at(name, &scope, rest_root, b).map_err(|e| at(e.message))?
                    }
                };
                out.push(Configured {
                    slot: slot.clone(),
                    name: name.clone(),
                    scope,
                    builtin,
                });
            }
        }
    }
    Ok(out)
}

/// `loopback#rest` mounted at `paths`: the REST root (one path).
fn rest_at(name: &str, scope: &Scope, rest_root: &str, b: Builtin) -> Result<Builtin> {
    if name != "loopback#rest" {
        return Ok(b);
    }
    match scope.paths.as_slice() {
        [] => Ok(Builtin::Nothing),
        [p] if p.trim_end_matches('/') == rest_root => Ok(Builtin::Nothing),
        [p] => Ok(Builtin::RestRoot(p.clone())),
        _ => Err(Error::internal(
            "loopback#rest: the REST API is mounted at one path",
        )),
    }
}

fn paths(v: &Value) -> Option<Vec<String>> {
    let one = |v: &Value| v.as_str().filter(|s| s.starts_with('/')).map(String::from);
    match v {
        Value::String(_) => Some(vec![one(v)?]),
        Value::Array(a) => a.iter().map(one).collect(),
        _ => None,
    }
}

fn methods(v: &Value) -> Option<Vec<Method>> {
    let one = |v: &Value| {
        v.as_str()
            .and_then(|s| Method::from_bytes(s.to_ascii_uppercase().as_bytes()).ok())
    };
    match v {
        Value::String(_) => Some(vec![one(v)?]),
        Value::Array(a) => a.iter().map(one).collect(),
        _ => None,
    }
}
