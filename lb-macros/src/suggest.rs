//! "did you mean" suggestions for misspelled attribute keys.

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known word closest to `key`, when one is close enough to be a typo.
pub fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .min()
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .map(|(_, k)| k)
}

/// `"; did you mean `x`?"` when a known word is close to `key`, else nothing.
pub fn did_you_mean(key: &str, known: &[&str]) -> String {
    closest(key, known)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// The unknown-key message, with the closest known key when one is close.
pub fn unknown_key(what: &str, key: &str, known: &[&str]) -> String {
    match closest(key, known) {
        Some(k) => format!("unknown {what} option `{key}`; did you mean `{k}`?"),
        None => format!(
            "unknown {what} option `{key}`; expected one of: {}",
            known.join(", ")
        ),
    }
}
