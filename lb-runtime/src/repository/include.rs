//! `include`, run by [`Repository::find`] and [`Repository::find_by_id`]: related rows attached to query results, one query per relation and level
//! (`fk IN (..)` over the keys of all parents), never one per parent.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::Repository;
use crate::connector::Row;
use crate::filter::{parse_filter, Fields, Filter, Inclusion, ParseOptions, Scope};
use crate::model::{ModelDefinition, RelationDefinition, RelationKind};
use crate::shape::{self, Level};
use crate::value::js::key_of;
use crate::value::{Object, Record};
use crate::{Error, Result};

/// Keys per `IN (..)` query: bounded statements whatever the number of parents.
const BATCH: usize = 500;

fn relation<'d>(def: &'d ModelDefinition, name: &str) -> Result<&'d RelationDefinition> {
    def.relation(name).ok_or_else(|| {
        Error::bad_request(format!(
            "Relation {} is not defined for {} model",
            Value::String(name.to_string()),
            def.name
        ))
    })
}

/// The properties `include` needs on the parent rows: the foreign key of a belongsTo, the
/// primary key of a hasMany/hasOne.
fn parent_keys(def: &ModelDefinition, include: &[Inclusion]) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    for inc in include {
        let rel = relation(def, &inc.relation)?;
        keys.push(match rel.kind {
            RelationKind::BelongsTo | RelationKind::ReferencesMany => rel.foreign_key.clone(),
            _ => rel.referenced_key(def).to_string(),
        });
    }
    Ok(keys)
}

/// `fields` extended by `keys`; the keys it had to add.
fn with_keys(fields: &Option<Fields>, keys: &[String]) -> (Option<Fields>, Vec<String>) {
    let Some(f) = fields else {
        return (None, Vec::new());
    };
    let added: Vec<String> = keys.iter().filter(|k| !f.shows(k)).cloned().collect();
    let f = match f {
        Fields::Include(names) => {
            let mut names = names.clone();
            names.extend(added.iter().cloned());
            Fields::Include(names)
        }
        Fields::Exclude(names) => Fields::Exclude(
            names
                .iter()
                .filter(|n| !added.contains(n))
                .cloned()
                .collect(),
        ),
    };
    (Some(f), added)
}

/// `find` with `include`: the rows, each with its related rows under the relation's name.
/// `fields` that leave out a key the inclusion needs are widened for the query and the key
/// is removed again from the answer (the relation is never silently dropped).
pub(super) async fn find(repo: &Repository, filter: &Filter) -> Result<Vec<Row>> {
    let include = &filter.include;
    let keys = parent_keys(repo.model, include)?;
    let (fields, added) = with_keys(&filter.fields, &keys);
    let mut f = filter.clone();
    f.fields = fields;
    let rows = repo.find_rows(&f).await?;
    attach(repo, rows, include, &added).await
}

/// `findById` with the filter's `include` (and `fields`).
pub(super) async fn find_by_id(
    repo: &Repository,
    id: &Value,
    filter: &Filter,
) -> Result<Option<Row>> {
    let include = &filter.include;
    let keys = parent_keys(repo.model, include)?;
    let mut f = filter.clone();
    let (fields, added) = with_keys(&f.fields, &keys);
    f.fields = fields;
    let Some(row) = repo.find_by_id_row(id, Some(&f)).await? else {
        return Ok(None);
    };
    Ok(attach(repo, vec![row], include, &added)
        .await?
        .into_iter()
        .next())
}

