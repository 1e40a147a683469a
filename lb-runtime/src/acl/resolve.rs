//! Scoring and resolution, as LoopBack 3's `ACL` model does them.

use super::entry::{Acl, AclAccessType, Permission, PrincipalType, PropertyMatch};
use super::roles;
use crate::remote::AccessType;

/// What is asked of the ACLs: a method of a model with an access type.
#[derive(Debug, Clone, Copy)]
pub struct AclRequest<'a> {
    /// The model's name.
    pub model: &'a str,
    /// The method's ACL name (`find`, `patchAttributes`, `__get__notes`); `*` for any.
    pub property: &'a str,
    /// Every name of the method (its name and its aliases): an entry naming any of them
    /// matches as exactly as the name itself.
    pub method_names: &'a [&'a str],
    /// The method's access type; `None` for any.
    pub access_type: Option<AccessType>,
}

impl AclRequest<'_> {
    fn is_wildcard(&self) -> bool {
        self.model == "*" || self.property == "*" || self.access_type.is_none()
    }

    fn exactly_matches(&self, acl: &Acl) -> bool {
        let model = acl.model == self.model;
        let access = match (acl.access_type, self.access_type) {
            (AclAccessType::All, None) => true,
            (AclAccessType::Only(a), Some(b)) => a == b,
            _ => false,
        };
        let property = match &acl.property {
            PropertyMatch::All => self.property == "*",
            PropertyMatch::Name(n) => n == self.property || self.method_names.contains(&n.as_str()),
            PropertyMatch::List(_) => false,
        };
        model && access && property
    }
}

/// How one part of an entry matches the request's: 3 exactly, 2 by the entry's wildcard, 1 by
/// the request's, `None` not at all.
fn part(exact: bool, rule_all: bool, request_all: bool) -> Option<i64> {
    if exact {
        Some(3)
    } else if rule_all {
        Some(2)
    } else if request_all {
        Some(1)
    } else {
        None
    }
}

/// LoopBack's `ACL.getMatchingScore`: how specifically `rule` matches `req` (higher is more
/// specific), or -1 when it does not match. Model, then property, then access type, each
/// exact (3) over the entry's `*` (2) over the request's `*` (1); then the principal type
/// (USER 4, APP 3, ROLE 2, other 1); then the role (a named role 5, `$owner` 4, `$related`
/// 3, `$authenticated`/`$unauthenticated` 2, `$everyone` 1); then the permission, DENY
/// highest, so that on a tie DENY wins.
pub fn matching_score(rule: &Acl, req: &AclRequest<'_>) -> i64 {
    let mut score: i64 = 0;
    // model
    let Some(s) = part(rule.model == req.model, rule.model == "*", req.model == "*") else {
        return -1;
    };
    score = score * 4 + s;
    // property: the name, any alias, or the entry's / the request's `*`
    let exact = match &rule.property {
        PropertyMatch::All => req.property == "*",
        PropertyMatch::Name(n) => n == req.property || req.method_names.contains(&n.as_str()),
        // a list is kept by `static_acls` only when it holds the property, and then read
        // as that property (LoopBack rewrites it so)
        PropertyMatch::List(l) => l.iter().any(|n| n == req.property),
    };
    let rule_all = rule.property == PropertyMatch::All;
    let Some(s) = part(exact, rule_all, req.property == "*") else {
        return -1;
    };
    score = score * 4 + s;
    // access type: EXECUTE covers every type, WRITE covers REPLICATE
    let exact = match (rule.access_type, req.access_type) {
        (AclAccessType::Only(a), Some(b)) => {
            a == b
                || a == AccessType::Execute
                || (a == AccessType::Write && b == AccessType::Replicate)
        }
        (AclAccessType::All, None) => true,
        (AclAccessType::Only(AccessType::Execute), None) => true,
        _ => false,
    };
    let Some(s) = part(
        exact,
        rule.access_type == AclAccessType::All,
        req.access_type.is_none(),
    ) else {
        return -1;
    };
    score = score * 4 + s;
    score = score * 4
        + match rule.principal_type {
            PrincipalType::User => 4,
            PrincipalType::App => 3,
            PrincipalType::Role => 2,
            PrincipalType::Other(_) => 1,
        };
    score *= 8;
    if rule.principal_type == PrincipalType::Role {
        score += match rule.principal_id.as_str() {
            roles::OWNER => 4,
            roles::RELATED => 3,
            roles::AUTHENTICATED | roles::UNAUTHENTICATED => 2,
            roles::EVERYONE => 1,
            _ => 5,
        };
    }
    score * 4 + rule.permission.order() - 1
}

