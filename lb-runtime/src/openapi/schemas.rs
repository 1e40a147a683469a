//! JSON Schemas of a model (`Location`, `NewLocation`, `LocationPartial`), of remote-method
//! types, and the shared ones (`GeoPoint`, the LoopBack error envelope, `{count}`, `{exists}`).

use serde_json::{json, Value};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema,
    SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};

use crate::model::{DataType, ModelDefinition, PropertyDefinition, Strict};
use crate::remote::ArgType;
use crate::validation::Rule;

/// Component names.
pub(crate) const GEO_POINT: &str = "GeoPoint";
/// The LoopBack error envelope.
pub(crate) const ERROR: &str = "LoopBackError";
/// `{"count": n}`.
pub(crate) const COUNT: &str = "LoopBackCount";
/// `{"exists": b}`.
pub(crate) const EXISTS: &str = "LoopBackExists";

/// A `$ref` to a component schema.
pub(crate) fn reference(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

fn typed(t: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(t)
}

/// The schema of a value of a LoopBack type (no validation rules).
pub(crate) fn data_type(t: &DataType) -> RefOr<Schema> {
    match t {
        DataType::String => typed(Type::String).into(),
        DataType::Number => typed(Type::Number).into(),
        DataType::Integer => typed(Type::Integer).into(),
        DataType::Boolean => typed(Type::Boolean).into(),
        DataType::Date => typed(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into(),
        DataType::GeoPoint => reference(GEO_POINT),
        DataType::Object => typed(Type::Object).into(),
        DataType::Array(item) => ArrayBuilder::new().items(data_type(item)).into(),
        DataType::Any => ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .into(),
    }
}

/// The schema of a remote-method argument or result type.
pub(crate) fn arg_type(t: &ArgType) -> RefOr<Schema> {
    match t {
        ArgType::String => data_type(&DataType::String),
        ArgType::Number => data_type(&DataType::Number),
        ArgType::Integer => data_type(&DataType::Integer),
        ArgType::Boolean => data_type(&DataType::Boolean),
        ArgType::Date => data_type(&DataType::Date),
        ArgType::Object => data_type(&DataType::Object),
        ArgType::GeoPoint => data_type(&DataType::GeoPoint),
        ArgType::Any => data_type(&DataType::Any),
        ArgType::Array(None) => ArrayBuilder::new().items(data_type(&DataType::Any)).into(),
        ArgType::Array(Some(item)) => ArrayBuilder::new().items(arg_type(item)).into(),
    }
}

/// `schema` that also allows `null`.
fn or_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut o)) if o.schema_type != SchemaType::AnyValue => {
            o.schema_type = match o.schema_type {
                SchemaType::Type(t) => SchemaType::from_iter([t, Type::Null]),
                SchemaType::Array(mut ts) => {
                    ts.push(Type::Null);
                    SchemaType::Array(ts)
                }
                any => any,
            };
            if let Some(values) = &mut o.enum_values {
                values.push(Value::Null);
            }
            RefOr::T(Schema::Object(o))
        }
        RefOr::T(Schema::Array(mut a)) => {
            a.schema_type = SchemaType::from_iter([Type::Array, Type::Null]);
            RefOr::T(Schema::Array(a))
        }
        RefOr::T(Schema::Object(o)) => RefOr::T(Schema::Object(o)),
        other => OneOfBuilder::new()
            .item(other)
            .item(typed(Type::Null))
            .into(),
    }
}

/// A property's schema: its type, description, default and the declared validations that
/// JSON Schema can say (length, inclusion as an enum, format as a pattern).
fn property(p: &PropertyDefinition, nullable: bool) -> RefOr<Schema> {
    let mut schema = data_type(&p.data_type);
    if let RefOr::T(Schema::Object(o)) = &mut schema {
        o.description = p.description.clone();
        o.default = p.default.clone();
        for v in &p.validations {
            match &v.rule {
                Rule::Length { min, max, is } if p.data_type == DataType::String => {
                    o.min_length = is.or(*min);
                    o.max_length = is.or(*max);
                }
                Rule::Inclusion(values) => o.enum_values = Some(values.clone()),
                Rule::Format(re) => o.pattern = Some(re.as_str().to_string()),
                _ => {}
            }
        }
    } else if let (RefOr::Ref(r), Some(d)) = (&mut schema, &p.description) {
        r.description = d.clone();
    }
    if nullable {
        or_null(schema)
    } else {
        schema
    }
}