/// Attaches every inclusion to `rows`, then removes the `strip`ped keys.
fn attach<'a>(
    repo: &'a Repository,
    rows: Vec<Row>,
    include: &'a [Inclusion],
    strip: &'a [String],
) -> crate::connector::BoxFuture<'a, Result<Vec<Row>>> {
    Box::pin(async move {
        let def = repo.model;
        let mut objs: Vec<Object> = rows.iter().map(|r| r.to_object()).collect();
        for inc in include {
            let rel = relation(def, &inc.relation)?;
            if rel.disable_include {
                continue;
            }
            if let Some(d) = rel
                .discriminator
                .as_ref()
                .filter(|_| rel.is_polymorphic_belongs_to())
            {
                // one query per model the rows name
                let mut types: Vec<String> = objs
                    .iter()
                    .filter_map(|o| o.get(d).and_then(Value::as_str).map(str::to_string))
                    .collect();
                types.sort();
                types.dedup();
                for ty in types {
                    // a name the app does not know relates nothing
                    let Ok(target) = repo.sibling(&ty) else {
                        continue;
                    };
                    let mut mine: Vec<(usize, Object)> = objs
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| o.get(d).and_then(Value::as_str) == Some(ty.as_str()))
                        .map(|(i, o)| (i, o.clone()))
                        .collect();
                    let mut part: Vec<Object> = mine.iter().map(|(_, o)| o.clone()).collect();
                    belongs_to(&target, rel, &inc.scope, &mut part).await?;
                    for ((i, _), o) in mine.drain(..).zip(part) {
                        objs[i] = o;
                    }
                }
                continue;
            }
            let target = repo.sibling(&rel.target)?;
            match rel.kind {
                RelationKind::BelongsTo => belongs_to(&target, rel, &inc.scope, &mut objs).await?,
                RelationKind::ReferencesMany => {
                    references_many(&target, rel, &inc.scope, &mut objs).await?
                }
                _ => has(repo, &target, rel, &inc.scope, &mut objs).await?,
            }
        }
        Ok(objs
            .into_iter()
            .map(|mut o| {
                for k in strip {
                    o.remove(k);
                }
                Arc::new(Record::new(o))
            })
            .collect())
    })
}

/// The scope as a filter of `target` (a per-target scope is parsed now, with REST rules).
fn scope_filter(target: &'static ModelDefinition, scope: &Scope) -> Result<Filter> {
    Ok(match scope {
        Scope::All => Filter::default(),
        Scope::Filter(f) => (**f).clone(),
        Scope::PerTarget(v, limits) => {
            parse_filter(target, v, ParseOptions::rest().with_limits(*limits))?
        }
    })
}

/// A scope made into the query of one batch.
struct Scoped {
    /// The target query (no paging).
    filter: Filter,
    /// Keys added to its `fields`, removed from the answer.
    added: Vec<String>,
    /// The scope's paging, when it is not the connector's (no partition): applied per parent.
    limit: Option<usize>,
    skip: Option<usize>,
}

/// The scope as a target filter whose where is AND-ed with `key IN (keys)`, without paging
/// (applied per parent) and with `key` in its fields.
fn scoped_filter(
    target: &'static ModelDefinition,
    scope: &Filter,
    key: &str,
    keys: &[Value],
    keep_key: bool,
    one: bool,
) -> Result<Scoped> {
    // the client's scope (parsed with REST rules); the key condition is lb's own (a hidden
    // foreign key still scopes the query)
    let mut scope_filter = scope.clone();
    let mut own = crate::filter::parse_where(
        target,
        &json!({ key: { "inq": keys } }),
        ParseOptions::default(),
    )?
    .unwrap_or_default();
    if let Some(w) = scope_filter.where_.take() {
        own.0.extend(w.0);
    }
    scope_filter.where_ = Some(own);
    let (mut limit, skip) = (scope_filter.limit, scope_filter.skip);
    if one {
        // hasOne: the first related row per parent is all that is used
        limit = Some(1);
    }
    let mut f = scope_filter;
    f.limit = None;
    f.skip = None;
    if keep_key && (limit.is_some() || skip.is_some()) {
        // to-many: the scope's paging applies per parent, in the connector
        f.partition = Some(crate::filter::Partition {
            property: key.to_string(),
            limit,
            skip,
        });
    }
    let mut needed = vec![key.to_string()];
    // the sort keys too: batches are merged in the scope's order
    needed.extend(
        f.order
            .iter()
            .filter_map(|o| o.property.split('.').next().map(str::to_string)),
    );
    needed.extend(parent_keys(target, &f.include)?);
    let (fields, mut added) = with_keys(&f.fields, &needed);
    f.fields = fields;
    if keep_key {
        // a hasMany scope's `fields` gains the foreign key in the answer too (LoopBack)
        added.retain(|k| k != key);
    }
    // paged per parent by the connector (partition), or by the caller
    let (limit, skip) = match f.partition {
        Some(_) => (None, None),
        None => (limit, skip),
    };
    Ok(Scoped {
        filter: f,
        added,
        limit,
        skip,
    })
}

