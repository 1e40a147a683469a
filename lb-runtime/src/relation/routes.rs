//! The relation endpoints of spec §3 as remote methods of the source model
//! (`prototype.__get__inventory`, ...): instance methods, so the parent is loaded first and a
//! missing one is LoopBack's 404 `could not find a model with id ..`.

use axum::http::Method;
use serde_json::{json, Map, Value};

use super::linked::{References, Through};
use super::many::{Editable, Links, Many};
use super::not_found;
use super::owned::{self, Owned};
use crate::filter::{parse_filter, parse_where, ParseOptions};
use crate::model::{ModelDefinition, RelationDefinition, RelationKind};
use crate::remote::{Accept, AccessType, ArgType, Invocation, RemoteMethod, Returns, Source};
use crate::shape::{self, Level}; // polymorphic targets are shaped here: their model varies
use crate::{Error, Result};

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
    Ok((parse_filter(def, &Value::Object(f), rest_options(inv))?, w))
}

/// The client's `filter` argument, parsed with REST rules (its where is the client's alone).
fn client_filter(inv: &Invocation, def: &ModelDefinition) -> Result<crate::filter::Filter> {
    let (mut f, w) = client_filter_parts(inv, def)?;
    f.where_ = rest_where(inv, def, &w)?;
    Ok(f)
}

/// The client's `where` argument, parsed with REST rules.
fn client_where(inv: &Invocation, def: &ModelDefinition) -> Result<Option<crate::filter::Where>> {
    rest_where(inv, def, &object_arg(inv, "where"))
}

fn rest_where(
    inv: &Invocation,
    def: &ModelDefinition,
    w: &Value,
) -> Result<Option<crate::filter::Where>> {
    if w.is_null() {
        return Ok(None);
    }
    parse_where(def, w, rest_options(inv))
}

/// REST parse rules with the app's limits.
fn rest_options(inv: &Invocation) -> ParseOptions {
    ParseOptions::rest().with_limits(inv.app.query_limits())
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

fn belongs_to_get(def: &'static ModelDefinition, rel: Rel) -> RemoteMethod {
    let t: &'static str = &rel.target;
    method(
        format!("__get__{}", rel.name),
        Method::GET,
        format!("/{}", rel.path()),
        RemoteMethod::new("", move |inv: Invocation| async move {
            let value = |name: &str| {
                inv.instance
                    .as_ref()
                    .and_then(|r| r.get(name).map(std::borrow::Cow::into_owned))
                    .filter(|v| !v.is_null())
            };
            // LoopBack: no foreign key → `{}`, a key with no target → `null`
            let Some(fk) = value(&rel.foreign_key) else {
                return Ok(vec![json!({})]);
            };
            // polymorphic: the row names its target's model
            let model = match &rel.discriminator {
                Some(d) if rel.is_polymorphic_belongs_to() => match value(d) {
                    Some(Value::String(m)) => Some(m),
                    _ => return Ok(vec![Value::Null]),
                },
                _ => None,
            };
            Ok(vec![match owned::referred(
                &super::repository(&inv, &def.name)?,
                rel,
                &fk,
                model.as_deref(),
            )
            .await?
            {
                Some((repo, r)) => shape::row(repo.model, &r, Level::Top),
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
    vec![
        method(
            format!("__get__{n}"),
            Method::GET,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let row = Owned::open(def, rel, &inv)?.get_one().await?;
                Ok(vec![Value::Object(row.to_object())])
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
                let row = Owned::open(def, rel, &inv)?
                    .create_one(object_arg(&inv, "data"))
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
                let row = Owned::open(def, rel, &inv)?
                    .update_one(object_arg(&inv, "data"))
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
                Owned::open(def, rel, &inv)?.destroy_one().await?;
                Ok(Vec::new())
            })
            .description(format!("Deletes {n} of this model.")),
        ),
    ]
}

fn has_many(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let mut v = many::<Owned>(def, rel);
    editable::<Owned>(def, rel, &mut v);
    v
}

fn has_many_through(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let th: &'static str = rel.through.as_deref().unwrap_or_default();
    let mut v = many::<Through>(def, rel);
    editable::<Through>(def, rel, &mut v);
    v.extend(links::<Through>(
        def,
        rel,
        Returns::root("data", ArgType::Object).model(Some(th)),
    ));
    v
}

fn references_many(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let mut v = many::<References>(def, rel);
    // LoopBack answers the target of a link (there is no link row)
    v.extend(links::<References>(def, rel, one(&rel.target)));
    v
}

/// The endpoints every to-many relation has, written once over [`Many`]: get, create, count,
/// findById, destroyById.
fn many<M: Many>(def: &'static ModelDefinition, rel: Rel) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    let data = Accept::new("data", ArgType::Object).source(Source::Body);
    vec![
        method(
            format!("__get__{n}"),
            Method::GET,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let m = M::open(def, rel, &inv)?;
                let rows = m.find(client_filter(&inv, m.target()?.model)?).await?;
                Ok(vec![rows_value(&rows)])
            })
            .accepts(Accept::new("filter", ArgType::Object).source(Source::Query))
            .returns(many_of(t))
            .description(format!("Queries {n} of {}.", def.name)),
        ),
        method(
            format!("__create__{n}"),
            Method::POST,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let mut m = M::open(def, rel, &inv)?;
                Ok(vec![match object_arg(&inv, "data") {
                    Value::Array(items) if M::CREATE_MANY => {
                        rows_value(&m.create_many(items).await?)
                    }
                    body => Value::Object(m.create(body).await?.to_object()),
                }])
            })
            .accepts(if M::CREATE_MANY {
                data.allow_array()
            } else {
                data
            })
            .returns(one(t))
            .description(match M::TIED {
                Some(tied) => format!("Creates a new instance in {n} of this model, {tied}."),
                None => format!("Creates a new instance in {n} of this model."),
            }),
        ),
        method(
            format!("__count__{n}"),
            Method::GET,
            format!("{p}/count"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                // the related instances (LoopBack 3 counted a referencesMany's whole table)
                let m = M::open(def, rel, &inv)?;
                let w = client_where(&inv, m.target()?.model)?;
                Ok(vec![json!({ "count": m.count(w).await? })])
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
                let row = M::open(def, rel, &inv)?
                    .find_by_id(&fk_arg_value(&inv)?)
                    .await?;
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
                M::open(def, rel, &inv)?
                    .destroy_by_id(&fk_arg_value(&inv)?)
                    .await?;
                Ok(Vec::new())
            })
            .accepts(fk_arg())
            .description(format!("Delete a related item by id for {n}.")),
        ),
    ]
}

