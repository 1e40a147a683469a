//! loopback-boot's file loading: `<name>.json`, then `<name>.local.json`, then
//! `<name>.<env>.json`, each merged over the ones before it as loopback-boot merges them —
//! objects key by key, arrays item by item (of the same length), a value replaced only by one
//! of a compatible type; `middleware.<env>.json` may only configure phases and middleware the
//! main file has. The environment is `LB_ENV`, else `NODE_ENV`, else `development`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{Error, Result};

/// The environment the app boots in: `LB_ENV`, else `NODE_ENV`, else `development`.
pub fn environment() -> String {
    ["LB_ENV", "NODE_ENV"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "development".to_string())
}

/// How the files of one kind merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `config`, `datasources`, `model-config`: objects merged key by key.
    Plain,
    /// `middleware`: only phases and middleware of the main file.
    Middleware,
}

/// One kind of file read from `dir` for `env`: the merged value and the files it came from
/// (`None` when not even the main file exists).
pub fn load(
    dir: &Path,
    name: &str,
    env: &str,
    kind: Kind,
) -> Result<Option<(Value, Vec<PathBuf>)>> {
    let mut merged: Option<Value> = None;
    let mut files = Vec::new();
    for variant in [
        format!("{name}.json"),
        format!("{name}.local.json"),
        format!("{name}.{env}.json"),
    ] {
        let path = dir.join(&variant);
        let js = dir.join(variant.replace(".json", ".js"));
        if js.exists() {
            return Err(Error::internal(format!(
                "{}: lb reads JSON configuration only; move it to {variant}",
                js.display()
            )));
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::internal(format!("{}: {e}", path.display()))),
        };
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| Error::internal(format!("{}: not valid JSON: {e}", path.display())))?;
        if !value.is_object() {
            return Err(Error::internal(format!(
                "{}: must be a JSON object",
                path.display()
            )));
        }
        merged = Some(match merged {
            // the first file found (an override without its main file is the whole of it)
            None => value,
            Some(mut target) => {
                let result = match kind {
                    Kind::Plain => merge_objects(&mut target, &value, ""),
                    Kind::Middleware => merge_middleware(&mut target, &value),
                };
                result.map_err(|e| {
                    Error::internal(format!("Cannot apply {}: {e}", path.display()))
                })?;
                target
            }
        });
        files.push(path);
    }
    Ok(merged.map(|m| (m, files)))
}

/// loopback-boot's `mergeObjects`: every key of `config` into `target`.
pub fn merge_objects(
    target: &mut Value,
    config: &Value,
    prefix: &str,
) -> std::result::Result<(), String> {
    let (Some(t), Some(c)) = (target.as_object_mut(), config.as_object()) else {
        return Ok(());
    };
    for (key, new) in c {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match t.get_mut(key) {
            None => {
                t.insert(key.clone(), new.clone());
            }
            Some(orig) => merge_item(orig, new, &full)?,
        }
    }
    Ok(())
}

fn merge_item(orig: &mut Value, new: &Value, full: &str) -> std::result::Result<(), String> {
    let compatible = match orig {
        Value::Null => true,
        Value::Array(_) => new.is_array(),
        Value::Object(_) => new.is_object() || new.is_null(),
        _ => !(new.is_object() || new.is_array()),
    };
    if !compatible {
        return Err(format!(
            "Cannot merge values of incompatible types for the option `{full}`."
        ));
    }
    match (orig, new) {
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!(
                    "Cannot merge array values of different length for the option `{full}`."
                ));
            }
            for (i, (x, y)) in a.iter_mut().zip(b).enumerate() {
                merge_item(x, y, &format!("{full}[{i}]"))?;
            }
            Ok(())
        }
        (o @ Value::Object(_), n @ Value::Object(_)) => merge_objects(o, n, full),
        (o, n) => {
            *o = n.clone();
            Ok(())
        }
    }
}

/// loopback-boot's `mergeMiddlewareConfig`: phases and middleware must be in the main file;
/// a middleware's settings merge as objects; lists of instances merge by `name`.
fn merge_middleware(target: &mut Value, config: &Value) -> std::result::Result<(), String> {
    let (Some(t), Some(c)) = (target.as_object_mut(), config.as_object()) else {
        return Ok(());
    };
    for (phase, entries) in c {
        let Some(tp) = t.get_mut(phase).and_then(Value::as_object_mut) else {
            return Err(format!(
                "The phase \"{phase}\" is not defined in the main config."
            ));
        };
        let Some(entries) = entries.as_object() else {
            return Err(format!("The phase \"{phase}\" must be an object."));
        };
        for (mw, new) in entries {
            let Some(orig) = tp.get_mut(mw) else {
                return Err(format!(
                    "The middleware \"{mw}\" in phase \"{phase}\" is not defined in the main config."
                ));
            };
            let non_empty = |v: &Value| v.as_object().is_some_and(|o| !o.is_empty());
            match (orig.is_array(), new.is_array()) {
                (true, true) => merge_named(orig, new.as_array().map_or(&[][..], |v| v))?,
                (true, false) if non_empty(new) => merge_named(orig, std::slice::from_ref(new))?,
                (true, false) => {}
                (false, true) => {
                    if non_empty(orig) {
                        let mut list = Value::Array(vec![orig.clone()]);
                        merge_named(&mut list, new.as_array().map_or(&[][..], |v| v))?;
                        *orig = list;
                    } else {
                        *orig = new.clone();
                    }
                }
                (false, false) => merge_objects(orig, new, "")?,
            }
        }
    }
    Ok(())
}