/// The target rows whose `key` is one of `keys`, in batches, with their own includes; the
/// last batch's scope (they share fields and paging).
async fn fetch(
    target: &Repository,
    scope: &Scope,
    key: &str,
    keys: Vec<Value>,
    keep_key: bool,
    one: bool,
) -> Result<(Vec<Row>, Scoped)> {
    let scope = &scope_filter(target.model, scope)?;
    let mut rows = Vec::new();
    let mut last = None;
    let batches = keys.len().div_ceil(BATCH);
    for chunk in keys.chunks(BATCH) {
        let s = scoped_filter(target.model, scope, key, chunk, keep_key, one)?;
        let found = target.find_rows(&s.filter).await?;
        let found = if s.filter.include.is_empty() {
            found
        } else {
            attach(target, found, &s.filter.include, &[]).await?
        };
        rows.extend(found);
        last = Some(s);
    }
    let s = match last {
        Some(s) => s,
        None => scoped_filter(target.model, scope, key, &[], keep_key, one)?,
    };
    if batches > 1 {
        rows = merged(target.model, rows, &s.filter);
    }
    Ok((rows, s))
}

/// Rows of several batches, each in the scope's order, in that order as a whole (stable: the
/// connector's order of equal keys is kept). Without `order`, by id as a single query would be.
/// A `near` scope is left in batch order (its distance order is the connector's).
fn merged(target: &ModelDefinition, rows: Vec<Row>, scope: &Filter) -> Vec<Row> {
    if scope.where_.as_ref().and_then(|w| w.near()).is_some() {
        return rows;
    }
    let order = if scope.order.is_empty() {
        vec![crate::filter::Order {
            property: target.id().name.clone(),
            direction: crate::filter::Direction::Asc,
        }]
    } else {
        scope.order.clone()
    };
    let by = Filter {
        order,
        ..Default::default()
    };
    crate::filter::eval::apply(rows.into_iter(), &by, |r| r.as_ref())
}

fn distinct(objs: &[Object], prop: &str) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    objs.iter()
        .filter_map(|o| o.get(prop))
        .filter(|v| key_of(v).is_some_and(|k| seen.insert(k)))
        .cloned()
        .collect()
}

fn strip_added(def: &ModelDefinition, row: &Row, added: &[String]) -> Value {
    let mut v = shape::row(def, row, Level::Nested);
    if let Value::Object(o) = &mut v {
        for k in added {
            o.remove(k);
        }
    }
    v
}

/// Attaches `rows` (the targets, in the scope's order) as arrays: each parent gets those whose
/// key `keys_of` lists for it, paged by the scope.
fn attach_listed(
    target: &ModelDefinition,
    key: &str,
    name: &str,
    rows: &[Row],
    s: &Scoped,
    objs: &mut [Object],
    keys_of: impl Fn(&Object) -> std::collections::HashSet<String>,
) {
    let ordered: Vec<(String, Value)> = rows
        .iter()
        .filter_map(|r| {
            let k = r.get(key).and_then(|v| key_of(&v))?;
            Some((k, strip_added(target, r, &s.added)))
        })
        .collect();
    for o in objs.iter_mut() {
        let mine = keys_of(o);
        let group: Vec<Value> = ordered
            .iter()
            .filter(|(k, _)| mine.contains(k))
            .map(|(_, v)| v.clone())
            .skip(s.skip.unwrap_or(0))
            .take(s.limit.unwrap_or(usize::MAX))
            .collect();
        o.insert(name.to_string(), Value::Array(group));
    }
}

async fn belongs_to(
    target: &Repository,
    rel: &RelationDefinition,
    scope: &Scope,
    objs: &mut [Object],
) -> Result<()> {
    let pk = rel.referenced_key(target.model).to_string();
    let keys = distinct(objs, &rel.foreign_key);
    if keys.is_empty() {
        return Ok(());
    }
    let (rows, s) = fetch(target, scope, &pk, keys, false, false).await?;
    let added = s.added;
    let mut by_key: HashMap<String, Value> = HashMap::new();
    for r in &rows {
        if let Some(k) = r.get(&pk).and_then(|v| key_of(&v)) {
            by_key
                .entry(k)
                .or_insert_with(|| strip_added(target.model, r, &added));
        }
    }
    for o in objs.iter_mut() {
        // no related row: the key is left out (LoopBack), not null
        if let Some(v) = o
            .get(&rel.foreign_key)
            .and_then(key_of)
            .and_then(|k| by_key.get(&k))
        {
            o.insert(rel.name.clone(), v.clone());
        }
    }
    Ok(())
}

