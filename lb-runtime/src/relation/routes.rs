//! The relation endpoints of spec §3 as remote methods of the source model
//! (`prototype.__get__inventory`, ...): instance methods, so the parent is loaded first and a
//! missing one is LoopBack's 404 `could not find a model with id ..`.

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::linked::{not_found, Links, References, Through};
use super::{include, key_of, parent_key, scope};
use crate::filter::{parse_filter, parse_where, ParseOptions};
use crate::model::{ModelDefinition, RelationDefinition, RelationKind};
use crate::remote::{Accept, AccessType, ArgType, Invocation, RemoteMethod, Returns, Source};
use crate::repository::Repository;
use crate::shape::{self, Level}; // polymorphic targets are shaped here: their model varies
use crate::{App, Error, Result};

type Rel = &'static RelationDefinition;

/// The relation endpoints of every relation of `def`.
pub(crate) fn remote_methods(def: &'static ModelDefinition) -> Vec<RemoteMethod> {
    let mut out = Vec::new();
    for rel in &def.relations {
        match rel.kind {
            RelationKind::BelongsTo => out.push(belongs_to_get(def, rel)),
            RelationKind::HasMany if rel.through.is_some() => {
                out.extend(has_many_through(def, rel))
            }
            RelationKind::HasMany => out.extend(has_many(def, rel)),
            RelationKind::HasOne => out.extend(has_one(def, rel)),
            RelationKind::ReferencesMany => out.extend(references_many(def, rel)),
        }
    }
    out
}

fn target(app: &App, rel: Rel) -> Result<Repository> {
    app.repository(&rel.target)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| Error::internal(format!("model {} is not attached to the app", rel.target)))
}

fn method(name: String, verb: Method, path: String, f: RemoteMethod) -> RemoteMethod {
    // LoopBack: `__get__`, `__findById__`, `__count__`, `__exists__` read; create, update,
    // delete, link and unlink write
    let access = match AccessType::default_for(&verb) {
        AccessType::Read => AccessType::Read,
        _ => AccessType::Write,
    };
    RemoteMethod {
        name: name.into(),
        ..f
    }
    .instance()
    .http(verb, path)
    .access_type(access)
}

fn object_arg(inv: &Invocation, name: &str) -> Value {
    inv.args.get(name).cloned().unwrap_or(Value::Null)
}

/// The relation's condition AND-ed with the client's where (parsed with REST rules).
fn rel_where(
    target: &ModelDefinition,
    rel: Rel,
    source: &ModelDefinition,
    key: &Value,
    client: &Value,
) -> Result<Option<crate::filter::Where>> {
    let client = rest_where(target, client)?;
    Ok(Some(scope::scoped_where(target, rel, source, key, client)?))
}

