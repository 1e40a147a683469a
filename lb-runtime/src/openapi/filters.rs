//! Typed filter schemas of a model: `LocationWhere` lists the model's properties with the
//! operators valid for each type, `LocationFields` and `LocationOrder` enumerate property names,
//! `LocationFilter` puts them together (and `LocationFilterExcludingWhere` for findById).

use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema,
    SchemaType, Type,
};
use utoipa::openapi::RefOr;

use super::schemas::{data_type, reference};
use crate::model::{DataType, ModelDefinition, PropertyDefinition};
use crate::value::DistanceUnit;

/// Component names of a model's filter schemas.
pub(super) fn names(def: &ModelDefinition) -> [String; 5] {
    let n = &def.name;
    [
        format!("{n}Filter"),
        format!("{n}FilterExcludingWhere"),
        format!("{n}Where"),
        format!("{n}Fields"),
        format!("{n}Order"),
    ]
}

fn typed(t: Type) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(t)
}

fn closed() -> Option<AdditionalProperties<Schema>> {
    Some(AdditionalProperties::FreeForm(false))
}

/// Properties a client may query (hidden ones are stripped from REST where clauses).
fn visible(def: &ModelDefinition) -> impl Iterator<Item = &PropertyDefinition> {
    def.properties.iter().filter(|p| !p.hidden)
}

/// The operand of a comparison on a property of type `t` (arrays compare their elements).
fn operand(t: &DataType) -> RefOr<Schema> {
    match t {
        DataType::Array(item) => operand(item),
        DataType::GeoPoint | DataType::Object | DataType::Any => {
            typed(Type::Object).schema_type(SchemaType::AnyValue).into()
        }
        t => data_type(t),
    }
}

/// The operator object of one property: the operators LoopBack's filter accepts for its type.
fn operators(p: &PropertyDefinition) -> Schema {
    let value = operand(&p.data_type);
    let list = || ArrayBuilder::new().items(value.clone());
    let mut o = typed(Type::Object)
        .additional_properties(closed())
        .property("eq", value.clone())
        .property("neq", value.clone())
        .property("inq", list())
        .property("nin", list());
    let base = match &p.data_type {
        DataType::Array(item) => item.as_ref(),
        t => t,
    };
    if matches!(
        base,
        DataType::Number | DataType::Integer | DataType::Date | DataType::String
    ) {
        o = o
            .property("gt", value.clone())
            .property("gte", value.clone())
            .property("lt", value.clone())
            .property("lte", value.clone())
            .property("between", list().min_items(Some(2)).max_items(Some(2)));
    }
    if *base == DataType::String {
        let pattern = || typed(Type::String);
        o = o
            .property("like", pattern())
            .property("nlike", pattern())
            .property("ilike", pattern())
            .property("nilike", pattern())
            .property(
                "regexp",
                pattern().description(Some("A regular expression, `/pattern/flags` or plain")),
            );
    }
    if *base == DataType::GeoPoint {
        let units = [
            DistanceUnit::Miles,
            DistanceUnit::Kilometers,
            DistanceUnit::Meters,
            DistanceUnit::Feet,
            DistanceUnit::Radians,
            DistanceUnit::Degrees,
        ];
        o = typed(Type::Object)
            .additional_properties(closed())
            .property("near", reference(super::schemas::GEO_POINT))
            .property("maxDistance", typed(Type::Number).minimum(Some(0)))
            .property("minDistance", typed(Type::Number).minimum(Some(0)))
            .property(
                "unit",
                typed(Type::String).enum_values(Some(units.iter().map(|u| u.name()))),
            );
    }
    o.description(Some(format!(
        "Conditions on `{}` (several are AND-ed)",
        p.name
    )))
    .build()
    .into()
}

