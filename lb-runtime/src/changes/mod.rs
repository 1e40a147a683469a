//! Change streams (spec §2.14): every write of a model becomes a [`Change`] that the
//! `change-stream` endpoint sends to its subscribers as Server-Sent Events. Changes travel
//! through a `Hub`: in process by a broadcast channel; on PostgreSQL through
//! `NOTIFY`/`LISTEN`, so the subscribers of every app process sharing the database see the
//! writes of all of them (a notification sent inside a transaction is delivered on commit).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};
use tokio::sync::broadcast;

use crate::connector::Connector;

/// The PostgreSQL channel lb's changes travel on.
pub(crate) const CHANNEL: &str = "lb_changes";

/// PostgreSQL refuses notification payloads of 8000 bytes or more: a larger change travels
/// without its data, which the receiving process reads back by id.
const MAX_PAYLOAD: usize = 7900;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// An instance was created.
    Create,
    /// Instances were updated (replaced or patched).
    Update,
    /// Instances were deleted.
    Remove,
}

impl ChangeKind {
    fn name(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Update => "update",
            ChangeKind::Remove => "remove",
        }
    }

    fn from_name(s: &str) -> Option<ChangeKind> {
        Some(match s {
            "create" => ChangeKind::Create,
            "update" => ChangeKind::Update,
            "remove" => ChangeKind::Remove,
            _ => return None,
        })
    }
}

/// One change of one model, as LoopBack sends it: `{target, data, type}` (`where` for
/// updateAll and deletes).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The model.
    pub model: String,
    /// What happened.
    pub kind: ChangeKind,
    /// The id of the instance (absent for updateAll/deleteAll without an id condition).
    pub target: Option<Value>,
    /// The instance (create, update of one instance) or the changes (updateAll).
    pub data: Option<Value>,
    /// Which instances (updateAll, deletes).
    pub where_: Option<Value>,
}

impl Change {
    /// The event's JSON (`{"target":..,"data":..,"type":..}`), without the model.
    pub fn to_json(&self) -> Value {
        let mut o = Map::new();
        if let Some(t) = &self.target {
            o.insert("target".into(), t.clone());
        }
        if let Some(w) = &self.where_ {
            o.insert("where".into(), w.clone());
        }
        if let Some(d) = &self.data {
            o.insert("data".into(), d.clone());
        }
        o.insert("type".into(), Value::from(self.kind.name()));
        Value::Object(o)
    }

    /// The notification payload: the event plus the model, without the data when too long.
    fn payload(&self) -> String {
        let mut v = self.to_json();
        v["model"] = Value::from(self.model.as_str());
        let text = v.to_string();
        if text.len() <= MAX_PAYLOAD {
            return text;
        }
        if let Value::Object(o) = &mut v {
            o.remove("data");
            o.insert("truncated".into(), Value::Bool(true));
        }
        let text = v.to_string();
        if text.len() <= MAX_PAYLOAD {
            return text;
        }
        // a huge where (or id): the subscribers get the kind, and the target if it is short
        let target = self.target.as_ref().filter(|t| t.to_string().len() <= 1000);
        json!({"model": self.model, "type": self.kind.name(), "target": target, "truncated": true})
            .to_string()
    }

    /// A change from a notification payload; `truncated` when its data was left out.
    fn from_payload(text: &str) -> Option<(Change, bool)> {
        let v: Value = serde_json::from_str(text).ok()?;
        let change = Change {
            model: v.get("model")?.as_str()?.to_string(),
            kind: ChangeKind::from_name(v.get("type")?.as_str()?)?,
            target: v.get("target").filter(|t| !t.is_null()).cloned(),
            data: v.get("data").cloned(),
            where_: v.get("where").cloned(),
        };
        let truncated = v.get("truncated").and_then(Value::as_bool) == Some(true);
        Some((change, truncated))
    }
}

