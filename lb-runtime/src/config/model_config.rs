//! `model-config.json`: which datasource each model uses, whether it is public, its
//! `sharedMethods` and, on a REST CRUD datasource, its `resourceName`.

use serde_json::Value;

use crate::{Error, Result};

/// One model's entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelConfig {
    /// `dataSource`.
    pub datasource: Option<String>,
    /// `public`.
    pub public: Option<bool>,
    /// `options.remoting.sharedMethods`.
    pub shared_methods: Vec<(String, bool)>,
    /// `options.resourceName`: the remote collection on a REST CRUD datasource.
    pub resource_name: Option<String>,
    /// `acls`: the model's ACL entries in LoopBack's JSON (checked when the app is built).
    pub acls: Vec<Value>,
}

/// Parses `model-config.json` (`_meta` is LoopBack's loader settings and is skipped).
pub fn parse(text: &str) -> Result<Vec<(String, ModelConfig)>> {
    let bad = |m: String| Error::internal(format!("model-config.json: {m}"));
    let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let Value::Object(o) = v else {
        return Err(bad("not an object".into()));
    };
    let mut out = Vec::new();
    for (name, entry) in o {
        if name == "_meta" {
            continue;
        }
        let Value::Object(e) = entry else {
            return Err(bad(format!("{name}: not an object")));
        };
        let mut c = ModelConfig {
            datasource: match e.get("dataSource") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad(format!("{name}.dataSource: not a string"))),
            },
            public: match e.get("public") {
                None => None,
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => return Err(bad(format!("{name}.public: not a boolean"))),
            },
            shared_methods: Vec::new(),
            resource_name: match e.get("options").and_then(|o| o.get("resourceName")) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad(format!("{name}.options.resourceName: not a string"))),
            },
            acls: match e.get("acls") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) => a.clone(),
                Some(_) => return Err(bad(format!("{name}.acls: not an array"))),
            },
        };
        let shared = e
            .get("options")
            .and_then(|o| o.get("remoting"))
            .and_then(|r| r.get("sharedMethods"));
        if let Some(shared) = shared {
            let Value::Object(m) = shared else {
                return Err(bad(format!(
                    "{name}.options.remoting.sharedMethods: not an object"
                )));
            };
            for (method, on) in m {
                let Value::Bool(on) = on else {
                    return Err(bad(format!(
                        "{name}.options.remoting.sharedMethods.{method}: not a boolean"
                    )));
                };
                c.shared_methods.push((method.clone(), *on));
            }
        }
        out.push((name, c));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        let c = parse(
            r#"{"_meta": {"sources": ["loopback/common/models"]},
                "Location": {"dataSource": "db", "public": true},
                "Product": {"dataSource": "cache", "public": false,
                            "options": {"remoting": {"sharedMethods": {"*": false, "find": true}}}}}"#,
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].0, "Product");
        assert_eq!(c[1].1.datasource.as_deref(), Some("cache"));
        assert_eq!(c[1].1.public, Some(false));
        assert_eq!(
            c[1].1.shared_methods,
            [("*".to_string(), false), ("find".to_string(), true)]
        );
        assert!(parse(r#"{"X": {"public": "yes"}}"#).is_err());
    }
}
