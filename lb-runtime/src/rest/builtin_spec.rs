//! What the built-in PersistedModel methods accept and return (spec §2), in the same
//! `Accept`/`Returns` terms as custom remote methods: the one description the OpenAPI document
//! and tooling read for every endpoint.

use crate::remote::{Accept, ArgType, Returns, Source};

/// The declaration of a built-in method.
pub(crate) struct BuiltinSpec {
    /// Arguments.
    pub accepts: Vec<Accept>,
    /// Results.
    pub returns: Vec<Returns>,
    /// What the method does.
    pub description: &'static str,
}

pub(crate) fn id() -> Accept {
    Accept::new("id", ArgType::Any)
        .required()
        .source(Source::Path)
        .description("The id of the instance")
}

pub(crate) fn data(required: bool) -> Accept {
    // LoopBack declares `object`, but its built-ins leave the check to the model (juggler),
    // with the model's messages (`Some of array items are not an object.`): the reader takes
    // the body as it is and the repository checks it
    let a = Accept::new("data", ArgType::Any)
        .source(Source::Body)
        .description("Property values");
    if required {
        a.required()
    } else {
        a
    }
}

pub(crate) fn filter() -> Accept {
    Accept::new("filter", ArgType::Object)
        .description("Which instances and properties: where, fields, order, limit, skip")
}

pub(crate) fn where_(source: Source) -> Accept {
    Accept::new("where", ArgType::Object)
        .source(source)
        .description("Conditions on property values")
}

fn instance() -> Returns {
    Returns::root("data", ArgType::Object)
}

fn count() -> Returns {
    Returns::arg("count", ArgType::Number).description("How many instances")
}

/// The declaration of the built-in method `name` (`None` for unknown names).
pub(crate) fn spec(name: &str) -> Option<BuiltinSpec> {
    let (accepts, returns, description) = match name {
        "create" => (
            vec![data(false)],
            vec![instance()],
            "Creates an instance (one per item of an array body) and saves it.",
        ),
        "patchOrCreate" => (
            vec![data(false)],
            vec![instance()],
            "Patches the instance with the body's id, or creates it.",
        ),
        "replaceOrCreate" => (
            vec![data(false)],
            vec![instance()],
            "Replaces the instance with the body's id, or creates it.",
        ),
        "upsertWithWhere" => (
            vec![where_(Source::Query), data(true)],
            vec![instance()],
            "Patches the one instance matching `where`, or creates one.",
        ),
        "exists" => (
            vec![id()],
            vec![Returns::arg("exists", ArgType::Boolean)],
            "Whether an instance with this id exists.",
        ),
        "findById" => (
            vec![id(), filter()],
            vec![instance()],
            "The instance with this id.",
        ),
        "replaceById" => (
            vec![id(), data(false)],
            vec![instance()],
            "Replaces the instance with this id.",
        ),
        "find" => (
            vec![filter()],
            vec![Returns::root(
                "data",
                ArgType::Array(Some(Box::new(ArgType::Object))),
            )],
            "The instances matching the filter.",
        ),
        "findOne" => (
            vec![filter()],
            vec![instance()],
            "The first instance matching the filter.",
        ),
        "count" => (
            vec![where_(Source::Auto)],
            vec![count()],
            "How many instances match `where`.",
        ),
        "updateAll" => (
            vec![where_(Source::Query), data(false)],
            vec![count()],
            "Patches every instance matching `where`.",
        ),
        "deleteById" => (
            vec![id()],
            vec![count()],
            "Deletes the instance with this id.",
        ),
        "createChangeStream" => (
            vec![Accept::new("options", ArgType::Object)
                .source(Source::Query)
                .description("`{\"where\": {..}}`: only the changes of matching instances")],
            Vec::new(),
            "Streams the changes of this model's instances (Server-Sent Events).",
        ),
        "prototype.patchAttributes" => (
            vec![id(), data(false)],
            vec![instance()],
            "Patches the instance with this id.",
        ),
        _ => return None,
    };
    Some(BuiltinSpec {
        accepts,
        returns,
        description,
    })
}