/// Which variant of a model schema.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// Instances as the API answers them: hidden properties left out; nothing is required
    /// (a `fields` filter can leave anything out).
    Response,
    /// A create body: no id the server generates and forbids, required properties required.
    New,
    /// A patch body: nothing required, no id.
    Partial,
}

/// `Location` / `NewLocation` / `LocationPartial`.
pub(crate) fn model(def: &ModelDefinition, variant: Variant) -> Schema {
    let mut o = ObjectBuilder::new().schema_type(Type::Object);
    let what = match variant {
        Variant::Response => def.description.clone(),
        Variant::New => Some(format!("A new {} (create body).", def.name)),
        Variant::Partial => Some(format!(
            "Changes to a {} (patch body): every property optional.",
            def.name
        )),
    };
    o = o.description(what);
    for p in &def.properties {
        let skip = match variant {
            Variant::Response => p.hidden,
            Variant::New => p.id && def.forces_id(),
            Variant::Partial => p.id,
        };
        if skip {
            continue;
        }
        let required =
            variant == Variant::New && p.required && p.default.is_none() && p.default_fn.is_none();
        // optional properties may be sent and stored as null
        let nullable = !(p.id || required);
        o = o.property(&p.name, property(p, nullable));
        if required {
            o = o.required(&p.name);
        }
    }
    if variant != Variant::Response && def.strict == Strict::True {
        o = o.additional_properties(Some(AdditionalProperties::FreeForm(false)));
    }
    o.build().into()
}

/// `LocationWithRelations`: the model and, optionally, its included relations (an array for
/// to-many relations, the related model for to-one relations).
pub(crate) fn with_relations(def: &ModelDefinition) -> Schema {
    let mut rels = ObjectBuilder::new().schema_type(Type::Object);
    // `disableInclude` relations (User's accessTokens) are never included
    for r in def.relations.iter().filter(|r| !r.disable_include) {
        if r.is_polymorphic_belongs_to() {
            // any model
            rels = rels.property(
                &r.name,
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some("Included polymorphic belongsTo (any model)")),
            );
            continue;
        }
        let target = reference(&r.target);
        let s: RefOr<Schema> = if r.kind.to_many() {
            utoipa::openapi::ArrayBuilder::new()
                .items(target)
                .description(Some(format!(
                    "Included `{}` ({})",
                    r.name,
                    r.kind.lb_name()
                )))
                .into()
        } else {
            target
        };
        rels = rels.property(&r.name, s);
    }
    utoipa::openapi::AllOfBuilder::new()
        .description(Some(format!(
            "A {} with the relations an `include` asked for",
            def.name
        )))
        .item(reference(&def.name))
        .item(rels)
        .build()
        .into()
}

/// `{"lat": n, "lng": n}`.
pub(crate) fn geo_point() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "A point on Earth; requests also accept \"lat,lng\" and [lat, lng]",
        ))
        .property(
            "lat",
            typed(Type::Number).minimum(Some(-90)).maximum(Some(90)),
        )
        .property(
            "lng",
            typed(Type::Number).minimum(Some(-180)).maximum(Some(180)),
        )
        .required("lat")
        .required("lng")
        .build()
        .into()
}

/// LoopBack's error envelope `{"error": {statusCode, name, message, code?, details?}}`.
pub(crate) fn error() -> Schema {
    let inner = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("statusCode", typed(Type::Integer))
        .property("name", typed(Type::String))
        .property("message", typed(Type::String))
        .property(
            "code",
            typed(Type::String).description(Some("A machine-readable code, when there is one")),
        )
        .property(
            "details",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some("Validation details (422) or per-item errors")),
        )
        .property(
            "status",
            typed(Type::Integer).description(Some("Development mode only")),
        )
        .property(
            "stack",
            typed(Type::String).description(Some("Development mode only")),
        )
        .required("statusCode")
        .required("name")
        .required("message");
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some("LoopBack's error envelope"))
        .property("error", inner)
        .required("error")
        .examples([json!({"error": {"statusCode": 404, "name": "Error",
            "message": "Unknown \"Location\" id \"7\".", "code": "MODEL_NOT_FOUND"}})])
        .build()
        .into()
}

/// `{"count": n}`.
pub(crate) fn count() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("count", typed(Type::Integer).minimum(Some(0)))
        .required("count")
        .build()
        .into()
}

/// `{"exists": b}`.
pub(crate) fn exists() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("exists", typed(Type::Boolean))
        .required("exists")
        .build()
        .into()
}
