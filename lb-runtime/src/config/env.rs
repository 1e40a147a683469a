//! `${VAR}` and `${VAR:-default}` substitution in configuration strings.

use crate::{Error, Result};

/// Replaces every `${NAME}` / `${NAME:-default}` in `text` with `lookup(NAME)`; `where_` names
/// the setting in the error for an unset variable without a default.
pub(super) fn substitute(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    where_: &str,
) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(Error::internal(format!(
                "{where_}: unterminated `${{` in {text:?}"
            )));
        };
        let expr = &after[..end];
        let (name, default) = match expr.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (expr, None),
        };
        match lookup(name)
            .filter(|v| !v.is_empty())
            .or(default.map(str::to_string))
        {
            Some(v) => out.push_str(&v),
            None => {
                return Err(Error::internal(format!(
                    "{where_}: environment variable {name} is not set"
                )))
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_defaults_and_errors() {
        let env = |n: &str| (n == "HOST").then(|| "db.local".to_string());
        assert_eq!(
            substitute("postgres://${HOST}:${PORT:-5432}/x", &env, "db.url").unwrap(),
            "postgres://db.local:5432/x"
        );
        assert_eq!(
            substitute("${MISSING}", &env, "db.url")
                .unwrap_err()
                .message,
            "db.url: environment variable MISSING is not set"
        );
        assert!(substitute("${HOST", &env, "db.url").is_err());
        assert_eq!(substitute("plain", &env, "x").unwrap(), "plain");
    }
}
