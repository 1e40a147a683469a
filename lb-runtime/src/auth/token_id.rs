//! Where an access token's id is read from, in LoopBack 3's order (`AccessToken.getIdForRequest`
//! with the token middleware's defaults): the `access_token` field of a JSON or form body, then
//! the `access_token` query parameter, then the
//! `X-Access-Token` and `Authorization` headers — the latter raw, `Bearer <base64 of the id>`
//! (LoopBack's default; a plain `Bearer <id>` with `bearer_base64: false`) or `Basic
//! <base64 of user:pass>` (the longer part is the id, so `curl -u TOKEN:` works) — then, when a
//! cookie secret is set ([`TokenSources::cookie_secret`], LoopBack's `cookieParser(secret)`),
//! the signed cookies `access_token` and `authorization`. A signed cookie is
//! `cookie-parser`'s: `s:<value>.<HMAC-SHA256 of value, base64 without padding>`, so an lb
//! server and a LoopBack 3 server sharing a secret read each other's cookies ([`sign_cookie`]
//! makes one). Unsigned cookies and cookies with a bad signature are never read.

use std::sync::Arc;

use axum::http::{header::COOKIE, HeaderMap, Uri};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Where to look besides LoopBack's defaults, and how to read a `Bearer` value.
#[derive(Debug, Clone)]
pub struct TokenSources {
    /// Extra body fields and query parameters, looked at before `access_token`.
    pub params: Vec<String>,
    /// Extra headers, looked at before `X-Access-Token` and `Authorization`.
    pub headers: Vec<String>,
    /// Whether LoopBack's default places are searched too (`searchDefaultTokenKeys`).
    pub defaults: bool,
    /// A `Bearer` value is the base64 of the id (LoopBack's `bearerTokenBase64Encoded`,
    /// on by default).
    pub bearer_base64: bool,
    /// Extra signed cookies, looked at before `access_token` and `authorization`.
    pub cookies: Vec<String>,
    /// The secret cookies are signed with; without one no cookie is read.
    pub cookie_secret: Option<Arc<[u8]>>,
}

impl TokenSources {
    /// Reads tokens from cookies signed with `secret` too (as `cookie-parser` does).
    pub fn cookie_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.cookie_secret = Some(Arc::from(secret.as_ref()));
        self
    }
}

impl Default for TokenSources {
    fn default() -> TokenSources {
        TokenSources {
            params: Vec::new(),
            headers: Vec::new(),
            defaults: true,
            bearer_base64: true,
            cookies: Vec::new(),
            cookie_secret: None,
        }
    }
}