/// `LocationWhere`.
pub(super) fn where_(def: &ModelDefinition) -> Schema {
    let [_, _, where_name, _, _] = names(def);
    let nested = || ArrayBuilder::new().items(reference(&where_name));
    let mut o = typed(Type::Object)
        .description(Some(format!(
            "A where clause on {}: a property equals a value, or matches an operator object \
             (dotted names reach into object properties, and into related models: \
             `relation.property` holds when some related instance matches)",
            def.name
        )))
        .property("and", nested())
        .property("or", nested())
        .property("nor", nested());
    for p in visible(def) {
        let condition: RefOr<Schema> = if p.data_type == DataType::GeoPoint {
            operators(p).into()
        } else {
            // anyOf: an `any`/`object` operand also matches an operator object
            AnyOfBuilder::new()
                .item(operand(&p.data_type))
                .item(typed(Type::Null))
                .item(operators(p))
                .into()
        };
        o = o.property(&p.name, condition);
    }
    o.build().into()
}

/// `LocationFields`: `["name", "city"]` or `{"name": true}` / `{"secret": false}`.
pub(super) fn fields(def: &ModelDefinition) -> Schema {
    let names: Vec<String> = visible(def).map(|p| p.name.clone()).collect();
    let mut by_name = typed(Type::Object).additional_properties(closed());
    for n in &names {
        by_name = by_name.property(n, typed(Type::Boolean));
    }
    OneOfBuilder::new()
        .description(Some(format!(
            "Properties of {} to include (never adds the id by itself)",
            def.name
        )))
        .item(
            ArrayBuilder::new()
                .items(typed(Type::String).enum_values(Some(names.clone())))
                .unique_items(true),
        )
        .item(by_name)
        .build()
        .into()
}

/// `LocationOrder`: `"zipcode DESC"` or a list of such keys.
pub(super) fn order(def: &ModelDefinition) -> Schema {
    let keys: Vec<String> = visible(def)
        .flat_map(|p| {
            [
                p.name.clone(),
                format!("{} ASC", p.name),
                format!("{} DESC", p.name),
            ]
        })
        .collect();
    let key = || typed(Type::String).enum_values(Some(keys.clone()));
    OneOfBuilder::new()
        .description(Some(
            "Sort keys: a property, optionally followed by ASC (default) or DESC",
        ))
        .item(key())
        .item(ArrayBuilder::new().items(key()))
        .build()
        .into()
}

/// `include`: a relation name, `{"relation": .., "scope": {..}}`, `{"rel": <nested>}`, or a
/// list of these.
fn include(def: &ModelDefinition) -> Schema {
    let names: Vec<String> = def
        .relations
        .iter()
        .filter(|r| !r.disable_include)
        .map(|r| r.name.clone())
        .collect();
    let name = || typed(Type::String).enum_values(Some(names.clone()));
    let scoped = || {
        typed(Type::Object)
            .property("relation", name())
            .property(
                "scope",
                typed(Type::Object).description(Some(
                    "A filter on the related model: where, fields, order, limit and skip (per \
                 parent), include",
                )),
            )
            .required("relation")
    };
    let one = || {
        AnyOfBuilder::new()
            .item(name())
            .item(scoped())
            .item(typed(Type::Object).description(Some("{\"relation\": <nested include>}")))
    };
    OneOfBuilder::new()
        .description(Some(format!("Relations of {} to include", def.name)))
        .item(one())
        .item(ArrayBuilder::new().items(one()))
        .build()
        .into()
}

/// `LocationFilter` (`with_where`) or `LocationFilterExcludingWhere`.
pub(super) fn filter(def: &ModelDefinition, with_where: bool) -> Schema {
    let [_, _, where_name, fields_name, order_name] = names(def);
    let count = || typed(Type::Integer).minimum(Some(0));
    let mut o = typed(Type::Object)
        .additional_properties(closed())
        .property("fields", reference(&fields_name));
    if !def.relations.is_empty() {
        o = o.property("include", include(def));
    }
    if with_where {
        o = o
            .description(Some(format!(
                "A filter on {}: where, fields, order, limit, skip/offset, include",
                def.name
            )))
            .property("where", reference(&where_name))
            .property("order", reference(&order_name))
            .property("limit", count())
            .property("skip", count())
            .property("offset", count());
    } else {
        o = o.description(Some(format!("The fields of {} to answer", def.name)));
    }
    o.build().into()
}
