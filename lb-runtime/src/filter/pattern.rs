//! Regular expressions of `like`/`ilike`/`regexp`, compiled once with a size limit on the
//! linear-time `regex` engine (no catastrophic backtracking from client patterns).

use regex::{Regex, RegexBuilder};

/// Compiled size limits: a client cannot make the server build a huge automaton.
const SIZE_LIMIT: usize = 1 << 20;

/// A compiled pattern and the text it came from.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// What the client sent (`"%app%"`, `"/^A/i"`).
    pub source: String,
    /// The compiled expression.
    pub regex: Regex,
    /// Matches ignoring case (`ilike`, `/../i`).
    pub case_insensitive: bool,
    /// `^`/`$` match at line breaks (`/../m`).
    pub multi_line: bool,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

fn build(expr: &str, case_insensitive: bool, multi_line: bool) -> Result<Regex, String> {
    let b = |e: &str| {
        RegexBuilder::new(e)
            .case_insensitive(case_insensitive)
            .multi_line(multi_line)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(SIZE_LIMIT)
            .build()
    };
    match b(expr) {
        Ok(r) => Ok(r),
        // LoopBack escapes a pattern that is not a valid expression and matches it literally.
        Err(regex::Error::Syntax(_)) => b(&regex::escape(expr)).map_err(|e| e.to_string()),
        Err(e) => Err(format!("Regular expression too large: {e}")),
    }
}

impl Pattern {
    /// A `like` pattern: unanchored, `%` = any run, `_` = any character, other regex syntax live.
    pub fn like(source: &str, case_insensitive: bool) -> Result<Self, String> {
        let mut expr = String::with_capacity(source.len() + 8);
        for c in source.chars() {
            match c {
                '%' => expr.push_str(".*"),
                '_' => expr.push('.'),
                c => expr.push(c),
            }
        }
        Ok(Pattern {
            source: source.to_string(),
            regex: build(&expr, case_insensitive, false)?,
            case_insensitive,
            multi_line: false,
        })
    }

    /// A `regexp` value: `"pattern"` or `"/pattern/flags"` with flags among `i`, `g`, `m`.
    pub fn regexp(source: &str) -> Result<Self, String> {
        // LoopBack treats any string with a `/` followed by characters as `/expr/flags`.
        let has_flags = source.find('/').is_some_and(|i| i + 1 < source.len());
        if !has_flags {
            return Ok(Pattern {
                source: source.to_string(),
                regex: build(source, false, false)?,
                case_insensitive: false,
                multi_line: false,
            });
        }
        let last = source.rfind('/').unwrap_or(0);
        let flags = &source[last + 1..];
        let bad: Vec<String> = flags
            .chars()
            .filter(|c| !matches!(c, 'i' | 'g' | 'm'))
            .map(String::from)
            .collect();
        if !bad.is_empty() {
            return Err(format!("Invalid regex flags: {}", bad.join(",")));
        }
        // LoopBack drops the first character (the opening `/`) and everything from the last `/`
        let expr: String = source[..last].chars().skip(1).collect();
        let (case_insensitive, multi_line) = (flags.contains('i'), flags.contains('m'));
        Ok(Pattern {
            source: source.to_string(),
            regex: build(&expr, case_insensitive, multi_line)?,
            case_insensitive,
            multi_line,
        })
    }

    /// The expression text the compiled regex matches (`%` and `_` already translated, an
    /// invalid expression already escaped); the flags are [`Self::case_insensitive`] and
    /// [`Self::multi_line`]. SQL connectors send this to the database's regex operator.
    pub fn expression(&self) -> &str {
        self.regex.as_str()
    }

    /// Tests a string.
    pub fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_is_unanchored_with_live_metacharacters() {
        let p = Pattern::like("app", false).unwrap();
        assert!(p.is_match("pineapple"));
        assert!(Pattern::like("a.p", false).unwrap().is_match("apple"));
        assert!(!Pattern::like("^app", false).unwrap().is_match("pineapple"));
        assert!(Pattern::like("%ppl_", false).unwrap().is_match("apples"));
        assert!(!Pattern::like("APP", false).unwrap().is_match("apple"));
        assert!(Pattern::like("APP", true).unwrap().is_match("apple"));
    }

    #[test]
    fn regexp_flags() {
        assert!(!Pattern::regexp("^A").unwrap().is_match("apple"));
        assert!(Pattern::regexp("/^A/i").unwrap().is_match("apple"));
        assert_eq!(
            Pattern::regexp("a/b").unwrap_err(),
            "Invalid regex flags: b"
        );
        assert_eq!(
            Pattern::regexp("/a/x").unwrap_err(),
            "Invalid regex flags: x"
        );
        assert!(Pattern::regexp("(").unwrap().is_match("a(b"));
        // multi-byte first character: no slicing inside a character
        assert!(Pattern::regexp("é/i").is_ok());
        assert!(Pattern::regexp("/É/i").unwrap().is_match("é"));
    }
}
