//! What the built-in PersistedModel methods accept and return, declared as LoopBack declares
//! them (spec §2), in the same `Accept`/`Returns` terms as custom remote methods — the one
//! description the OpenAPI document and tooling read for every endpoint.

use crate::remote::{Accept, ArgType, Returns, Source};

/// The declaration of a built-in method.
pub struct BuiltinSpec {
    /// Arguments.
    pub accepts: Vec<Accept>,
    /// Results.
    pub returns: Vec<Returns>,
    /// LoopBack's description.
    pub description: &'static str,
}

fn id() -> Accept {
    Accept::new("id", ArgType::Any)
        .required()
        .source(Source::Path)
        .description("Model id")
}

fn data(required: bool) -> Accept {
    let a = Accept::new("data", ArgType::Object)
        .source(Source::Body)
        .description("Model instance data");
    if required {
        a.required()
    } else {
        a
    }
}

fn filter() -> Accept {
    Accept::new("filter", ArgType::Object)
        .description("Filter defining fields, where, include, order, offset, and limit")
}

fn where_(source: Source) -> Accept {
    Accept::new("where", ArgType::Object)
        .source(source)
        .description("Criteria to match model instances")
}

fn instance() -> Returns {
    Returns::root("data", ArgType::Object)
}

fn count() -> Returns {
    Returns::arg("count", ArgType::Number).description("The number of instances")
}

/// The declaration of the built-in method `name` (`None` for unknown names).
pub fn spec(name: &str) -> Option<BuiltinSpec> {
    let (accepts, returns, description) = match name {
        "create" => (
            vec![data(false)],
            vec![instance()],
            "Create a new instance of the model and persist it into the data source.",
        ),
        "patchOrCreate" => (
            vec![data(false)],
            vec![instance()],
            "Patch an existing model instance or insert a new one into the data source.",
        ),
        "replaceOrCreate" => (
            vec![data(false)],
            vec![instance()],
            "Replace an existing model instance or insert a new one into the data source.",
        ),
        "upsertWithWhere" => (
            vec![where_(Source::Query), data(true)],
            vec![instance()],
            "Update an existing model instance or insert a new one into the data source based on the where criteria.",
        ),
        "exists" => (
            vec![id()],
            vec![Returns::arg("exists", ArgType::Boolean)],
            "Check whether a model instance exists in the data source.",
        ),
        "findById" => (
            vec![id(), filter()],
            vec![instance()],
            "Find a model instance by {{id}} from the data source.",
        ),
        "replaceById" => (
            vec![id(), data(false)],
            vec![instance()],
            "Replace attributes for a model instance and persist it into the data source.",
        ),
        "find" => (
            vec![filter()],
            vec![Returns::root("data", ArgType::Array(Some(Box::new(ArgType::Object))))],
            "Find all instances of the model matched by filter from the data source.",
        ),
        "findOne" => (
            vec![filter()],
            vec![instance()],
            "Find first instance of the model matched by filter from the data source.",
        ),
        "count" => (
            vec![where_(Source::Auto)],
            vec![count()],
            "Count instances of the model matched by where from the data source.",
        ),
        "updateAll" => (
            vec![where_(Source::Query), data(false)],
            vec![count()],
            "Update instances of the model matched by {{where}} from the data source.",
        ),
        "deleteById" => (
            vec![id()],
            vec![count()],
            "Delete a model instance by {{id}} from the data source.",
        ),
        "prototype.patchAttributes" => (
            vec![id(), data(false)],
            vec![instance()],
            "Patch attributes for a model instance and persist it into the data source.",
        ),
        _ => return None,
    };
    Some(BuiltinSpec {
        accepts,
        returns,
        description,
    })
}
