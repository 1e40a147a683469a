//! User's remote methods as LoopBack 3.28 declares and answers them: `login`, `logout`,
//! `confirm`, `prototype.verify`, `resetPassword`, `changePassword`, `setPassword`.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::hooks::setting_password;
use super::{ResetRequest, Users};
use crate::auth::access_token::same_id;
use crate::auth::{current_token, AccessToken, Checked, Email};
use crate::connector::Row;
use crate::filter::{parse_where, Filter, ParseOptions};
use crate::remote::{Accept, AccessType, ArgType, Invocation, RemoteMethod, Returns, Source};
use crate::repository::Repository;
use crate::value::js;
use crate::{Error, Result};

pub(super) fn all(users: &Arc<Users>) -> Vec<RemoteMethod> {
    let u = |users: &Arc<Users>| users.clone();
    let (a, b, c, d, e, f, g) = (
        u(users),
        u(users),
        u(users),
        u(users),
        u(users),
        u(users),
        u(users),
    );
    let mut set_password = RemoteMethod::new("setPassword", move |inv| {
        let u = g.clone();
        async move { set_password(&u, inv).await }
    })
    .http(Method::POST, "/reset-password")
    .description("Reset user's password via a password-reset token.")
    .error(StatusCode::UNAUTHORIZED, "No such user (USER_NOT_FOUND)")
    .accepts(
        Accept::new("newPassword", ArgType::String)
            .required()
            .source(Source::Form),
    );
    if users.settings.restrict_reset_password_token_scope {
        set_password = set_password.access_scopes(&["reset-password"]);
    }
    vec![
        RemoteMethod::new("login", move |inv| {
            let u = a.clone();
            async move { login(&u, inv).await }
        })
        .description("Login a user with username/email and password.")
        .accepts(
            Accept::new("credentials", ArgType::Object)
                .required()
                .source(Source::Body),
        )
        .accepts(
            Accept::new("include", ArgType::Any)
                .source(Source::Query)
                .description("Related objects to include in the response (`user`)."),
        )
        .error(
            StatusCode::UNAUTHORIZED,
            "login failed (LOGIN_FAILED, LOGIN_FAILED_EMAIL_NOT_VERIFIED)",
        )
        .returns(Returns::root("accessToken", ArgType::Object).description(
            "The response body contains properties of the AccessToken created on login; with \
             `include=user`, also `user`, the user's own properties.",
        )),
        RemoteMethod::new("logout", move |inv| {
            let u = b.clone();
            async move { logout(&u, inv).await }
        })
        .description("Logout a user with access token.")
        .error(
            StatusCode::UNAUTHORIZED,
            "accessToken is required to logout",
        ),
        RemoteMethod::new("confirm", move |inv| {
            let u = c.clone();
            async move { confirm(&u, inv).await }
        })
        .http(Method::GET, "/confirm")
        .description("Confirm a user registration with identity verification token.")
        .accepts(Accept::new("uid", ArgType::String).required())
        .accepts(Accept::new("token", ArgType::String).required())
        .accepts(Accept::new("redirect", ArgType::String))
        .error(StatusCode::NOT_FOUND, "User not found (USER_NOT_FOUND)")
        .error(StatusCode::FOUND, "Confirmed: on to `redirect`"),
        RemoteMethod::new("verify", move |inv| {
            let u = d.clone();
            async move { verify(&u, inv).await }
        })
        .instance()
        .http(Method::POST, "/verify")
        .access_type(AccessType::Execute)
        .description("Trigger user's identity verification with configured verifyOptions"),
        RemoteMethod::new("resetPassword", move |inv| {
            let u = e.clone();
            async move { reset_password(&u, inv).await }
        })
        .http(Method::POST, "/reset")
        .description("Reset password for a user with email.")
        .error(
            StatusCode::NOT_FOUND,
            "Email not found (EMAIL_NOT_FOUND; only with reset_reveals_unknown_email)",
        )
        .accepts(
            Accept::new("options", ArgType::Object)
                .required()
                .source(Source::Body),
        ),
        RemoteMethod::new("changePassword", move |inv| {
            let u = f.clone();
            async move { change_password(&u, inv).await }
        })
        .http(Method::POST, "/change-password")
        .description("Change a user's password.")
        .error(StatusCode::UNAUTHORIZED, "No such user (USER_NOT_FOUND)")
        .accepts(
            Accept::new("oldPassword", ArgType::String)
                .required()
                .source(Source::Form),
        )
        .accepts(
            Accept::new("newPassword", ArgType::String)
                .required()
                .source(Source::Form),
        ),
        set_password,
    ]
}