/// loopback-boot's `mergeNamedItems`: an item with the `name` of one already there merges into
/// it, the others are appended.
fn merge_named(target: &mut Value, items: &[Value]) -> std::result::Result<(), String> {
    let Some(list) = target.as_array_mut() else {
        return Ok(());
    };
    for item in items {
        let name = item.get("name").filter(|n| !n.is_null()).cloned();
        let found = name.and_then(|n| list.iter_mut().find(|x| x.get("name") == Some(&n)));
        match found {
            Some(existing) => merge_objects(existing, item, "")?,
            None => list.push(item.clone()),
        }
    }
    Ok(())
}

/// Replaces `${VAR}` and `${VAR:-default}` in every string of `value`: the environment first,
/// then `settings` (`config.json`'s, as loopback-boot's `app.get`). An unknown variable is an
/// error naming the file and the key.
pub fn substitute(
    value: &mut Value,
    file: &str,
    settings: Option<&serde_json::Map<String, Value>>,
) -> Result<()> {
    fn walk(
        v: &mut Value,
        path: &str,
        file: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<()> {
        match v {
            Value::String(s) if s.contains("${") => {
                // a string that is one variable takes the setting's own type (`${port}` → 3000)
                *v = super::env::substitute(s, lookup, &format!("{file}: {path}"))
                    .map(Value::String)?;
            }
            Value::Array(a) => {
                for (i, x) in a.iter_mut().enumerate() {
                    walk(x, &format!("{path}[{i}]"), file, lookup)?;
                }
            }
            Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, file, lookup)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    let lookup = |name: &str| -> Option<String> {
        std::env::var(name).ok().or_else(|| {
            settings.and_then(|s| s.get(name)).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        })
    };
    walk(value, "", file, &lookup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_merge_key_by_key_and_types_must_agree() {
        let mut t = json!({"port": 3000, "remoting": {"json": {"limit": "100kb", "strict": false}}, "list": [1, {"a": 1}]});
        merge_objects(
            &mut t,
            &json!({"remoting": {"json": {"limit": "1mb"}}, "new": true, "list": [2, {"b": 2}]}),
            "",
        )
        .unwrap();
        assert_eq!(
            t,
            json!({"port": 3000, "remoting": {"json": {"limit": "1mb", "strict": false}}, "list": [2, {"a": 1, "b": 2}], "new": true})
        );
        let e = merge_objects(&mut t, &json!({"remoting": {"json": 5}}), "").unwrap_err();
        assert_eq!(
            e,
            "Cannot merge values of incompatible types for the option `remoting.json`."
        );
        let e = merge_objects(&mut t, &json!({"list": [1]}), "").unwrap_err();
        assert_eq!(
            e,
            "Cannot merge array values of different length for the option `list`."
        );
        // a value replaced by one of another plain type is fine
        merge_objects(&mut t, &json!({"port": "8080"}), "").unwrap();
        assert_eq!(t["port"], "8080");
    }

    #[test]
    fn middleware_overrides_only_what_the_main_file_has() {
        let mut t = json!({"final:after": {"strong-error-handler": {}}, "initial": {"cors": {"params": {"origin": true}}}});
        merge_middleware(
            &mut t,
            &json!({"final:after": {"strong-error-handler": {"params": {"debug": true}}}, "initial": {"cors": {"params": {"maxAge": 5}}}}),
        )
        .unwrap();
        assert_eq!(
            t["final:after"]["strong-error-handler"]["params"]["debug"],
            true
        );
        assert_eq!(
            t["initial"]["cors"]["params"],
            json!({"origin": true, "maxAge": 5})
        );
        assert_eq!(
            merge_middleware(&mut t, &json!({"files": {}})).unwrap_err(),
            "The phase \"files\" is not defined in the main config."
        );
        assert!(
            merge_middleware(&mut t, &json!({"initial": {"compression": {}}}))
                .unwrap_err()
                .contains("\"compression\" in phase \"initial\"")
        );
        // lists of instances merge by name
        let mut t = json!({"files": {"loopback#static": [{"name": "a", "params": "x"}]}});
        merge_middleware(
            &mut t,
            &json!({"files": {"loopback#static": [{"name": "a", "params": "y"}, {"name": "b"}]}}),
        )
        .unwrap();
        assert_eq!(
            t["files"]["loopback#static"],
            json!([{"name": "a", "params": "y"}, {"name": "b"}])
        );
    }

    #[test]
    fn variables_from_the_environment_then_the_settings() {
        let settings = json!({"restApiRoot": "/api"});
        let mut v = json!({"routes": {"loopback#rest": {"paths": ["${restApiRoot}"]}}, "n": 1});
        substitute(&mut v, "middleware.json", settings.as_object()).unwrap();
        assert_eq!(v["routes"]["loopback#rest"]["paths"][0], "/api");
        let mut v = json!({"db": {"url": "${LB_TEST_SURELY_UNSET_VAR}"}});
        let e = substitute(&mut v, "datasources.json", None).unwrap_err();
        assert_eq!(
            e.message,
            "datasources.json: db.url: environment variable LB_TEST_SURELY_UNSET_VAR is not set"
        );
    }
}
