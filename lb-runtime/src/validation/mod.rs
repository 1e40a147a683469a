//! Validation errors in LoopBack's 422 `ValidationError` shape.
//!
//! Every check (presence of required properties, `id` absence under forceId, type checks of
//! write coercion, strict mode's unknown properties, the declared rules, custom validators,
//! uniqueness) collects its failures here, so one response reports every failing property at
//! once.

mod custom;
mod rules;

pub use custom::{CustomCheck, CustomValidation};
pub(crate) use rules::{check, unique_values, UniqueCheck};
pub use rules::{Rule, Validation};

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::value::js;
use crate::Error;

/// One failed check: property, code (`presence`), message (`can't be blank`), offending value.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Property name.
    pub property: String,
    /// LoopBack code (`presence`, `absence`, `numericality.int`, `date`, `unknown-property`...).
    pub code: String,
    /// LoopBack message (`can't be blank`).
    pub message: String,
    /// The value as printed in the message: `None` prints `undefined`.
    pub value: Option<Value>,
    /// Print the value as this literal instead (`NaN`, `Invalid Date`).
    pub value_text: Option<&'static str>,
}

/// The failures of one instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationErrors {
    failures: Vec<Failure>,
}

impl ValidationErrors {
    /// No failures yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failure.
    pub fn add(&mut self, property: &str, code: &str, message: &str, value: Option<&Value>) {
        self.failures.push(Failure {
            property: property.into(),
            code: code.into(),
            message: message.into(),
            value: value.cloned(),
            value_text: None,
        });
    }

    /// Records a failure whose value prints as a literal (`NaN`, `Invalid Date`).
    pub fn add_literal(&mut self, property: &str, code: &str, message: &str, text: &'static str) {
        self.failures.push(Failure {
            property: property.into(),
            code: code.into(),
            message: message.into(),
            value: None,
            value_text: Some(text),
        });
    }

    /// Whether nothing failed.
    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }

    /// The failures in the order recorded.
    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// `Ok(())` when empty, otherwise the 422 error for `model`.
    pub fn into_result(self, model: &str) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.into_error(model))
        }
    }

    /// The 422 `ValidationError` with LoopBack's message and `details`.
    pub fn into_error(self, model: &str) -> Error {
        let parts: Vec<String> = self
            .failures
            .iter()
            .map(|f| {
                let v = match (&f.value_text, &f.value) {
                    (Some(t), _) => (*t).to_string(),
                    (None, None) => "undefined".into(),
                    (None, Some(v)) => print_value(v),
                };
                format!("`{}` {} (value: {})", f.property, f.message, v)
            })
            .collect();
        let message = format!(
            "The `{model}` instance is not valid. Details: {}.",
            parts.join("; ")
        );
        let mut codes = Map::new();
        let mut messages = Map::new();
        for f in &self.failures {
            push(&mut codes, &f.property, &f.code);
            push(&mut messages, &f.property, &f.message);
        }
        let mut details = Map::new();
        details.insert("context".into(), Value::from(model));
        details.insert("codes".into(), Value::Object(codes));
        details.insert("messages".into(), Value::Object(messages));
        Error::new(StatusCode::UNPROCESSABLE_ENTITY, message)
            .with_name("ValidationError")
            .with_details(Value::Object(details))
    }
}

fn push(map: &mut Map<String, Value>, key: &str, item: &str) {
    match map.get_mut(key) {
        Some(Value::Array(a)) => a.push(Value::from(item)),
        _ => {
            map.insert(key.into(), Value::Array(vec![Value::from(item)]));
        }
    }
}

/// A value as LoopBack prints it in validation messages (`util.inspect`-like JSON).
fn print_value(v: &Value) -> String {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map(js::number_to_string)
            .unwrap_or_else(|| n.to_string()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loopback_shape() {
        let mut v = ValidationErrors::new();
        v.add("name", "presence", "can't be blank", None);
        v.add("id", "absence", "can't be set", Some(&json!(10)));
        let e = v.into_error("Product");
        assert_eq!(e.status.as_u16(), 422);
        assert_eq!(
            e.message,
            "The `Product` instance is not valid. Details: `name` can't be blank (value: undefined); `id` can't be set (value: 10)."
        );
        assert_eq!(
            *e.details.unwrap(),
            json!({"context":"Product","codes":{"name":["presence"],"id":["absence"]},
                   "messages":{"name":["can't be blank"],"id":["can't be set"]}})
        );
    }
}
