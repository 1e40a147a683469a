//! The relation endpoints of spec §3 as remote methods of the source model
//! (`prototype.__get__inventory`, ...): instance methods, so the parent is loaded first and a
//! missing one is LoopBack's 404 `could not find a model with id ..`.

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::{include, key_of, visible};
use crate::filter::{parse_filter, parse_where, ParseOptions};
use crate::model::{ModelDefinition, RelationDefinition, RelationKind};
use crate::remote::{Accept, ArgType, Invocation, RemoteMethod, Returns, Source};
use crate::repository::Repository;
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

/// The value the related rows' foreign key holds: the parent's primary key.
fn parent_key(def: &ModelDefinition, rel: Rel, inv: &Invocation) -> Result<Value> {
    let pk = rel.primary_key.as_deref().unwrap_or(&def.id().name);
    inv.instance
        .as_ref()
        .and_then(|r| r.get(pk).map(std::borrow::Cow::into_owned))
        .filter(|v| !v.is_null())
        .ok_or_else(|| Error::internal(format!("{}: the instance has no {pk}", def.name)))
}

fn method(name: String, verb: Method, path: String, rel: Rel, f: RemoteMethod) -> RemoteMethod {
    let _ = rel;
    RemoteMethod {
        name: name.into(),
        ..f
    }
    .instance()
    .http(verb, path)
}

fn object_arg(inv: &Invocation, name: &str) -> Value {
    inv.args.get(name).cloned().unwrap_or(Value::Null)
}

/// The server's own condition `{fk: key}` (never stripped: a hidden foreign key still
/// scopes the query) AND-ed with the client's where (parsed with REST rules).
fn scoped_where(
    def: &ModelDefinition,
    fk: &str,
    key: &Value,
    client: &Value,
) -> Result<Option<crate::filter::Where>> {
    let own = parse_where(def, &json!({ fk: key }), ParseOptions::default())?.unwrap_or_default();
    let client = if client.is_null() {
        None
    } else {
        parse_where(def, client, ParseOptions::rest())?
    };
    let mut w = own;
    if let Some(c) = client {
        w.0.extend(c.0);
    }
    Ok(Some(w))
}

/// [`scoped_where`] plus, for a polymorphic hasMany/hasOne, `{discriminator: source name}`.
fn rel_where(
    target: &ModelDefinition,
    rel: Rel,
    source: &ModelDefinition,
    key: &Value,
    client: &Value,
) -> Result<Option<crate::filter::Where>> {
    let mut w = scoped_where(target, &rel.foreign_key, key, client)?.unwrap_or_default();
    if let Some(d) = &rel.discriminator {
        if let Some(own) = parse_where(target, &json!({ d: source.name }), ParseOptions::default())?
        {
            w.0.extend(own.0);
        }
    }
    Ok(Some(w))
}