/// The client's `filter` argument without its `where`, and that `where` (the caller ANDs it
/// with the relation's own condition).
fn client_filter_parts(
    inv: &Invocation,
    def: &ModelDefinition,
) -> Result<(crate::filter::Filter, Value)> {
    let mut f = match object_arg(inv, "filter") {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    let w = f.remove("where").unwrap_or(Value::Null);
    Ok((
        parse_filter(def, &Value::Object(f), ParseOptions::rest())?,
        w,
    ))
}

/// The client's `filter` argument, parsed with REST rules (its where is the client's alone).
fn client_filter(inv: &Invocation, def: &ModelDefinition) -> Result<crate::filter::Filter> {
    let (mut f, w) = client_filter_parts(inv, def)?;
    f.where_ = rest_where(def, &w)?;
    Ok(f)
}

/// The client's `where` argument, parsed with REST rules.
fn client_where(inv: &Invocation, def: &ModelDefinition) -> Result<Option<crate::filter::Where>> {
    rest_where(def, &object_arg(inv, "where"))
}

fn rest_where(def: &ModelDefinition, w: &Value) -> Result<Option<crate::filter::Where>> {
    if w.is_null() {
        return Ok(None);
    }
    parse_where(def, w, ParseOptions::rest())
}

/// A path `fk`: a scalar (an object would be read as an operator).
fn fk_arg_value(inv: &Invocation) -> Result<Value> {
    match object_arg(inv, "fk") {
        v @ (Value::Object(_) | Value::Array(_)) => {
            Err(Error::bad_request(format!("fk must be an id, not {v}")))
        }
        v => Ok(v),
    }
}

/// The related instance `fk` of this parent, or LoopBack's 404.
async fn related(
    repo: &Repository,
    rel: Rel,
    key: &Value,
    fk: &Value,
) -> Result<crate::connector::Row> {
    match repo.find_by_id(fk, None).await? {
        Some(r) if scope::is_related(&r, rel, key) => Ok(r),
        _ => Err(not_found(fk, &rel.target)),
    }
}

fn has_many(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    vec![
        method(
            format!("__get__{n}"),
            Method::GET,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let (mut filter, w) = client_filter_parts(&inv, repo.model)?;
                filter.where_ = rel_where(repo.model, rel, def, &key, &w)?;
                let rows = include::find_with_include(&inv.app, &repo, &filter).await?;
                Ok(vec![Value::Array(
                    rows.iter().map(|r| Value::Object(r.to_object())).collect(),
                )])
            })
            .accepts(Accept::new("filter", ArgType::Object).source(Source::Query))
            .returns(many(t))
            .description(format!("Queries {n} of {}.", def.name)),
        ),
        method(
            format!("__create__{n}"),
            Method::POST,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                match object_arg(&inv, "data") {
                    Value::Array(items) => {
                        // every element is an instance (LoopBack 3 answers a 500 for
                        // `[null]`)
                        if items.iter().any(|i| !i.is_object()) {
                            return Err(crate::repository::not_an_object());
                        }
                        let items = items
                            .into_iter()
                            .map(|i| scope::with_key(i, rel, def, &key))
                            .collect::<Result<Vec<_>>>()?;
                        let rows = repo.create_many(items).await?;
                        Ok(vec![Value::Array(
                            rows.iter().map(|r| Value::Object(r.to_object())).collect(),
                        )])
                    }
                    body => {
                        let row = repo.create(scope::with_key(body, rel, def, &key)?).await?;
                        Ok(vec![Value::Object(row.to_object())])
                    }
                }
            })
            .accepts(
                Accept::new("data", ArgType::Object)
                    .source(Source::Body)
                    .allow_array(),
            )
            .returns(one(t))
            .description(format!("Creates a new instance in {n} of this model.")),
        ),
        method(
            format!("__delete__{n}"),
            Method::DELETE,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let w = rel_where(repo.model, rel, def, &key, &Value::Null)?;
                repo.delete_all(w.as_ref()).await?;
                Ok(Vec::new())
            })
            .description(format!("Deletes all {n} of this model.")),
        ),
        method(
            format!("__count__{n}"),
            Method::GET,
            format!("{p}/count"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let w = rel_where(repo.model, rel, def, &key, &object_arg(&inv, "where"))?;
                Ok(vec![json!({ "count": repo.count(w.as_ref()).await? })])
            })
            .accepts(Accept::new("where", ArgType::Object).source(Source::Query))
            .returns(Returns::root("count", ArgType::Object))
            .description(format!("Counts {n} of {}.", def.name)),
        ),
        method(
            format!("__findById__{n}"),
            Method::GET,
            format!("{p}/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let row = related(&repo, rel, &key, &fk_arg_value(&inv)?).await?;
                Ok(vec![Value::Object(row.to_object())])
            })
            .accepts(fk_arg())
            .returns(one(t))
            .description(format!("Find a related item by id for {n}.")),
        ),
        method(
            format!("__updateById__{n}"),
            Method::PUT,
            format!("{p}/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let fk = fk_arg_value(&inv)?;
                related(&repo, rel, &key, &fk).await?;
                let body = object_arg(&inv, "data");
                if let Some(v) = body.get(&rel.foreign_key) {
                    if key_of(v) != key_of(&key) {
                        return Err(Error::bad_request(format!(
                            "Cannot override foreign key {} from {} to {}",
                            rel.foreign_key,
                            crate::value::js::to_js_string(&key),
                            crate::value::js::to_js_string(v)
                        )));
                    }
                }
                let row = repo
                    .patch_attributes(&fk, body, &crate::value::js::to_js_string(&fk))
                    .await?;
                Ok(vec![Value::Object(row.to_object())])
            })
            .accepts(fk_arg())
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one(t))
            .description(format!("Update a related item by id for {n}.")),
        ),
        method(
            format!("__destroyById__{n}"),
            Method::DELETE,
            format!("{p}/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let fk = fk_arg_value(&inv)?;
                related(&repo, rel, &key, &fk).await?;
                repo.delete_by_id(&fk).await?;
                Ok(Vec::new())
            })
            .accepts(fk_arg())
            .description(format!("Delete a related item by id for {n}.")),
        ),
    ]
}