fn error(status: StatusCode, message: impl Into<String>, code: &'static str) -> Error {
    Error::new(status, message).with_code(code)
}

fn login_failed() -> Error {
    error(StatusCode::UNAUTHORIZED, "login failed", "LOGIN_FAILED")
}

/// The first user matching `where_` (a JSON where of the user model).
async fn find_user(users: &Repository, where_: Value) -> Result<Option<Row>> {
    let filter = Filter {
        where_: parse_where(users.model, &where_, ParseOptions::default())?,
        limit: Some(1),
        ..Filter::default()
    };
    Ok(users.find(&filter).await?.into_iter().next())
}

/// LoopBack's `normalizeCredentials` and the checks of `login`: the where that finds the
/// user.
fn credentials_where(u: &Users, credentials: &Map<String, Value>) -> Result<Value> {
    let mut query = Map::new();
    let realms = u.settings.realms();
    let pick = |key: &str| credentials.get(key).filter(|v| js::truthy(v)).cloned();
    let (key, value) = match (pick("email"), pick("username")) {
        (Some(e), _) => ("email", Some(e)),
        (None, Some(n)) => ("username", Some(n)),
        (None, None) => ("email", None),
    };
    if realms {
        if let Some(r) = pick("realm") {
            query.insert("realm".into(), r);
        }
    }
    if let Some(mut v) = value {
        if let (true, Some(delim), Value::String(s)) =
            (realms, u.settings.realm_delimiter.as_deref(), &v)
        {
            if let Some((realm, name)) = s.split_once(delim) {
                query.insert("realm".into(), json!(realm));
                v = json!(name);
            }
        }
        query.insert(key.into(), v);
    }
    if realms {
        match query.get("realm") {
            None => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "realm is required",
                    "REALM_REQUIRED",
                ))
            }
            Some(Value::String(_)) => {}
            Some(_) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Invalid realm",
                    "INVALID_REALM",
                ))
            }
        }
    }
    match (query.get("email"), query.get("username")) {
        (None, None) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "username or email is required",
                "USERNAME_EMAIL_REQUIRED",
            ))
        }
        (_, Some(n)) if !n.is_string() => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Invalid username",
                "INVALID_USERNAME",
            ))
        }
        (Some(e), _) if !e.is_string() => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Invalid email",
                "INVALID_EMAIL",
            ))
        }
        _ => {}
    }
    if !u.settings.case_sensitive_email {
        if let Some(Value::String(e)) = query.get_mut("email") {
            *e = e.to_lowercase();
        }
    }
    Ok(Value::Object(query))
}

/// A token as LoopBack answers it: `id`, `ttl`, `created`, `userId` (+ `scopes`).
fn token_json(t: &AccessToken) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(t.id));
    o.insert("ttl".into(), json!(t.ttl));
    if !t.scopes.is_empty() {
        o.insert("scopes".into(), json!(t.scopes));
    }
    o.insert(
        "created".into(),
        json!(t
            .created
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    o.insert("userId".into(), t.user_id.clone());
    o
}

/// A user as an answer shows it (no hidden properties, no unset ones).
fn public_user(users: &Repository, row: &Row) -> Value {
    let mut o = row.to_object();
    o.retain(|k, v| !users.model.is_hidden(k) && !v.is_null());
    Value::Object(o)
}

/// `ttl` of the credentials: LoopBack's `min(ttl || settings.ttl, maxTTL)`.
fn login_ttl(u: &Users, asked: Option<&Value>) -> i64 {
    let asked = asked
        .and_then(js::to_number)
        .filter(|n| n.is_finite() && *n != 0.0);
    match asked {
        Some(n) => (n.trunc() as i64).min(u.settings.max_ttl),
        None => u.settings.ttl.min(u.settings.max_ttl),
    }
}

async fn login(u: &Users, inv: Invocation) -> Result<Vec<Value>> {
    let Some(Value::Object(credentials)) = inv.args.get("credentials") else {
        return Err(Error::bad_request("Value is not an object."));
    };
    let include_user = match inv.args.get("include") {
        Some(Value::String(s)) => s.eq_ignore_ascii_case("user"),
        Some(Value::Array(a)) => a
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("user"))),
        _ => false,
    };
    let where_ = credentials_where(u, credentials)?;
    let users = u.users()?;
    let user = find_user(&users, where_).await?;
    let stored = user
        .as_ref()
        .and_then(|r| r.get("password").map(|v| v.into_owned()));
    let plain = credentials.get("password").and_then(Value::as_str);
    // an unknown user costs the same hash as a wrong password
    let checked = match plain.filter(|p| !p.is_empty()) {
        Some(p) => {
            let stored = user.as_ref().and(stored.as_ref()).and_then(Value::as_str);
            u.passwords.check(p, stored).await?
        }
        None => Checked::Mismatch,
    };
    let (Some(user), Checked::Match | Checked::MatchRehash) = (user, checked) else {
        return Err(login_failed());
    };
    let id = users.row_id(&user).unwrap_or(Value::Null);
    if u.settings.email_verification_required
        && !user.get("emailVerified").is_some_and(|v| js::truthy(&v))
    {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "login failed as the email has not been verified",
            "LOGIN_FAILED_EMAIL_NOT_VERIFIED",
        )
        .with_details(json!({"userId": id})));
    }
    if let (Checked::MatchRehash, Some(p)) = (checked, plain) {
        // a LoopBack 3 (bcrypt) or older Argon2 hash: stored anew, without the hooks (the
        // password did not change, the user's tokens stay)
        let hash = u.passwords.hash(p).await?;
        let mut patch = Map::new();
        patch.insert("password".into(), Value::String(hash));
        users.connector.patch_by_id(users.model, &id, patch).await?;
    }
    let ttl = login_ttl(u, credentials.get("ttl"));
    let token = u.tokens()?.create(&id, ttl, Vec::new()).await?;
    let mut out = token_json(&token);
    if include_user {
        out.insert("user".into(), public_user(&users, &user));
    }
    Ok(vec![Value::Object(out)])
}