/// LoopBack's `ACL.resolvePermission`: the entries sorted by score (stable, most specific
/// first); for a request naming one model, method and access type the best matching entry
/// decides; for a wildcard request an exactly matching entry, or the first that outranks
/// what was found so far. `Permission::Default` when no entry matches (the caller applies
/// the model's `defaultPermission`, else ALLOW).
pub fn resolve(acls: &[&Acl], req: &AclRequest<'_>) -> Permission {
    let mut scored: Vec<(i64, &Acl)> = acls.iter().map(|a| (matching_score(a, req), *a)).collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut permission = Permission::Default;
    for (score, candidate) in scored {
        if score < 0 {
            break;
        }
        if !req.is_wildcard() || req.exactly_matches(candidate) {
            permission = candidate.permission;
            break;
        }
        if candidate.permission.order() > permission.order() {
            permission = candidate.permission;
            break;
        }
    }
    permission
}

/// LoopBack's `ACL.getStaticACLs`: the entries a model declares that can concern method
/// `property` — those for every method, those naming it, and lists holding it. (An entry
/// naming only an alias is left out here, as in LoopBack; entries of the ACL table are
/// matched by every name.)
pub fn static_acls<'a>(
    declared: impl IntoIterator<Item = &'a Acl>,
    property: &str,
) -> Vec<&'a Acl> {
    declared
        .into_iter()
        .filter(|a| match &a.property {
            PropertyMatch::All => true,
            PropertyMatch::Name(n) => n == property,
            PropertyMatch::List(l) => l.iter().any(|n| n == property),
        })
        .collect()
}

