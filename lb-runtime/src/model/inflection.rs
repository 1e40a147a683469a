//! English pluralization with the rules of the `inflection` npm package that LoopBack 3 uses
//! for default plural paths (`Location` → `Locations`, `Category` → `Categories`).

use std::sync::LazyLock;

use regex::Regex;

const UNCOUNTABLE: &[&str] = &[
    "equipment",
    "information",
    "rice",
    "money",
    "species",
    "series",
    "fish",
    "sheep",
    "moose",
    "deer",
    "news",
];

/// (pattern, replacement); `None` = the word is already plural, keep it.
const RULES: &[(&str, Option<&str>)] = &[
    ("(m)en$", None),
    ("(pe)ople$", None),
    ("(child)ren$", None),
    ("([ti])a$", None),
    (
        "((a)naly|(b)a|(d)iagno|(p)arenthe|(p)rogno|(s)ynop|(t)he)ses$",
        None,
    ),
    ("(hive)s$", None),
    ("(tive)s$", None),
    ("(curve)s$", None),
    ("([lr])ves$", None),
    ("([^fo])ves$", None),
    ("([^aeiouy]|qu)ies$", None),
    ("(s)eries$", None),
    ("(m)ovies$", None),
    ("(x|ch|ss|sh)es$", None),
    ("([m|l])ice$", None),
    ("(bus)es$", None),
    ("(o)es$", None),
    ("(shoe)s$", None),
    ("(cris|ax|test)es$", None),
    ("(octop|vir)i$", None),
    ("(alias|status)es$", None),
    ("^(ox)en", None),
    ("(vert|ind)ices$", None),
    ("(matr)ices$", None),
    ("(quiz)zes$", None),
    ("(m)an$", Some("${1}en")),
    ("(pe)rson$", Some("${1}ople")),
    ("(child)$", Some("${1}ren")),
    ("^(ox)$", Some("${1}en")),
    ("(ax|test)is$", Some("${1}es")),
    ("(octop|vir)us$", Some("${1}i")),
    ("(alias|status)$", Some("${1}es")),
    ("(bu)s$", Some("${1}ses")),
    ("(buffal|tomat|potat)o$", Some("${1}oes")),
    ("([ti])um$", Some("${1}a")),
    ("sis$", Some("ses")),
    ("(?:([^f])fe|([lr])f)$", Some("${1}${2}ves")),
    ("(hive)$", Some("${1}s")),
    ("([^aeiouy]|qu)y$", Some("${1}ies")),
    ("(x|ch|ss|sh)$", Some("${1}es")),
    ("(matr|vert|ind)ix|ex$", Some("${1}ices")),
    ("([m|l])ouse$", Some("${1}ice")),
    ("(quiz)$", Some("${1}zes")),
    ("s$", Some("s")),
    ("$", Some("s")),
];

static COMPILED: LazyLock<Vec<(Regex, Option<&'static str>)>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|(p, r)| {
            (
                Regex::new(&format!("(?i){p}")).expect("valid inflection rule"),
                *r,
            )
        })
        .collect()
});

/// The plural of a model name, as LoopBack 3 computes it.
///
/// ```
/// use lb_runtime::model::pluralize;
/// assert_eq!(pluralize("Location"), "Locations");
/// assert_eq!(pluralize("Inventory"), "Inventories");
/// assert_eq!(pluralize("ProtectChild"), "ProtectChildren");
/// ```
pub fn pluralize(word: &str) -> String {
    if UNCOUNTABLE.contains(&word.to_lowercase().as_str()) {
        return word.to_string();
    }
    for (re, replacement) in COMPILED.iter() {
        if re.is_match(word) {
            return match replacement {
                Some(r) => re.replace_all(word, *r).into_owned(),
                None => word.to_string(),
            };
        }
    }
    word.to_string()
}

#[cfg(test)]
mod tests {
    use super::pluralize;

    #[test]
    fn loopback_examples() {
        for (s, p) in [
            ("Product", "Products"),
            ("Category", "Categories"),
            ("ProtectChild", "ProtectChildren"),
            ("PostTag", "PostTags"),
            ("Person", "People"),
            ("Status", "Statuses"),
            ("Box", "Boxes"),
            ("Knife", "Knives"),
            ("Wolf", "Wolves"),
            ("Quiz", "Quizzes"),
            ("Datum", "Data"),
            ("News", "News"),
            ("Key", "Keys"),
            ("Bus", "Buses"),
            ("Address", "Addresses"),
        ] {
            assert_eq!(pluralize(s), p, "{s}");
        }
    }
}
