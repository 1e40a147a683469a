//! Property lookup by (possibly dotted) path, as LoopBack reads `a.b.0.c`.

use serde_json::Value;

use super::Object;

/// The value of a (possibly dotted) property; `None` is `undefined`.
pub(crate) fn get<'a>(row: &'a Object, name: &str) -> Option<&'a Value> {
    // Rows are small: comparing a handful of short keys is several times cheaper than hashing
    // the name (this is the inner loop of every in-memory filter).
    let direct = if row.len() <= 16 {
        row.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v)
    } else {
        row.get(name)
    };
    if let Some(v) = direct {
        return Some(v);
    }
    let (head, rest) = name.split_once('.')?;
    nested(row.get(head)?, rest)
}

/// The value at a dotted `path` below `cur` (`a.0.b`: object keys and array indexes).
pub(crate) fn nested<'a>(mut cur: &'a Value, path: &str) -> Option<&'a Value> {
    for p in path.split('.') {
        cur = match cur {
            Value::Object(o) => o.get(p)?,
            Value::Array(a) => a.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}