/// The access token id a request carries, if any (`body`: the parsed body, if read).
pub fn token_id(
    uri: &Uri,
    headers: &HeaderMap,
    body: Option<&serde_json::Value>,
    sources: &TokenSources,
) -> Option<String> {
    let default_params = ["access_token"];
    let default_headers = ["X-Access-Token", "authorization"];
    let params = sources.params.iter().map(String::as_str).chain(
        sources
            .defaults
            .then_some(default_params.iter().copied())
            .into_iter()
            .flatten(),
    );
    let query = uri.query().unwrap_or("");
    for name in params {
        // LoopBack's `req.param(name)`: the body's field, then the query's
        let in_body = body
            .and_then(|b| b.get(name))
            .and_then(serde_json::Value::as_str)
            .filter(|v| !v.is_empty());
        if let Some(v) = in_body {
            return Some(v.to_string());
        }
        if let Some(v) = query_value(query, name) {
            return Some(v);
        }
    }
    let names = sources.headers.iter().map(String::as_str).chain(
        sources
            .defaults
            .then_some(default_headers.iter().copied())
            .into_iter()
            .flatten(),
    );
    for name in names {
        let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        if let Some(rest) = v.strip_prefix("Bearer ") {
            if !sources.bearer_base64 {
                return Some(rest.to_string());
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .ok()?;
            return Some(String::from_utf8_lossy(&decoded).into_owned());
        }
        if v.len() >= 6 && v[..6].eq_ignore_ascii_case("basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(v[6..].trim())
                .ok()?;
            let text = String::from_utf8_lossy(&decoded).into_owned();
            return Some(match text.split_once(':') {
                Some((user, pass)) if pass.len() > user.len() => pass.to_string(),
                Some((user, _)) => user.to_string(),
                None => text,
            });
        }
        return Some(v.to_string());
    }
    let secret = sources.cookie_secret.as_deref()?;
    let default_cookies = ["access_token", "authorization"];
    let mut names = sources.cookies.iter().map(String::as_str).chain(
        sources
            .defaults
            .then_some(default_cookies.iter().copied())
            .into_iter()
            .flatten(),
    );
    names.find_map(|name| signed_cookie(headers, name, secret))
}

/// `value` signed with `secret` as `cookie-parser` signs a cookie: `s:<value>.<signature>`
/// (percent-encode it when it goes into a `Set-Cookie` header, as Express's `res.cookie` does).
pub fn sign_cookie(value: &str, secret: impl AsRef<[u8]>) -> String {
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    format!("s:{value}.{}", b64.encode(mac(value, secret.as_ref())))
}

fn mac(value: &str, secret: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(value.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The value of the first cookie `name` whose signature is right (the `Cookie` headers'
/// pairs, percent-decoded as the `cookie` module does).
fn signed_cookie(headers: &HeaderMap, name: &str, secret: &[u8]) -> Option<String> {
    let pairs = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='));
    // `cookie` keeps the first of repeated names
    let (_, raw) = pairs.into_iter().find(|(k, _)| k.trim() == name)?;
    let raw = raw.trim().trim_matches('"');
    let value = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    let signed = value.strip_prefix("s:")?;
    let (val, sig) = signed.rsplit_once('.')?;
    let sig = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(sig)
        .ok()?;
    let mut check = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    check.update(val.as_bytes());
    // constant time, as `cookie-signature` compares
    check.verify_slice(&sig).ok()?;
    Some(val.to_string()).filter(|v| !v.is_empty())
}

/// The first value of query parameter `name` (percent-decoded), if it is a plain string (as
/// LoopBack reads `req.query[name]`: `access_token[]=x` is not one).
fn query_value(query: &str, name: &str) -> Option<String> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| decode(k) == name)
        .map(|(_, v)| decode(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

    fn id(uri: &str, headers: &[(&'static str, &str)]) -> Option<String> {
        let uri: Uri = uri.parse().unwrap();
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        token_id(&uri, &h, None, &TokenSources::default())
    }

    #[test]
    fn a_body_field_comes_before_the_query() {
        let uri: Uri = "/n?access_token=q".parse().unwrap();
        let h = HeaderMap::new();
        let body = serde_json::json!({"access_token": "b", "title": "t"});
        let s = TokenSources::default();
        assert_eq!(token_id(&uri, &h, Some(&body), &s).as_deref(), Some("b"));
        let empty = serde_json::json!({"access_token": ""});
        assert_eq!(token_id(&uri, &h, Some(&empty), &s).as_deref(), Some("q"));
        assert_eq!(
            token_id(&uri, &h, Some(&serde_json::Value::Null), &s).as_deref(),
            Some("q")
        );
    }

    #[test]
    fn loopbacks_sources_in_order() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert_eq!(id("/api/notes", &[]), None);
        assert_eq!(
            id("/api/notes?access_token=abc", &[]).as_deref(),
            Some("abc")
        );
        assert_eq!(
            id("/api/notes?access_token=a%20b", &[]).as_deref(),
            Some("a b")
        );
        // the query parameter first, then X-Access-Token, then Authorization
        assert_eq!(
            id(
                "/n?access_token=q",
                &[("x-access-token", "x"), ("authorization", "h")]
            )
            .as_deref(),
            Some("q")
        );
        assert_eq!(
            id("/n", &[("x-access-token", "x"), ("authorization", "h")]).as_deref(),
            Some("x")
        );
        assert_eq!(
            id("/n", &[("authorization", "raw")]).as_deref(),
            Some("raw")
        );
        // Bearer is base64 by default: a plain Bearer value does not decode to the id
        let bearer = format!("Bearer {}", b64("tok"));
        assert_eq!(
            id("/n", &[("authorization", &bearer)]).as_deref(),
            Some("tok")
        );
        assert_eq!(id("/n", &[("authorization", "Bearer !!notbase64")]), None);
        // Basic: the longer of user and password
        let basic = format!("Basic {}", b64("TOKEN123:"));
        assert_eq!(
            id("/n", &[("authorization", &basic)]).as_deref(),
            Some("TOKEN123")
        );
        let basic = format!("basic {}", b64("u:longerpassword"));
        assert_eq!(
            id("/n", &[("authorization", &basic)]).as_deref(),
            Some("longerpassword")
        );
        // an empty header is skipped; a header named access_token is not read
        assert_eq!(
            id("/n", &[("x-access-token", ""), ("authorization", "h")]).as_deref(),
            Some("h")
        );
        assert_eq!(id("/n", &[("access_token", "nope")]), None);
    }

    #[test]
    fn signed_cookies_with_a_secret() {
        let secret = "keyboard cat";
        let signed = sign_cookie("tok", secret);
        // cookie-signature's own known answer
        assert_eq!(
            sign_cookie("hello", "tobiiscool"),
            "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI"
        );
        let encoded = utf8_percent_encode(&signed, NON_ALPHANUMERIC).to_string();
        let cookie = format!("other=1; access_token={encoded}");
        let with = TokenSources::default().cookie_secret(secret);
        let uri: Uri = "/n".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(&cookie).unwrap());
        assert_eq!(token_id(&uri, &h, None, &with).as_deref(), Some("tok"));
        // without a secret no cookie is read
        assert_eq!(token_id(&uri, &h, None, &TokenSources::default()), None);
        // a wrong secret, a tampered value, an unsigned cookie: not read
        let other = TokenSources::default().cookie_secret("other");
        assert_eq!(token_id(&uri, &h, None, &other), None);
        for bad in [
            cookie.replace("s%3Atok", "s%3Atoz"),
            "access_token=tok".to_string(),
            "access_token=s%3Atok".to_string(),
        ] {
            h.insert(COOKIE, HeaderValue::from_str(&bad).unwrap());
            assert_eq!(token_id(&uri, &h, None, &with), None, "{bad}");
        }
        // headers come before cookies; `authorization` is a cookie name too
        h.insert(
            COOKIE,
            HeaderValue::from_str(&format!("authorization={encoded}")).unwrap(),
        );
        assert_eq!(token_id(&uri, &h, None, &with).as_deref(), Some("tok"));
        h.insert("x-access-token", HeaderValue::from_static("hdr"));
        assert_eq!(token_id(&uri, &h, None, &with).as_deref(), Some("hdr"));
    }

    #[test]
    fn plain_bearer_and_own_sources() {
        let uri: Uri = "/n?token=p".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("Bearer plain"));
        let plain = TokenSources {
            bearer_base64: false,
            ..TokenSources::default()
        };
        assert_eq!(
            token_id(&"/n".parse().unwrap(), &h, None, &plain).as_deref(),
            Some("plain")
        );
        let own = TokenSources {
            params: vec!["token".into()],
            defaults: false,
            ..TokenSources::default()
        };
        assert_eq!(token_id(&uri, &h, None, &own).as_deref(), Some("p"));
        assert_eq!(
            token_id(&"/n".parse().unwrap(), &h, None, &own),
            None,
            "defaults off"
        );
    }
}
