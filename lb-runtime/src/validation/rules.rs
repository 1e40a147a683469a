//! Declarative property validations (LoopBack's `validatesLengthOf`, `validatesInclusionOf`,
//! `validatesExclusionOf`, `validatesFormatOf`, `validatesNumericalityOf`,
//! `validatesAbsenceOf`, `validatesUniquenessOf`), with LoopBack's blank and null rules: an
//! absent or `""` value fails with `<code>.blank` unless `allow_blank`, `null` with
//! `<code>.null` unless `allow_null` (which does not excuse an absent value).

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
    /// `numericality`: a number (with `integer`, a whole one).
    Numericality {
        /// Only integers.
        integer: bool,
    },
    /// `absence`: the property must not be set.
    Absence,
    /// `uniqueness`: no other instance has the value (checked by the repository, always
    /// last; a unique index on SQL datasources too).
    Uniqueness {
        /// Unique among the instances sharing these properties' values (`scopedTo`).
        scope: Vec<String>,
        /// Compared without regard to case (`ignoreCase`).
        ignore_case: bool,
    },
}

impl Rule {
    /// `uniqueness` without scope, case-sensitive.
    pub fn unique() -> Rule {
        Rule::Uniqueness {
            scope: Vec::new(),
            ignore_case: false,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Rule::Length { .. } => "length",
            Rule::Inclusion(_) => "inclusion",
            Rule::Exclusion(_) => "exclusion",
            Rule::Format(_) => "format",
            Rule::Numericality { .. } => "numericality",
            Rule::Absence => "absence",
            Rule::Uniqueness { .. } => "uniqueness",
        }
    }
}

/// A declared validation: the rule and LoopBack's `allowBlank` / `allowNull`.
#[derive(Debug, Clone)]
pub struct Validation {
    /// What is checked.
    pub rule: Rule,
    /// An absent or empty value passes (`allowBlank`).
    pub allow_blank: bool,
    /// A `null` value passes (`allowNull`).
    pub allow_null: bool,
    /// The failure message instead of LoopBack's default (`message`); uniqueness only.
    pub message: Option<String>,
}

impl From<Rule> for Validation {
    fn from(rule: Rule) -> Self {
        Validation {
            rule,
            allow_blank: false,
            allow_null: false,
            message: None,
        }
    }
}

impl Validation {
    /// With `allowBlank`.
    pub fn allow_blank(mut self) -> Self {
        self.allow_blank = true;
        self
    }

    /// With `allowNull`.
    pub fn allow_null(mut self) -> Self {
        self.allow_null = true;
        self
    }

    /// With its own failure message (`validatesUniquenessOf('email', {message})`).
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// LoopBack's `nullCheck`: `Some(Some((suffix, message)))` when the value fails for being
/// blank or null, `Some(None)` when it is blank or null but allowed, `None` when it has a value.
fn null_check(v: Option<&Value>, val: &Validation) -> Option<Option<(&'static str, &'static str)>> {
    match v {
        None => Some((!val.allow_blank).then_some(("blank", "is blank"))),
        Some(Value::String(s)) if s.is_empty() => {
            Some((!val.allow_blank).then_some(("blank", "is blank")))
        }
        Some(Value::Null) => Some((!val.allow_null).then_some(("null", "is null"))),
        _ => None,
    }
}

/// Whether a value is blank for absence and uniqueness (absent, null or `""`).
fn blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

/// Runs the synchronous rules of every property, in declaration order.
pub(crate) fn check(def: &ModelDefinition, row: &Object, errors: &mut ValidationErrors) {
    for p in &def.properties {
        for val in &p.validations {
            let v = row.get(&p.name);
            match &val.rule {
                Rule::Uniqueness { .. } => continue,
                Rule::Absence => {
                    if !blank(v) {
                        errors.add(&p.name, "absence", "can't be set", v);
                    }
                    continue;
                }
                _ => {}
            }
            match null_check(v, val) {
                Some(Some((suffix, msg))) => {
                    errors.add(&p.name, &format!("{}.{suffix}", val.rule.code()), msg, v);
                    continue;
                }
                Some(None) => continue,
                None => {}
            }
            let Some(v) = v else { continue };
            match &val.rule {
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
                Rule::Numericality { integer } => match v.as_f64() {
                    None => errors.add(&p.name, "numericality.number", "is not a number", Some(v)),
                    Some(n) if *integer && n.fract() != 0.0 => {
                        errors.add(&p.name, "numericality.int", "is not an integer", Some(v))
                    }
                    Some(_) => {}
                },
                Rule::Absence | Rule::Uniqueness { .. } => {}
            }
        }
    }
}

/// A uniqueness rule to check against the other instances.
#[derive(Debug)]
pub(crate) struct UniqueCheck<'a> {
    /// The property.
    pub property: &'a str,
    /// Its (non-blank) value.
    pub value: &'a Value,
    /// The scope properties and their values in the instance (`null` when absent).
    pub scope: Vec<(&'a str, Value)>,
    /// Compared without regard to case.
    pub ignore_case: bool,
    /// The failure message.
    pub message: &'a str,
}

/// The uniqueness rules of properties with a non-blank value in `row`.
pub(crate) fn unique_values<'a>(def: &'a ModelDefinition, row: &'a Object) -> Vec<UniqueCheck<'a>> {
    let mut out = Vec::new();
    for p in &def.properties {
        for val in &p.validations {
            let Rule::Uniqueness { scope, ignore_case } = &val.rule else {
                continue;
            };
            let Some(value) = row.get(&p.name).filter(|v| !blank(Some(v))) else {
                continue;
            };
            out.push(UniqueCheck {
                property: &p.name,
                value,
                scope: scope
                    .iter()
                    .map(|s| (s.as_str(), row.get(s).cloned().unwrap_or(Value::Null)))
                    .collect(),
                ignore_case: *ignore_case,
                message: val.message.as_deref().unwrap_or("is not unique"),
            });
        }
    }
    out
}