fn belongs_to_get(def: &'static ModelDefinition, rel: Rel) -> RemoteMethod {
    let t: &'static str = &rel.target;
    method(
        format!("__get__{}", rel.name),
        Method::GET,
        format!("/{}", rel.path()),
        RemoteMethod::new("", move |inv: Invocation| async move {
            let fk = inv
                .instance
                .as_ref()
                .and_then(|r| r.get(&rel.foreign_key).map(std::borrow::Cow::into_owned))
                .filter(|v| !v.is_null());
            // LoopBack: no foreign key → `{}`, a key with no target → `null`
            let Some(fk) = fk else {
                return Ok(vec![json!({})]);
            };
            let repo = match &rel.discriminator {
                // polymorphic: the row names its target's model
                Some(d) if rel.is_polymorphic_belongs_to() => {
                    let ty = inv
                        .instance
                        .as_ref()
                        .and_then(|r| r.get(d).map(std::borrow::Cow::into_owned));
                    match ty
                        .as_ref()
                        .and_then(Value::as_str)
                        .and_then(|t| inv.app.repository(t))
                    {
                        Some(r) => r.into_owned(),
                        None => return Ok(vec![Value::Null]),
                    }
                }
                _ => target(&inv.app, rel)?,
            };
            let pk = rel.referenced_key(repo.model);
            let w = parse_where(repo.model, &json!({ pk: fk }), ParseOptions::default())?;
            let filter = crate::filter::Filter {
                where_: w,
                limit: Some(1),
                ..Default::default()
            };
            Ok(vec![match repo.find(&filter).await?.first() {
                Some(r) => shape::row(repo.model, r, Level::Top),
                None => Value::Null,
            }])
        })
        .accepts(Accept::new("refresh", ArgType::Boolean).source(Source::Query))
        // a foreign key that points at nothing answers `null` (LoopBack)
        .returns(
            Returns::root("data", ArgType::Object)
                .model(Some(t))
                .nullable(),
        )
        .description(format!(
            "Fetches belongsTo relation {} of {}.",
            rel.name, def.name
        )),
    )
}

