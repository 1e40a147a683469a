//! LoopBack's static roles: `Role` (a name) and `RoleMapping` (a principal — a user, an
//! application or another role — given a role), as models an app attaches to a datasource.

use std::sync::LazyLock;

use crate::model::{DataType, ModelDefinition};

/// LoopBack's `Role` model: `id`, `name` (required), `description`, `created`, `modified`.
pub fn role_model() -> &'static ModelDefinition {
    static DEF: LazyLock<ModelDefinition> = LazyLock::new(|| {
        ModelDefinition::builder("Role")
            .plural("Roles")
            .property("id", DataType::Number, |p| p.id().generated())
            .property("name", DataType::String, |p| p.required())
            .property("description", DataType::String, |p| p)
            .property("created", DataType::Date, |p| {
                p.default_fn(crate::model::DefaultFn::Now)
            })
            .property("modified", DataType::Date, |p| {
                p.default_fn(crate::model::DefaultFn::Now)
            })
            .public(false)
            .build()
    });
    &DEF
}

/// LoopBack's `RoleMapping` model: `principalType` (`USER`, `APP`, `ROLE`), `principalId`
/// (text), `roleId`.
pub fn role_mapping_model() -> &'static ModelDefinition {
    static DEF: LazyLock<ModelDefinition> = LazyLock::new(|| {
        ModelDefinition::builder("RoleMapping")
            .plural("RoleMappings")
            .description("Map principals to roles")
            .property("id", DataType::Number, |p| p.id().generated())
            .property("principalType", DataType::String, |p| {
                p.description("The principal type, such as USER, APPLICATION, ROLE")
            })
            .property("principalId", DataType::String, |p| p.index())
            .property("roleId", DataType::Number, |p| p)
            .public(false)
            .build()
    });
    &DEF
}
