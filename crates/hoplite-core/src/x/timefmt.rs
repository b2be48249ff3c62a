//! Timestamps as Go's `time.RFC3339Nano` prints them: UTC `Z`, fractional seconds without trailing
//! zeros (and none at all when zero).

use time::OffsetDateTime;

/// Formats like Go's RFC3339Nano for a UTC time. Every timestamp of every response goes through
/// here, so it writes the digits itself instead of through `format!`.
pub fn rfc3339_nano(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return rfc3339_nano_slow(t);
    }
    fn digits(out: &mut String, v: u32, width: u32) {
        for i in (0..width).rev() {
            out.push(char::from(b'0' + (v / 10u32.pow(i) % 10) as u8));
        }
    }
    let mut s = String::with_capacity(30);
    digits(&mut s, year as u32, 4);
    s.push('-');
    digits(&mut s, u32::from(u8::from(t.month())), 2);
    s.push('-');
    digits(&mut s, u32::from(t.day()), 2);
    s.push('T');
    digits(&mut s, u32::from(t.hour()), 2);
    s.push(':');
    digits(&mut s, u32::from(t.minute()), 2);
    s.push(':');
    digits(&mut s, u32::from(t.second()), 2);
    let mut nanos = t.nanosecond();
    if nanos != 0 {
        // Go drops trailing zeros of the fraction.
        let mut width = 9;
        while nanos.is_multiple_of(10) {
            nanos /= 10;
            width -= 1;
        }
        s.push('.');
        digits(&mut s, nanos, width);
    }
    s.push('Z');
    s
}

/// [`rfc3339_nano`] for years outside 0..=9999.
fn rfc3339_nano_slow(t: OffsetDateTime) -> String {
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let nanos = t.nanosecond();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Serde adapter for `OffsetDateTime` fields in wire types.
pub mod serde_rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339_nano(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let s = String::deserialize(d)?;
        OffsetDateTime::parse(&s, &Rfc3339).map_err(serde::de::Error::custom)
    }

    /// For `Option<OffsetDateTime>` fields.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;
        use time::format_description::well_known::Rfc3339;

        pub fn serialize<S: Serializer>(
            t: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::super::rfc3339_nano(*t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            let s = Option::<String>::deserialize(d)?;
            s.map(|s| OffsetDateTime::parse(&s, &Rfc3339).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn trims_trailing_zeros_like_go() {
        assert_eq!(
            rfc3339_nano(datetime!(2024-01-02 03:04:05.120 UTC)),
            "2024-01-02T03:04:05.12Z"
        );
        assert_eq!(
            rfc3339_nano(datetime!(2024-01-02 03:04:05 UTC)),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            rfc3339_nano(datetime!(0987-11-30 23:59:09.000000001 UTC)),
            "0987-11-30T23:59:09.000000001Z"
        );
        assert_eq!(
            rfc3339_nano(datetime!(2024-01-02 03:04:05.999999999 +02:00)),
            "2024-01-02T01:04:05.999999999Z"
        );
        // Every fast-path result matches the general formatting.
        let mut t = datetime!(1999-12-31 23:59:58.5 UTC);
        for _ in 0..2000 {
            assert_eq!(rfc3339_nano(t), rfc3339_nano_slow(t));
            t += time::Duration::new(86_400 * 3 + 3_671, 123_457_001);
        }
    }
}