fn has_one(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    let current = move |app: App, key: Value| async move {
        let repo = target(&app, rel)?;
        let w = rel_where(repo.model, rel, def, &key, &Value::Null)?;
        let filter = crate::filter::Filter {
            where_: w,
            limit: Some(1),
            ..Default::default()
        };
        let row = repo.find(&filter).await?.into_iter().next();
        Ok::<_, Error>((repo, row))
    };
    vec![
        method(
            format!("__get__{n}"),
            Method::GET,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let key = parent_key(def, rel, &inv)?;
                match current(inv.app.clone(), key).await? {
                    (_, Some(r)) => Ok(vec![Value::Object(r.to_object())]),
                    _ => Err(
                        Error::not_found(format!("No \"{}\" instance(s) found", rel.target))
                            .with_code("MODEL_NOT_FOUND"),
                    ),
                }
            })
            .accepts(Accept::new("refresh", ArgType::Boolean).source(Source::Query))
            .returns(one(t))
            .description(format!("Fetches hasOne relation {n}.")),
        ),
        method(
            format!("__create__{n}"),
            Method::POST,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let key = parent_key(def, rel, &inv)?;
                let (repo, existing) = current(inv.app.clone(), key.clone()).await?;
                if existing.is_some() {
                    return Err(Error::new(
                        StatusCode::CONFLICT,
                        format!(
                            "HasOne relation cannot create more than one instance of {}",
                            rel.target
                        ),
                    ));
                }
                let row = repo
                    .create(scope::with_key(object_arg(&inv, "data"), rel, def, &key)?)
                    .await?;
                Ok(vec![Value::Object(row.to_object())])
            })
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one(t))
            .description(format!("Creates a new instance in {n} of this model.")),
        ),
        method(
            format!("__update__{n}"),
            Method::PUT,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let key = parent_key(def, rel, &inv)?;
                let (repo, existing) = current(inv.app.clone(), key.clone()).await?;
                let Some(row) = existing else {
                    return Err(Error::not_found(format!(
                        "HasOne relation {} is empty",
                        rel.name
                    )));
                };
                let id = repo.row_id(&row).unwrap_or(Value::Null);
                let body = scope::with_key(object_arg(&inv, "data"), rel, def, &key)?;
                let row = repo
                    .patch_attributes(&id, body, &crate::value::js::to_js_string(&id))
                    .await?;
                Ok(vec![Value::Object(row.to_object())])
            })
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one(t))
            .description(format!("Update {n} of this model.")),
        ),
        method(
            format!("__destroy__{n}"),
            Method::DELETE,
            p,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let key = parent_key(def, rel, &inv)?;
                let (repo, existing) = current(inv.app.clone(), key).await?;
                if let Some(row) = existing {
                    if let Some(id) = repo.row_id(&row) {
                        repo.delete_by_id(&id).await?;
                    }
                }
                Ok(Vec::new())
            })
            .description(format!("Deletes {n} of this model.")),
        ),
    ]
}

pub(super) fn has_many_through(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    let th: &'static str = rel.through.as_deref().unwrap_or_default();
    let mut v = linked::<Through>(
        def,
        rel,
        Returns::root("data", ArgType::Object).model(Some(th)),
    );
    // the operations only link rows have: unlink every target, update a linked target
    v.insert(
        2,
        method(
            format!("__delete__{n}"),
            Method::DELETE,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                // LoopBack: only the links go; the targets remain
                Through::open(def, rel, &inv)?.unlink_all().await?;
                Ok(Vec::new())
            })
            .description(format!("Unlinks all {n} of this model.")),
        ),
    );
    v.insert(
        5,
        method(
            format!("__updateById__{n}"),
            Method::PUT,
            format!("{p}/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let links = Through::open(def, rel, &inv)?;
                let row = links
                    .update_by_id(&fk_arg_value(&inv)?, object_arg(&inv, "data"))
                    .await?;
                Ok(vec![Value::Object(row.to_object())])
            })
            .accepts(fk_arg())
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one(t))
            .description(format!("Update a related item by id for {n}.")),
        ),
    );
    v
}

