//! Counters the server keeps about itself, read by the metrics endpoint. Plain atomics: counting
//! costs a few nanoseconds and nothing when nobody reads them.

use std::sync::atomic::{AtomicU64, Ordering};

/// Process-wide counters.
#[derive(Debug, Default)]
pub struct Metrics {
    password_hashes: AtomicU64,
    password_verifications: AtomicU64,
}

impl Metrics {
    /// One password was hashed (registration, import, re-hash).
    pub fn count_password_hash(&self) {
        self.password_hashes.fetch_add(1, Ordering::Relaxed);
    }

    /// One password was verified against a stored (or, for unknown identifiers, a stand-in) hash.
    pub fn count_password_verification(&self) {
        self.password_verifications.fetch_add(1, Ordering::Relaxed);
    }

    pub fn password_hashes(&self) -> u64 {
        self.password_hashes.load(Ordering::Relaxed)
    }

    pub fn password_verifications(&self) -> u64 {
        self.password_verifications.load(Ordering::Relaxed)
    }

    /// The counters in Prometheus's text exposition format.
    pub fn prometheus_text(&self) -> String {
        format!(
            "# HELP hoplite_password_hashes_total Passwords hashed.\n\
             # TYPE hoplite_password_hashes_total counter\n\
             hoplite_password_hashes_total {}\n\
             # HELP hoplite_password_verifications_total Password verifications, including the stand-in verification for unknown identifiers.\n\
             # TYPE hoplite_password_verifications_total counter\n\
             hoplite_password_verifications_total {}\n",
            self.password_hashes(),
            self.password_verifications()
        )
    }
}