async fn logout(u: &Users, _inv: Invocation) -> Result<Vec<Value>> {
    let Some(token) = current_token() else {
        return Err(Error::new(
            StatusCode::UNAUTHORIZED,
            "accessToken is required to logout",
        ));
    };
    u.tokens()?.delete(&token.id).await?;
    Ok(Vec::new())
}

async fn confirm(u: &Users, inv: Invocation) -> Result<Vec<Value>> {
    let uid = inv.arg::<String>("uid")?;
    let token = inv.arg::<String>("token")?;
    if let Some(to) = inv.args.get("redirect").and_then(Value::as_str) {
        if !is_local_path(to) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "redirect must be a path of this site (`/...`)",
                "INVALID_REDIRECT",
            ));
        }
    }
    let users = u.users()?;
    let user = users.find_by_id(&Value::String(uid.clone()), None).await?;
    let Some(user) = user else {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("User not found: {uid}"),
            "USER_NOT_FOUND",
        ));
    };
    let stored = user.get("verificationToken").map(|v| v.into_owned());
    if !stored
        .as_ref()
        .and_then(Value::as_str)
        .is_some_and(|s| same_id(s, &token))
    {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("Invalid token: {token}"),
            "INVALID_TOKEN",
        ));
    }
    let id = users.row_id(&user).unwrap_or(Value::Null);
    let text = js::to_js_string(&id);
    users
        .patch_attributes(
            &id,
            json!({"verificationToken": null, "emailVerified": true}),
            &text,
        )
        .await?;
    Ok(Vec::new())
}

/// A path on this site (`/welcome`), not another origin (`//evil.example`, `https://..`).
fn is_local_path(to: &str) -> bool {
    to.starts_with('/') && !to.starts_with("//") && !to.chars().any(|c| c.is_control() || c == '\\')
}