/// The client's `filter` argument without its `where`, and that `where` (the caller ANDs it
/// with the relation's own condition).
fn client_filter(
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

/// A path `fk`: a scalar (an object would be read as an operator).
fn fk_arg_value(inv: &Invocation) -> Result<Value> {
    match object_arg(inv, "fk") {
        v @ (Value::Object(_) | Value::Array(_)) => {
            Err(Error::bad_request(format!("fk must be an id, not {v}")))
        }
        v => Ok(v),
    }
}

fn not_found(id: &Value, target: &str) -> Error {
    Error::new(
        StatusCode::NOT_FOUND,
        format!(
            "No instance with id {} found for {target}",
            crate::value::js::to_js_string(id)
        ),
    )
}

/// The related instance `fk` of this parent, or LoopBack's 404.
async fn related(
    repo: &Repository,
    rel: Rel,
    key: &Value,
    fk: &Value,
) -> Result<crate::connector::Row> {
    let row = repo.find_by_id(fk, None).await?;
    match row {
        Some(r) if r.get(&rel.foreign_key).and_then(|v| key_of(&v)) == key_of(key) => Ok(r),
        _ => Err(not_found(fk, &rel.target)),
    }
}

/// The body with the foreign key set to the parent (LoopBack silently overrides it) and, for
/// a polymorphic relation, the discriminator to the parent's model.
fn with_fk(body: Value, rel: Rel, source: &ModelDefinition, key: &Value) -> Result<Value> {
    let mut o = match body {
        Value::Object(o) => o,
        Value::Null => Map::new(),
        _ => return Err(crate::repository::not_an_object()),
    };
    o.insert(rel.foreign_key.clone(), key.clone());
    if let Some(d) = &rel.discriminator {
        o.insert(d.clone(), Value::String(source.name.clone()));
    }
    Ok(Value::Object(o))
}

fn has_many(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    let one = || Returns::root("data", ArgType::Object).model(Some(t));
    let many = || Returns::root("data", ArgType::array_of(ArgType::Object)).model(Some(t));
    let fk_arg = || {
        Accept::new("fk", ArgType::Any)
            .required()
            .source(Source::Path)
            .description("Foreign key")
    };
    vec![
        method(
            format!("__get__{n}"),
            Method::GET,
            p.clone(),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let (mut filter, w) = client_filter(&inv, repo.model)?;
                filter.where_ = rel_where(repo.model, rel, def, &key, &w)?;
                let rows = include::find_with_include(&inv.app, &repo, &filter).await?;
                Ok(vec![Value::Array(
                    rows.iter().map(|r| visible(repo.model, r)).collect(),
                )])
            })
            .accepts(Accept::new("filter", ArgType::Object).source(Source::Query))
            .returns(many())
            .description(format!("Queries {n} of {}.", def.name)),
        ),
        method(
            format!("__create__{n}"),
            Method::POST,
            p.clone(),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                match object_arg(&inv, "data") {
                    Value::Array(items) => {
                        let items = items
                            .into_iter()
                            .map(|i| with_fk(i, rel, def, &key))
                            .collect::<Result<Vec<_>>>()?;
                        let rows = repo.create_many(items).await?;
                        Ok(vec![Value::Array(
                            rows.iter().map(|r| visible(repo.model, r)).collect(),
                        )])
                    }
                    body => {
                        let row = repo.create(with_fk(body, rel, def, &key)?).await?;
                        Ok(vec![visible(repo.model, &row)])
                    }
                }
            })
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one())
            .description(format!("Creates a new instance in {n} of this model.")),
        ),
        method(
            format!("__delete__{n}"),
            Method::DELETE,
            p.clone(),
            rel,
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
            rel,
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
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let row = related(&repo, rel, &key, &fk_arg_value(&inv)?).await?;
                Ok(vec![visible(repo.model, &row)])
            })
            .accepts(fk_arg())
            .returns(one())
            .description(format!("Find a related item by id for {n}.")),
        ),
        method(
            format!("__updateById__{n}"),
            Method::PUT,
            format!("{p}/:fk"),
            rel,
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
                Ok(vec![visible(repo.model, &row)])
            })
            .accepts(fk_arg())
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one())
            .description(format!("Update a related item by id for {n}.")),
        ),
        method(
            format!("__destroyById__{n}"),
            Method::DELETE,
            format!("{p}/:fk"),
            rel,
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
        rel,
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
            let pk = rel.primary_key.as_deref().unwrap_or(&repo.model.id().name);
            let w = parse_where(repo.model, &json!({ pk: fk }), ParseOptions::default())?;
            let filter = crate::filter::Filter {
                where_: w,
                limit: Some(1),
                ..Default::default()
            };
            Ok(vec![match repo.find(&filter).await?.first() {
                Some(r) => visible(repo.model, r),
                None => Value::Null,
            }])
        })
        .accepts(Accept::new("refresh", ArgType::Boolean).source(Source::Query))
        .returns(Returns::root("data", ArgType::Object).model(Some(t)))
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
    let one = || Returns::root("data", ArgType::Object).model(Some(t));
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
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let key = parent_key(def, rel, &inv)?;
                match current(inv.app.clone(), key).await? {
                    (repo, Some(r)) => Ok(vec![visible(repo.model, &r)]),
                    _ => Err(
                        Error::not_found(format!("No \"{}\" instance(s) found", rel.target))
                            .with_code("MODEL_NOT_FOUND"),
                    ),
                }
            })
            .accepts(Accept::new("refresh", ArgType::Boolean).source(Source::Query))
            .returns(one())
            .description(format!("Fetches hasOne relation {n}.")),
        ),
        method(
            format!("__create__{n}"),
            Method::POST,
            p.clone(),
            rel,
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
                    .create(with_fk(object_arg(&inv, "data"), rel, def, &key)?)
                    .await?;
                Ok(vec![visible(repo.model, &row)])
            })
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one())
            .description(format!("Creates a new instance in {n} of this model.")),
        ),
        method(
            format!("__update__{n}"),
            Method::PUT,
            p.clone(),
            rel,
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
                let body = with_fk(object_arg(&inv, "data"), rel, def, &key)?;
                let row = repo
                    .patch_attributes(&id, body, &crate::value::js::to_js_string(&id))
                    .await?;
                Ok(vec![visible(repo.model, &row)])
            })
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one())
            .description(format!("Update {n} of this model.")),
        ),
        method(
            format!("__destroy__{n}"),
            Method::DELETE,
            p,
            rel,
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

/// The through model's repository of a hasManyThrough relation.
fn through(app: &App, rel: Rel) -> Result<Repository> {
    let name = rel.through.as_deref().unwrap_or_default();
    app.repository(name)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| Error::internal(format!("model {name} is not attached to the app")))
}

