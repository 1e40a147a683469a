//! One ACL entry and LoopBack's spellings of its parts.

use serde_json::Value;

use crate::remote::AccessType;
use crate::{Error, Result};

/// Which principals an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalType {
    /// `USER`: one user, by id.
    User,
    /// `APP` (or `APPLICATION`): one client application.
    App,
    /// `ROLE`: a built-in role (`$everyone`, `$owner`, ...) or a named one.
    Role,
    /// Another model's name (LoopBack lets a user model be a principal type).
    Other(String),
}

impl PrincipalType {
    /// Reads LoopBack's spelling.
    pub fn parse(s: &str) -> PrincipalType {
        match s {
            "USER" => PrincipalType::User,
            "APP" | "APPLICATION" => PrincipalType::App,
            "ROLE" => PrincipalType::Role,
            other => PrincipalType::Other(other.to_string()),
        }
    }

    /// LoopBack's spelling.
    pub fn name(&self) -> &str {
        match self {
            PrincipalType::User => "USER",
            PrincipalType::App => "APP",
            PrincipalType::Role => "ROLE",
            PrincipalType::Other(s) => s,
        }
    }
}

/// The access types an entry covers: one, or `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AclAccessType {
    /// `*`: every access type.
    All,
    /// One access type (`EXECUTE` also covers READ and WRITE; `WRITE` covers REPLICATE).
    Only(AccessType),
}

/// What an entry says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// No decision (the model's `defaultPermission`, else ALLOW).
    Default,
    /// Allowed.
    Allow,
    /// Allowed, noted.
    Alarm,
    /// Allowed, audited.
    Audit,
    /// Denied.
    Deny,
}

impl Permission {
    /// Reads LoopBack's spelling.
    pub fn parse(s: &str) -> Option<Permission> {
        Some(match s {
            "DEFAULT" => Permission::Default,
            "ALLOW" => Permission::Allow,
            "ALARM" => Permission::Alarm,
            "AUDIT" => Permission::Audit,
            "DENY" => Permission::Deny,
            _ => return None,
        })
    }

    /// LoopBack's `permissionOrder`: DENY outranks ALLOW when two entries score alike.
    pub(crate) fn order(self) -> i64 {
        match self {
            Permission::Default => 0,
            Permission::Allow => 1,
            Permission::Alarm => 2,
            Permission::Audit => 3,
            Permission::Deny => 4,
        }
    }

    /// Whether the permission lets the call through (`DEFAULT` counts as `default`).
    pub fn is_allowed(self, default: Permission) -> bool {
        let p = if self == Permission::Default {
            default
        } else {
            self
        };
        p != Permission::Deny
    }
}

/// The methods an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PropertyMatch {
    /// `*` (or no `property`): every method.
    All,
    /// One method name (`find`, `patchAttributes`, `__get__notes`).
    Name(String),
    /// A list of names.
    List(Vec<String>),
}

/// One access control entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Acl {
    /// The model's name, or `*` (entries of the ACL table name it; declared ones are the
    /// declaring model's).
    pub model: String,
    /// The methods.
    pub property: PropertyMatch,
    /// The access types.
    pub access_type: AclAccessType,
    /// Whose entry it is.
    pub principal_type: PrincipalType,
    /// The user's or application's id, or the role's name.
    pub principal_id: String,
    /// ALLOW or DENY (or LoopBack's rarer ones).
    pub permission: Permission,
}

impl Acl {
    /// An entry in LoopBack's JSON (`{"principalType": "ROLE", "principalId": "$everyone",
    /// "permission": "DENY", "accessType": "*", "property": "*"}`) for `model`; a mistake is
    /// an error naming the key and what is expected.
    pub fn from_json(model: &str, v: &Value) -> Result<Acl> {
        let bad = |m: String| Error::internal(format!("acls of {model}: {m}"));
        let o = v
            .as_object()
            .ok_or_else(|| bad(format!("an entry is an object, not {v}")))?;
        let text = |k: &str| -> Result<Option<String>> {
            match o.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) if k == "principalId" => Ok(Some(n.to_string())),
                Some(other) => Err(bad(format!("{k} is a string, not {other}"))),
            }
        };
        let property = match o.get("property") {
            None | Some(Value::Null) => PropertyMatch::All,
            Some(Value::String(s)) if s == "*" => PropertyMatch::All,
            Some(Value::String(s)) => PropertyMatch::Name(s.clone()),
            Some(Value::Array(a)) => PropertyMatch::List(
                a.iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| bad(format!("property lists method names, not {x}")))
                    })
                    .collect::<Result<_>>()?,
            ),
            Some(other) => {
                return Err(bad(format!(
                    "property is a method name, a list of them or \"*\", not {other}"
                )))
            }
        };
        let access_type = match text("accessType")?.as_deref() {
            None | Some("*") => AclAccessType::All,
            Some(s) => AclAccessType::Only(AccessType::parse(s).ok_or_else(|| {
                bad(format!(
                    "accessType {s:?}: expected READ, WRITE, EXECUTE, REPLICATE or \"*\""
                ))
            })?),
        };
        let principal_type = PrincipalType::parse(
            &text("principalType")?.ok_or_else(|| bad("an entry needs a principalType".into()))?,
        );
        let principal_id =
            text("principalId")?.ok_or_else(|| bad("an entry needs a principalId".into()))?;
        let permission = match text("permission")? {
            None => return Err(bad("an entry needs a permission (ALLOW or DENY)".into())),
            Some(p) => Permission::parse(&p)
                .ok_or_else(|| bad(format!("permission {p:?}: expected ALLOW or DENY")))?,
        };
        Ok(Acl {
            model: text("model")?.unwrap_or_else(|| model.to_string()),
            property,
            access_type,
            principal_type,
            principal_id,
            permission,
        })
    }

    /// An entry for a role (`$everyone`, `$owner`, `admin`, ...).
    pub fn role(
        model: &str,
        role: &str,
        access_type: AclAccessType,
        property: PropertyMatch,
        permission: Permission,
    ) -> Acl {
        Acl {
            model: model.to_string(),
            property,
            access_type,
            principal_type: PrincipalType::Role,
            principal_id: role.to_string(),
            permission,
        }
    }
}