/// referencesMany: the ids in every parent's array, one query per batch; each parent gets its
/// targets in the scope's order (paged per parent).
async fn references_many(
    target: &Repository,
    rel: &RelationDefinition,
    scope: &Scope,
    objs: &mut [Object],
) -> Result<()> {
    let tpk = rel.referenced_key(target.model).to_string();
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::new();
    for o in objs.iter() {
        if let Some(Value::Array(a)) = o.get(&rel.foreign_key) {
            for v in a {
                if key_of(v).is_some_and(|k| seen.insert(k)) {
                    ids.push(v.clone());
                }
            }
        }
    }
    let (rows, s) = fetch(target, scope, &tpk, ids, false, false).await?;
    attach_listed(
        target.model,
        &tpk,
        &rel.name,
        &rows,
        &s,
        objs,
        |o| match o.get(&rel.foreign_key) {
            Some(Value::Array(a)) => a.iter().filter_map(key_of).collect(),
            _ => Default::default(),
        },
    );
    Ok(())
}

/// hasManyThrough: the links of all parents (one query per batch), then the linked targets
/// (one query per batch, in the scope's order); the scope's paging applies per parent.
async fn has_through(
    parent: &Repository,
    target: &Repository,
    rel: &RelationDefinition,
    scope: &Scope,
    objs: &mut [Object],
) -> Result<()> {
    let through_name = rel.through.as_deref().unwrap_or_default();
    let through = parent.sibling(through_name)?;
    let pk = rel.referenced_key(parent.model).to_string();
    let kt = rel.key_through();
    let keys = distinct(objs, &pk);
    // parent key -> linked target keys, in link order
    let mut linked: HashMap<String, Vec<String>> = HashMap::new();
    let mut target_ids = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for chunk in keys.chunks(BATCH) {
        let f = parse_filter(
            through.model,
            &json!({"where": { &rel.foreign_key: { "inq": chunk } }}),
            ParseOptions::default(),
        )?;
        for link in through.find(&f).await? {
            let (Some(p), Some(t)) = (link.get(&rel.foreign_key), link.get(&kt)) else {
                continue;
            };
            let (Some(pk_text), Some(t_text)) = (key_of(&p), key_of(&t)) else {
                continue;
            };
            linked.entry(pk_text).or_default().push(t_text.clone());
            if seen.insert(t_text) {
                target_ids.push(t.into_owned());
            }
        }
    }
    let tpk = target.model.id().name.clone();
    let (rows, s) = fetch(target, scope, &tpk, target_ids, false, false).await?;
    attach_listed(target.model, &tpk, &rel.name, &rows, &s, objs, |o| {
        o.get(&pk)
            .and_then(key_of)
            .and_then(|k| linked.get(&k))
            .map(|v| v.iter().cloned().collect())
            .unwrap_or_default()
    });
    Ok(())
}

async fn has(
    parent: &Repository,
    target: &Repository,
    rel: &RelationDefinition,
    scope: &Scope,
    objs: &mut [Object],
) -> Result<()> {
    if rel.through.is_some() {
        return has_through(parent, target, rel, scope, objs).await;
    }
    let def = parent.model;
    // a polymorphic hasMany/hasOne: only the related rows that point at this model
    let discriminated;
    let scope = match &rel.discriminator {
        None => scope,
        Some(d) => {
            let mut f = scope_filter(target.model, scope)?;
            let mut own = crate::filter::parse_where(
                target.model,
                &json!({ d: def.name }),
                ParseOptions::default(),
            )?
            .unwrap_or_default();
            if let Some(w) = f.where_.take() {
                own.0.extend(w.0);
            }
            f.where_ = Some(own);
            discriminated = Scope::Filter(Box::new(f));
            &discriminated
        }
    };
    let pk = rel.referenced_key(def).to_string();
    let keys = distinct(objs, &pk);
    let one = rel.kind == RelationKind::HasOne;
    let (rows, s) = fetch(target, scope, &rel.foreign_key, keys, true, one).await?;
    let added = s.added;
    let mut groups: HashMap<String, Vec<Value>> = HashMap::new();
    for r in &rows {
        if let Some(k) = r.get(&rel.foreign_key).and_then(|v| key_of(&v)) {
            groups
                .entry(k)
                .or_default()
                .push(strip_added(target.model, r, &added));
        }
    }
    for o in objs.iter_mut() {
        let group: Vec<Value> = o
            .get(&pk)
            .and_then(key_of)
            .and_then(|k| groups.get(&k))
            // the scope's skip/limit per parent were applied by the connector (partition)
            .cloned()
            .unwrap_or_default();
        if rel.kind == RelationKind::HasMany {
            o.insert(rel.name.clone(), Value::Array(group));
        } else if let Some(first) = group.into_iter().next() {
            o.insert(rel.name.clone(), first);
        }
    }
    Ok(())
}