/// The through rows linking this parent (and, with `target_id`, that target).
async fn links(
    app: &App,
    rel: Rel,
    key: &Value,
    target_id: Option<&Value>,
) -> Result<(Repository, Vec<crate::connector::Row>)> {
    let repo = through(app, rel)?;
    let mut w = json!({ &rel.foreign_key: key });
    if let Some(t) = target_id {
        w[rel.key_through()] = t.clone();
    }
    let w = parse_where(repo.model, &w, ParseOptions::default())?;
    let rows = repo
        .find(&crate::filter::Filter {
            where_: w,
            ..Default::default()
        })
        .await?;
    Ok((repo, rows))
}

/// The targets linked to this parent, AND-ed with the client's where: one condition (an
/// `EXISTS` over the links on SQL), however many links there are.
fn linked_where(
    app: &App,
    rel: Rel,
    target: &'static ModelDefinition,
    key: &Value,
    client: &Value,
) -> Result<Option<crate::filter::Where>> {
    let links = through(app, rel)?;
    let own = parse_where(
        links.model,
        &json!({ &rel.foreign_key: key }),
        ParseOptions::default(),
    )?
    .unwrap_or_default();
    let mut w = crate::filter::Where(vec![crate::filter::Clause::Related(Box::new(
        crate::filter::Related {
            relation: String::new(),
            source_key: target.id().name.clone(),
            target_key: rel.key_through(),
            target: links.model,
            where_: own,
        },
    ))]);
    if !client.is_null() {
        if let Some(c) = parse_where(target, client, ParseOptions::rest())? {
            w.0.extend(c.0);
        }
    }
    Ok(Some(w))
}

async fn require_link(app: &App, rel: Rel, key: &Value, fk: &Value) -> Result<()> {
    let (_, rows) = links(app, rel, key, Some(fk)).await?;
    if rows.is_empty() {
        return Err(not_found(fk, &rel.target));
    }
    Ok(())
}

