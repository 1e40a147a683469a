//! The template grammar of LoopBack's REST connector: `{name}`, `{name=default}`,
//! `{name:type}`, `{name=default:type}`, required `{!name}` / `{^name}`, in any string value
//! or key of a template. The runtime fills templates in with it; the `rest_client!` macro
//! reads a template's variables with it to type the client's parameters.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// `{ [!|^]? NAME (\s* = DEFAULT)? (: TYPE)? }`: a default cannot hold `:`, `{` or `}`.
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{([!^])?([A-Za-z$_][A-Za-z0-9_$]*)\s*(?:=([^:{}]+))?(?::(\w+))?\}")
        .expect("a valid expression")
});

/// A variable of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// The default (text, typed like a given value).
    pub default: Option<String>,
    /// Its declared type (absent: the value as given).
    pub ty: Option<VarType>,
    /// `{!name}` / `{^name}`.
    pub required: bool,
}

/// The type of a template variable (`{name:type}`), case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarType {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `integer`.
    Integer,
    /// `boolean`.
    Boolean,
    /// `object`: a JSON object (or its text).
    Object,
    /// `array`: a JSON array (or its text).
    Array,
    /// `json`: any JSON value (or its text).
    Json,
    /// Another name (`any`, or one LoopBack does not know): the value as given.
    Other(String),
}

impl VarType {
    /// Reads a type name.
    pub fn parse(name: &str) -> VarType {
        match name.to_ascii_lowercase().as_str() {
            "string" => VarType::String,
            "number" => VarType::Number,
            "integer" => VarType::Integer,
            "boolean" => VarType::Boolean,
            "object" => VarType::Object,
            "array" => VarType::Array,
            "json" => VarType::Json,
            other => VarType::Other(other.to_string()),
        }
    }
}

/// A piece of a template string.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Text as written.
    Text(String),
    /// A variable.
    Var(Variable),
}

/// A template string split into pieces.
pub fn parse(s: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut last = 0;
    for c in VARIABLE.captures_iter(s) {
        let m = c.get(0).expect("group 0");
        if m.start() > last {
            out.push(Piece::Text(s[last..m.start()].to_string()));
        }
        out.push(Piece::Var(Variable {
            name: c[2].to_string(),
            default: c.get(3).map(|d| d.as_str().trim().to_string()),
            ty: c.get(4).map(|t| VarType::parse(t.as_str())),
            required: c.get(1).is_some(),
        }));
        last = m.end();
    }
    if last < s.len() || out.is_empty() {
        out.push(Piece::Text(s[last..].to_string()));
    }
    out
}

/// Every variable of a template value, with the root property it was found under (`url`,
/// `query`, `body`, `headers`, ...), in order of appearance.
pub fn variables(template: &Value) -> Vec<(String, Variable)> {
    fn walk(v: &Value, root: &str, out: &mut Vec<(String, Variable)>) {
        match v {
            Value::String(s) => {
                for p in parse(s) {
                    if let Piece::Var(var) = p {
                        out.push((root.to_string(), var));
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, root, out)),
            Value::Object(o) => {
                for (k, x) in o {
                    walk(&Value::String(k.clone()), root, out);
                    walk(x, root, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Value::Object(o) = template {
        for (root, v) in o {
            walk(&Value::String(root.clone()), root, &mut out);
            walk(v, root, &mut out);
        }
    }
    out
}
