//! Go duration strings (`1h`, `10m`, `1h30m`, `100ms`) and byte sizes (`128MB`) as Kratos accepts them.
//!
//! Kratos reads durations with Go's `time.ParseDuration` and byte sizes with `go-bytesize`; these
//! parsers accept the same spellings so a `kratos.yml` means the same thing to hoplite.

use std::time::Duration;

/// Nanoseconds per Go duration unit. Go accepts both the micro sign (U+00B5) and the Greek
/// small letter mu (U+03BC) for microseconds.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Go's `time.Duration` is an `i64` of nanoseconds; anything longer is rejected there, so here too.
const MAX_NANOS: u128 = i64::MAX as u128;

/// Parses a Go `time.ParseDuration` string that may be negative (as API inputs such as
/// `expires_in` may be, to be refused with their own message).
pub fn parse_signed_duration(s: &str) -> Result<time::Duration, String> {
    match s.strip_prefix('-') {
        Some(rest) if !rest.starts_with(['+', '-']) => {
            let d = parse_duration(rest).map_err(|_| format!("invalid duration {s:?}"))?;
            Ok(-time::Duration::try_from(d).map_err(|e| e.to_string())?)
        }
        _ => time::Duration::try_from(parse_duration(s)?).map_err(|e| e.to_string()),
    }
}

/// Parses a Go `time.ParseDuration` string.
///
/// Accepts a sequence of decimal numbers, each with an optional fraction and a required unit
/// (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), e.g. `300ms`, `1.5h`, `2h45m`; a lone `0` needs no unit.
/// A leading `+` is allowed; negative durations are rejected because a `std::time::Duration`
/// cannot hold them (Kratos never uses negative durations in config).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration {s:?}");
    let mut rest = s;
    if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    } else if let Some(r) = rest.strip_prefix('-') {
        // Go accepts "-0"; every other negative value is unrepresentable here.
        if r == "0" {
            return Ok(Duration::ZERO);
        }
        return Err(format!(
            "invalid duration {s:?}: negative durations are not allowed"
        ));
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid());
    }

    let mut total: u128 = 0;
    while !rest.is_empty() {
        // Integer part.
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_digits = &rest[..int_len];
        rest = &rest[int_len..];

        // Optional fraction.
        let mut frac_digits = "";
        if let Some(r) = rest.strip_prefix('.') {
            let frac_len = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_digits = &r[..frac_len];
            rest = &r[frac_len..];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            // "." alone, or a unit without a number.
            return Err(invalid());
        }

        // Unit: everything up to the next digit or '.'.
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        if unit.is_empty() {
            return Err(format!("missing unit in duration {s:?}"));
        }
        let Some(&(_, unit_nanos)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(format!("unknown unit {unit:?} in duration {s:?}"));
        };

        let int_value: u128 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().map_err(|_| invalid())?
        };
        let mut nanos = int_value.checked_mul(unit_nanos).ok_or_else(invalid)?;
        if !frac_digits.is_empty() {
            // Like Go, digits beyond what can matter are ignored; 19 keeps the maths in u128.
            let kept = &frac_digits[..frac_digits.len().min(19)];
            let frac: u128 = kept.parse().map_err(|_| invalid())?;
            let scale = 10u128.pow(kept.len() as u32);
            nanos = nanos
                .checked_add(frac * unit_nanos / scale)
                .ok_or_else(invalid)?;
        }
        total = total.checked_add(nanos).ok_or_else(invalid)?;
        if total > MAX_NANOS {
            return Err(invalid());
        }
    }

    // MAX_NANOS fits in u64, so these conversions cannot truncate.
    Ok(Duration::new(
        (total / 1_000_000_000) as u64,
        (total % 1_000_000_000) as u32,
    ))
}

