//! The two histograms recorded on every request — HTTP durations and datasource operation
//! durations — as Prometheus histograms with fixed buckets: a sample is two relaxed atomic
//! additions (its bucket and the sum; the count is the buckets' total), rendered next to the
//! `metrics` recorder's output at `/metrics`.
//!
//! Why not the recorder's own histograms: the Prometheus exporter keeps every sample (with a
//! timestamp, under an epoch guard) until its upkeep folds them into buckets, about 0.2 µs a
//! sample on the bench's machine, a tenth of the work of a whole `GET /api/locations/{id}`.
//! Buckets are what Prometheus reads anyway.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};

/// OpenTelemetry's advised buckets for HTTP durations, in seconds.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The same bounds in nanoseconds, what a sample is compared with.
const BOUNDS_NANOS: [u64; 14] = {
    let mut out = [0u64; 14];
    let mut i = 0;
    while i < 14 {
        out[i] = (DURATION_BUCKETS[i] * 1e9) as u64;
        i += 1;
    }
    out
};

/// One series: a count per bucket (not cumulative: summed when rendered), the sum of the
/// samples in nanoseconds.
#[derive(Default)]
pub(crate) struct Histogram {
    buckets: [AtomicU64; BOUNDS_NANOS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Histogram {
    /// Records one duration.
    pub(crate) fn record(&self, nanos: u64) {
        let i = BOUNDS_NANOS
            .iter()
            .position(|b| nanos <= *b)
            .unwrap_or(BOUNDS_NANOS.len());
        self.buckets[i].fetch_add(1, Relaxed);
        self.sum_nanos.fetch_add(nanos, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut total = 0u64;
        for (i, bucket) in self.buckets.iter().enumerate() {
            total += bucket.load(Relaxed);
            let le = match DURATION_BUCKETS.get(i) {
                Some(b) => b.to_string(),
                None => "+Inf".to_string(),
            };
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {total}");
        }
        let sum = self.sum_nanos.load(Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {total}");
    }
}

/// A histogram and its series by labels, process-wide as the `metrics` recorder is: every
/// app of the process records into it and `/metrics` shows it.
pub(crate) struct Family {
    name: &'static str,
    help: &'static str,
    /// By label text, rendered in its order.
    series: RwLock<BTreeMap<String, Arc<Histogram>>>,
}

impl Family {
    const fn new(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            series: RwLock::new(BTreeMap::new()),
        }
    }

    /// The series of these labels (names and values), created on first use. Callers keep
    /// the handle: this builds the label text.
    pub(crate) fn series(&self, labels: &[(&str, &str)]) -> Arc<Histogram> {
        let mut key = String::new();
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                key.push(',');
            }
            key.push_str(name);
            key.push_str("=\"");
            escape(&mut key, value);
            key.push('"');
        }
        if let Some(h) = self
            .series
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return h.clone();
        }
        self.series
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone()
    }

    /// The family in Prometheus's text format (nothing before its first series).
    pub(crate) fn render(&self, out: &mut String) {
        let series = self.series.read().unwrap_or_else(|e| e.into_inner());
        if series.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} histogram", self.name);
        for (labels, h) in series.iter() {
            h.render(out, self.name, labels);
        }
        out.push('\n');
    }
}

/// A label value as Prometheus's text format writes it.
fn escape(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// `http_server_request_duration_seconds`.
pub(crate) static HTTP_DURATION: Family = Family::new(
    "http_server_request_duration_seconds",
    "Duration of HTTP server requests, by method, route template and status.",
);

/// `lb_datasource_operation_duration_seconds`.
pub(crate) static DATASOURCE_DURATION: Family = Family::new(
    "lb_datasource_operation_duration_seconds",
    "Duration of datasource operations, by datasource, model and operation.",
);

/// A monotonic clock read cheaply (the CPU's counter where it is reliable, as the exporter
/// reads it).
pub(crate) fn now() -> quanta::Instant {
    quanta::Instant::now()
}

/// Nanoseconds since `started`.
pub(crate) fn nanos_since(started: quanta::Instant) -> u64 {
    u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_inclusive() {
        let h = Histogram::default();
        h.record(5_000_000); // exactly 0.005 s: in the first bucket (le is inclusive)
        h.record(5_000_001);
        h.record(20_000_000_000); // past every bound
        let mut out = String::new();
        h.render(&mut out, "d", "a=\"b\"");
        assert!(out.contains("d_bucket{a=\"b\",le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("d_bucket{a=\"b\",le=\"0.01\"} 2\n"), "{out}");
        assert!(out.contains("d_bucket{a=\"b\",le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("d_bucket{a=\"b\",le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("d_count{a=\"b\"} 3\n"), "{out}");
        assert!(out.contains("d_sum{a=\"b\"} 20.010000001\n"), "{out}");
    }

    #[test]
    fn label_values_are_escaped_and_series_shared() {
        let f = Family::new("t_seconds", "test");
        let a = f.series(&[("route", "/a\"b\\c\nd")]);
        let b = f.series(&[("route", "/a\"b\\c\nd")]);
        assert!(Arc::ptr_eq(&a, &b));
        a.record(1);
        let mut out = String::new();
        f.render(&mut out);
        assert!(out.contains("# TYPE t_seconds histogram\n"), "{out}");
        assert!(
            out.contains(r#"t_seconds_count{route="/a\"b\\c\nd"} 1"#),
            "{out}"
        );
    }
}
