//! The caller of the request being served: its access token, set by the authorize stage for
//! everything the request runs after it (hooks, remote methods, operation hooks), readable
//! without being passed around — LoopBack's `options.accessToken`, without `loopback-context`.

use std::future::Future;
use std::sync::Arc;

use serde_json::Value;

use super::AccessToken;

tokio::task_local! {
    static CURRENT: Option<Arc<AccessToken>>;
}

/// The valid access token of the request being served, if it carried one (inside a
/// request's handlers and hooks; `None` elsewhere, e.g. in a spawned task).
pub fn current_token() -> Option<Arc<AccessToken>> {
    CURRENT.try_with(Clone::clone).ok().flatten()
}

/// Whether a request's authorize stage is running this code (with or without a token);
/// `false` for code outside a request (a task of the app's own, a test, `main`).
pub fn in_request() -> bool {
    CURRENT.try_with(|_| ()).is_ok()
}

/// The id of the user the current request comes from (its token's `userId`).
pub fn current_user_id() -> Option<Value> {
    current_token().map(|t| t.user_id.clone())
}

/// Runs `f` as a call by the holder of `token` (what the authorize stage does; also for
/// tests and for work done on a user's behalf).
pub async fn as_caller<F: Future>(token: Option<Arc<AccessToken>>, f: F) -> F::Output {
    CURRENT.scope(token, f).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_token_is_seen_inside_the_scope_only() {
        let t = Arc::new(AccessToken {
            id: "x".into(),
            ttl: 60,
            scopes: vec![],
            created: chrono::Utc::now(),
            user_id: serde_json::json!(7),
        });
        assert!(current_token().is_none());
        let seen = as_caller(Some(t), async { current_user_id() }).await;
        assert_eq!(seen, Some(serde_json::json!(7)));
        assert!(current_user_id().is_none());
        assert!(!in_request());
        assert!(as_caller(None, async { in_request() && current_token().is_none() }).await);
    }
}
