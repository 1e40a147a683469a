//! The routes of LoopBack's built-in PersistedModel methods (spec §2): the runtime serves
//! them, the remote-method macro refuses a custom method that would take one.

/// When a route exists (the model's `replaceOnPUT` setting decides what `PUT` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// On every model.
    Always,
    /// With `replace_on_put` (LoopBack 3's default for new apps).
    ReplaceOnPut,
    /// Without `replace_on_put`.
    PatchOnPut,
}

/// One built-in route.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The method's name (`prototype.patchAttributes`).
    pub name: &'static str,
    /// Its other names (hooks, ACLs and `sharedMethods` match them too).
    pub aliases: &'static [&'static str],
    /// The HTTP verb, upper case.
    pub verb: &'static str,
    /// The path below the model's base path (`/:id/exists`).
    pub path: &'static str,
    /// When the route exists.
    pub when: When,
}

const fn r(
    name: &'static str,
    aliases: &'static [&'static str],
    verb: &'static str,
    path: &'static str,
    when: When,
) -> Route {
    Route {
        name,
        aliases,
        verb,
        path,
        when,
    }
}

const PATCH_OR_CREATE: &[&str] = &["upsert", "updateOrCreate"];
const PATCH_ATTRIBUTES: &[&str] = &["prototype.updateAttributes"];

/// Every built-in route, in LoopBack's declaration order.
pub const ROUTES: &[Route] = &[
    r("create", &[], "POST", "/", When::Always),
    r(
        "replaceOrCreate",
        &[],
        "POST",
        "/replaceOrCreate",
        When::Always,
    ),
    r(
        "upsertWithWhere",
        &["patchOrCreateWithWhere"],
        "POST",
        "/upsertWithWhere",
        When::Always,
    ),
    r("exists", &[], "GET", "/:id/exists", When::Always),
    r("exists", &[], "HEAD", "/:id", When::Always),
    r("findById", &[], "GET", "/:id", When::Always),
    r("replaceById", &[], "POST", "/:id/replace", When::Always),
    r("find", &[], "GET", "/", When::Always),
    r("findOne", &[], "GET", "/findOne", When::Always),
    r("count", &[], "GET", "/count", When::Always),
    r(
        "createChangeStream",
        &[],
        "GET",
        "/change-stream",
        When::Always,
    ),
    r(
        "createChangeStream",
        &[],
        "POST",
        "/change-stream",
        When::Always,
    ),
    r("updateAll", &["update"], "POST", "/update", When::Always),
    r(
        "deleteById",
        &["destroyById", "removeById"],
        "DELETE",
        "/:id",
        When::Always,
    ),
    r(
        "prototype.patchAttributes",
        PATCH_ATTRIBUTES,
        "PATCH",
        "/:id",
        When::Always,
    ),
    r("patchOrCreate", PATCH_OR_CREATE, "PATCH", "/", When::Always),
    r("replaceOrCreate", &[], "PUT", "/", When::ReplaceOnPut),
    r("replaceById", &[], "PUT", "/:id", When::ReplaceOnPut),
    r(
        "patchOrCreate",
        PATCH_OR_CREATE,
        "PUT",
        "/",
        When::PatchOnPut,
    ),
    r(
        "prototype.patchAttributes",
        PATCH_ATTRIBUTES,
        "PUT",
        "/:id",
        When::PatchOnPut,
    ),
];

impl Route {
    /// Whether the route exists on a model with this `replace_on_put` setting.
    pub fn exists(&self, replace_on_put: bool) -> bool {
        match self.when {
            When::Always => true,
            When::ReplaceOnPut => replace_on_put,
            When::PatchOnPut => !replace_on_put,
        }
    }
}
