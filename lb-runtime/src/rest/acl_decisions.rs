//! Decisions of the ACL authorizer that hold for every caller alike: when no entry a method's
//! resolution reads names a user or an application, and no role had to be looked up (no
//! `$owner` read, no static-role query, no resolver), the answer depends only on the model,
//! the method, the access type and whether the caller has a valid token. Such answers are
//! kept, so the next request with the same shape skips the resolution.
//!
//! Kept for as long as the entries they were made from: the authorizer's and the app's never
//! change, and an answer that read the `ACL` model's rows is tied to that read (rows read
//! again — at most a second later, or at once after a write here — make it stale).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::acl::Acl;
use crate::remote::AccessType;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

struct Decision {
    access_type: AccessType,
    has_token: bool,
    /// The `ACL` model's rows it was made with (held: the address stays theirs).
    rows: Option<Arc<Vec<Acl>>>,
    allowed: bool,
}

/// The kept decisions, by model and method. A clone starts empty (a cloned authorizer may
/// be given other entries).
#[derive(Default)]
pub(crate) struct Decisions {
    by_model: RwLock<Map<String, Map<String, Vec<Decision>>>>,
}

impl Clone for Decisions {
    fn clone(&self) -> Decisions {
        Decisions::default()
    }
}

fn same_rows(a: &Option<Arc<Vec<Acl>>>, b: Option<&Arc<Vec<Acl>>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

impl Decisions {
    /// The kept decision for this request shape, if any.
    pub(crate) fn get(
        &self,
        model: &str,
        property: &str,
        access_type: AccessType,
        has_token: bool,
        rows: Option<&Arc<Vec<Acl>>>,
    ) -> Option<bool> {
        let by_model = self.by_model.read().unwrap_or_else(|e| e.into_inner());
        by_model
            .get(model)?
            .get(property)?
            .iter()
            .find(|d| {
                d.access_type == access_type && d.has_token == has_token && same_rows(&d.rows, rows)
            })
            .map(|d| d.allowed)
    }

    /// Keeps a decision (one per shape: one made with older rows is replaced).
    pub(crate) fn put(
        &self,
        model: &str,
        property: &str,
        access_type: AccessType,
        has_token: bool,
        rows: Option<&Arc<Vec<Acl>>>,
        allowed: bool,
    ) {
        let mut by_model = self.by_model.write().unwrap_or_else(|e| e.into_inner());
        let list = by_model
            .entry(model.to_string())
            .or_default()
            .entry(property.to_string())
            .or_default();
        list.retain(|d| !(d.access_type == access_type && d.has_token == has_token));
        list.push(Decision {
            access_type,
            has_token,
            rows: rows.cloned(),
            allowed,
        });
    }
}
