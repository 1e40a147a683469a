//! The address of the client whose request is being answered. lb's server sets it once per
//! connection (a task-local value: nothing per request); handlers read it with
//! [`client_address`] — the change-stream caps per address do.

use std::future::Future;
use std::net::SocketAddr;

tokio::task_local! {
    static CLIENT: SocketAddr;
}

/// The address of the client of the request being answered, when `App::serve` runs the app
/// (`None` under another server, e.g. `App::router()` mounted in your own).
pub fn client_address() -> Option<SocketAddr> {
    CLIENT.try_with(|a| *a).ok()
}

/// Runs a connection's future with its client's address.
pub(crate) fn serving<F: Future>(
    client: SocketAddr,
    connection: F,
) -> impl Future<Output = F::Output> {
    CLIENT.scope(client, connection)
}
