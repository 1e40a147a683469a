//! One OpenAPI operation per REST endpoint, read from the same method table that routes the
//! requests (built-in and remote methods alike): parameters from `accepts`, the body, the
//! success response from `returns`, LoopBack's error responses.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn, ParameterStyle,
};
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{Content, RefOr, Required};

use super::filters;
use super::schemas::{self, arg_type, data_type, reference};
use crate::model::ModelDefinition;
use crate::remote::{Accept, ArgType, Source};
use crate::rest::{MethodKind, RestMethod};

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// OpenAPI's path template of a route (`/:id/exists` → `/{id}/exists`).
pub(crate) fn path_template(route: &str) -> String {
    route
        .split('/')
        .map(|s| match s.strip_prefix(':') {
            Some(p) => format!("{{{p}}}"),
            None => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The HTTP method in utoipa's terms.
pub(super) fn http_method(m: &Method) -> Option<HttpMethod> {
    Some(match *m {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        Method::HEAD => HttpMethod::Head,
        Method::OPTIONS => HttpMethod::Options,
        _ => return None,
    })
}

/// `Location.find`; a method with several routes keeps the plain id on its main route (GET,
/// then PUT, PATCH, POST, DELETE, HEAD) and gets `__<verb>_<path>` on the others.
pub(super) fn operation_ids(def: &ModelDefinition, methods: &[RestMethod]) -> Vec<String> {
    let rank = |m: &RestMethod| {
        [
            Method::GET,
            Method::PUT,
            Method::PATCH,
            Method::POST,
            Method::DELETE,
            Method::HEAD,
        ]
        .iter()
        .position(|v| *v == m.verb)
        .unwrap_or(9)
    };
    let mut main: HashMap<&str, usize> = HashMap::new();
    for (i, m) in methods.iter().enumerate() {
        let e = main.entry(m.name.as_ref()).or_insert(i);
        if rank(m) < rank(&methods[*e]) {
            *e = i;
        }
    }
    methods
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if main[m.name.as_ref()] == i {
                format!("{}.{}", def.name, m.name)
            } else {
                let words: Vec<&str> = m
                    .path_text
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect();
                format!(
                    "{}.{}__{}_{}",
                    def.name,
                    m.name,
                    m.verb.as_str().to_lowercase(),
                    words.join("_")
                )
            }
        })
        .collect()
}

/// The schema of a declared type, referring to the model's schema when the value is an
/// instance (or a list) of a documented model.
fn typed(t: &ArgType, model: Option<&str>, models: &[&str]) -> RefOr<Schema> {
    match (t, model.filter(|m| models.contains(m))) {
        (ArgType::Object, Some(m)) => reference(m),
        (ArgType::Array(Some(item)), Some(m)) if **item == ArgType::Object => {
            ArrayBuilder::new().items(reference(m)).into()
        }
        _ => arg_type(t),
    }
}

fn json_content(schema: impl Into<RefOr<Schema>>) -> Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

/// The schema of an `object` argument: the model's filter schemas where LoopBack uses them.
fn object_arg(def: &ModelDefinition, m: &RestMethod, a: &Accept, models: &[&str]) -> RefOr<Schema> {
    let [filter, filter_no_where, where_, _, _] = filters::names(def);
    let builtin = matches!(m.kind, MethodKind::Builtin(_));
    match (builtin, a.arg.as_ref()) {
        (true, "filter") if m.name == "findById" => reference(&filter_no_where),
        (true, "filter") => reference(&filter),
        (true, "where") => reference(&where_),
        _ => typed(&a.ty, a.model.as_deref(), models),
    }
}

fn parameter(
    def: &ModelDefinition,
    m: &RestMethod,
    a: &Accept,
    models: &[&str],
) -> Option<ParameterBuilder> {
    let names_path_param = m
        .path
        .0
        .iter()
        .any(|s| matches!(s, crate::rest::methods::Segment::Param(p) if *p == a.arg));
    let location = match a.source {
        Source::Path => ParameterIn::Path,
        // an argument without a source is read from the path first
        Source::Auto if names_path_param => ParameterIn::Path,
        Source::Query | Source::Auto => ParameterIn::Query,
        Source::Header => ParameterIn::Header,
        Source::Body | Source::Form | Source::Req | Source::Context => return None,
    };
    let required = a.required || location == ParameterIn::Path;
    let p = ParameterBuilder::new()
        .name(a.arg.as_ref())
        .parameter_in(location.clone())
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(a.description.as_deref());
    let builtin_id = matches!(m.kind, MethodKind::Builtin(_)) && a.arg == "id";
    Some(match &a.ty {
        _ if builtin_id => p.schema(Some(data_type(&def.id().data_type))),
        // objects travel as JSON in one query parameter (Swagger UI cannot send nested
        // deepObject); the server also takes LoopBack's bracket syntax
        ArgType::Object | ArgType::Any | ArgType::GeoPoint if location == ParameterIn::Query => {
            p.content(JSON, json_content(object_arg(def, m, a, models)))
        }
        ArgType::Array(_) if location == ParameterIn::Query => p
            .schema(Some(arg_type(&a.ty)))
            .style(Some(ParameterStyle::Form))
            .explode(Some(true)),
        t => p.schema(Some(arg_type(t))),
    })
}

fn model_body(def: &ModelDefinition, m: &RestMethod) -> RefOr<Schema> {
    let n = &def.name;
    match m.name.as_ref() {
        "create" => one_or_many(reference(&format!("New{n}"))),
        // these may create an instance: the create body's requirements apply
        "replaceOrCreate" | "replaceById" | "patchOrCreate" | "upsertWithWhere" => {
            reference(&format!("New{n}"))
        }
        _ => reference(&format!("{n}Partial")),
    }
}

fn request_body(def: &ModelDefinition, m: &RestMethod, models: &[&str]) -> Option<RequestBody> {
    let builtin = matches!(m.kind, MethodKind::Builtin(_));
    if let Some(body) = m.accepts.iter().find(|a| a.source == Source::Body) {
        let schema = if builtin {
            model_body(def, m)
        } else {
            let one = typed(&body.ty, body.model.as_deref(), models);
            if body.allow_array {
                // LoopBack's `allowArray`: one value or a list of them
                one_or_many(one)
            } else {
                one
            }
        };
        return Some(
            RequestBodyBuilder::new()
                .description(body.description.as_deref())
                .required(Some(if body.required {
                    Required::True
                } else {
                    Required::False
                }))
                .content(JSON, json_content(schema))
                .build(),
        );
    }
    let form: Vec<&Accept> = m
        .accepts
        .iter()
        .filter(|a| a.source == Source::Form)
        .collect();
    if form.is_empty() {
        return None;
    }
    let mut o = ObjectBuilder::new().schema_type(Type::Object);
    for a in &form {
        let mut s = typed(&a.ty, a.model.as_deref(), models);
        if let (RefOr::T(Schema::Object(obj)), Some(d)) = (&mut s, &a.description) {
            obj.description = Some(d.to_string());
        }
        o = o.property(a.arg.as_ref(), s);
        if a.required {
            o = o.required(a.arg.as_ref());
        }
    }
    let schema: RefOr<Schema> = o.into();
    Some(
        RequestBodyBuilder::new()
            .required(Some(if form.iter().any(|a| a.required) {
                Required::True
            } else {
                Required::False
            }))
            .content(JSON, json_content(schema.clone()))
            .content(FORM, json_content(schema))
            .build(),
    )
}

/// `LocationWithRelations` when the model has relations, else `Location`.
pub(super) fn with_relations(def: &ModelDefinition) -> String {
    if def.relations.is_empty() {
        def.name.clone()
    } else {
        format!("{}WithRelations", def.name)
    }
}

/// The success response: status and body schema (`None`: no body).
fn success(
    def: &ModelDefinition,
    m: &RestMethod,
    models: &[&str],
) -> (StatusCode, Option<RefOr<Schema>>) {
    match &m.kind {
        MethodKind::Builtin(_) => {
            let n = &def.name;
            let schema = match (m.name.as_ref(), m.verb.clone()) {
                (_, Method::HEAD) => None,
                ("exists", _) => Some(reference(schemas::EXISTS)),
                ("count" | "updateAll" | "deleteById", _) => Some(reference(schemas::COUNT)),
                // what find/findOne/findById answer can carry included relations
                ("find", _) => Some(
                    ArrayBuilder::new()
                        .items(reference(&with_relations(def)))
                        .into(),
                ),
                ("findOne" | "findById", _) => Some(reference(&with_relations(def))),
                // create answers an array for an array body
                ("create", _) => Some(one_or_many(reference(n))),
                _ => Some(reference(n)),
            };
            (StatusCode::OK, schema)
        }
        MethodKind::Remote(rm) => {
            if rm.returns.is_empty() {
                // nothing to send: 204 unless another status was declared
                let status = rm.status.filter(|s| *s != StatusCode::OK);
                return (status.unwrap_or(StatusCode::NO_CONTENT), None);
            }
            // a body that may be a list (`allowArray`) answers a list for a list
            let array_body = m
                .accepts
                .iter()
                .any(|a| a.allow_array && a.source == Source::Body);
            let schema = match rm.returns.iter().find(|r| r.root) {
                Some(r) => {
                    let one = returned(r, models);
                    if array_body {
                        one_or_many(one)
                    } else {
                        one
                    }
                }
                None => {
                    let mut o = ObjectBuilder::new().schema_type(Type::Object);
                    for r in &rm.returns {
                        let mut s = returned(r, models);
                        if let (RefOr::T(Schema::Object(obj)), Some(d)) = (&mut s, &r.description) {
                            obj.description = Some(d.to_string());
                        }
                        o = o.property(r.arg.as_ref(), s);
                    }
                    o.into()
                }
            };
            (rm.status.unwrap_or(StatusCode::OK), Some(schema))
        }
    }
}

/// One value or a list of them (LoopBack's `allowArray`, `create` with an array body).
fn one_or_many(one: RefOr<Schema>) -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(one.clone())
        .item(ArrayBuilder::new().items(one))
        .into()
}

