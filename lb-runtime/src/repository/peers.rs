//! Related-property conditions (`{"inventory.available": {"gt": 0}}`) on a model that lives on
//! another datasource: a connector can only join its own tables, so such a condition is
//! resolved first, by a query on the related model's own datasource, into `key IN (..)`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use super::Repository;
use crate::connector::BoxFuture;
use crate::filter::{Clause, Fields, Filter, Lookup, Op, Related, Where};
use crate::value::js;
use crate::Result;

/// A model's place: the position of its datasource among the app's datasources, and its
/// repository (without a [`Home`]: the peers do not hold themselves).
pub(crate) type Placement = (usize, Repository);

/// Where every model of an app lives: filled once the app has attached them all.
#[derive(Default)]
pub(crate) struct Peers {
    models: OnceLock<HashMap<String, Placement>>,
}

impl Peers {
    /// Records each model's datasource (position) and repository; called once by the app.
    pub(crate) fn fill(&self, models: HashMap<String, Placement>) {
        let _ = self.models.set(models);
    }

    fn get(&self, model: &str) -> Option<&Placement> {
        self.models.get()?.get(model)
    }

    /// A model's repository, placed among its peers (its includes and related conditions
    /// reach them).
    pub(crate) fn repository(self: &Arc<Self>, model: &str) -> Option<Repository> {
        let (ds, base) = self.get(model)?;
        let mut repo = base.clone();
        repo.home = Some(Home {
            datasource: *ds,
            peers: self.clone(),
        });
        Some(repo)
    }
}

/// A repository's place among its app's datasources.
#[derive(Clone)]
pub(crate) struct Home {
    /// Position of the repository's datasource.
    pub datasource: usize,
    pub peers: Arc<Peers>,
}

impl Home {
    /// Whether `model` lives on another datasource than this one.
    fn is_foreign(&self, model: &str) -> bool {
        self.peers
            .get(model)
            .is_some_and(|(ds, _)| *ds != self.datasource)
    }

    /// Whether `w` has a condition on a model of another datasource (at any depth).
    fn has_foreign(&self, w: &Where) -> bool {
        w.0.iter().any(|c| match c {
            Clause::And(ws) | Clause::Or(ws) | Clause::Nor(ws) => {
                ws.iter().any(|w| self.has_foreign(w))
            }
            Clause::Related(r) => self.is_foreign(&r.target.name) || self.has_foreign(&r.where_),
            Clause::Property { .. } => false,
        })
    }
}

impl Repository {
    /// The repository of another model of the same app (what `include` queries), with its
    /// operation hooks; inside a transaction, bound to it. An error for a model the app does
    /// not have or, inside a transaction, a model of another datasource (it would silently
    /// run outside it).
    pub(crate) fn sibling(&self, model: &str) -> Result<Repository> {
        let not_attached =
            || crate::Error::internal(format!("model {model} is not attached to the app"));
        let home = self.home.as_ref().ok_or_else(not_attached)?;
        let (ds, base) = home.peers.get(model).ok_or_else(not_attached)?;
        let mut repo = base.clone();
        repo.home = Some(Home {
            datasource: *ds,
            peers: home.peers.clone(),
        });
        if self.pending_changes.is_some() {
            if *ds != home.datasource {
                return Err(crate::Error::internal(format!(
                    "model {model} is attached to another datasource than the transaction's"
                )));
            }
            repo.connector = self.connector.clone();
            repo.pending_changes = self.pending_changes.clone();
        }
        Ok(repo)
    }

    /// `where_` as this repository's connector can run it: conditions on models of other
    /// datasources replaced by the keys they match there.
    pub(crate) async fn localize<'w>(
        &self,
        where_: Option<&'w Where>,
    ) -> Result<Option<Cow<'w, Where>>> {
        let (Some(home), Some(w)) = (&self.home, where_) else {
            return Ok(where_.map(Cow::Borrowed));
        };
        if !home.has_foreign(w) {
            return Ok(Some(Cow::Borrowed(w)));
        }
        Ok(Some(Cow::Owned(resolve(home, w).await?)))
    }
}

fn resolve<'a>(home: &'a Home, w: &'a Where) -> BoxFuture<'a, Result<Where>> {
    Box::pin(async move {
        let mut out = Vec::with_capacity(w.0.len());
        for c in &w.0 {
            out.push(match c {
                Clause::And(ws) => Clause::And(resolve_all(home, ws).await?),
                Clause::Or(ws) => Clause::Or(resolve_all(home, ws).await?),
                Clause::Nor(ws) => Clause::Nor(resolve_all(home, ws).await?),
                Clause::Related(r) => match home.peers.get(&r.target.name) {
                    Some((ds, repo)) if *ds != home.datasource => {
                        let peer = Repository {
                            model: r.target,
                            connector: repo.connector.clone(),
                            home: Some(Home {
                                datasource: *ds,
                                peers: home.peers.clone(),
                            }),
                            // the condition is lb's own lookup, not an operation of that model
                            observers: None,
                            changes: None,
                            pending_changes: None,
                        };
                        Clause::Property {
                            name: r.source_key.clone(),
                            ops: vec![Op::Inq(keys(&peer, r).await?)],
                            lookup: Lookup::default(),
                        }
                    }
                    _ => Clause::Related(Box::new(Related {
                        where_: resolve(home, &r.where_).await?,
                        ..(**r).clone()
                    })),
                },
                Clause::Property { .. } => c.clone(),
            });
        }
        Ok(Where(out))
    })
}

async fn resolve_all(home: &Home, ws: &[Where]) -> Result<Vec<Where>> {
    let mut out = Vec::with_capacity(ws.len());
    for w in ws {
        out.push(resolve(home, w).await?);
    }
    Ok(out)
}

/// At most this many keys of another datasource's matches become one `IN (..)` (databases
/// bind each key as a parameter).
pub(crate) const MAX_KEYS: usize = 10_000;

/// The distinct non-null `target_key`s of the related rows matching the condition; a 400
/// when there are more than [`MAX_KEYS`].
async fn keys(peer: &Repository, r: &Related) -> Result<Vec<serde_json::Value>> {
    let f = Filter {
        where_: Some(r.where_.clone()),
        fields: Some(Fields::Include(vec![r.target_key.clone()])),
        limit: Some(MAX_KEYS + 1),
        ..Default::default()
    };
    let rows = peer.find(&f).await?;
    if rows.len() > MAX_KEYS {
        return Err(crate::Error::bad_request(format!(
            "the condition on {} matches more than {MAX_KEYS} instances of {}, which lives on \
             another datasource: narrow it",
            r.relation, r.target.name
        )));
    }
    let mut seen = HashSet::new();
    Ok(rows
        .iter()
        .filter_map(|row| row.get(&r.target_key).map(Cow::into_owned))
        .filter(|v| !v.is_null() && seen.insert(js::to_js_string(v)))
        .collect())
}
