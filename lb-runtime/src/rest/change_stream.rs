//! `GET`/`POST /<model>/change-stream`: Server-Sent Events in LoopBack's format — `:ok`, then
//! `event: data` / `data: {target, data, type}` per change of the model. An `options`
//! argument may carry a `where`: only the changes whose instance matches it are sent (a
//! remove, which has no instance, is matched on its id). A client that goes away ends its
//! subscription at once.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use http_body::Frame;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::call::Call;
use super::outcome::Outcome;
use crate::changes::{ChangeKind, Delivered, Rendered};
use crate::connector::BoxFuture;
use crate::filter::{eval, parse_where, Where};
use crate::remote::Source;
use crate::repository::Repository;
use crate::value::Record;
use crate::Result;

/// The response body: the frames the subscription task sends; dropped with the connection.
struct Events(mpsc::Receiver<Bytes>);

impl http_body::Body for Events {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// The `options` argument's `where`, parsed against the model.
fn where_option(c: &Call) -> Result<Option<Where>> {
    // the options object, strictly or as JSON text, with its own message
    let raw = c
        .overridden("options")
        .or_else(|| super::arguments::raw(c, "options", Source::Auto).map(|(v, _)| v));
    let options = match raw {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => serde_json::from_str::<Value>(&s).map_err(|_| {
            crate::Error::bad_request(format!("options is not a valid JSON object: {s}"))
        })?,
        Some(v) => v,
    };
    match options.get("where") {
        None | Some(Value::Null) => Ok(None),
        Some(w) => parse_where(c.model(), w, super::arguments::rest_options(c, false)),
    }
}

/// A change ready to send (see [`Rendered`]): its instance read back when the notification
/// left it out, shaped as an answer shows it, and written as an event.
async fn render(repo: &Repository, d: &Delivered) -> Option<Rendered> {
    let mut change = d.change.clone();
    if d.truncated && change.kind != ChangeKind::Remove {
        // too large for the notification: read back
        if let Some(t) = &change.target {
            change.data = repo
                .find_by_id(t, None)
                .await
                .ok()
                .flatten()
                .map(|r| Value::Object(r.to_object()));
        }
    }
    let subject = match (&change.data, &change.target) {
        (Some(Value::Object(o)), _) if change.where_.is_none() => Some(o.clone()),
        (_, Some(t)) => {
            let mut o = Map::new();
            o.insert(repo.model.id().name.clone(), t.clone());
            Some(o)
        }
        _ => None,
    };
    // the event's instance as an answer shows it (a read-back row is raw)
    if let Some(data) = &mut change.data {
        crate::shape::value(repo.model, data, crate::shape::Level::Top);
    }
    Some(Rendered {
        subject: subject.map(Record::new),
        text: Bytes::from(format!("event: data\ndata: {}\n\n", change.to_json())),
    })
}

/// The event text of a change for a subscriber with where `w`, or `None` when the where
/// leaves it out. Rendered once per change, whatever the number of subscribers.
async fn event(repo: &Repository, d: &Delivered, w: Option<&Where>) -> Option<Bytes> {
    let rendered = d.rendered.get_or_init(|| render(repo, d)).await.as_ref()?;
    if let Some(w) = w {
        match &rendered.subject {
            Some(subject) if eval::matches(subject, w) => {}
            _ => return None,
        }
    }
    Some(rendered.text.clone())
}

/// The handler of `createChangeStream`.
pub(crate) fn change_stream(c: Call) -> BoxFuture<'static, Result<Outcome>> {
    Box::pin(async move {
        let mut w = where_option(&c)?;
        let entry = &c.app.inner.models[c.model_index];
        // an owner-scoped model: only the caller's instances
        if let Some(owner) = c.app.inner.owner_scopes.get(&entry.repo.model.name) {
            if let Some(mine) = crate::auth::owner_scope::owner_where(entry.repo.model, owner)? {
                w = Some(match w {
                    Some(mut w) => {
                        w.0.extend(mine.0);
                        w
                    }
                    None => mine,
                });
            }
        }
        let connector = entry.repo.connector.clone();
        let hub = c.app.inner.changes.clone();
        if hub.is_closed() {
            return Err(crate::Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is shutting down",
            ));
        }
        let place = hub.admit(super::client_address().map(|a| a.ip()))?;
        let mut changes = hub.subscribe(entry.datasource, &connector).await?;
        let repo = entry.repo.clone();
        let model = repo.model.name.clone();
        let (tx, rx) = mpsc::channel::<Bytes>(hub.limits().buffer.max(1));
        let closed = hub.closed();
        tokio::spawn(async move {
            let _place = place;
            tokio::pin!(closed);
            if tx.try_send(Bytes::from_static(b":ok\n\n")).is_err() {
                return;
            }
            loop {
                let d = tokio::select! {
                    // the client went away: stop now, not at the next change
                    _ = tx.closed() => return,
                    // the app shuts down: the stream ends
                    () = &mut closed => return,
                    d = changes.recv() => d,
                };
                // a subscriber that fell behind is disconnected rather than silently missing
                // changes; it may reconnect
                let Ok(d) = d else { return };
                if d.change.model != model {
                    continue;
                }
                if let Some(text) = event(&repo, &d, w.as_ref()).await {
                    // never wait for a client that does not read: its buffer is full, it goes
                    if tx.try_send(text).is_err() {
                        return;
                    }
                }
            }
        });
        let mut r = Response::new(Body::new(Events(rx)));
        *r.status_mut() = StatusCode::OK;
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache, no-transform"),
        );
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("x-no-compression"),
        );
        Ok(Outcome::Stream(r))
    })
}
