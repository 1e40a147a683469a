//! Reading what `include` attached, typed: [`WithRelations`] is an instance together with the
//! related instances the filter's `include` put on it (LoopBack 4 calls the type
//! `LocationWithRelations`; LoopBack 3 kept them in the instance's relation cache).

use std::ops::Deref;

use serde_json::Value;

use crate::connector::Row;
use crate::model::{ModelDefinition, RelationKind};
use crate::typed::Model;
use crate::value::Object;
use crate::{Error, Result};

/// An instance read with `include`, and the related instances it attached, by relation name.
/// Dereferences to the instance.
///
/// The related instances are as a REST answer shows them (hidden and protected properties
/// left out, as LoopBack nests them). A to-many relation the filter did not include is an
/// error, not an empty list, so a forgotten `include` is not mistaken for "no related
/// instances"; a to-one relation without a related instance is `None` (LoopBack leaves it
/// out of the answer, included or not).
#[derive(Debug, Clone)]
pub struct WithRelations<M> {
    instance: M,
    related: Object,
}

impl<M> Deref for WithRelations<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.instance
    }
}

impl<M: Model> WithRelations<M> {
    /// Splits a row (or an included JSON object) into the instance and its included
    /// relations.
    pub(crate) fn from_object(mut o: Object) -> Result<Self> {
        let def = M::definition();
        let mut related = Object::new();
        for rel in &def.relations {
            if let Some(v) = o.shift_remove(&rel.name) {
                related.insert(rel.name.clone(), v);
            }
        }
        let instance = M::deserialize(&Value::Object(o)).map_err(|e| {
            Error::internal(format!(
                "{} row does not match the Rust type: {e}",
                def.name
            ))
        })?;
        Ok(WithRelations { instance, related })
    }

    pub(crate) fn from_row(row: &Row) -> Result<Self> {
        Self::from_object(row.to_object())
    }

    /// The instance itself.
    pub fn into_inner(self) -> M {
        self.instance
    }

    /// The included value of `relation` as JSON (`None` when it was not included, or when a
    /// to-one relation has no related instance); for a polymorphic belongsTo, whose model
    /// varies.
    pub fn value(&self, relation: &str) -> Option<&Value> {
        self.related.get(relation)
    }

    /// The related instances of a to-many relation (hasMany, hasManyThrough,
    /// referencesMany), with what their own scope included.
    pub fn many_with_relations<R: Model>(&self, relation: &str) -> Result<Vec<WithRelations<R>>> {
        let kind = checked::<M, R>(relation)?;
        if matches!(kind, RelationKind::BelongsTo | RelationKind::HasOne) {
            return Err(Error::internal(format!(
                "{}.{relation} relates one instance: use `one`",
                M::definition().name
            )));
        }
        match self.related.get(relation) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Object(o) => WithRelations::from_object(o.clone()),
                    _ => Err(Error::internal(format!("{relation}: not an instance"))),
                })
                .collect(),
            _ => Err(not_included::<M>(relation)),
        }
    }

    /// The related instances of a to-many relation (hasMany, hasManyThrough, referencesMany).
    pub fn many<R: Model>(&self, relation: &str) -> Result<Vec<R>> {
        Ok(self
            .many_with_relations::<R>(relation)?
            .into_iter()
            .map(WithRelations::into_inner)
            .collect())
    }

    /// The related instance of a to-one relation (belongsTo, hasOne), with what its own
    /// scope included; `None` when there is none.
    pub fn one_with_relations<R: Model>(&self, relation: &str) -> Result<Option<WithRelations<R>>> {
        let kind = checked::<M, R>(relation)?;
        if !matches!(kind, RelationKind::BelongsTo | RelationKind::HasOne) {
            return Err(Error::internal(format!(
                "{}.{relation} relates many instances: use `many`",
                M::definition().name
            )));
        }
        match self.related.get(relation) {
            Some(Value::Object(o)) => WithRelations::from_object(o.clone()).map(Some),
            Some(Value::Null) => Ok(None),
            Some(_) => Err(Error::internal(format!("{relation}: not an instance"))),
            // LoopBack leaves a to-one relation out when there is no related instance: the
            // parent's own key tells whether the filter included it
            None => Ok(None),
        }
    }

    /// The related instance of a to-one relation (belongsTo, hasOne); `None` when there is
    /// none.
    pub fn one<R: Model>(&self, relation: &str) -> Result<Option<R>> {
        Ok(self
            .one_with_relations::<R>(relation)?
            .map(WithRelations::into_inner))
    }
}

/// `relation` is a relation of `M` whose target is `R` (a polymorphic belongsTo takes any).
fn checked<M: Model, R: Model>(relation: &str) -> Result<RelationKind> {
    let def: &ModelDefinition = M::definition();
    let rel = def
        .relation(relation)
        .ok_or_else(|| Error::internal(format!("{} has no relation {relation}", def.name)))?;
    if !rel.is_polymorphic_belongs_to() && rel.target != R::MODEL_NAME {
        return Err(Error::internal(format!(
            "{}.{relation} relates {}, not {}",
            def.name,
            rel.target,
            R::MODEL_NAME
        )));
    }
    Ok(rel.kind)
}

fn not_included<M: Model>(relation: &str) -> Error {
    Error::internal(format!(
        "{}.{relation} was not included: add it to the filter's include",
        M::definition().name
    ))
}