/// A result's schema; `null` allowed when the result may be null.
fn returned(r: &crate::remote::Returns, models: &[&str]) -> RefOr<Schema> {
    let s = typed(&r.ty, r.model.as_deref(), models);
    if r.nullable {
        OneOfBuilder::new()
            .item(s)
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .into()
    } else {
        s
    }
}

fn error_response(description: &str) -> ResponseBuilder {
    ResponseBuilder::new()
        .description(description)
        .content(JSON, json_content(reference(schemas::ERROR)))
}

/// Whether the method writes data (validation errors are possible).
fn writes(m: &RestMethod) -> bool {
    matches!(
        m.name.as_ref(),
        "create"
            | "patchOrCreate"
            | "replaceOrCreate"
            | "upsertWithWhere"
            | "replaceById"
            | "updateAll"
            | "prototype.patchAttributes"
    )
}

/// The names of the security schemes: the token in the `Authorization` header, in the
/// `access_token` query parameter.
pub(super) const TOKEN_HEADER: &str = "AccessToken";
pub(super) const TOKEN_QUERY: &str = "AccessTokenQuery";

/// The operation of one endpoint (`protection`: how access control guards it).
pub(super) fn operation(
    def: &ModelDefinition,
    m: &RestMethod,
    operation_id: String,
    models: &[&str],
    protection: Option<crate::rest::Protection>,
) -> Operation {
    let mut op = OperationBuilder::new()
        .tag(&def.name)
        .operation_id(Some(operation_id))
        .summary(
            m.description
                .as_deref()
                .map(|d| d.lines().next().unwrap_or(d).to_string()),
        )
        .description(m.description.as_deref());
    // the `:id` of instance methods is the model's id, not a declared argument
    for seg in &m.path.0 {
        if let crate::rest::methods::Segment::Param(name) = seg {
            let declared = m
                .accepts
                .iter()
                .any(|a| a.arg == *name && matches!(a.source, Source::Path | Source::Auto));
            if !declared {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .description(Some(format!("{} id", def.name)))
                        .schema(Some(data_type(&def.id().data_type))),
                );
            }
        }
    }
    for a in &m.accepts {
        if let Some(p) = parameter(def, m, a, models) {
            op = op.parameter(p);
        }
    }
    let body = request_body(def, m, models);
    let has_body = body.is_some();
    op = op.request_body(body);
    let (status, schema) = success(def, m, models);
    let ok = match schema {
        // change streams answer Server-Sent Events, not JSON
        _ if m.name == "createChangeStream" => ResponseBuilder::new()
            .description(
                "Server-Sent Events: `:ok`, then `event: data` with `{target, data, type}` per change",
            )
            .content(
                "text/event-stream",
                utoipa::openapi::content::ContentBuilder::new()
                    .schema(Some(
                        ObjectBuilder::new().schema_type(Type::String).build(),
                    ))
                    .build(),
            ),
        Some(s) => ResponseBuilder::new()
            .description("Request was successful")
            .content(JSON, json_content(s)),
        None => ResponseBuilder::new().description("Request was successful, no content"),
    };
    op = op.response(status.as_u16().to_string(), ok);
    op = op.response(
        "400",
        error_response("Bad request: a malformed or invalid argument"),
    );
    let may_miss = m
        .path
        .0
        .iter()
        .any(|s| matches!(s, crate::rest::methods::Segment::Param(_)))
        || m.name == "findOne";
    if may_miss {
        op = op.response("404", error_response("Not found"));
    }
    if has_body || writes(m) {
        op = op.response("413", error_response("Request body too large"));
    }
    if writes(m) || !matches!(m.kind, MethodKind::Builtin(_)) {
        op = op.response("422", error_response("Validation failed"));
    }
    if let MethodKind::Remote(rm) = &m.kind {
        for (status, description) in &rm.errors {
            let answer = if status.is_redirection() {
                ResponseBuilder::new().description(description.as_ref())
            } else {
                error_response(description)
            };
            op = op.response(status.as_u16().to_string(), answer);
        }
    }
    if let Some(p) = protection {
        use utoipa::openapi::security::SecurityRequirement;
        let mut ways = Vec::new();
        if p.anonymous {
            // optional: `{}` allows a call without a token
            ways.push(SecurityRequirement::default());
        }
        ways.push(SecurityRequirement::new::<_, _, &str>(TOKEN_HEADER, []));
        ways.push(SecurityRequirement::new::<_, _, &str>(TOKEN_QUERY, []));
        op = op.securities(Some(ways));
        op = op.response(
            "401",
            error_response("Authorization Required: no valid access token, or access denied"),
        );
        if p.denied_status == axum::http::StatusCode::FORBIDDEN {
            op = op.response("403", error_response("Access Denied to the caller's token"));
        }
    }
    op.build()
}

/// A route of the platform (health, metrics): `GET`, 200 with its content type, 503 when the
/// app is not ready or a check is down.
pub(super) fn platform_route(
    summary: &str,
    content_type: &str,
) -> utoipa::openapi::path::Operation {
    use utoipa::openapi::path::OperationBuilder;
    use utoipa::openapi::{ContentBuilder, ResponseBuilder};
    OperationBuilder::new()
        .summary(Some(summary))
        .tag("platform")
        .response(
            "200",
            ResponseBuilder::new()
                .description("Up")
                .content(content_type, ContentBuilder::new().build())
                .build(),
        )
        .response(
            "503",
            ResponseBuilder::new()
                .description("Starting, stopping, or a check is down")
                .content(content_type, ContentBuilder::new().build())
                .build(),
        )
        .build()
}