/// A change as subscribers receive it.
#[derive(Debug)]
pub(crate) struct Delivered {
    pub change: Change,
    /// Its data was too large for the notification: read it back by id.
    pub truncated: bool,
    /// The event as sent, made by the first subscriber that needs it and shared by all.
    pub rendered: tokio::sync::OnceCell<Option<Rendered>>,
}

/// A change made ready to send: rendered once, however many subscribers send it.
#[derive(Debug)]
pub(crate) struct Rendered {
    /// What a subscriber's `where` is matched against (the instance, or its id alone).
    pub subject: Option<crate::value::Record>,
    /// The event's text (`event: data` / `data: {..}`).
    pub text: bytes::Bytes,
}

/// Where an app's changes meet its subscribers.
pub(crate) struct Hub {
    tx: broadcast::Sender<Arc<Delivered>>,
    /// Open subscriptions by client address (`None`: not known, e.g. a router in a test).
    by_address: Arc<Mutex<HashMap<Option<IpAddr>, usize>>>,
    limits: StreamLimits,
    /// Datasources (by position) whose connector carries changes between processes: started
    /// once this process listens to them.
    listening: Mutex<HashMap<usize, Arc<tokio::sync::OnceCell<()>>>>,
    /// Set when the app shuts down: every subscription ends.
    closing: tokio::sync::watch::Sender<bool>,
}

/// Changes kept for a slow subscriber before it misses some.
const BACKLOG: usize = 1024;

/// The bounds of change streams (`AppBuilder::change_stream_limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Subscriptions open at once in the process; one more is a 503. Default 4,096.
    pub max_subscribers: usize,
    /// Subscriptions open at once from one client address; one more is a 429. Default 64.
    pub max_subscribers_per_address: usize,
    /// Events waiting for a subscriber that does not read; when one more comes, the
    /// subscriber is disconnected (it may reconnect), so a write never waits on it and
    /// memory stays bounded. Default 64.
    pub buffer: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            max_subscribers: 4096,
            max_subscribers_per_address: 64,
            buffer: 64,
        }
    }
}

impl Hub {
    pub(crate) fn new(limits: StreamLimits) -> Self {
        Hub {
            tx: broadcast::channel(BACKLOG).0,
            by_address: Arc::default(),
            limits,
            listening: Mutex::new(HashMap::new()),
            closing: tokio::sync::watch::channel(false).0,
        }
    }

    /// Ends every subscription (a shutdown: their answers finish, so their connections can
    /// close); new ones are refused.
    pub(crate) fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Completes when the hub is closed.
    pub(crate) fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    /// Whether the hub is closed.
    pub(crate) fn is_closed(&self) -> bool {
        *self.closing.borrow()
    }

    /// The limits the hub was made with.
    pub(crate) fn limits(&self) -> StreamLimits {
        self.limits
    }
}

/// One open subscription's place in the caps; dropping it frees the place.
pub(crate) struct Place {
    address: Option<IpAddr>,
    by_address: Arc<Mutex<HashMap<Option<IpAddr>, usize>>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut map = self.by_address.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.address);
            }
        }
    }
}

