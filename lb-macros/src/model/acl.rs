//! `#[model(acl = "..", acl_error_status = 403)]`: LoopBack's `acls`, checked at compile time —
//! the permission, the principal, the access type, and the methods named (built-in ones and
//! their aliases, the relation methods of the model's relations; a name that is neither is a
//! remote method, checked when the app is built).

use syn::meta::ParseNestedMeta;
use syn::LitStr;

use super::attr::RelationOpt;
use crate::ctxt::Ctxt;
use crate::meta::lit_str;
use crate::suggest::{closest, did_you_mean};

const ACCESS: &[&str] = &["READ", "WRITE", "EXECUTE", "REPLICATE", "*"];

/// One `acl = ".."` entry.
pub struct AclOpt {
    pub permission: String,
    pub principal_type: String,
    pub principal_id: String,
    pub access: String,
    pub properties: Vec<LitStr>,
}

/// Parses `acl = "ALLOW $authenticated READ find,count"`: the permission (`ALLOW`, `DENY`),
/// the principal (`$everyone`, `$authenticated`, `$unauthenticated`, `$owner`,
/// `role:admin`, `user:7`, `app:ops`), then optionally the access type (`READ`, `WRITE`,
/// `EXECUTE`, `REPLICATE`, `*`; all when left out) and the methods (comma-separated; all
/// when left out). One string per entry: repeated words in an attribute would trip clippy's
/// `duplicated_attributes`.
pub fn acl_opt(cx: &mut Ctxt, m: &ParseNestedMeta) -> syn::Result<Option<AclOpt>> {
    let lit = lit_str(m)?;
    let text = lit.value();
    let mut words = text.split_whitespace();
    let fail = |cx: &mut Ctxt, msg: String| {
        cx.error(&lit, msg);
        Ok(None)
    };
    let usage =
        "an acl is `\"ALLOW|DENY <principal> [READ|WRITE|EXECUTE|REPLICATE|*] [method,..]\"`, \
                 e.g. `\"ALLOW $authenticated READ\"`, `\"ALLOW role:admin\"`";
    let Some(permission) = words.next() else {
        return fail(cx, usage.to_string());
    };
    let permission = permission.to_uppercase();
    if !["ALLOW", "DENY"].contains(&permission.as_str()) {
        return fail(
            cx,
            format!(
                "`{permission}` is not a permission (ALLOW, DENY){}",
                did_you_mean(&permission, &["ALLOW", "DENY"])
            ),
        );
    }
    let Some(principal) = words.next() else {
        return fail(cx, usage.to_string());
    };
    let (principal_type, principal_id) = match principal.split_once(':') {
        Some((kind, id)) if !id.is_empty() => match kind {
            "role" => ("ROLE", id.to_string()),
            "user" => ("USER", id.to_string()),
            "app" => ("APP", id.to_string()),
            other => {
                return fail(
                    cx,
                    format!(
                        "unknown principal type `{other}`; expected role:, user: or app:{}",
                        did_you_mean(other, &["role", "user", "app"])
                    ),
                )
            }
        },
        _ if principal.starts_with('$') => {
            let builtins = ["$everyone", "$authenticated", "$unauthenticated", "$owner"];
            if !builtins.contains(&principal) {
                return fail(
                    cx,
                    format!(
                        "`{principal}` is no built-in role ($everyone, $authenticated, \
                         $unauthenticated, $owner){}",
                        did_you_mean(principal, &builtins)
                    ),
                );
            }
            ("ROLE", principal.to_string())
        }
        _ => {
            return fail(
                cx,
                format!(
                    "`{principal}` is not a principal: a built-in role ($everyone, \
                     $authenticated, $unauthenticated, $owner) or role:<name>, user:<id>, \
                     app:<id>"
                ),
            )
        }
    };
    let mut access = "*".to_string();
    let mut rest: Vec<&str> = words.collect();
    if let Some(first) = rest.first() {
        let upper = first.to_uppercase();
        if ACCESS.contains(&upper.as_str()) {
            access = upper;
            rest.remove(0);
        } else if let Some(c) = closest(&upper, ACCESS).filter(|_| upper == *first) {
            return fail(
                cx,
                format!("unknown access type `{first}`; did you mean `{c}`?"),
            );
        }
    }
    if rest.len() > 1 {
        return fail(
            cx,
            format!("methods are one comma-separated list: `{}`", rest.join(",")),
        );
    }
    let properties = rest
        .first()
        .map(|list| {
            list.split(',')
                .filter(|n| !n.is_empty())
                .map(|n| LitStr::new(n, lit.span()))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(AclOpt {
        permission,
        principal_type: principal_type.to_string(),
        principal_id,
        access,
        properties,
    }))
}

/// The methods of a model an ACL can name without a remote method: the built-in ones, their
/// aliases, and the relation methods of `relations`.
fn known_methods(relations: &[RelationOpt]) -> Vec<String> {
    let mut out = Vec::new();
    for r in lb_core::builtin::ROUTES {
        out.push(r.name.trim_start_matches("prototype.").to_string());
        out.extend(
            r.aliases
                .iter()
                .map(|a| a.trim_start_matches("prototype.").to_string()),
        );
    }
    for r in relations {
        let n = r.name.to_string();
        let ops: &[&str] = match r.kind.as_str() {
            "belongs_to" => &["get"],
            "has_one" => &["get", "create", "update", "destroy"],
            _ => &[
                "get",
                "create",
                "delete",
                "findById",
                "updateById",
                "destroyById",
                "count",
                "link",
                "unlink",
                "exists",
            ],
        };
        out.extend(ops.iter().map(|op| format!("__{op}__{n}")));
    }
    out.sort();
    out.dedup();
    out
}

/// A named method that is no built-in or relation method but close to one is a typo.
pub fn check_properties(cx: &mut Ctxt, acls: &[AclOpt], relations: &[RelationOpt]) {
    let known = known_methods(relations);
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    for p in acls.iter().flat_map(|a| &a.properties) {
        let name = p.value();
        if name == "*" || known.contains(&name.as_str()) {
            continue;
        }
        if let Some(c) = closest(&name, &known) {
            cx.error(
                p,
                format!("`{name}` is no method of this model; did you mean `{c}`?"),
            );
        }
    }
}
