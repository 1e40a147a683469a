//! LoopBack relations between models: belongsTo, hasMany, hasOne.

/// The kind of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// `belongsTo`: this model holds the foreign key of one target instance.
    BelongsTo,
    /// `hasMany`: target instances hold this model's id in their foreign key.
    HasMany,
    /// `hasOne`: one target instance holds this model's id in its foreign key.
    HasOne,
    /// `referencesMany`: this model holds an array of target ids.
    ReferencesMany,
}

impl RelationKind {
    /// LoopBack's name (`belongsTo`, ...).
    pub fn lb_name(self) -> &'static str {
        match self {
            RelationKind::BelongsTo => "belongsTo",
            RelationKind::HasMany => "hasMany",
            RelationKind::HasOne => "hasOne",
            RelationKind::ReferencesMany => "referencesMany",
        }
    }

    /// Whether the related side is a list.
    pub fn to_many(self) -> bool {
        matches!(self, RelationKind::HasMany | RelationKind::ReferencesMany)
    }
}

/// A declared relation.
#[derive(Debug, Clone)]
pub struct RelationDefinition {
    /// Relation name (`inventory`): the include key and the REST path segment.
    pub name: String,
    /// Kind.
    pub kind: RelationKind,
    /// Target model name.
    pub target: String,
    /// Foreign key property: on this model for belongsTo, on the target otherwise.
    pub foreign_key: String,
    /// The key the foreign key refers to (default: the id of the model it refers to).
    pub primary_key: Option<String>,
    /// `http.path` of the relation's routes (default: the name).
    pub http_path: Option<String>,
    /// Not usable in `include` (LoopBack's `disableInclude`).
    pub disable_include: bool,
    /// hasManyThrough: the model whose rows link the two (`foreign_key` on it refers to this
    /// model, `key_through` to the target).
    pub through: Option<String>,
    /// hasManyThrough: the through model's property that refers to the target.
    pub key_through: Option<String>,
    /// The through model's definition when known statically.
    pub through_definition: Option<fn() -> &'static super::ModelDefinition>,
    /// Polymorphic relations: the property naming the model type. On a polymorphic belongsTo
    /// it is on this model and names the target (whose `target` is then empty: any model); on
    /// a polymorphic hasMany/hasOne it is on the target and holds this model's name.
    pub discriminator: Option<String>,
    /// hasAndBelongsToMany: the through model is generated, and attached by the app itself
    /// (on this model's datasource, not public).
    pub generated_through: bool,
    /// The target's definition when known statically (`#[derive(Model)]` sets it): filters
    /// on related properties (`{"inventory.available": {"gt": 0}}`) need it.
    pub target_definition: Option<fn() -> &'static super::ModelDefinition>,
}

impl RelationDefinition {
    /// A relation with LoopBack's default foreign key: `<name>Id` for belongsTo,
    /// `<sourceModel camelCase>Id` for hasMany/hasOne.
    pub fn new(name: &str, kind: RelationKind, target: &str, source_model: &str) -> Self {
        let camel = |s: &str| {
            let mut c = s.chars();
            match c.next() {
                Some(first) => format!("{}{}", first.to_lowercase(), c.as_str()),
                None => String::new(),
            }
        };
        let foreign_key = match kind {
            RelationKind::BelongsTo => format!("{name}Id"),
            RelationKind::ReferencesMany => format!("{}Ids", camel(target)),
            _ => {
                let mut c = source_model.chars();
                match c.next() {
                    Some(first) => format!("{}{}Id", first.to_lowercase(), c.as_str()),
                    None => "id".into(),
                }
            }
        };
        RelationDefinition {
            name: name.to_string(),
            kind,
            target: target.to_string(),
            foreign_key,
            primary_key: None,
            http_path: None,
            disable_include: false,
            through: None,
            key_through: None,
            through_definition: None,
            generated_through: false,
            discriminator: None,
            target_definition: None,
        }
    }

    /// hasManyThrough's `key_through` (LoopBack's default: `<target camelCase>Id`).
    pub fn key_through(&self) -> String {
        self.key_through.clone().unwrap_or_else(|| {
            let mut c = self.target.chars();
            match c.next() {
                Some(f) => format!("{}{}Id", f.to_lowercase(), c.as_str()),
                None => "id".into(),
            }
        })
    }

    /// The key the foreign key refers to on `def` (the target of a belongsTo or
    /// referencesMany, the source otherwise): `primary_key`, else `def`'s id.
    pub fn referenced_key<'d>(&'d self, def: &'d super::ModelDefinition) -> &'d str {
        self.primary_key.as_deref().unwrap_or(&def.id().name)
    }

    /// A polymorphic belongsTo: the target model is named by each row's discriminator.
    pub fn is_polymorphic_belongs_to(&self) -> bool {
        self.kind == RelationKind::BelongsTo && self.discriminator.is_some()
    }

    /// The REST path segment.
    pub fn path(&self) -> &str {
        self.http_path.as_deref().unwrap_or(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_default_foreign_keys() {
        let r =
            RelationDefinition::new("inventory", RelationKind::HasMany, "Inventory", "Location");
        assert_eq!(r.foreign_key, "locationId");
        let r =
            RelationDefinition::new("location", RelationKind::BelongsTo, "Location", "Inventory");
        assert_eq!(r.foreign_key, "locationId");
    }
}