impl Hub {
    /// Whether anyone in this process listens.
    pub(crate) fn has_subscribers(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// Delivers a change to this process's subscribers.
    pub(crate) fn deliver(&self, change: Change, truncated: bool) {
        // no receiver: nobody listens, nothing to keep
        let _ = self.tx.send(Arc::new(Delivered {
            change,
            truncated,
            rendered: tokio::sync::OnceCell::new(),
        }));
    }

    /// Publishes a change of a write made through `connector`: by its notifications when it
    /// has them (every process, this one included, receives it from the database; inside a
    /// transaction on commit), else in process — into `pending` inside a transaction, which
    /// the app delivers on commit.
    pub(crate) async fn publish(
        &self,
        connector: &dyn Connector,
        change: Change,
        pending: Option<&Mutex<Vec<Change>>>,
    ) -> crate::Result<()> {
        if connector.carries_changes() {
            // this process's subscribers listen through the database too
            if self.has_subscribers() || connector.others_listen().await? {
                connector.notify(CHANNEL, &change.payload()).await?;
            }
            return Ok(());
        }
        match pending {
            Some(p) => p.lock().unwrap_or_else(|e| e.into_inner()).push(change),
            None if self.has_subscribers() => self.deliver(change, false),
            None => {}
        }
        Ok(())
    }

    /// A place for a subscriber from `address` within the caps: a 503 when the process
    /// holds its maximum, a 429 when the address does.
    pub(crate) fn admit(&self, address: Option<IpAddr>) -> crate::Result<Place> {
        let mut map = self.by_address.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = map.values().sum();
        if total >= self.limits.max_subscribers {
            return Err(crate::Error::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "too many change-stream subscribers",
            )
            .with_code("TOO_MANY_SUBSCRIBERS"));
        }
        let n = map.entry(address).or_insert(0);
        if *n >= self.limits.max_subscribers_per_address {
            return Err(crate::Error::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "at most {} change streams may be open from one address",
                    self.limits.max_subscribers_per_address
                ),
            )
            .with_code("TOO_MANY_SUBSCRIBERS"));
        }
        *n += 1;
        Ok(Place {
            address,
            by_address: self.by_address.clone(),
        })
    }

    /// A subscription; on a datasource with notifications this process starts listening
    /// (once per datasource).
    pub(crate) async fn subscribe(
        self: &Arc<Self>,
        datasource: usize,
        connector: &Arc<dyn Connector>,
    ) -> crate::Result<broadcast::Receiver<Arc<Delivered>>> {
        let rx = self.tx.subscribe();
        if connector.carries_changes() {
            // every subscriber waits for the one start of the listener (a failed start is
            // tried again by the next subscriber)
            let started = self
                .listening
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(datasource)
                .or_default()
                .clone();
            started.get_or_try_init(|| self.listen(connector)).await?;
        }
        Ok(rx)
    }

    /// Starts listening on the datasource: a task forwards its notifications here until the
    /// app is gone.
    async fn listen(self: &Arc<Self>, connector: &Arc<dyn Connector>) -> crate::Result<()> {
        let hub = Arc::downgrade(self);
        let mut payloads = connector.listen(CHANNEL).await?;
        tokio::spawn(async move {
            loop {
                let p = tokio::select! {
                    p = payloads.recv() => p,
                    // the app is gone: stop (and so the listener)
                    _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {
                        if hub.strong_count() == 0 {
                            break;
                        }
                        continue;
                    }
                };
                let (Some(p), Some(hub)) = (p, hub.upgrade()) else {
                    break;
                };
                if let Some((c, truncated)) = Change::from_payload(&p) {
                    hub.deliver(c, truncated);
                }
            }
        });
        Ok(())
    }
}

impl Hub {
    /// How many subscriptions are open in this process.
    pub(crate) fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_large_data_is_left_out() {
        let c = Change {
            model: "Note".into(),
            kind: ChangeKind::Update,
            target: Some(json!(3)),
            data: Some(json!({"id": 3, "text": "x"})),
            where_: None,
        };
        assert_eq!(
            c.to_json(),
            json!({"target": 3, "data": {"id": 3, "text": "x"}, "type": "update"})
        );
        assert_eq!(Change::from_payload(&c.payload()), Some((c.clone(), false)));
        let big = Change {
            data: Some(json!({"id": 3, "text": "x".repeat(10_000)})),
            ..c.clone()
        };
        let p = big.payload();
        assert!(p.len() <= MAX_PAYLOAD, "{}", p.len());
        let (back, truncated) = Change::from_payload(&p).unwrap();
        assert!(truncated);
        assert_eq!(back.data, None);
        assert_eq!(back.target, Some(json!(3)));
    }
}
