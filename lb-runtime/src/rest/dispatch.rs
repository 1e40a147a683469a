//! Request → model → shared method → handler, and the error responses.

use std::borrow::Cow;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;

use super::body;
use super::call::Call;
use super::qs::decode;
use super::response::error_response;
use crate::{App, Error};

/// `Cannot GET /nothing`: a path outside the REST root.
pub(crate) fn url_not_found(method: &Method, uri: &Uri, debug: bool) -> Response {
    error_response(
        &Error::not_found(format!("Cannot {} {}", method, uri.path())),
        debug,
    )
}

fn with_query(path: &str, uri: &Uri) -> String {
    match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    }
}

/// Whether the client accepts JSON (LoopBack answers 406 otherwise).
fn accepts_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    accept.split(',').any(|t| {
        let t = body::media_type(t);
        t.is_empty()
            || t == "*/*"
            || t == "application/*"
            || t == "application/json"
            || t.ends_with("+json")
            || t == "text/event-stream"
            || t == "application/javascript"
            || t == "text/javascript"
    })
}

fn not_acceptable() -> Response {
    let mut r = Response::new(axum::body::Body::from("Not Acceptable"));
    *r.status_mut() = StatusCode::NOT_ACCEPTABLE;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The axum handler for everything under the REST root.
pub(crate) async fn dispatch(State(app): State<App>, req: Request) -> Response {
    serve(app, req).await
}

/// Whether `path` is the REST root or under it.
pub(crate) fn is_rest_path(app: &App, path: &str) -> bool {
    let root = app.inner.config.rest_api_root.as_str();
    path.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Everything: the REST root and below through [`serve`], `Cannot GET /x` elsewhere.
pub(crate) async fn dispatch_or_not_found(app: App, req: Request) -> Response {
    if is_rest_path(&app, req.uri().path()) {
        serve(app, req).await
    } else {
        url_not_found(req.method(), req.uri(), app.inner.config.debug)
    }
}

async fn serve(app: App, req: Request) -> Response {
    let debug = app.inner.config.debug;
    let (parts, req_body) = req.into_parts();
    let root_len = app.inner.config.rest_api_root.len();
    let path = parts.uri.path();
    let rel = path.get(root_len..).unwrap_or("");
    let rel_shown = if rel.is_empty() { "/" } else { rel };
    let mut segs = rel.split('/').filter(|s| !s.is_empty());
    let no_method = || {
        error_response(
            &Error::new(
                StatusCode::NOT_FOUND,
                format!(
                    "There is no method to handle {} {}",
                    parts.method,
                    with_query(rel_shown, &parts.uri)
                ),
            )
            .with_status_property(true),
            debug,
        )
    };
    let Some(first) = segs.next() else {
        return no_method();
    };
    let found_model = if first.bytes().any(|b| b.is_ascii_uppercase()) {
        app.inner.by_path.get(&first.to_lowercase())
    } else {
        app.inner.by_path.get(first)
    };
    let Some(&index) = found_model else {
        return no_method();
    };
    let entry = &app.inner.models[index];
    let rest: Vec<Cow<'_, str>> = segs.map(decode_path).collect();
    let verb = &parts.method;
    let found = entry
        .routes
        .find(&entry.methods, verb, &rest)
        // HEAD falls back to the GET route (Express)
        .or_else(|| {
            (*verb == Method::HEAD)
                .then(|| entry.routes.find(&entry.methods, &Method::GET, &rest))
                .flatten()
        });
    let Some((method, params)) = found else {
        let sub = rel_shown
            .get(1 + first.len()..)
            .filter(|s| !s.is_empty())
            .unwrap_or("/");
        return error_response(
            &Error::new(
                StatusCode::NOT_FOUND,
                format!(
                    "Shared class {:?} has no method handling {} {}",
                    entry.repo.model.name,
                    verb,
                    with_query(sub, &parts.uri)
                ),
            )
            .with_status_property(true),
            debug,
        );
    };
    if !accepts_json(&parts.headers) {
        return not_acceptable();
    }
    let req_body = axum::body::Body::new(req_body);
    let body = if http_body::Body::size_hint(&req_body).exact() == Some(0) {
        // no body (most GETs): the reader (and its future) is skipped
        serde_json::Value::Null
    } else {
        let read = Box::pin(body::read(
            &parts.headers,
            req_body,
            app.inner.config.body_limit,
        ));
        match read.await {
            Ok(b) => b,
            Err(e) => return app_error(&app, &e),
        }
    };
    let body_is_json = body::is_json(&parts.headers);
    let call = Call::new(
        app.clone(),
        index,
        params,
        parts.method,
        parts.headers,
        body,
        parts.uri,
    )
    .with_extensions(parts.extensions)
    .json_body(body_is_json);
    if let Some(m) = &method.matched {
        super::methods::record_matched_route(m);
        let span = tracing::Span::current();
        if !span.is_disabled() {
            span.record("http.route", m.template.as_str());
            span.record("lb.method", m.method.as_str());
            span.record("lb.model", m.model.as_str());
        }
    }
    match super::invoke::invoke(method, call).await {
        Ok(r) => r,
        Err(e) => app_error(&app, &e),
    }
}

/// An error of a call, rendered with the app's strong-error-handler settings.
fn app_error(app: &App, e: &Error) -> Response {
    let c = &app.inner.config;
    super::response::error_response_with(e, c.debug, &c.safe_fields, c.log_errors)
}

/// Percent-decodes a path segment (`+` stays a plus in paths).
fn decode_path(s: &str) -> Cow<'_, str> {
    if s.contains('%') {
        Cow::Owned(decode(&s.replace('+', "%2B")))
    } else {
        Cow::Borrowed(s)
    }
}
