//! Counters and histograms the server keeps about itself, read by the Prometheus endpoint
//! (`/admin/metrics/prometheus`). Plain atomics: recording costs a few nanoseconds and nothing
//! else happens unless someone scrapes.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Latency buckets in seconds (upper bounds), from half a millisecond to ten seconds.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A Prometheus histogram over [`LATENCY_BUCKETS`].
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations per bucket (not cumulative; the last slot is `+Inf`).
    counts: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let slot = LATENCY_BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.counts[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// Mean observation, if any.
    pub fn mean(&self) -> Option<Duration> {
        let n = self.count();
        (n > 0).then(|| Duration::from_micros(self.sum_micros.load(Ordering::Relaxed) / n))
    }

    /// Writes the `_bucket`, `_sum` and `_count` lines; `labels` is `k="v",...` or empty.
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.counts[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let braces = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("{{{s}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {cumulative}", braces(labels));
    }
}

/// The password-hashing pool's numbers.
#[derive(Debug, Default)]
pub struct HashingStats {
    pub hashes: AtomicU64,
    pub verifications: AtomicU64,
    /// Submissions refused because the queue was full (answered 429).
    pub rejected: AtomicU64,
    /// Submissions waiting for a slot right now.
    pub queued: AtomicU64,
    /// Hashes or verifications running right now.
    pub running: AtomicU64,
    /// Time spent waiting for a slot.
    pub wait: Histogram,
    /// Time one hash or verification took.
    pub work: Histogram,
}

/// Requests per route, method and status, and their latency.
#[derive(Debug, Default)]
struct RouteStats {
    latency: Histogram,
}

/// Process-wide metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    pub hashing: Arc<HashingStats>,
    routes: RwLock<BTreeMap<(String, String, u16), Arc<RouteStats>>>,
}

impl Metrics {
    /// Metrics whose hashing numbers are recorded by the hasher into `hashing`.
    pub fn with_hashing(hashing: Arc<HashingStats>) -> Metrics {
        Metrics {
            hashing,
            routes: RwLock::default(),
        }
    }

    pub fn password_hashes(&self) -> u64 {
        self.hashing.hashes.load(Ordering::Relaxed)
    }

    pub fn password_verifications(&self) -> u64 {
        self.hashing.verifications.load(Ordering::Relaxed)
    }

    /// Records one answered request. `route` is the matched route pattern (never the raw path,
    /// so ids do not multiply the series).
    pub fn observe_request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let key = (route.to_string(), method.to_string(), status);
        let found = self.routes.read().ok().and_then(|m| m.get(&key).cloned());
        let stats = match found {
            Some(s) => s,
            None => match self.routes.write() {
                Ok(mut m) => m.entry(key).or_default().clone(),
                Err(_) => return,
            },
        };
        stats.latency.observe(took);
    }

    /// Everything in Prometheus's text exposition format (version 0.0.4).
    pub fn prometheus_text(&self) -> String {
        let mut out = String::new();
        let h = &self.hashing;
        let counter = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        let gauge = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        counter(
            &mut out,
            "hoplite_password_hashes_total",
            "Passwords hashed.",
            h.hashes.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "hoplite_password_verifications_total",
            "Password verifications, including the stand-in verification for unknown identifiers.",
            h.verifications.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "hoplite_hashing_rejected_total",
            "Hash requests refused with 429 because the hashing queue was full.",
            h.rejected.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "hoplite_hashing_queue_depth",
            "Hash requests waiting for a slot.",
            h.queued.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "hoplite_hashing_running",
            "Hashes or verifications running.",
            h.running.load(Ordering::Relaxed),
        );
        for (name, help, hist) in [
            (
                "hoplite_hashing_wait_seconds",
                "Time hash requests waited for a slot.",
                &h.wait,
            ),
            (
                "hoplite_hashing_work_seconds",
                "Time one hash or verification took.",
                &h.work,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            hist.render(&mut out, name, "");
        }
        let name = "hoplite_http_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} HTTP requests by route, method and status, and how long they took.\n# TYPE {name} histogram"
        );
        if let Ok(routes) = self.routes.read() {
            for ((route, method, status), stats) in routes.iter() {
                let labels = format!(
                    "route=\"{}\",method=\"{}\",status=\"{status}\"",
                    escape_label(route),
                    escape_label(method)
                );
                stats.latency.render(&mut out, name, &labels);
            }
        }
        out
    }
}

/// Escapes a label value as the exposition format requires.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(20));
        let mut out = String::new();
        h.render(&mut out, "x", "");
        assert!(out.contains("x_bucket{le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.005\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"10\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count 3\n"), "{out}");
        assert_eq!(h.count(), 3);
    }

    #[test]
    fn routes_are_labelled_by_pattern() {
        let m = Metrics::default();
        m.observe_request("/sessions/{id}", "DELETE", 204, Duration::from_millis(1));
        m.observe_request("/sessions/{id}", "DELETE", 204, Duration::from_millis(2));
        let text = m.prometheus_text();
        assert!(
            text.contains("hoplite_http_request_duration_seconds_count{route=\"/sessions/{id}\",method=\"DELETE\",status=\"204\"} 2"),
            "{text}"
        );
    }
}
