//! The injected clock (Kratos tests move time instead of sleeping; so do ours).

use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// Where "now" comes from. Production uses [`SystemClock`]; tests use [`MovableClock`].
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// The wall clock, in UTC, truncated to microseconds (the precision every database keeps).
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        #[allow(clippy::disallowed_methods)]
        let now = OffsetDateTime::now_utc();
        truncate_micros(now)
    }
}

/// A clock that follows the wall clock plus an offset tests can move forward.
#[derive(Default)]
pub struct MovableClock {
    offset: Mutex<Duration>,
}

impl MovableClock {
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().expect("clock lock") += by;
    }
}

impl Clock for MovableClock {
    fn now(&self) -> OffsetDateTime {
        SystemClock.now() + *self.offset.lock().expect("clock lock")
    }
}

/// Drops sub-microsecond precision so a value survives a database round trip unchanged.
pub fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    let nanos = t.nanosecond();
    t.replace_nanosecond(nanos - nanos % 1000)
        .expect("valid nanosecond")
}