/// The entries whose principal applies to the caller: its own principals (`(type, id)`: the
/// user, the application) match by type and id; a ROLE entry applies when `in_role` says the
/// caller has that role (`$everyone`, `$authenticated`, `$owner`, a named role).
pub fn effective<'a>(
    acls: impl IntoIterator<Item = &'a Acl>,
    principals: &[(PrincipalType, String)],
    mut in_role: impl FnMut(&str) -> bool,
) -> Vec<&'a Acl> {
    acls.into_iter()
        .filter(|a| {
            principals
                .iter()
                .any(|(t, id)| *t == a.principal_type && *id == a.principal_id)
                || (a.principal_type == PrincipalType::Role && in_role(&a.principal_id))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn acl(v: serde_json::Value) -> Acl {
        Acl::from_json("Note", &v).unwrap()
    }

    fn req<'a>(property: &'a str, names: &'a [&'a str], access: AccessType) -> AclRequest<'a> {
        AclRequest {
            model: "Note",
            property,
            method_names: names,
            access_type: Some(access),
        }
    }

    /// The Note model of the example app (`../shared/bench/lb3`), in LoopBack's order.
    fn note_acls() -> Vec<Acl> {
        [
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY", "accessType": "*"}),
            json!({"principalType": "ROLE", "principalId": "$authenticated", "permission": "ALLOW", "accessType": "READ"}),
            json!({"principalType": "ROLE", "principalId": "$authenticated", "permission": "ALLOW", "accessType": "WRITE", "property": "create"}),
            json!({"principalType": "ROLE", "principalId": "$owner", "permission": "ALLOW", "accessType": "WRITE"}),
            json!({"principalType": "ROLE", "principalId": "admin", "permission": "ALLOW", "accessType": "*"}),
        ]
        .into_iter()
        .map(acl)
        .collect()
    }

    /// Whether a caller with `roles` may call `property`.
    fn allowed(roles: &[&str], property: &str, names: &[&str], access: AccessType) -> bool {
        let declared = note_acls();
        let candidates = static_acls(&declared, property);
        let eff = effective(candidates, &[], |r| {
            r == roles::EVERYONE || roles.contains(&r)
        });
        resolve(&eff, &req(property, names, access)).is_allowed(Permission::Allow)
    }

    #[test]
    fn the_note_model_as_loopback_decides_it() {
        use AccessType::*;
        let anon: &[&str] = &[roles::UNAUTHENTICATED];
        let user: &[&str] = &[roles::AUTHENTICATED];
        let owner: &[&str] = &[roles::AUTHENTICATED, roles::OWNER];
        let admin: &[&str] = &[roles::AUTHENTICATED, "admin"];
        // anonymous: everything denied
        assert!(!allowed(anon, "find", &["find"], Read));
        assert!(!allowed(anon, "create", &["create"], Write));
        // any user reads and creates, but writes only its own
        assert!(allowed(user, "find", &["find"], Read));
        assert!(allowed(user, "findById", &["findById"], Read));
        assert!(allowed(user, "create", &["create"], Write));
        assert!(!allowed(
            user,
            "patchAttributes",
            &["patchAttributes", "updateAttributes"],
            Write
        ));
        assert!(!allowed(
            user,
            "deleteById",
            &["deleteById", "destroyById", "removeById"],
            Write
        ));
        // the owner writes its note; a custom EXECUTE method is still denied to it
        assert!(allowed(
            owner,
            "patchAttributes",
            &["patchAttributes", "updateAttributes"],
            Write
        ));
        assert!(allowed(owner, "deleteById", &["deleteById"], Write));
        assert!(!allowed(owner, "archive", &["archive"], Execute));
        // a named role outranks the built-in ones
        assert!(allowed(admin, "deleteById", &["deleteById"], Write));
        assert!(allowed(admin, "archive", &["archive"], Execute));
    }

    #[test]
    fn scores_follow_loopbacks_order() {
        let r = req("find", &["find"], AccessType::Read);
        let s = |v: serde_json::Value| matching_score(&acl(v), &r);
        let base =
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW"});
        let with = |k: &str, v: serde_json::Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        // exact model > `*`; exact property > `*`; exact access type > `*`
        assert!(s(base.clone()) > s(with("model", json!("*"))));
        assert!(s(with("property", json!("find"))) > s(base.clone()));
        assert!(s(with("accessType", json!("READ"))) > s(base.clone()));
        // the property outranks the access type, the model the property
        assert!(s(with("property", json!("find"))) > s(with("accessType", json!("READ"))));
        assert!(s(with("model", json!("Note"))) > s(with("model", json!("*"))));
        // EXECUTE covers READ as exactly as READ; WRITE does not match READ at all
        assert_eq!(
            s(with("accessType", json!("EXECUTE"))),
            s(with("accessType", json!("READ")))
        );
        assert_eq!(s(with("accessType", json!("WRITE"))), -1);
        assert_eq!(s(with("property", json!("create"))), -1);
        // principal types: USER > APP > ROLE; roles: named > $owner > $authenticated > $everyone
        let principal = |t: &str, id: &str| {
            let mut b = base.clone();
            b["principalType"] = json!(t);
            b["principalId"] = json!(id);
            s(b)
        };
        assert!(principal("USER", "1") > principal("APP", "a"));
        assert!(principal("APP", "a") > principal("ROLE", "admin"));
        assert!(principal("ROLE", "admin") > principal("ROLE", "$owner"));
        assert!(principal("ROLE", "$owner") > principal("ROLE", "$authenticated"));
        assert_eq!(
            principal("ROLE", "$authenticated"),
            principal("ROLE", "$unauthenticated")
        );
        assert!(principal("ROLE", "$authenticated") > principal("ROLE", "$everyone"));
        // on a tie DENY wins
        assert!(s(with("permission", json!("DENY"))) > s(base.clone()));
        // an alias matches as exactly as the name
        let r2 = req(
            "patchAttributes",
            &["patchAttributes", "updateAttributes"],
            AccessType::Write,
        );
        let by_alias = acl(
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW", "property": "updateAttributes"}),
        );
        let by_name = acl(
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW", "property": "patchAttributes"}),
        );
        assert_eq!(
            matching_score(&by_alias, &r2),
            matching_score(&by_name, &r2)
        );
        // WRITE covers REPLICATE
        let rep = req("replicate", &["replicate"], AccessType::Replicate);
        assert!(matching_score(&acl(with("accessType", json!("WRITE"))), &rep) > 0);
    }

    #[test]
    fn resolution() {
        let deny_all =
            acl(json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY"}));
        let allow_find = acl(
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW", "property": "find"}),
        );
        let r = req("find", &["find"], AccessType::Read);
        // the more specific entry decides, whatever the order
        assert_eq!(resolve(&[&deny_all, &allow_find], &r), Permission::Allow);
        assert_eq!(resolve(&[&allow_find, &deny_all], &r), Permission::Allow);
        // nothing matches: DEFAULT (ALLOW unless the model says otherwise)
        assert_eq!(resolve(&[], &r), Permission::Default);
        assert!(Permission::Default.is_allowed(Permission::Allow));
        assert!(!Permission::Default.is_allowed(Permission::Deny));
        // same score: DENY
        let allow_all = acl(
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW"}),
        );
        assert_eq!(resolve(&[&allow_all, &deny_all], &r), Permission::Deny);
        // a wildcard request (any access type): an exact entry, or the first that outranks
        let any = AclRequest {
            access_type: None,
            ..r
        };
        assert_eq!(resolve(&[&allow_find, &deny_all], &any), Permission::Allow);
    }

    #[test]
    fn static_acls_keep_what_concerns_the_method() {
        let declared: Vec<Acl> = [
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "DENY"}),
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW", "property": "find"}),
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW", "property": ["count", "find"]}),
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW", "property": ["count"]}),
            json!({"principalType": "ROLE", "principalId": "$everyone", "permission": "ALLOW", "property": "create"}),
        ]
        .into_iter()
        .map(acl)
        .collect();
        assert_eq!(static_acls(&declared, "find").len(), 3);
        assert_eq!(static_acls(&declared, "count").len(), 3);
        assert_eq!(static_acls(&declared, "deleteById").len(), 1);
    }

    #[test]
    fn entries_from_json_and_their_mistakes() {
        let a = acl(
            json!({"principalType": "USER", "principalId": 7, "permission": "ALLOW", "accessType": "write", "property": ["a", "b"]}),
        );
        assert_eq!(a.principal_type, PrincipalType::User);
        assert_eq!(a.principal_id, "7");
        assert_eq!(a.access_type, AclAccessType::Only(AccessType::Write));
        assert_eq!(
            a.property,
            PropertyMatch::List(vec!["a".into(), "b".into()])
        );
        assert_eq!(a.model, "Note");
        for (bad, says) in [
            (
                json!({"principalId": "$everyone", "permission": "ALLOW"}),
                "principalType",
            ),
            (
                json!({"principalType": "ROLE", "permission": "ALLOW"}),
                "principalId",
            ),
            (
                json!({"principalType": "ROLE", "principalId": "x"}),
                "permission",
            ),
            (
                json!({"principalType": "ROLE", "principalId": "x", "permission": "MAYBE"}),
                "MAYBE",
            ),
            (
                json!({"principalType": "ROLE", "principalId": "x", "permission": "ALLOW", "accessType": "SOMETIMES"}),
                "SOMETIMES",
            ),
            (
                json!({"principalType": "ROLE", "principalId": "x", "permission": "ALLOW", "property": 5}),
                "property",
            ),
        ] {
            let e = Acl::from_json("Note", &bad).unwrap_err();
            assert!(e.message.contains(says), "{bad}: {}", e.message);
        }
        // a principal of the caller's own matches by type and id
        let p = [(PrincipalType::User, "7".to_string())];
        assert_eq!(effective([&a], &p, |_| false).len(), 1);
        assert_eq!(
            effective([&a], &[(PrincipalType::User, "8".to_string())], |_| false).len(),
            0
        );
    }
}
