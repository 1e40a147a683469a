//! What a model based on User is: User's properties, checks, hidden properties and
//! `accessTokens` relation on top of the model's own (`user.json` of LoopBack 3.28), its
//! ACLs, and the token model whose `user` relation points at it.

use serde_json::{json, Value};

use super::UserSettings;
use crate::acl::Acl;
use crate::auth::access_token_model;
use crate::model::{DataType, ModelDefinition, RelationKind};
use crate::validation::{CustomCheck, Rule, Validation};
use crate::value::Object;

/// LoopBack's `User` (its own properties only; the id comes from the model based on it).
fn base(settings: &UserSettings) -> ModelDefinition {
    let scope: Vec<String> = if settings.realm_required && settings.realm_delimiter.is_some() {
        vec!["realm".into()]
    } else {
        Vec::new()
    };
    let unique = |message: &str| {
        Validation::from(Rule::Uniqueness {
            scope: scope.clone(),
            ignore_case: false,
        })
        .message(message)
    };
    ModelDefinition::builder("User")
        .property("realm", DataType::String, |p| p)
        .property("username", DataType::String, |p| {
            p.validate(unique("User already exists"))
        })
        .property("password", DataType::String, |p| p.required().hidden())
        .property("email", DataType::String, |p| {
            p.required().validate(unique("Email already exists"))
        })
        .property("emailVerified", DataType::Boolean, |p| p)
        .property("verificationToken", DataType::String, |p| p.hidden())
        .custom_validation(
            "email",
            Some("string"),
            None,
            CustomCheck::Sync(email_is_text),
        )
        .custom_validation(
            "email",
            Some("email"),
            None,
            CustomCheck::Sync(email_is_valid),
        )
        .relation(
            "accessTokens",
            RelationKind::HasMany,
            "AccessToken",
            Some("userId"),
            |r| {
                let mut r = r;
                r.disable_include = true;
                r
            },
        )
        .build()
}

/// `model` based on User: User's properties it does not declare, and User's checks and
/// hidden properties on those it does (they cannot be switched off by redeclaring them).
pub(crate) fn user_definition(model: &ModelDefinition, settings: &UserSettings) -> ModelDefinition {
    let base = base(settings);
    let mut out = model.inherit(&base);
    for p in &base.properties {
        let (Some(i), false) = (out.property_index(&p.name), p.id) else {
            continue;
        };
        let own = &mut out.properties[i];
        own.required |= p.required;
        for v in &p.validations {
            let same = own
                .validations
                .iter()
                .any(|o| std::mem::discriminant(&o.rule) == std::mem::discriminant(&v.rule));
            if !same {
                own.validations.push(v.clone());
            }
        }
    }
    for hidden in ["password", "verificationToken"] {
        out.hide(hidden);
    }
    out
}

/// LoopBack's `AccessToken` with `user` belongsTo the app's user model (`userId`, of the
/// type of the user model's id, as LoopBack's connectors make it).
pub(crate) fn token_definition(user_model: &ModelDefinition) -> ModelDefinition {
    let mut def = access_token_model().clone();
    if let Some(p) = def.properties.iter_mut().find(|p| p.name == "userId") {
        p.data_type = user_model.id().data_type.clone();
    }
    let mut user = crate::model::RelationDefinition::new(
        "user",
        RelationKind::BelongsTo,
        &user_model.name,
        "AccessToken",
    );
    user.foreign_key = "userId".into();
    def.relations.push(user);
    def
}

/// User's ACLs (`user.json`), as entries of `model`.
pub(crate) fn base_acls(model: &str) -> Vec<Acl> {
    let rule = |principal: &str, permission: &str, property: Option<&str>, access: Option<&str>| {
        let mut v =
            json!({"principalType": "ROLE", "principalId": principal, "permission": permission});
        if let Some(p) = property {
            v["property"] = json!(p);
        }
        if let Some(a) = access {
            v["accessType"] = json!(a);
        }
        v
    };
    let entries: Vec<Value> = vec![
        rule("$everyone", "DENY", None, None),
        rule("$everyone", "ALLOW", Some("create"), None),
        rule("$owner", "ALLOW", Some("deleteById"), None),
        rule("$everyone", "ALLOW", Some("login"), None),
        rule("$everyone", "ALLOW", Some("logout"), None),
        rule("$owner", "ALLOW", Some("findById"), None),
        rule("$owner", "ALLOW", Some("patchAttributes"), None),
        rule("$owner", "ALLOW", Some("replaceById"), None),
        rule("$everyone", "ALLOW", Some("verify"), Some("EXECUTE")),
        rule("$everyone", "ALLOW", Some("confirm"), None),
        rule("$everyone", "ALLOW", Some("resetPassword"), Some("EXECUTE")),
        rule(
            "$authenticated",
            "ALLOW",
            Some("changePassword"),
            Some("EXECUTE"),
        ),
        rule(
            "$authenticated",
            "ALLOW",
            Some("setPassword"),
            Some("EXECUTE"),
        ),
    ];
    entries
        .iter()
        .map(|e| Acl::from_json(model, e).expect("User's ACLs are valid"))
        .collect()
}

fn email_is_text(o: &Object) -> bool {
    matches!(o.get("email"), None | Some(Value::Null | Value::String(_)))
}

fn email_is_valid(o: &Object) -> bool {
    match o.get("email") {
        Some(Value::String(s)) if !s.is_empty() => is_email(s),
        _ => true,
    }
}

/// An address of the form `local@domain` (RFC 5322's dot-atoms, at most 254 characters).
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let dot_atom = |part: &str, ok: &dyn Fn(char) -> bool| {
        !part.is_empty() && part.split('.').all(|w| !w.is_empty() && w.chars().all(ok))
    };
    let label = |c: char| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii();
    s.len() <= 254
        && local.len() <= 64
        && dot_atom(local, &atext)
        && dot_atom(domain, &label)
        && domain
            .split('.')
            .all(|l| !l.starts_with('-') && !l.ends_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in [
            "a@x.com",
            "ann.lee+tag@mail.example.org",
            "a@localhost",
            "ü@x.de",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "not-an-email",
            "a@",
            "@x.com",
            "a..b@x.com",
            "a@x..com",
            "a@-x.com",
            "a b@x.com",
            "a@x_y.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn a_user_model_gets_users_properties_after_its_own() {
        let own = ModelDefinition::builder("user")
            .property("nickname", DataType::String, |p| p)
            .property("email", DataType::String, |p| p)
            .build();
        let def = user_definition(&own, &UserSettings::default());
        let names: Vec<&str> = def.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "nickname",
                "email",
                "realm",
                "username",
                "password",
                "emailVerified",
                "verificationToken",
                "id"
            ]
        );
        assert!(
            def.property("email").unwrap().required,
            "User's rules stay on a redeclared email"
        );
        assert!(def.property("email").unwrap().is_unique());
        assert!(def.is_hidden("password") && def.is_hidden("verificationToken"));
        assert!(def
            .relation("accessTokens")
            .is_some_and(|r| r.disable_include));
        assert_eq!(base_acls("user").len(), 13);
    }
}
