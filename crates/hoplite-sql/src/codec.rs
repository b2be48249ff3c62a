//! Conversions between domain values and the portable column encodings.

use hoplite_core::persistence::StoreError;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// `2026-01-02T03:04:05.123456Z`: fixed width, so text order is time order.
pub fn ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 1000
    )
}

pub fn parse_ts(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| StoreError::Other(format!("bad timestamp {s:?}: {e}")))
}

pub fn parse_uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s.trim()).map_err(|e| StoreError::Other(format!("bad uuid {s:?}: {e}")))
}

pub fn parse_json(s: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Other(format!("bad json column: {e}")))
}

/// Classifies a driver error: unique violations become conflicts.
pub fn db_err(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return StoreError::Conflict;
    }
    StoreError::Other(e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_have_fixed_width() {
        let t = time::macros::datetime!(2024-01-02 03:04:05.5 UTC);
        assert_eq!(super::ts(t), "2024-01-02T03:04:05.500000Z");
        assert_eq!(super::parse_ts(&super::ts(t)).unwrap(), t);
    }
}
