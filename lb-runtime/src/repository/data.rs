//! Preparing written data: strict mode, forceId, type coercion, defaults, presence.

use serde_json::Value;

use super::Repository;
use crate::model::Strict;
use crate::validation::ValidationErrors;
use crate::value::write::{coerce_keep, Invalid};
use crate::value::Object;
use crate::Error;

/// Data ready for the connector, in model key order.
pub(crate) type Prepared = Object;

/// What kind of write the data is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A new instance: forceId applies, defaults are applied, required checked.
    Create,
    /// A full replace of an existing id: defaults re-applied, required checked.
    Replace,
    /// A partial update: only the given properties are coerced.
    Patch,
}

impl Repository {
    /// Turns a request body into connector data. Type failures are collected in the returned
    /// errors (the caller adds the other validations and reports them all at once).
    pub(crate) fn prepare(
        &self,
        body: Object,
        mode: Mode,
    ) -> Result<(Prepared, ValidationErrors), Error> {
        let def = self.model;
        let mut errors = ValidationErrors::new();
        let id_name = &def.id().name;
        if mode == Mode::Create && def.forces_id() {
            if let Some(v) = body.get(id_name).filter(|v| !v.is_null()) {
                errors.add(id_name, "absence", "can't be set", Some(v));
            }
        }
        let mut out = Object::with_capacity(def.properties.len() + 1);
        let mut unknown = Vec::new();
        let mut bad_request = None;
        // one pass over the body: declared properties into their slots (keys are reused),
        // the rest kept in arrival order
        let mut slots: Vec<Option<(String, Value)>> =
            (0..def.properties.len()).map(|_| None).collect();
        let mut dynamic = Vec::new();
        for (k, v) in body {
            match def.property_index(&k) {
                Some(i) => slots[i] = Some((k, v)),
                None => dynamic.push((k, v)),
            }
        }
        for (p, slot) in def.properties.iter().zip(slots) {
            match slot {
                // a replaced id comes from the path and is not validated (LoopBack does not)
                Some((k, v)) if p.id && mode == Mode::Replace => {
                    out.insert(k, v);
                }
                Some((k, v)) => match coerce_keep(&p.data_type, v) {
                    Ok(c) => {
                        out.insert(k, c);
                    }
                    Err((
                        Invalid::Validation {
                            code,
                            message,
                            literal,
                        },
                        v,
                    )) => {
                        match literal {
                            Some(t) => errors.add_literal(&p.name, code, message, t),
                            None => errors.add(&p.name, code, message, Some(&v)),
                        }
                        out.insert(k, v);
                    }
                    Err((Invalid::BadRequest(msg), _)) => {
                        bad_request.get_or_insert(msg);
                    }
                },
                // the generated id keeps its place; the connector fills it in
                None if p.id && p.generated && mode == Mode::Create => {
                    out.insert(p.name.clone(), Value::Null);
                }
                None if mode != Mode::Patch => {
                    if let Some(d) = &p.default {
                        out.insert(p.name.clone(), d.clone());
                    } else if let Some(f) = p.default_fn {
                        out.insert(p.name.clone(), crate::model::default_value(f));
                    }
                }
                None => {}
            }
        }
        if let Some(msg) = bad_request {
            return Err(Error::bad_request(msg));
        }
        for (k, v) in dynamic {
            match def.strict {
                Strict::False => {
                    out.insert(k, v);
                }
                Strict::Filter => {}
                Strict::True => unknown.push(k),
            }
        }
        for k in unknown {
            errors.add(&k, "unknown-property", "is not defined in the model", None);
        }
        Ok((out, errors))
    }

    /// Data for a partial update: type failures are reported, nothing else is validated.
    pub(crate) fn prepare_patch(&self, body: Object) -> Result<Prepared, Error> {
        let (out, errors) = self.prepare(body, Mode::Patch)?;
        errors.into_result(&self.model.name)?;
        Ok(out)
    }

    /// Validates a whole instance: presence, the declared rules, the custom validators, then
    /// uniqueness against the other instances (`own_id` is the instance itself, excluded).
    pub(crate) async fn validate(
        &self,
        row: &Object,
        own_id: Option<&Value>,
        mut errors: ValidationErrors,
    ) -> Result<(), Error> {
        self.check_presence(row, &mut errors);
        crate::validation::check(self.model, row, &mut errors);
        for c in &self.model.custom_validations {
            if !c.passes(row).await {
                errors.add(&c.property, &c.code, &c.message, row.get(&c.property));
            }
        }
        for u in crate::validation::unique_values(self.model, row) {
            if self.taken(&u, own_id).await? {
                errors.add(u.property, "uniqueness", u.message, Some(u.value));
            }
        }
        errors.into_result(&self.model.name)
    }

    /// Whether another instance (in the same scope) has the value.
    async fn taken(
        &self,
        u: &crate::validation::UniqueCheck<'_>,
        own_id: Option<&Value>,
    ) -> Result<bool, Error> {
        let mut w = serde_json::Map::new();
        let value = match (u.ignore_case, u.value) {
            (true, Value::String(s)) => {
                serde_json::json!({ "regexp": format!("/^{}$/i", regex::escape(s)) })
            }
            (_, v) => v.clone(),
        };
        w.insert(u.property.to_string(), value);
        for (k, v) in &u.scope {
            w.insert((*k).to_string(), v.clone());
        }
        let filter = crate::filter::Filter {
            where_: crate::filter::parse_where(
                self.model,
                &Value::Object(w),
                crate::filter::ParseOptions::default(),
            )?,
            limit: Some(2),
            ..Default::default()
        };
        let rows = self.connector.find(self.model, &filter).await?;
        // the database's collation may compare more loosely than asked (MySQL's is
        // case-insensitive): the value is compared here too
        let same = |v: &Value| match (u.ignore_case, v, u.value) {
            (true, Value::String(a), Value::String(b)) => a.to_lowercase() == b.to_lowercase(),
            _ => v == u.value,
        };
        Ok(rows.iter().any(|r| {
            r.get(u.property).is_some_and(|v| same(&v))
                && own_id
                    .is_none_or(|id| !crate::value::js::loose_eq(self.row_id(r).as_ref(), Some(id)))
        }))
    }

    /// `required` properties must be present, non-null and non-empty.
    pub(crate) fn check_presence(&self, row: &Object, errors: &mut ValidationErrors) {
        for p in &self.model.properties {
            if !p.required || (p.id && p.generated) {
                continue;
            }
            let v = row.get(&p.name);
            let blank = match v {
                None | Some(Value::Null) => true,
                Some(Value::String(s)) => s.is_empty(),
                _ => false,
            };
            if blank {
                errors.add(&p.name, "presence", "can't be blank", v);
            }
        }
    }
}