/// The endpoints every linked relation has (hasManyThrough, referencesMany), written once
/// over [`Links`]; `link_returns` is what `__link__` answers.
fn linked<L: Links>(
    def: &'static ModelDefinition,
    rel: Rel,
    link_returns: Returns,
) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    vec![
        method(
            format!("__get__{n}"),
            Method::GET,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let links = L::open(def, rel, &inv)?;
                let repo = links.target()?;
                let rows = links.find(client_filter(&inv, repo.model)?).await?;
                Ok(vec![Value::Array(
                    rows.iter().map(|r| Value::Object(r.to_object())).collect(),
                )])
            })
            .accepts(Accept::new("filter", ArgType::Object).source(Source::Query))
            .returns(many(t))
            .description(format!("Queries {n} of {}.", def.name)),
        ),
        method(
            format!("__create__{n}"),
            Method::POST,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let mut links = L::open(def, rel, &inv)?;
                let row = links.create(object_arg(&inv, "data")).await?;
                Ok(vec![Value::Object(row.to_object())])
            })
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one(t))
            .description(format!(
                "Creates a new instance in {n} of this model, {}.",
                L::TIED
            )),
        ),
        method(
            format!("__count__{n}"),
            Method::GET,
            format!("{p}/count"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                // the linked instances (LoopBack 3 counted a referencesMany's whole table)
                let links = L::open(def, rel, &inv)?;
                let w = client_where(&inv, links.target()?.model)?;
                Ok(vec![json!({ "count": links.count(w).await? })])
            })
            .accepts(Accept::new("where", ArgType::Object).source(Source::Query))
            .returns(Returns::root("count", ArgType::Object))
            .description(format!("Counts {n} of {}.", def.name)),
        ),
        method(
            format!("__findById__{n}"),
            Method::GET,
            format!("{p}/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let links = L::open(def, rel, &inv)?;
                let row = links.find_by_id(&fk_arg_value(&inv)?).await?;
                Ok(vec![Value::Object(row.to_object())])
            })
            .accepts(fk_arg())
            .returns(one(t))
            .description(format!("Find a related item by id for {n}.")),
        ),
        method(
            format!("__destroyById__{n}"),
            Method::DELETE,
            format!("{p}/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                L::open(def, rel, &inv)?
                    .destroy_by_id(&fk_arg_value(&inv)?)
                    .await?;
                Ok(Vec::new())
            })
            .accepts(fk_arg())
            .description(format!("Delete a related item by id for {n}.")),
        ),
        {
            let link = RemoteMethod::new("", move |inv: Invocation| async move {
                let mut links = L::open(def, rel, &inv)?;
                let data = match object_arg(&inv, "data") {
                    Value::Object(o) => o,
                    _ => Map::new(),
                };
                let row = links.link(&fk_arg_value(&inv)?, data).await?;
                Ok(vec![Value::Object(row.to_object())])
            })
            .accepts(fk_arg());
            let link = if L::LINK_DATA {
                link.accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            } else {
                link
            };
            method(
                format!("__link__{n}"),
                Method::PUT,
                format!("{p}/rel/:fk"),
                link.returns(link_returns)
                    .description(format!("Add a related item by id for {n}.")),
            )
        },
        method(
            format!("__unlink__{n}"),
            Method::DELETE,
            format!("{p}/rel/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                L::open(def, rel, &inv)?
                    .unlink(&fk_arg_value(&inv)?)
                    .await?;
                Ok(Vec::new())
            })
            .accepts(fk_arg())
            .description(format!("Remove the {n} relation to an item by id.")),
        ),
        method(
            format!("__exists__{n}"),
            Method::HEAD,
            format!("{p}/rel/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                // 200 when linked, 404 when not (LoopBack 3 answered a referencesMany's 500)
                let fk = fk_arg_value(&inv)?;
                if !L::open(def, rel, &inv)?.exists(&fk).await? {
                    return Err(not_found(&fk, &rel.target));
                }
                // a HEAD answer's body is dropped; the value makes it a 200, not a 204
                Ok(vec![Value::Bool(true)])
            })
            .accepts(fk_arg())
            .returns(Returns::root("exists", ArgType::Boolean))
            .description(format!(
                "Check the existence of {n} relation to an item by id."
            )),
        ),
    ]
}

/// One instance of the target model.
fn one(target: &'static str) -> Returns {
    Returns::root("data", ArgType::Object).model(Some(target))
}

/// A list of the target model's instances.
fn many(target: &'static str) -> Returns {
    Returns::root("data", ArgType::array_of(ArgType::Object)).model(Some(target))
}

/// The `:fk` path argument of the relation routes.
fn fk_arg() -> Accept {
    Accept::new("fk", ArgType::Any)
        .required()
        .source(Source::Path)
        .description("Foreign key")
}

fn references_many(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    // LoopBack answers the target of a link (there is no link row)
    linked::<References>(def, rel, one(&rel.target))
}
