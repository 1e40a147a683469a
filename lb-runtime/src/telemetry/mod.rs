//! What an operator watches: Prometheus metrics ([`MetricsOptions`], `/metrics`), tracing of
//! datasource calls ([`Instrumented`]), and a `tracing` subscriber for apps that have none
//! ([`init_tracing`]: `RUST_LOG`, or LoopBack's `DEBUG=loopback:*`).

mod connector;
mod histogram;
mod metrics;

pub use connector::Instrumented;
pub use metrics::{recorder, wrap as metrics_wrap, MetricsOptions, Sampled, DURATION_BUCKETS};

/// Installs a `tracing` subscriber printing to stderr, filtered by `RUST_LOG` (`info` when
/// unset; `lb::request=debug` logs every request (its span and an `answered` event), `lb::connector=debug` every
/// datasource call). LoopBack's `DEBUG=loopback:*` turns lb's own debug output on too. Does
/// nothing when the process already has a subscriber.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let mut filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_string());
    if std::env::var("DEBUG").is_ok_and(|d| d.split(',').any(|p| p.trim().starts_with("loopback")))
    {
        filter.push_str(",lb=debug");
    }
    let colors = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(colors)
        .try_init();
}
