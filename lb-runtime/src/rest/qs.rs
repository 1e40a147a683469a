//! Query strings and urlencoded bodies with Express's "extended" (qs) rules:
//! `filter[where][a][gt]=1` nests, `a[]=1&a[]=2` and `a[0]=..` make arrays, repeated keys
//! make arrays, percent-encoded brackets work. Unlike qs there is no silent truncation at
//! depth 5: the filter engine's depth guard (12) answers deep queries with a 400.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// At most this many parameters are read (qs's `parameterLimit`).
pub(crate) const PARAMETER_LIMIT: usize = 1000;
/// Array indices above this become object keys (Express 4.22's `arrayLimit`).
pub(crate) const ARRAY_LIMIT: usize = 1000;
/// Bracket segments beyond this are kept as one literal key (memory bound, not semantics).
const MAX_SEGMENTS: usize = 32;

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Name(String),
    Index(usize),
    Push,
}

#[derive(Debug)]
enum Node {
    Str(String),
    List(Vec<Node>),
    Obj(Vec<(Seg, Node)>),
}

/// Decodes `+` and percent escapes (invalid escapes are kept as they are).
pub(crate) fn decode(s: &str) -> String {
    if !s.contains(['+', '%']) {
        return s.to_string();
    }
    let plus = s.replace('+', " ");
    percent_decode_str(&plus).decode_utf8_lossy().into_owned()
}

fn split_key(key: &str) -> (String, Vec<Seg>) {
    let Some(open) = key.find('[').filter(|&i| i > 0) else {
        return (key.to_string(), Vec::new());
    };
    let root = key[..open].to_string();
    let mut segs = Vec::new();
    let mut rest = &key[open..];
    while let Some(r) = rest.strip_prefix('[') {
        let Some(close) = r.find(']') else { break };
        if segs.len() >= MAX_SEGMENTS {
            break;
        }
        let inner = &r[..close];
        segs.push(if inner.is_empty() {
            Seg::Push
        } else if inner.bytes().all(|b| b.is_ascii_digit()) && inner.len() <= 6 {
            match inner.parse::<usize>() {
                Ok(i) if i <= ARRAY_LIMIT => Seg::Index(i),
                _ => Seg::Name(inner.to_string()),
            }
        } else {
            Seg::Name(inner.to_string())
        });
        rest = &r[close + 1..];
    }
    if !rest.is_empty() {
        segs.push(Seg::Name(rest.to_string()));
    }
    (root, segs)
}

fn insert(slot: &mut Option<Node>, segs: &[Seg], value: String) {
    let Some((first, tail)) = segs.split_first() else {
        *slot = Some(match slot.take() {
            None => Node::Str(value),
            Some(Node::List(mut l)) => {
                l.push(Node::Str(value));
                Node::List(l)
            }
            Some(other) => Node::List(vec![other, Node::Str(value)]),
        });
        return;
    };
    let node = slot.get_or_insert_with(|| Node::Obj(Vec::new()));
    let entries = match node {
        Node::Obj(e) => e,
        Node::Str(_) | Node::List(_) => {
            // a plain value and a bracketed one under the same key: keep both, as qs does
            let old = std::mem::replace(node, Node::List(Vec::new()));
            let mut items = match old {
                Node::List(l) => l,
                other => vec![other],
            };
            let mut obj = None;
            insert(&mut obj, segs, value);
            items.extend(obj);
            *node = Node::List(items);
            return;
        }
    };
    let pos = if *first == Seg::Push {
        None
    } else {
        entries.iter().position(|(s, _)| s == first)
    };
    match pos {
        Some(i) => {
            let mut child = Some(std::mem::replace(&mut entries[i].1, Node::List(Vec::new())));
            insert(&mut child, tail, value);
            if let Some(c) = child {
                entries[i].1 = c;
            }
        }
        None => {
            let mut child = None;
            insert(&mut child, tail, value);
            if let Some(c) = child {
                entries.push((first.clone(), c));
            }
        }
    }
}

