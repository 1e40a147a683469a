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

/// What a kept decision is looked up by.
#[derive(Clone, Copy)]
pub(crate) struct Shape<'a> {
    pub model: &'a str,
    /// The method's full name (`prototype.patchAttributes`): a static and an instance
    /// method of one name may have other aliases.
    pub method: &'a str,
    pub access_type: AccessType,
    pub has_token: bool,
}

impl Decision {
    fn fits(&self, shape: &Shape<'_>) -> bool {
        self.access_type == shape.access_type && self.has_token == shape.has_token
    }
}

impl Decisions {
    /// The kept decision for this request shape, made with these `ACL` rows, if any.
    pub(crate) fn get(&self, shape: &Shape<'_>, rows: Option<&Arc<Vec<Acl>>>) -> Option<bool> {
        let by_model = self.by_model.read().unwrap_or_else(|e| e.into_inner());
        by_model
            .get(shape.model)?
            .get(shape.method)?
            .iter()
            .find(|d| d.fits(shape) && same_rows(&d.rows, rows))
            .map(|d| d.allowed)
    }

    /// Keeps a decision (one per shape: one made with older rows is replaced).
    pub(crate) fn put(&self, shape: &Shape<'_>, rows: Option<&Arc<Vec<Acl>>>, allowed: bool) {
        let mut by_model = self.by_model.write().unwrap_or_else(|e| e.into_inner());
        let list = by_model
            .entry(shape.model.to_string())
            .or_default()
            .entry(shape.method.to_string())
            .or_default();
        list.retain(|d| !d.fits(shape));
        list.push(Decision {
            access_type: shape.access_type,
            has_token: shape.has_token,
            rows: rows.cloned(),
            allowed,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_is_found_only_for_its_shape_and_its_rows() {
        let d = Decisions::default();
        let rows = Some(Arc::new(Vec::new()));
        let shape = Shape {
            model: "Note",
            method: "findById",
            access_type: AccessType::Read,
            has_token: true,
        };
        assert_eq!(d.get(&shape, rows.as_ref()), None);
        d.put(&shape, rows.as_ref(), true);
        assert_eq!(d.get(&shape, rows.as_ref()), Some(true));
        // anonymous, another method, another access type: not this decision
        let anonymous = Shape {
            has_token: false,
            ..shape
        };
        assert_eq!(d.get(&anonymous, rows.as_ref()), None);
        let other = Shape {
            method: "prototype.findById",
            ..shape
        };
        assert_eq!(d.get(&other, rows.as_ref()), None);
        let write = Shape {
            access_type: AccessType::Write,
            ..shape
        };
        assert_eq!(d.get(&write, rows.as_ref()), None);
        // the ACL rows read again (equal, but another read): stale
        let reread = Some(Arc::new(Vec::new()));
        assert_eq!(d.get(&shape, reread.as_ref()), None);
        d.put(&shape, reread.as_ref(), false);
        assert_eq!(d.get(&shape, reread.as_ref()), Some(false));
        assert_eq!(d.get(&shape, rows.as_ref()), None);
        // a clone starts empty
        assert_eq!(d.clone().get(&shape, reread.as_ref()), None);
    }
}
