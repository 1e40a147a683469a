//! `responsePath` in the JSONPath-Plus dialect LoopBack uses, read as RFC 9535 JSONPath.
//!
//! JSONPath-Plus evaluates script expressions as JavaScript. The forms LoopBack
//! configurations use are rewritten into RFC 9535: `[(@.length-N)]` (the N-th element from
//! the end) is `[-N]`; a filter script that is a plain comparison (`[?(@.price < 10)]`) is
//! already RFC 9535 once JavaScript's strict operators (`===`, `!==`) are the plain ones.
//! Anything else is left as written for the RFC 9535 parser to accept or refuse.

/// The RFC 9535 spelling of a JSONPath-Plus path.
pub(crate) fn rfc9535(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find("[(") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match from_end(after) {
            Some((n, used)) => {
                out.push_str(&format!("[-{n}]"));
                rest = &after[used..];
            }
            None => {
                out.push_str("[(");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    strict_operators(&out)
}

/// `@.length-N)]` after `[(` (spaces allowed): N, and the bytes read.
fn from_end(s: &str) -> Option<(u64, usize)> {
    let minus = s
        .trim_start()
        .strip_prefix("@.length")?
        .trim_start()
        .strip_prefix('-')?
        .trim_start();
    let digits: String = minus.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok().filter(|n| *n > 0)?;
    let tail = minus[digits.len()..].trim_start();
    let tail = tail.strip_prefix(')')?.trim_start().strip_prefix(']')?;
    Some((n, s.len() - tail.len()))
}

/// `===` / `!==` outside string literals become `==` / `!=`.
fn strict_operators(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut quote: Option<char> = None;
    let chars: Vec<char> = path.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                out.push(c);
                if c == '\\' && i + 1 < chars.len() {
                    out.push(chars[i + 1]);
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if (c == '=' || c == '!')
                && chars.get(i + 1) == Some(&'=')
                && chars.get(i + 2) == Some(&'=') =>
            {
                out.push(c);
                out.push('=');
                i += 2;
            }
            None => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rfc9535;

    #[test]
    fn script_forms_become_rfc9535() {
        assert_eq!(
            rfc9535("$.results[(@.length-1)].rank"),
            "$.results[-1].rank"
        );
        assert_eq!(rfc9535("$.a[( @.length - 2 )]"), "$.a[-2]");
        assert_eq!(
            rfc9535("$.items[?(@.price < 10)].name"),
            "$.items[?(@.price < 10)].name"
        );
        assert_eq!(
            rfc9535("$.items[?(@.k === 'a==b')]"),
            "$.items[?(@.k == 'a==b')]"
        );
        assert_eq!(rfc9535("$.items[?(@.k !== 1)]"), "$.items[?(@.k != 1)]");
        // not a form lb rewrites: left for the parser to refuse
        assert_eq!(rfc9535("$.a[(@.length)]"), "$.a[(@.length)]");
        assert_eq!(rfc9535("$.a[(@.length-0)]"), "$.a[(@.length-0)]");
    }
}
