//! The template variables, as the runtime's `connector::rest::template` reads them (a
//! proc-macro crate cannot use the runtime): `{ [!|^]? NAME (= DEFAULT)? (: TYPE)? }`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{([!^])?([A-Za-z$_][A-Za-z0-9_$]*)\s*(?:=([^:{}]+))?(?::(\w+))?\}")
        .expect("a valid expression")
});

/// A variable of a template.
pub struct Variable {
    pub name: String,
    pub default: Option<String>,
    pub ty: Option<String>,
    pub required: bool,
}

/// Every variable of a template (in values and keys), with its root property.
pub fn variables(template: &Value) -> Vec<(String, Variable)> {
    fn strings(v: &Value, root: &str, out: &mut Vec<(String, Variable)>) {
        match v {
            Value::String(s) => {
                for c in VARIABLE.captures_iter(s) {
                    out.push((
                        root.to_string(),
                        Variable {
                            name: c[2].to_string(),
                            default: c.get(3).map(|d| d.as_str().trim().to_string()),
                            ty: c.get(4).map(|t| t.as_str().to_lowercase()),
                            required: c.get(1).is_some(),
                        },
                    ));
                }
            }
            Value::Array(a) => a.iter().for_each(|x| strings(x, root, out)),
            Value::Object(o) => {
                for (k, x) in o {
                    strings(&Value::String(k.clone()), root, out);
                    strings(x, root, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Value::Object(o) = template {
        for (root, v) in o {
            strings(v, root, &mut out);
        }
    }
    out
}