/// `__delete__` and `__updateById__` of an [`Editable`] relation, put in LoopBack's order
/// among the endpoints of [`many`].
fn editable<M: Editable>(def: &'static ModelDefinition, rel: Rel, v: &mut Vec<RemoteMethod>) {
    let n = &rel.name;
    let p = format!("/{}", rel.path());
    let t: &'static str = &rel.target;
    v.insert(
        2,
        method(
            format!("__delete__{n}"),
            Method::DELETE,
            p.clone(),
            RemoteMethod::new("", move |inv: Invocation| async move {
                M::open(def, rel, &inv)?.delete_all().await?;
                Ok(Vec::new())
            })
            .description(format!("{} all {n} of this model.", M::DELETE_ALL)),
        ),
    );
    v.insert(
        5,
        method(
            format!("__updateById__{n}"),
            Method::PUT,
            format!("{p}/:fk"),
            RemoteMethod::new("", move |inv: Invocation| async move {
                let row = M::open(def, rel, &inv)?
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
}

/// `__link__`, `__unlink__` and `__exists__` of a [`Links`] relation; `link_returns` is what
/// `__link__` answers.
fn links<L: Links>(
    def: &'static ModelDefinition,
    rel: Rel,
    link_returns: Returns,
) -> Vec<RemoteMethod> {
    let n = &rel.name;
    let p = format!("/{}/rel/:fk", rel.path());
    let link = RemoteMethod::new("", move |inv: Invocation| async move {
        let data = match object_arg(&inv, "data") {
            Value::Object(o) => o,
            _ => Map::new(),
        };
        let row = L::open(def, rel, &inv)?
            .link(&fk_arg_value(&inv)?, data)
            .await?;
        Ok(vec![Value::Object(row.to_object())])
    })
    .accepts(fk_arg());
    let link = if L::LINK_DATA {
        link.accepts(Accept::new("data", ArgType::Object).source(Source::Body))
    } else {
        link
    };
    vec![
        method(
            format!("__link__{n}"),
            Method::PUT,
            p.clone(),
            link.returns(link_returns)
                .description(format!("Add a related item by id for {n}.")),
        ),
        method(
            format!("__unlink__{n}"),
            Method::DELETE,
            p.clone(),
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
            p,
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

/// Rows as a JSON array (shaped later, by the pipeline).
fn rows_value(rows: &[crate::connector::Row]) -> Value {
    Value::Array(rows.iter().map(|r| Value::Object(r.to_object())).collect())
}

/// One instance of the target model.
fn one(target: &'static str) -> Returns {
    Returns::root("data", ArgType::Object).model(Some(target))
}

/// A list of the target model's instances.
fn many_of(target: &'static str) -> Returns {
    Returns::root("data", ArgType::array_of(ArgType::Object)).model(Some(target))
}

/// The `:fk` path argument of the relation routes.
fn fk_arg() -> Accept {
    Accept::new("fk", ArgType::Any)
        .required()
        .source(Source::Path)
        .description("Foreign key")
}