fn to_value(n: Node) -> Value {
    match n {
        Node::Str(s) => Value::String(s),
        Node::List(l) => Value::Array(l.into_iter().map(to_value).collect()),
        Node::Obj(mut entries) => {
            if entries.iter().all(|(s, _)| !matches!(s, Seg::Name(_))) {
                entries.sort_by_key(|(s, _)| match s {
                    Seg::Index(i) => *i,
                    _ => usize::MAX,
                });
                return Value::Array(entries.into_iter().map(|(_, n)| to_value(n)).collect());
            }
            let mut o = Map::new();
            let mut next = 0usize;
            for (s, n) in entries {
                let key = match s {
                    Seg::Name(k) => k,
                    Seg::Index(i) => i.to_string(),
                    Seg::Push => {
                        while o.contains_key(&next.to_string()) {
                            next += 1;
                        }
                        next.to_string()
                    }
                };
                o.insert(key, to_value(n));
            }
            Value::Object(o)
        }
    }
}

/// Parses a query string (without `?`) into a JSON object with string leaves:
/// `filter[where][age][gt]=3&filter%5Blimit%5D=2` is
/// `{"filter":{"where":{"age":{"gt":"3"}},"limit":"2"}}`.
pub(crate) fn parse(query: &str) -> Map<String, Value> {
    let mut roots: Vec<(String, Option<Node>)> = Vec::new();
    for piece in query
        .split('&')
        .filter(|p| !p.is_empty())
        .take(PARAMETER_LIMIT)
    {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        let key = decode(k);
        if key.is_empty() {
            continue;
        }
        let value = decode(v);
        let (root, segs) = split_key(&key);
        let i = match roots.iter().position(|(r, _)| *r == root) {
            Some(i) => i,
            None => {
                roots.push((root, None));
                roots.len() - 1
            }
        };
        insert(&mut roots[i].1, &segs, value);
    }
    roots
        .into_iter()
        .filter_map(|(k, n)| n.map(|n| (k, to_value(n))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(q: &str) -> Value {
        Value::Object(parse(q))
    }

    #[test]
    fn brackets_nest_encoded_or_not() {
        assert_eq!(
            p("filter[where][age][gt]=3&filter%5Blimit%5D=2"),
            json!({"filter": {"where": {"age": {"gt": "3"}}, "limit": "2"}})
        );
    }

    #[test]
    fn brackets_nest_and_arrays() {
        assert_eq!(
            p("filter[where][age][gt]=3"),
            json!({"filter":{"where":{"age":{"gt":"3"}}}})
        );
        assert_eq!(p("a[]=1&a[]=2"), json!({"a":["1","2"]}));
        assert_eq!(p("a[1]=y&a[0]=x"), json!({"a":["x","y"]}));
        assert_eq!(p("a=1&a=2"), json!({"a":["1","2"]}));
        assert_eq!(p("e[x]=1&e[x]=2"), json!({"e":{"x":["1","2"]}}));
        assert_eq!(p("a[0]=x&a[b]=y"), json!({"a":{"0":"x","b":"y"}}));
        assert_eq!(
            p("filter[where][or][0][name]=a&filter[where][or][1][age][lt]=3"),
            json!({"filter":{"where":{"or":[{"name":"a"},{"age":{"lt":"3"}}]}}})
        );
    }

    #[test]
    fn encodings() {
        assert_eq!(
            p("filter%5Bwhere%5D%5Bage%5D=3"),
            json!({"filter":{"where":{"age":"3"}}})
        );
        assert_eq!(p("order=name+ASC"), json!({"order":"name ASC"}));
        assert_eq!(p("f=%7B%22a%22%3A1%7D"), json!({"f":"{\"a\":1}"}));
        assert_eq!(p("x&y="), json!({"x":"","y":""}));
    }

    #[test]
    fn deep_keys_are_not_truncated_at_five() {
        let v = p("filter[where][and][0][or][0][name]=a");
        assert_eq!(v["filter"]["where"]["and"][0]["or"][0]["name"], "a");
    }

    #[test]
    fn mixed_plain_and_bracket_values_stay_visible() {
        assert_eq!(
            p("filter={}&filter[limit]=2"),
            json!({"filter":["{}",{"limit":"2"}]})
        );
    }
}
