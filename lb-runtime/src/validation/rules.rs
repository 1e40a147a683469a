//! Declarative property validations (LoopBack's `validatesLengthOf`, `validatesInclusionOf`,
//! `validatesExclusionOf`, `validatesFormatOf`, `validatesUniquenessOf`), with LoopBack's
//! blank and null rules: an absent or `""` value fails with `<code>.blank`, `null` with
//! `<code>.null`.

use regex::Regex;
use serde_json::Value;

use super::ValidationErrors;
use crate::model::ModelDefinition;
use crate::value::{js, Object};

/// One validation of a property.
#[derive(Debug, Clone)]
pub enum Rule {
    /// `length` (JavaScript string length, UTF-16 code units).
    Length {
        /// minimum
        min: Option<usize>,
        /// maximum
        max: Option<usize>,
        /// exact
        is: Option<usize>,
    },
    /// `inclusion`: one of these values.
    Inclusion(Vec<Value>),
    /// `exclusion`: none of these values.
    Exclusion(Vec<Value>),
    /// `format`: matches the expression.
    Format(Regex),
    /// `uniqueness`: no other instance has the value (checked by the repository, always last).
    Uniqueness,
}

impl Rule {
    fn code(&self) -> &'static str {
        match self {
            Rule::Length { .. } => "length",
            Rule::Inclusion(_) => "inclusion",
            Rule::Exclusion(_) => "exclusion",
            Rule::Format(_) => "format",
            Rule::Uniqueness => "uniqueness",
        }
    }
}

fn blank(v: Option<&Value>) -> Option<(&'static str, &'static str)> {
    match v {
        None => Some(("blank", "is blank")),
        Some(Value::String(s)) if s.is_empty() => Some(("blank", "is blank")),
        Some(Value::Null) => Some(("null", "is null")),
        _ => None,
    }
}

/// Runs the synchronous rules of every property, in declaration order.
pub fn check(def: &ModelDefinition, row: &Object, errors: &mut ValidationErrors) {
    for p in &def.properties {
        for rule in &p.validations {
            if matches!(rule, Rule::Uniqueness) {
                continue;
            }
            let v = row.get(&p.name);
            if let Some((suffix, msg)) = blank(v) {
                errors.add(&p.name, &format!("{}.{suffix}", rule.code()), msg, v);
                continue;
            }
            let Some(v) = v else { continue };
            match rule {
                Rule::Length { min, max, is } => {
                    let len = js::to_js_string(v).encode_utf16().count();
                    if min.is_some_and(|m| len < m) {
                        errors.add(&p.name, "length.min", "too short", Some(v));
                    }
                    if max.is_some_and(|m| len > m) {
                        errors.add(&p.name, "length.max", "too long", Some(v));
                    }
                    if is.is_some_and(|m| len != m) {
                        errors.add(&p.name, "length.is", "length is wrong", Some(v));
                    }
                }
                Rule::Inclusion(list) => {
                    if !list.contains(v) {
                        errors.add(&p.name, "inclusion", "is not included in the list", Some(v));
                    }
                }
                Rule::Exclusion(list) => {
                    if list.contains(v) {
                        errors.add(&p.name, "exclusion", "is reserved", Some(v));
                    }
                }
                Rule::Format(re) => {
                    if !re.is_match(&js::to_js_string(v)) {
                        errors.add(&p.name, "format", "is invalid", Some(v));
                    }
                }
                Rule::Uniqueness => {}
            }
        }
    }
}

/// Properties with a uniqueness rule and a non-blank value in `row`.
pub fn unique_values<'a>(def: &'a ModelDefinition, row: &'a Object) -> Vec<(&'a str, &'a Value)> {
    def.properties
        .iter()
        .filter(|p| p.validations.iter().any(|r| matches!(r, Rule::Uniqueness)))
        .filter_map(|p| {
            row.get(&p.name)
                .filter(|v| blank(Some(v)).is_none())
                .map(|v| (p.name.as_str(), v))
        })
        .collect()
}