/// Parses a byte size such as `128MB`, `1GB`, `4KB`; returns bytes.
///
/// Units are binary, as in `go-bytesize` (`1KB` = 1024 bytes, `1MB` = 1024 KB, ...); they are
/// case-insensitive and may be written `K`, `KB` or `KiB`, optionally separated from the number by
/// spaces. A number without a unit is bytes. Fractions (`1.5GB`) are allowed.
pub fn parse_byte_size(s: &str) -> Result<u64, String> {
    let invalid = || format!("invalid byte size {s:?}");
    let trimmed = s.trim();
    let num_len = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(num_len);
    if number.is_empty() || number == "." {
        return Err(invalid());
    }
    let unit = unit.trim().to_ascii_lowercase();
    let exponent = match unit.as_str() {
        "" | "b" | "byte" | "bytes" => 0,
        "k" | "kb" | "kib" => 1,
        "m" | "mb" | "mib" => 2,
        "g" | "gb" | "gib" => 3,
        "t" | "tb" | "tib" => 4,
        "p" | "pb" | "pib" => 5,
        "e" | "eb" | "eib" => 6,
        _ => return Err(format!("unknown unit {unit:?} in byte size {s:?}")),
    };
    let multiplier = 1024u128.pow(exponent);

    let (int_digits, frac_digits) = number.split_once('.').unwrap_or((number, ""));
    if frac_digits.contains('.') {
        return Err(invalid());
    }
    let int_value: u128 = if int_digits.is_empty() {
        0
    } else {
        int_digits.parse().map_err(|_| invalid())?
    };
    let mut bytes = int_value.checked_mul(multiplier).ok_or_else(invalid)?;
    if !frac_digits.is_empty() {
        let kept = &frac_digits[..frac_digits.len().min(19)];
        let frac: u128 = kept.parse().map_err(|_| invalid())?;
        bytes = bytes
            .checked_add(frac * multiplier / 10u128.pow(kept.len() as u32))
            .ok_or_else(invalid)?;
    }
    u64::try_from(bytes).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_durations_keep_their_sign() {
        assert_eq!(
            parse_signed_duration("-1m30s").unwrap(),
            -time::Duration::seconds(90)
        );
        assert_eq!(
            parse_signed_duration("5m").unwrap(),
            time::Duration::minutes(5)
        );
        assert_eq!(parse_signed_duration("-0").unwrap(), time::Duration::ZERO);
        assert!(parse_signed_duration("--1m").is_err());
        assert!(parse_signed_duration("soon").is_err());
    }

    #[test]
    fn parses_go_duration_forms() {
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("100ms").unwrap(), Duration::from_millis(100));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("300s").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("+5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration(".5s").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.s").unwrap(), Duration::from_secs(1));
        assert_eq!(
            parse_duration("2h45m10.5s").unwrap(),
            Duration::from_millis((2 * 3600 + 45 * 60 + 10) * 1000 + 500)
        );
        assert_eq!(parse_duration("1us").unwrap(), Duration::from_micros(1));
        assert_eq!(parse_duration("1µs").unwrap(), Duration::from_micros(1));
        assert_eq!(parse_duration("1μs").unwrap(), Duration::from_micros(1));
        assert_eq!(parse_duration("7ns").unwrap(), Duration::from_nanos(7));
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86400));
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in [
            "",
            "1",
            "h",
            "1x",
            "1h2",
            ".",
            ".s",
            "-1s",
            "1d",
            "1 h",
            "abc",
            "9999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(parse_duration("10").unwrap_err().contains("missing unit"));
        assert!(parse_duration("10d").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn parses_byte_sizes_in_binary_units() {
        assert_eq!(parse_byte_size("128MB").unwrap(), 128 * 1024 * 1024);
        assert_eq!(parse_byte_size("1GB").unwrap(), 1024 * 1024 * 1024);
        assert_eq!(parse_byte_size("4KB").unwrap(), 4096);
        assert_eq!(parse_byte_size("512B").unwrap(), 512);
        assert_eq!(parse_byte_size("512").unwrap(), 512);
        assert_eq!(parse_byte_size("1.5KB").unwrap(), 1536);
        assert_eq!(parse_byte_size("2 mb").unwrap(), 2 * 1024 * 1024);
        assert_eq!(parse_byte_size("1MiB").unwrap(), 1024 * 1024);
        for bad in ["", "MB", "1XB", "1.2.3MB", "-1MB"] {
            assert!(parse_byte_size(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