pub(super) fn has_many_through(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    let th: &'static str = rel.through.as_deref().unwrap_or_default();
    let one = || Returns::root("data", ArgType::Object).model(Some(t));
    let many = || Returns::root("data", ArgType::array_of(ArgType::Object)).model(Some(t));
    let fk_arg = || {
        Accept::new("fk", ArgType::Any)
            .required()
            .source(Source::Path)
            .description("Foreign key")
    };
    vec![
        method(
            format!("__get__{n}"),
            Method::GET,
            p.clone(),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let (mut filter, w) = client_filter(&inv, repo.model)?;
                filter.where_ = linked_where(&inv.app, rel, repo.model, &key, &w)?;
                let rows = include::find_with_include(&inv.app, &repo, &filter).await?;
                Ok(vec![Value::Array(
                    rows.iter().map(|r| visible(repo.model, r)).collect(),
                )])
            })
            .accepts(Accept::new("filter", ArgType::Object).source(Source::Query))
            .returns(many())
            .description(format!("Queries {n} of {}.", def.name)),
        ),
        method(
            format!("__create__{n}"),
            Method::POST,
            p.clone(),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let row = repo.create(object_arg(&inv, "data")).await?;
                let id = repo.row_id(&row).unwrap_or(Value::Null);
                through(&inv.app, rel)?
                    .create(json!({ &rel.foreign_key: key, rel.key_through(): id }))
                    .await?;
                Ok(vec![visible(repo.model, &row)])
            })
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one())
            .description(format!(
                "Creates a new instance in {n} of this model, linked."
            )),
        ),
        method(
            format!("__delete__{n}"),
            Method::DELETE,
            p.clone(),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let key = parent_key(def, rel, &inv)?;
                let repo = through(&inv.app, rel)?;
                let w = scoped_where(repo.model, &rel.foreign_key, &key, &Value::Null)?;
                // LoopBack: only the links go; the targets remain
                repo.delete_all(w.as_ref()).await?;
                Ok(Vec::new())
            })
            .description(format!("Unlinks all {n} of this model.")),
        ),
        method(
            format!("__count__{n}"),
            Method::GET,
            format!("{p}/count"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let w = linked_where(&inv.app, rel, repo.model, &key, &object_arg(&inv, "where"))?;
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
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let fk = fk_arg_value(&inv)?;
                require_link(&inv.app, rel, &key, &fk).await?;
                match repo.find_by_id(&fk, None).await? {
                    Some(r) => Ok(vec![visible(repo.model, &r)]),
                    None => Err(not_found(&fk, &rel.target)),
                }
            })
            .accepts(fk_arg())
            .returns(one())
            .description(format!("Find a related item by id for {n}.")),
        ),
        method(
            format!("__updateById__{n}"),
            Method::PUT,
            format!("{p}/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let fk = fk_arg_value(&inv)?;
                require_link(&inv.app, rel, &key, &fk).await?;
                let text = crate::value::js::to_js_string(&fk);
                let row = repo
                    .patch_attributes(&fk, object_arg(&inv, "data"), &text)
                    .await?;
                Ok(vec![visible(repo.model, &row)])
            })
            .accepts(fk_arg())
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one())
            .description(format!("Update a related item by id for {n}.")),
        ),
        method(
            format!("__destroyById__{n}"),
            Method::DELETE,
            format!("{p}/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let fk = fk_arg_value(&inv)?;
                require_link(&inv.app, rel, &key, &fk).await?;
                repo.delete_by_id(&fk).await?;
                let (links_repo, rows) = links(&inv.app, rel, &key, Some(&fk)).await?;
                for r in rows {
                    if let Some(id) = links_repo.row_id(&r) {
                        links_repo.delete_by_id(&id).await?;
                    }
                }
                Ok(Vec::new())
            })
            .accepts(fk_arg())
            .description(format!("Delete a related item by id for {n}.")),
        ),
        method(
            format!("__link__{n}"),
            Method::PUT,
            format!("{p}/rel/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let key = parent_key(def, rel, &inv)?;
                let fk = fk_arg_value(&inv)?;
                if repo.find_by_id(&fk, None).await?.is_none() {
                    return Err(not_found(&fk, &rel.target));
                }
                let (links_repo, existing) = links(&inv.app, rel, &key, Some(&fk)).await?;
                // linking again answers the existing link, as LoopBack
                if let Some(r) = existing.first() {
                    return Ok(vec![visible(links_repo.model, r)]);
                }
                let mut body = match object_arg(&inv, "data") {
                    Value::Object(o) => o,
                    _ => Map::new(),
                };
                body.insert(rel.foreign_key.clone(), key);
                body.insert(rel.key_through(), fk);
                let row = links_repo.create(Value::Object(body)).await?;
                Ok(vec![visible(links_repo.model, &row)])
            })
            .accepts(fk_arg())
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(Returns::root("data", ArgType::Object).model(Some(th)))
            .description(format!("Add a related item by id for {n}.")),
        ),
        method(
            format!("__unlink__{n}"),
            Method::DELETE,
            format!("{p}/rel/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let key = parent_key(def, rel, &inv)?;
                let fk = fk_arg_value(&inv)?;
                let (links_repo, rows) = links(&inv.app, rel, &key, Some(&fk)).await?;
                for r in rows {
                    if let Some(id) = links_repo.row_id(&r) {
                        links_repo.delete_by_id(&id).await?;
                    }
                }
                Ok(Vec::new())
            })
            .accepts(fk_arg())
            .description(format!("Remove the {n} relation to an item by id.")),
        ),
        method(
            format!("__exists__{n}"),
            Method::HEAD,
            format!("{p}/rel/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let key = parent_key(def, rel, &inv)?;
                let fk = fk_arg_value(&inv)?;
                require_link(&inv.app, rel, &key, &fk).await?;
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

/// The ids the parent references (its array foreign key).
fn referenced(inv: &Invocation, rel: Rel) -> Vec<Value> {
    match inv
        .instance
        .as_ref()
        .and_then(|r| r.get(&rel.foreign_key).map(std::borrow::Cow::into_owned))
    {
        Some(Value::Array(a)) => a.into_iter().filter(|v| !v.is_null()).collect(),
        _ => Vec::new(),
    }
}

/// The parent's array with `id` added (once) or removed.
async fn set_references(
    def: &ModelDefinition,
    rel: Rel,
    inv: &Invocation,
    id: &Value,
    add: bool,
) -> Result<()> {
    let mut ids = referenced(inv, rel);
    let k = key_of(id);
    let present = ids.iter().any(|v| key_of(v) == k);
    if add == present {
        return Ok(());
    }
    if add {
        ids.push(id.clone());
    } else {
        ids.retain(|v| key_of(v) != k);
    }
    let repo = inv
        .app
        .repository(&def.name)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| Error::internal(format!("model {} is not attached", def.name)))?;
    let pid = parent_key(def, rel, inv)?;
    let text = crate::value::js::to_js_string(&pid);
    repo.patch_attributes(&pid, json!({ &rel.foreign_key: ids }), &text)
        .await?;
    Ok(())
}

fn references_many(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    let one = || Returns::root("data", ArgType::Object).model(Some(t));
    let many = || Returns::root("data", ArgType::array_of(ArgType::Object)).model(Some(t));
    let fk_arg = || {
        Accept::new("fk", ArgType::Any)
            .required()
            .source(Source::Path)
            .description("Foreign key")
    };
    // the targets among the parent's ids, AND-ed with the client's where
    let among = |repo: &Repository,
                 ids: Vec<Value>,
                 client: &Value|
     -> Result<Option<crate::filter::Where>> {
        let pk = &repo.model.id().name;
        let mut w = parse_where(
            repo.model,
            &json!({ pk: { "inq": ids } }),
            ParseOptions::default(),
        )?
        .unwrap_or_default();
        if !client.is_null() {
            if let Some(c) = parse_where(repo.model, client, ParseOptions::rest())? {
                w.0.extend(c.0);
            }
        }
        Ok(Some(w))
    };
    let require = move |inv: &Invocation, fk: &Value| -> Result<()> {
        let k = key_of(fk);
        if referenced(inv, rel).iter().any(|v| key_of(v) == k) {
            Ok(())
        } else {
            Err(not_found(fk, &rel.target))
        }
    };
    vec![
        method(
            format!("__get__{n}"),
            Method::GET,
            p.clone(),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let (mut filter, w) = client_filter(&inv, repo.model)?;
                filter.where_ = among(&repo, referenced(&inv, rel), &w)?;
                let rows = include::find_with_include(&inv.app, &repo, &filter).await?;
                Ok(vec![Value::Array(
                    rows.iter().map(|r| visible(repo.model, r)).collect(),
                )])
            })
            .accepts(Accept::new("filter", ArgType::Object).source(Source::Query))
            .returns(many())
            .description(format!("Queries {n} of {}.", def.name)),
        ),
        method(
            format!("__create__{n}"),
            Method::POST,
            p.clone(),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let row = repo.create(object_arg(&inv, "data")).await?;
                let id = repo.row_id(&row).unwrap_or(Value::Null);
                set_references(def, rel, &inv, &id, true).await?;
                Ok(vec![visible(repo.model, &row)])
            })
            .accepts(Accept::new("data", ArgType::Object).source(Source::Body))
            .returns(one())
            .description(format!(
                "Creates a new instance in {n} of this model, referenced."
            )),
        ),
        method(
            format!("__count__{n}"),
            Method::GET,
            format!("{p}/count"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                // the referenced instances (LoopBack 3 counted the whole target table)
                let repo = target(&inv.app, rel)?;
                let w = among(&repo, referenced(&inv, rel), &object_arg(&inv, "where"))?;
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
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let fk = fk_arg_value(&inv)?;
                require(&inv, &fk)?;
                match repo.find_by_id(&fk, None).await? {
                    Some(r) => Ok(vec![visible(repo.model, &r)]),
                    None => Err(not_found(&fk, &rel.target)),
                }
            })
            .accepts(fk_arg())
            .returns(one())
            .description(format!("Find a related item by id for {n}.")),
        ),
        method(
            format!("__destroyById__{n}"),
            Method::DELETE,
            format!("{p}/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let fk = fk_arg_value(&inv)?;
                require(&inv, &fk)?;
                repo.delete_by_id(&fk).await?;
                set_references(def, rel, &inv, &fk, false).await?;
                Ok(Vec::new())
            })
            .accepts(fk_arg())
            .description(format!("Delete a related item by id for {n}.")),
        ),
        method(
            format!("__link__{n}"),
            Method::PUT,
            format!("{p}/rel/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let repo = target(&inv.app, rel)?;
                let fk = fk_arg_value(&inv)?;
                let Some(row) = repo.find_by_id(&fk, None).await? else {
                    return Err(not_found(&fk, &rel.target));
                };
                set_references(def, rel, &inv, &fk, true).await?;
                // LoopBack answers the target (not a link record)
                Ok(vec![visible(repo.model, &row)])
            })
            .accepts(fk_arg())
            .returns(one())
            .description(format!("Add a related item by id for {n}.")),
        ),
        method(
            format!("__unlink__{n}"),
            Method::DELETE,
            format!("{p}/rel/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                let fk = fk_arg_value(&inv)?;
                set_references(def, rel, &inv, &fk, false).await?;
                Ok(Vec::new())
            })
            .accepts(fk_arg())
            .description(format!("Remove the {n} relation to an item by id.")),
        ),
        method(
            format!("__exists__{n}"),
            Method::HEAD,
            format!("{p}/rel/:fk"),
            rel,
            RemoteMethod::new("", move |inv: Invocation| async move {
                // 200 when referenced, 404 when not (LoopBack 3 answered 500 either way)
                let fk = fk_arg_value(&inv)?;
                require(&inv, &fk)?;
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