/// 64 random bytes as hex (LoopBack's `generateVerificationToken`).
fn verification_token() -> Result<String> {
    let mut buf = [0u8; 64];
    getrandom::getrandom(&mut buf)
        .map_err(|e| Error::internal(format!("no random source: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

async fn verify(u: &Users, inv: Invocation) -> Result<Vec<Value>> {
    let users = u.users()?;
    let user = inv
        .instance
        .as_ref()
        .ok_or_else(|| Error::internal("verify without an instance"))?;
    let options = &u.config.verify;
    let from = options.from.clone().ok_or_else(|| {
        Error::internal("Must include verifyOptions.from when calling user.verify()")
    })?;
    let to = user
        .get("email")
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| {
            Error::internal("Must include verifyOptions.to when calling user.verify() or the user must have an email property")
        })?;
    let mailer = u
        .config
        .mailer
        .clone()
        .ok_or_else(|| Error::internal("A mailer function must be provided"))?;
    let id = users.row_id(user).unwrap_or(Value::Null);
    let token = verification_token()?;
    let text_id = js::to_js_string(&id);
    users
        .patch_attributes(&id, json!({"verificationToken": token}), &text_id)
        .await?;
    let query = url_query(&[
        ("uid", &text_id),
        ("redirect", &options.redirect),
        ("token", &token),
    ]);
    let href = format!(
        "{}{}/{}/confirm?{query}",
        options.origin.trim_end_matches('/'),
        u.rest_api_root,
        u.rest_path
    );
    let email = Email {
        to,
        from,
        subject: options.subject.clone(),
        text: format!("Please verify your email by opening this link in a web browser:\n\t{href}"),
        html: None,
    };
    mailer.send(&email).await?;
    Ok(Vec::new())
}

fn url_query(pairs: &[(&str, &str)]) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn reset_password(u: &Users, inv: Invocation) -> Result<Vec<Value>> {
    let options = match inv.args.get("options") {
        Some(Value::Object(o)) => o.clone(),
        _ => Map::new(),
    };
    let Some(Value::String(email)) = options.get("email") else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Email is required",
            "EMAIL_REQUIRED",
        ));
    };
    if let Some(p) = options.get("password").filter(|v| js::truthy(v)) {
        u.passwords.validate(p)?;
    }
    let mut where_ = json!({ "email": email });
    if !u.settings.case_sensitive_email {
        where_["email"] = json!(email.to_lowercase());
    }
    if let Some(realm) = options.get("realm").filter(|v| js::truthy(v)) {
        where_["realm"] = realm.clone();
    }
    let users = u.users()?;
    let user = find_user(&users, where_).await?;
    let reveal = u.settings.reset_reveals_unknown_email;
    let Some(user) = user else {
        if reveal {
            return Err(error(
                StatusCode::NOT_FOUND,
                "Email not found",
                "EMAIL_NOT_FOUND",
            ));
        }
        return Ok(Vec::new());
    };
    if u.settings.email_verification_required
        && !user.get("emailVerified").is_some_and(|v| js::truthy(&v))
    {
        if reveal {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "Email has not been verified",
                "RESET_FAILED_EMAIL_NOT_VERIFIED",
            ));
        }
        return Ok(Vec::new());
    }
    let id = users.row_id(&user).unwrap_or(Value::Null);
    let scopes = if u.settings.restrict_reset_password_token_scope {
        vec!["reset-password".to_string()]
    } else {
        Vec::new()
    };
    let ttl = u.settings.reset_password_token_ttl.min(u.settings.max_ttl);
    let token = u.tokens()?.create(&id, ttl, scopes).await?;
    if let Some(handler) = u.config.on_reset.clone() {
        let request = ResetRequest {
            email: email.clone(),
            access_token: token,
            user: public_user(&users, &user),
        };
        // after the answer, so its time does not tell whether the email exists
        tokio::spawn(async move {
            if let Err(e) = handler(request).await {
                tracing::error!(target: "lb::auth", "the password reset handler failed: {}", e.message);
            }
        });
    }
    Ok(Vec::new())
}

/// The caller's user id (`getUserIdFromRequestContext`).
fn caller() -> Result<Value> {
    current_token()
        .map(|t| t.user_id.clone())
        .ok_or_else(Error::authorization_required)
}

async fn find_caller(users: &Repository, id: &Value) -> Result<Row> {
    users.find_by_id(id, None).await?.ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            format!("User {} not found", js::to_js_string(id)),
            "USER_NOT_FOUND",
        )
    })
}

async fn write_password(u: &Users, users: &Repository, id: &Value, new: &Value) -> Result<()> {
    u.passwords.validate(new)?;
    let text = js::to_js_string(id);
    setting_password(users.patch_attributes(id, json!({ "password": new }), &text)).await?;
    Ok(())
}

async fn change_password(u: &Users, inv: Invocation) -> Result<Vec<Value>> {
    let id = caller()?;
    let old = inv.arg::<String>("oldPassword")?;
    let new = inv.args.get("newPassword").cloned().unwrap_or(Value::Null);
    let users = u.users()?;
    let user = find_caller(&users, &id).await?;
    let stored = user.get("password").map(|v| v.into_owned());
    let checked = u
        .passwords
        .check(&old, stored.as_ref().and_then(Value::as_str))
        .await?;
    if checked == Checked::Mismatch {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Invalid current password",
            "INVALID_PASSWORD",
        ));
    }
    write_password(u, &users, &id, &new).await?;
    Ok(Vec::new())
}

async fn set_password(u: &Users, inv: Invocation) -> Result<Vec<Value>> {
    let id = caller()?;
    let new = inv.args.get("newPassword").cloned().unwrap_or(Value::Null);
    let users = u.users()?;
    find_caller(&users, &id).await?;
    write_password(u, &users, &id, &new).await?;
    Ok(Vec::new())
}
