//! Sprig's hermetic date functions (`toDate`, `mustToDate`, `unixEpoch`, `ago`, `duration`,
//! `durationRound`, `mustDateModify`) over the slice of Go's `time` package they rely on.
//!
//! gotmpl has no time type, so a time travels between functions as the text Go's
//! `time.Time.String()` prints (`2017-12-31 00:00:00 +0000 UTC`); that is also what a Go
//! template prints for a `time.Time`. A function taking a time reads that text, RFC 3339 text
//! (the identity timestamps in Kratos's template data) and, where Sprig takes an `int`, Unix
//! seconds. Go's "Local" zone is UTC for hoplite, so `toDate` without a zone in the layout gives
//! a UTC time, and a parsed `+00:00` offset prints as `+0000 UTC`.

use super::{R, arity, fail, s, st};
use gotmpl::{FuncMap, Value};
use std::fmt::Write as _;
use std::sync::Arc;

const SECOND: i64 = 1_000_000_000;
const DAY_SECONDS: i64 = 86_400;

/// The layout of Go's `Time.String()` without its zone abbreviation.
const STRING_LAYOUT: &str = "2006-01-02 15:04:05.999999999 -0700";
const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

/// An instant with the zone it is shown in, as a Go `time.Time` carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct GoTime {
    /// Seconds since the Unix epoch.
    secs: i64,
    nanos: u32,
    /// Seconds east of UTC.
    offset: i32,
    /// The zone's abbreviation; empty for a fixed offset with no name (printed as the offset).
    zone: String,
}

impl GoTime {
    fn utc(secs: i64, nanos: u32) -> Self {
        GoTime {
            secs,
            nanos,
            offset: 0,
            zone: "UTC".into(),
        }
    }

    /// Go's zero `time.Time`: January 1, year 1, UTC.
    fn zero() -> Self {
        GoTime::utc(days_from_civil(1, 1, 1) * DAY_SECONDS, 0)
    }

    /// The wall clock. Template functions are built once for every render, without the
    /// registry, so `ago` reads the system clock rather than a test's movable one.
    fn now() -> Self {
        use crate::clock::Clock as _;
        let nanos = crate::clock::SystemClock.now().unix_timestamp_nanos();
        GoTime::utc(
            nanos.div_euclid(i128::from(SECOND)) as i64,
            nanos.rem_euclid(i128::from(SECOND)) as u32,
        )
    }

    fn unix_nanos(&self) -> i128 {
        i128::from(self.secs) * i128::from(SECOND) + i128::from(self.nanos)
    }

    fn add(&self, d: i64) -> Self {
        let total = self.unix_nanos() + i128::from(d);
        GoTime {
            secs: total.div_euclid(i128::from(SECOND)) as i64,
            nanos: total.rem_euclid(i128::from(SECOND)) as u32,
            offset: self.offset,
            zone: self.zone.clone(),
        }
    }

    /// `time.Since(t)`: saturates at the bounds of a Go `Duration`.
    fn since(&self) -> i64 {
        let d = GoTime::now().unix_nanos() - self.unix_nanos();
        d.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// Go's `Time.String()` (without the monotonic clock reading Go adds to `time.Now()`).
    fn go_string(&self) -> String {
        let local = self.secs + i64::from(self.offset);
        let (year, month, day) = civil_from_days(local.div_euclid(DAY_SECONDS));
        let sod = local.rem_euclid(DAY_SECONDS);
        let mut out = String::new();
        if year < 0 {
            let _ = write!(out, "-{:04}", -year);
        } else {
            let _ = write!(out, "{year:04}");
        }
        let _ = write!(
            out,
            "-{month:02}-{day:02} {:02}:{:02}:{:02}",
            sod / 3600,
            sod / 60 % 60,
            sod % 60
        );
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        let numeric = offset_text(self.offset);
        out.push(' ');
        out.push_str(&numeric);
        out.push(' ');
        out.push_str(if self.zone.is_empty() {
            &numeric
        } else {
            &self.zone
        });
        out
    }
}

/// A zone offset as `-0700` prints it.
fn offset_text(offset: i32) -> String {
    let minutes = offset / 60;
    let sign = if minutes < 0 { '-' } else { '+' };
    let minutes = minutes.abs();
    format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day counted from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days in the months before `month` of a common year.
fn days_before(month: i64) -> i64 {
    (1..month).map(|m| days_in(m, 1)).sum()
}

// ---------------------------------------------------------------------------------------------
// Layout parsing, as Go's `time.ParseInLocation` with the location UTC.

/// One element of a Go layout string.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Elem {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    UpperPm,
    LowerPm,
    ZoneName,
    /// `Z07:00` and friends: `Z` for UTC, else like the numeric form of the same shape.
    IsoZone(ZoneShape),
    NumZone(ZoneShape),
    /// `.000`: exactly this many digits.
    FracFixed(usize),
    /// `.999`: any number of digits, or none.
    FracOptional(usize),
}

/// The shape of a numeric zone offset: `-0700`, `-070000`, `-07`, `-07:00`, `-07:00:00`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ZoneShape {
    HourMinute,
    HourMinuteSecond,
    Hour,
    ColonHourMinute,
    ColonHourMinuteSecond,
}

/// The layout's text before its first element, that element, and the rest.
fn next_elem(layout: &[u8]) -> (&[u8], Option<Elem>, &[u8]) {
    let at =
        |i: usize, lit: &[u8]| layout.len() >= i + lit.len() && &layout[i..i + lit.len()] == lit;
    let lower_after = |i: usize| layout.get(i).is_some_and(u8::is_ascii_lowercase);
    for i in 0..layout.len() {
        let hit = |elem: Elem, len: usize| Some((&layout[..i], Some(elem), &layout[i + len..]));
        let found = match layout[i] {
            b'J' if at(i, b"January") => hit(Elem::LongMonth, 7),
            b'J' if at(i, b"Jan") && !lower_after(i + 3) => hit(Elem::Month, 3),
            b'M' if at(i, b"Monday") => hit(Elem::LongWeekDay, 6),
            b'M' if at(i, b"Mon") && !lower_after(i + 3) => hit(Elem::WeekDay, 3),
            b'M' if at(i, b"MST") => hit(Elem::ZoneName, 3),
            b'0' if layout.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => {
                let elem = [
                    Elem::ZeroMonth,
                    Elem::ZeroDay,
                    Elem::ZeroHour12,
                    Elem::ZeroMinute,
                    Elem::ZeroSecond,
                    Elem::Year,
                ][usize::from(layout[i + 1] - b'1')];
                hit(elem, 2)
            }
            b'0' if at(i, b"002") => hit(Elem::ZeroYearDay, 3),
            b'1' if at(i, b"15") => hit(Elem::Hour, 2),
            b'1' => hit(Elem::NumMonth, 1),
            b'2' if at(i, b"2006") => hit(Elem::LongYear, 4),
            b'2' => hit(Elem::Day, 1),
            // "_2006" is a literal underscore before a long year.
            b'_' if at(i, b"_2006") => {
                Some((&layout[..=i], Some(Elem::LongYear), &layout[i + 5..]))
            }
            b'_' if at(i, b"_2") => hit(Elem::UnderDay, 2),
            b'_' if at(i, b"__2") => hit(Elem::UnderYearDay, 3),
            b'3' => hit(Elem::Hour12, 1),
            b'4' => hit(Elem::Minute, 1),
            b'5' => hit(Elem::Second, 1),
            b'P' if at(i, b"PM") => hit(Elem::UpperPm, 2),
            b'p' if at(i, b"pm") => hit(Elem::LowerPm, 2),
            b'-' | b'Z' => {
                let iso = layout[i] == b'Z';
                let shapes: [(&[u8], ZoneShape); 5] = [
                    (b"070000", ZoneShape::HourMinuteSecond),
                    (b"07:00:00", ZoneShape::ColonHourMinuteSecond),
                    (b"0700", ZoneShape::HourMinute),
                    (b"07:00", ZoneShape::ColonHourMinute),
                    (b"07", ZoneShape::Hour),
                ];
                shapes
                    .iter()
                    .find(|(lit, _)| at(i + 1, lit))
                    .and_then(|&(lit, shape)| {
                        let elem = if iso {
                            Elem::IsoZone(shape)
                        } else {
                            Elem::NumZone(shape)
                        };
                        hit(elem, 1 + lit.len())
                    })
            }
            b'.' | b',' if matches!(layout.get(i + 1), Some(b'0' | b'9')) => {
                let digit = layout[i + 1];
                let end = (i + 1..layout.len())
                    .find(|&j| layout[j] != digit)
                    .unwrap_or(layout.len());
                // Only a run of digits that ends there is a fractional second.
                if layout.get(end).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    let n = end - (i + 1);
                    let elem = if digit == b'0' {
                        Elem::FracFixed(n)
                    } else {
                        Elem::FracOptional(n)
                    };
                    Some((&layout[..i], Some(elem), &layout[end..]))
                }
            }
            _ => None,
        };
        if let Some(found) = found {
            return found;
        }
    }
    (layout, None, &[])
}

const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The index of the name `value` starts with (ASCII case-insensitively) and the rest.
fn lookup<'a>(names: &[&str], value: &'a [u8]) -> Option<(i64, &'a [u8])> {
    names.iter().enumerate().find_map(|(i, name)| {
        let n = name.len();
        (value.len() >= n && value[..n].eq_ignore_ascii_case(name.as_bytes()))
            .then(|| (i as i64, &value[n..]))
    })
}

fn digit_at(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// One or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !digit_at(s, 0) {
        return None;
    }
    if !digit_at(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(s[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'),
        &s[2..],
    ))
}

/// One to three digits (exactly three when `fixed`).
fn getnum3(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let n = s.iter().take(3).take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || (fixed && n != 3) {
        return None;
    }
    let v = s[..n]
        .iter()
        .fold(0i64, |acc, c| acc * 10 + i64::from(c - b'0'));
    Some((v, &s[n..]))
}

/// Go's internal `atoi` of the time package: an optional sign and digits, nothing else (an
/// empty run of digits reads as 0).
fn atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut x: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > 1 << 63 {
            return None;
        }
    }
    let x = x as i64;
    Some(if neg { x.wrapping_neg() } else { x })
}

/// Leading run of ASCII spaces removed from both; any run in the layout matches any run in
/// the value. Returns the rest of the value, or where it stopped matching.
fn skip<'a>(mut value: &'a [u8], mut prefix: &[u8]) -> Result<&'a [u8], &'a [u8]> {
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|&c| c != b' ') {
                return Err(value);
            }
            prefix = trim_spaces(prefix);
            value = trim_spaces(value);
            continue;
        }
        if value.first() != Some(&p) {
            return Err(value);
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Ok(value)
}

fn trim_spaces(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b' ').count();
    &s[n..]
}

/// How long the zone abbreviation at the start of `value` is, if it looks like one.
fn zone_name_len(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with(b"ChST") || value.starts_with(b"MeST") {
        return Some(4);
    }
    if value.starts_with(b"GMT") {
        return Some(3 + signed_hours_len(&value[3..]));
    }
    if matches!(value[0], b'+' | b'-') {
        return Some(signed_hours_len(value)).filter(|&n| n > 0);
    }
    let upper = value
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some(3),
        4 if value[3] == b'T' || value.starts_with(b"WITA") => Some(4),
        5 if value[4] == b'T' => Some(5),
        _ => None,
    }
}

/// The length of a signed hour offset (`+3`, `-11`) within -23..=23, or 0.
fn signed_hours_len(value: &[u8]) -> usize {
    if !matches!(value.first(), Some(b'+' | b'-')) {
        return 0;
    }
    let digits = value[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return 0;
    }
    match atoi(&value[1..=digits]) {
        Some(h) if h <= 23 => 1 + digits,
        _ => 0,
    }
}

/// A fractional second (`.` or `,` and digits, `n` bytes in all) in nanoseconds.
fn nanoseconds(value: &[u8], n: usize) -> Result<i64, &'static str> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return Err("");
    }
    let n = n.min(10);
    let ns = atoi(&value[1..n]).ok_or("")?;
    if ns < 0 {
        return Err("fractional second");
    }
    Ok(ns * 10i64.pow((10 - n) as u32))
}

/// Go's `quote` for time parse errors: non-ASCII and control bytes as `\xNN`.
fn quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for &c in s {
        if !(b' '..0x80).contains(&c) {
            let _ = write!(out, "\\x{c:02x}");
        } else {
            if c == b'"' || c == b'\\' {
                out.push('\\');
            }
            out.push(char::from(c));
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseError` text.
fn parse_error(
    layout: &[u8],
    value: &[u8],
    layout_elem: &[u8],
    value_elem: &[u8],
    message: &str,
) -> String {
    if message.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(value),
            quote(layout),
            quote(value_elem),
            quote(layout_elem)
        )
    } else {
        format!("parsing time {}{message}", quote(value))
    }
}

/// Go's `time.ParseInLocation(layout, value, time.Local)` with Local being UTC.
fn parse(layout: &str, value: &str) -> Result<GoTime, String> {
    let (full_layout, full_value) = (layout.as_bytes(), value.as_bytes());
    let (mut layout, mut value) = (full_layout, full_value);
    let (mut am, mut pm) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name: &[u8] = b"";

    loop {
        let (prefix, elem, suffix) = next_elem(layout);
        let elem_text = &layout[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix)
            .map_err(|at| parse_error(full_layout, full_value, prefix, at, ""))?;
        let Some(elem) = elem else {
            if !value.is_empty() {
                let msg = format!(": extra text: {}", quote(value));
                return Err(parse_error(full_layout, full_value, b"", value, &msg));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err: Option<&'static str> = None;
        // `None` when the value does not fit the element.
        let ok: Option<()> = (|| {
            match elem {
                Elem::Year => {
                    if value.len() < 2 {
                        return None;
                    }
                    let (p, rest) = value.split_at(2);
                    value = rest;
                    year = atoi(p)?;
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Elem::LongYear => {
                    if value.len() < 4 || !digit_at(value, 0) {
                        return None;
                    }
                    let (p, rest) = value.split_at(4);
                    value = rest;
                    year = atoi(p)?;
                }
                Elem::Month | Elem::LongMonth => {
                    let names: &[&str] = if elem == Elem::Month {
                        &SHORT_MONTHS
                    } else {
                        &LONG_MONTHS
                    };
                    let (i, rest) = lookup(names, value)?;
                    month = i + 1;
                    value = rest;
                }
                Elem::NumMonth | Elem::ZeroMonth => {
                    let (m, rest) = getnum(value, elem == Elem::ZeroMonth)?;
                    (month, value) = (m, rest);
                    if !(1..=12).contains(&month) {
                        range_err = Some("month");
                    }
                }
                Elem::WeekDay | Elem::LongWeekDay => {
                    let names: &[&str] = if elem == Elem::WeekDay {
                        &SHORT_DAYS
                    } else {
                        &LONG_DAYS
                    };
                    value = lookup(names, value)?.1;
                }
                Elem::Day | Elem::UnderDay | Elem::ZeroDay => {
                    if elem == Elem::UnderDay && value.first() == Some(&b' ') {
                        value = &value[1..];
                    }
                    (day, value) = getnum(value, elem == Elem::ZeroDay)?;
                }
                Elem::UnderYearDay | Elem::ZeroYearDay => {
                    for _ in 0..2 {
                        if elem == Elem::UnderYearDay && value.first() == Some(&b' ') {
                            value = &value[1..];
                        }
                    }
                    (yday, value) = getnum3(value, elem == Elem::ZeroYearDay)?;
                }
                Elem::Hour => {
                    (hour, value) = getnum(value, false)?;
                    if hour >= 24 {
                        range_err = Some("hour");
                    }
                }
                Elem::Hour12 | Elem::ZeroHour12 => {
                    (hour, value) = getnum(value, elem == Elem::ZeroHour12)?;
                    if hour > 12 {
                        range_err = Some("hour");
                    }
                }
                Elem::Minute | Elem::ZeroMinute => {
                    (min, value) = getnum(value, elem == Elem::ZeroMinute)?;
                    if min >= 60 {
                        range_err = Some("minute");
                    }
                }
                Elem::Second | Elem::ZeroSecond => {
                    (sec, value) = getnum(value, elem == Elem::ZeroSecond)?;
                    if sec >= 60 {
                        range_err = Some("second");
                        return Some(());
                    }
                    // A fractional second the layout does not mention is still read.
                    if value.len() >= 2 && matches!(value[0], b'.' | b',') && digit_at(value, 1) {
                        let (_, next, _) = next_elem(layout);
                        if matches!(next, Some(Elem::FracFixed(_) | Elem::FracOptional(_))) {
                            return Some(());
                        }
                        let n = 2 + value[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                        match nanoseconds(value, n) {
                            Ok(ns) => nsec = ns,
                            Err("") => return None,
                            Err(r) => range_err = Some(r),
                        }
                        value = &value[n..];
                    }
                }
                Elem::UpperPm | Elem::LowerPm => {
                    if value.len() < 2 {
                        return None;
                    }
                    let (p, rest) = value.split_at(2);
                    value = rest;
                    let (pm_text, am_text): (&[u8], &[u8]) = if elem == Elem::UpperPm {
                        (b"PM", b"AM")
                    } else {
                        (b"pm", b"am")
                    };
                    if p == pm_text {
                        pm = true;
                    } else if p == am_text {
                        am = true;
                    } else {
                        return None;
                    }
                }
                Elem::IsoZone(_) if value.first() == Some(&b'Z') => {
                    value = &value[1..];
                    utc = true;
                }
                Elem::IsoZone(shape) | Elem::NumZone(shape) => {
                    let (need, colons): (usize, &[usize]) = match shape {
                        ZoneShape::ColonHourMinute => (6, &[3]),
                        ZoneShape::Hour => (3, &[]),
                        ZoneShape::ColonHourMinuteSecond => (9, &[3, 6]),
                        ZoneShape::HourMinuteSecond => (7, &[]),
                        ZoneShape::HourMinute => (5, &[]),
                    };
                    if value.len() < need || colons.iter().any(|&i| value[i] != b':') {
                        return None;
                    }
                    let field = |at: usize| &value[at..at + 2];
                    let (h, m, sec_text): (&[u8], &[u8], &[u8]) = match shape {
                        ZoneShape::ColonHourMinute => (field(1), field(4), b"00"),
                        ZoneShape::Hour => (field(1), b"00", b"00"),
                        ZoneShape::ColonHourMinuteSecond => (field(1), field(4), field(7)),
                        ZoneShape::HourMinuteSecond => (field(1), field(3), field(5)),
                        ZoneShape::HourMinute => (field(1), field(3), b"00"),
                    };
                    let sign = value[0];
                    value = &value[need..];
                    // Each field is read only if the one before it was, as Go does; a field
                    // not read counts as 0 for the range checks.
                    let num = |t: &[u8]| getnum(t, true).map(|(n, _)| n);
                    let (hh, mm, ss, parsed) = match num(h) {
                        None => (0, 0, 0, false),
                        Some(hh) => match num(m) {
                            None => (hh, 0, 0, false),
                            Some(mm) => match num(sec_text) {
                                None => (hh, mm, 0, false),
                                Some(ss) => (hh, mm, ss, true),
                            },
                        },
                    };
                    // Offsets of 24 hours or 60 minutes are written by some; Go allows them.
                    if hh > 24 {
                        range_err = Some("time zone offset hour");
                    }
                    if mm > 60 {
                        range_err = Some("time zone offset minute");
                    }
                    if ss > 60 {
                        range_err = Some("time zone offset second");
                    }
                    let offset = (hh * 60 + mm) * 60 + ss;
                    zone_offset = Some(match sign {
                        b'+' => offset,
                        b'-' => -offset,
                        _ => return None,
                    });
                    if !parsed {
                        return None;
                    }
                }
                Elem::ZoneName => {
                    if value.starts_with(b"UTC") {
                        utc = true;
                        value = &value[3..];
                        return Some(());
                    }
                    let n = zone_name_len(value)?;
                    (zone_name, value) = value.split_at(n);
                }
                Elem::FracFixed(digits) => {
                    let n = 1 + digits;
                    if value.len() < n {
                        return None;
                    }
                    let got = nanoseconds(value, n);
                    value = &value[n..];
                    match got {
                        Ok(ns) => nsec = ns,
                        Err("") => return None,
                        Err(r) => range_err = Some(r),
                    }
                }
                Elem::FracOptional(_) => {
                    if value.len() < 2 || !matches!(value[0], b'.' | b',') || !digit_at(value, 1) {
                        return Some(());
                    }
                    let n = 1 + value[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    let got = nanoseconds(value, n);
                    value = &value[n..];
                    match got {
                        Ok(ns) => nsec = ns,
                        Err("") => return None,
                        Err(r) => range_err = Some(r),
                    }
                }
            }
            Some(())
        })();
        if let Some(r) = range_err {
            let msg = format!(": {r} out of range");
            return Err(parse_error(full_layout, full_value, elem_text, value, &msg));
        }
        if ok.is_none() {
            return Err(parse_error(full_layout, full_value, elem_text, hold, ""));
        }
    }

    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }

    let late = |msg: &str| parse_error(full_layout, full_value, b"", value, msg);
    if yday >= 0 {
        let (mut m, mut d) = (0i64, 0i64);
        if is_leap(year) {
            if yday == 31 + 29 {
                (m, d) = (2, 29);
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(late(": day-of-year out of range"));
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            if days_before(m + 1) < yday {
                m += 1;
            }
            d = yday - days_before(m);
        }
        if month >= 0 && month != m {
            return Err(late(": day-of-year does not match month"));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(late(": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(late(": day out of range"));
    }

    let wall = days_from_civil(year, month, day) * DAY_SECONDS + hour * 3600 + min * 60 + sec;
    let nanos = nsec as u32;
    if utc {
        return Ok(GoTime::utc(wall, nanos));
    }
    let name = String::from_utf8_lossy(zone_name).into_owned();
    if let Some(offset) = zone_offset {
        // The local zone (UTC) is used when the offset is its own.
        if offset == 0 && (name.is_empty() || name == "UTC") {
            return Ok(GoTime::utc(wall, nanos));
        }
        return Ok(GoTime {
            secs: wall - offset,
            nanos,
            offset: offset as i32,
            zone: name,
        });
    }
    if !name.is_empty() {
        // An abbreviation the local zone does not know: offset zero, except GMT+h.
        let offset = if name.len() > 3 && name.starts_with("GMT") {
            atoi(&zone_name[3..]).unwrap_or(0) * 3600
        } else {
            0
        };
        return Ok(GoTime {
            secs: wall,
            nanos,
            offset: offset as i32,
            zone: name,
        });
    }
    Ok(GoTime::utc(wall, nanos))
}

/// A time from a template value: Go's `Time.String()` text, RFC 3339 text, or Unix seconds.
fn time_of(v: &Value) -> Option<GoTime> {
    match v {
        Value::Int(i) => Some(GoTime::utc(*i, 0)),
        Value::Uint(u) => i64::try_from(*u).ok().map(|i| GoTime::utc(i, 0)),
        other => parse_time_text(other.as_str()?.trim()),
    }
}

fn parse_time_text(text: &str) -> Option<GoTime> {
    // `time.Now()` prints a monotonic clock reading after the zone: " m=+0.000000001".
    let text = text.find(" m=").map_or(text, |i| &text[..i]);
    if let Some((head, zone)) = text.rsplit_once(' ')
        && let Ok(mut t) = parse(STRING_LAYOUT, head)
        && !zone.is_empty()
    {
        t.zone = if zone == offset_text(t.offset) {
            String::new()
        } else {
            zone.to_string()
        };
        return Some(t);
    }
    parse(RFC3339, text).ok()
}

fn need_time(name: &str, v: &Value) -> Result<GoTime, gotmpl::TemplateError> {
    time_of(v).ok_or_else(|| {
        fail(format!(
            "{name}: expected a time (Go's time.Time text, RFC 3339 or Unix seconds), got {:?}",
            s(v)
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// Durations: Go's `time.Duration`, an i64 of nanoseconds.

/// Go's `Duration.String()`: `1h30m0s`, `1.5s`, `300ms`, `0s`.
fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < SECOND as u64 {
        if u == 0 {
            return "0s".into();
        }
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "\u{b5}s")
        } else {
            (6, "ms")
        };
        let (frac, whole) = fraction(u, prec);
        out.push_str(&whole.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (frac, whole) = fraction(u, 9);
        u = whole;
        let secs = u % 60;
        u /= 60;
        if u > 0 {
            let minutes = u % 60;
            u /= 60;
            if u > 0 {
                let _ = write!(out, "{u}h");
            }
            let _ = write!(out, "{minutes}m");
        }
        let _ = write!(out, "{secs}{frac}s");
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// `v / 10^prec` as its whole part and its fraction (".5", trailing zeros dropped, "" for none).
fn fraction(v: u64, prec: u32) -> (String, u64) {
    let scale = 10u64.pow(prec);
    let (whole, rest) = (v / scale, v % scale);
    if rest == 0 {
        return (String::new(), whole);
    }
    let digits = format!("{rest:0width$}", width = prec as usize);
    (format!(".{}", digits.trim_end_matches('0')), whole)
}

/// Go's `Duration.Round(m)`: halves away from zero, saturating.
fn round_duration(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let r = (d % m).abs();
    let less_than_half = (r as u64) + (r as u64) < m as u64;
    if d < 0 {
        if less_than_half {
            return d + r;
        }
        d.checked_sub(m - r).unwrap_or(i64::MIN)
    } else {
        if less_than_half {
            return d - r;
        }
        d.checked_add(m - r).unwrap_or(i64::MAX)
    }
}

fn parse_go_duration(text: &str) -> Result<i64, String> {
    let d =
        crate::config::duration::parse_signed_duration(text).map_err(|e| format!("time: {e}"))?;
    i64::try_from(d.whole_nanoseconds()).map_err(|_| format!("time: invalid duration {text:?}"))
}

/// Go's `strconv.ParseInt(text, 10, 64)` as Sprig's `duration` uses it: out-of-range values
/// clamp, anything else unreadable is 0.
fn parse_int_clamped(text: &str) -> i64 {
    use std::num::IntErrorKind;
    match text.parse::<i64>() {
        Ok(n) => n,
        Err(e) => match e.kind() {
            IntErrorKind::PosOverflow => i64::MAX,
            IntErrorKind::NegOverflow => i64::MIN,
            _ => 0,
        },
    }
}

/// Sprig's `durationRound`: the largest whole unit (`y`, `mo`, `d`, `h`, `m`, `s`) the duration
/// is strictly longer than.
fn duration_round_text(d: i64) -> String {
    let u = d.unsigned_abs();
    let hour = 3_600 * SECOND as u64;
    let units: [(u64, &str); 6] = [
        (hour * 24 * 365, "y"),
        (hour * 24 * 30, "mo"),
        (hour * 24, "d"),
        (hour, "h"),
        (60 * SECOND as u64, "m"),
        (SECOND as u64, "s"),
    ];
    units
        .iter()
        .find(|(size, _)| u > *size)
        .map_or_else(|| "0s".into(), |(size, unit)| format!("{}{unit}", u / size))
}

pub(super) fn register(m: &mut FuncMap) {
    for (name, must) in [("toDate", false), ("mustToDate", true)] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 2)?;
                match parse(&s(&a[0]), &s(&a[1])) {
                    Ok(t) => Ok(st(t.go_string())),
                    Err(e) if must => Err(fail(e)),
                    Err(_) => Ok(st(GoTime::zero().go_string())),
                }
            }),
        );
    }
    m.insert(
        "unixEpoch".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("unixEpoch", a, 1)?;
            Ok(st(need_time("unixEpoch", &a[0])?.secs.to_string()))
        }),
    );
    for name in ["mustDateModify", "must_date_modify"] {
        m.insert(
            name.into(),
            Arc::new(move |a: &[Value]| -> R {
                arity(name, a, 2)?;
                let d = parse_go_duration(&s(&a[0])).map_err(fail)?;
                Ok(st(need_time(name, &a[1])?.add(d).go_string()))
            }),
        );
    }
    m.insert(
        "ago".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("ago", a, 1)?;
            // Like Sprig, anything that is not a time counts as now.
            let t = time_of(&a[0]).unwrap_or_else(GoTime::now);
            Ok(st(duration_string(round_duration(t.since(), SECOND))))
        }),
    );
    m.insert(
        "duration".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("duration", a, 1)?;
            let n = match &a[0] {
                Value::Int(i) => *i,
                Value::Uint(u) => i64::try_from(*u).unwrap_or(i64::MAX),
                v if v.as_str().is_some() => parse_int_clamped(&s(v)),
                _ => 0,
            };
            Ok(st(duration_string(n.wrapping_mul(SECOND))))
        }),
    );
    m.insert(
        "durationRound".into(),
        Arc::new(|a: &[Value]| -> R {
            arity("durationRound", a, 1)?;
            let d = match &a[0] {
                Value::Int(i) => *i,
                Value::Uint(u) => i64::try_from(*u).unwrap_or(i64::MAX),
                v if v.as_str().is_some() => {
                    let text = s(v);
                    parse_go_duration(&text)
                        .ok()
                        .or_else(|| parse_time_text(text.trim()).map(|t| t.since()))
                        .unwrap_or(0)
                }
                _ => 0,
            };
            Ok(st(duration_round_text(d)))
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::super::render;
    use super::*;

    fn error_of(src: &str) -> String {
        let got = render(src);
        assert!(got.starts_with("error:"), "{src} rendered {got}");
        got
    }

    #[test]
    fn to_date_parses_go_layouts_and_prints_go_times() {
        // Expected values from Go 1.26 with Sprig v3.3.0, TZ=UTC.
        for (layout, value, want) in [
            ("2006-01-02", "2017-12-31", "2017-12-31 00:00:00 +0000 UTC"),
            (
                "2006-01-02T15:04:05Z07:00",
                "2017-12-31T10:20:30+02:00",
                "2017-12-31 10:20:30 +0200 +0200",
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2017-12-31T10:20:30Z",
                "2017-12-31 10:20:30 +0000 UTC",
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2017-12-31T10:20:30.5Z",
                "2017-12-31 10:20:30.5 +0000 UTC",
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2017-12-31T10:20:30.123456789-07:30",
                "2017-12-31 10:20:30.123456789 -0730 -0730",
            ),
            (
                "2006-01-02 15:04:05.000",
                "2017-12-31 10:20:30.120",
                "2017-12-31 10:20:30.12 +0000 UTC",
            ),
            (
                "2006-01-02 15:04:05.999",
                "2017-12-31 10:20:30",
                "2017-12-31 10:20:30 +0000 UTC",
            ),
            (
                "02/01/2006 15:04 MST",
                "31/12/2017 10:20 PST",
                "2017-12-31 10:20:00 +0000 PST",
            ),
            (
                "02/01/2006 15:04 MST",
                "31/12/2017 10:20 GMT+3",
                "2017-12-31 13:20:00 +0300 GMT+3",
            ),
            (
                "Jan _2 2006 3:04pm",
                "Dec  3 2017 4:05pm",
                "2017-12-03 16:05:00 +0000 UTC",
            ),
            (
                "Monday, January 2, 2006",
                "Sunday, december 31, 2017",
                "2017-12-31 00:00:00 +0000 UTC",
            ),
            ("2006-002", "2016-366", "2016-12-31 00:00:00 +0000 UTC"),
            (
                "06-01-02 -0700",
                "17-12-31 +0000",
                "2017-12-31 00:00:00 +0000 UTC",
            ),
            ("2006-01-02", "nope", "0001-01-01 00:00:00 +0000 UTC"),
        ] {
            let src = format!("{{{{ toDate {layout:?} {value:?} }}}}");
            assert_eq!(render(&src), want, "{src}");
            if !value.contains("nope") {
                let must = format!("{{{{ mustToDate {layout:?} {value:?} }}}}");
                assert_eq!(render(&must), want, "{must}");
            }
        }
    }

    #[test]
    fn must_to_date_reports_go_parse_errors() {
        for (layout, value, want) in [
            (
                "2006-01-02",
                "2017-13-01",
                r#"parsing time "2017-13-01": month out of range"#,
            ),
            (
                "2006-01-02",
                "2017-02-30",
                r#"parsing time "2017-02-30": day out of range"#,
            ),
            (
                "2006-01-02",
                "2017-12-31x",
                r#"parsing time "2017-12-31x": extra text: "x""#,
            ),
            (
                "2006-01-02",
                "17-12-31",
                r#"parsing time "17-12-31" as "2006-01-02": cannot parse "17-12-31" as "2006""#,
            ),
            (
                "2006-01-02 15:04",
                "2017-12-31 25:00",
                r#"parsing time "2017-12-31 25:00": hour out of range"#,
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2017-12-31T10:20:30+0200",
                r#"parsing time "2017-12-31T10:20:30+0200" as "2006-01-02T15:04:05Z07:00": cannot parse "+0200" as "Z07:00""#,
            ),
        ] {
            let got = error_of(&format!("{{{{ mustToDate {layout:?} {value:?} }}}}"));
            assert!(got.ends_with(want), "{got}");
        }
    }

    #[test]
    fn times_flow_between_functions_as_go_prints_them() {
        for (src, want) in [
            (
                r#"{{ toDate "2006-01-02" "2017-12-31" | unixEpoch }}"#,
                "1514678400",
            ),
            (
                r#"{{ toDate "2006-01-02T15:04:05Z07:00" "2017-12-31T10:20:30+02:00" | unixEpoch }}"#,
                "1514708430",
            ),
            (
                r#"{{ toDate "2006-01-02" "2017-12-31" | mustDateModify "1h30m" }}"#,
                "2017-12-31 01:30:00 +0000 UTC",
            ),
            (
                r#"{{ toDate "2006-01-02T15:04:05Z07:00" "2017-12-31T10:20:30+02:00" | mustDateModify "-1.5h" }}"#,
                "2017-12-31 08:50:30 +0200 +0200",
            ),
            (
                r#"{{ toDate "2006-01-02" "2017-12-31" | mustDateModify "90s" | mustDateModify "500ms" }}"#,
                "2017-12-31 00:01:30.5 +0000 UTC",
            ),
            (
                r#"{{ toDate "2006-01-02" "2017-12-31" | must_date_modify "24h" }}"#,
                "2018-01-01 00:00:00 +0000 UTC",
            ),
            // hoplite also takes RFC 3339 text (identity timestamps) and Unix seconds.
            (
                r#"{{ unixEpoch "2017-12-31T10:20:30+02:00" }}"#,
                "1514708430",
            ),
            (r#"{{ unixEpoch "2017-12-31T10:20:30.25Z" }}"#, "1514715630"),
            ("{{ unixEpoch 1514708430 }}", "1514708430"),
            (
                "{{ mustDateModify \"1h\" 1514678400 }}",
                "2017-12-31 01:00:00 +0000 UTC",
            ),
            (
                r#"{{ mustDateModify "0s" "2017-12-31T10:20:30.123+02:00" }}"#,
                "2017-12-31 10:20:30.123 +0200 +0200",
            ),
            // Go's String() text reads back, named zones and monotonic readings included.
            (
                r#"{{ mustDateModify "1m" "2017-12-31 10:20:30.5 +0200 +0200" }}"#,
                "2017-12-31 10:21:30.5 +0200 +0200",
            ),
            (
                r#"{{ mustDateModify "1m" "2017-12-31 10:20:00 -0800 PST" }}"#,
                "2017-12-31 10:21:00 -0800 PST",
            ),
            (
                r#"{{ unixEpoch "2017-12-31 00:00:00 +0000 UTC m=+0.000000001" }}"#,
                "1514678400",
            ),
        ] {
            assert_eq!(render(src), want, "{src}");
        }
        for (src, want) in [
            (
                r#"{{ toDate "2006-01-02" "2017-12-31" | mustDateModify "bad" }}"#,
                r#"time: invalid duration "bad""#,
            ),
            (
                r#"{{ toDate "2006-01-02" "2017-12-31" | mustDateModify "1" }}"#,
                r#"time: missing unit in duration "1""#,
            ),
            (
                r#"{{ toDate "2006-01-02" "2017-12-31" | mustDateModify "1x" }}"#,
                r#"time: unknown unit "x" in duration "1x""#,
            ),
            (
                r#"{{ unixEpoch "yesterday" }}"#,
                "unixEpoch: expected a time",
            ),
        ] {
            let got = error_of(src);
            assert!(got.contains(want), "{src}: {got}");
        }
    }

    #[test]
    fn durations_print_as_go_prints_them() {
        for (src, want) in [
            (r#"{{ durationRound "2h10m" }}"#, "2h"),
            (r#"{{ durationRound "90s" }}"#, "1m"),
            (r#"{{ durationRound "1h" }}"#, "60m"),
            (r#"{{ durationRound "-3h5m" }}"#, "3h"),
            (r#"{{ durationRound "9000h" }}"#, "1y"),
            (r#"{{ durationRound "800h" }}"#, "1mo"),
            (r#"{{ durationRound "49h" }}"#, "2d"),
            (r#"{{ durationRound "1s" }}"#, "0s"),
            (r#"{{ durationRound "1.5s" }}"#, "1s"),
            (r#"{{ durationRound "bad" }}"#, "0s"),
            // An integer is nanoseconds, as Go's int64 case.
            ("{{ durationRound 3600000000000 }}", "60m"),
            (r#"{{ duration "90" }}"#, "1m30s"),
            (r#"{{ duration "5400" }}"#, "1h30m0s"),
            (r#"{{ duration "-5" }}"#, "-5s"),
            (r#"{{ duration "0" }}"#, "0s"),
            (r#"{{ duration "x" }}"#, "0s"),
            (r#"{{ duration "99999999999999999999" }}"#, "-1s"),
            // Go gives "0s" for a template int; hoplite takes any integer as seconds.
            ("{{ duration 3661 }}", "1h1m1s"),
            (r#"{{ ago "x" }}"#, "0s"),
        ] {
            assert_eq!(render(src), want, "{src}");
        }
        for (nanos, want) in [
            (0, "0s"),
            (1, "1ns"),
            (999, "999ns"),
            (1_500, "1.5\u{b5}s"),
            (300_000_000, "300ms"),
            (1_500_000_000, "1.5s"),
            (-5 * SECOND, "-5s"),
            (60 * SECOND, "1m0s"),
            (5_400 * SECOND, "1h30m0s"),
            (3_600 * SECOND + 1, "1h0m0.000000001s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ] {
            assert_eq!(duration_string(nanos), want, "{nanos}");
        }
        assert_eq!(round_duration(1_499_999_999, SECOND), SECOND);
        assert_eq!(round_duration(1_500_000_000, SECOND), 2 * SECOND);
        assert_eq!(round_duration(-1_500_000_000, SECOND), -2 * SECOND);
    }

    #[test]
    fn ago_and_duration_round_of_a_past_time() {
        let ago = render(r#"{{ toDate "2006-01-02" "2000-01-01" | ago }}"#);
        let shape = regex::Regex::new(r"^\d+h\d+m\d+s$").expect("pattern");
        assert!(shape.is_match(&ago), "{ago}");
        let hours: i64 = ago.split('h').next().unwrap().parse().unwrap();
        assert!(hours > 24 * 365 * 25, "{ago}");
        let round = render(r#"{{ "2000-01-01T00:00:00Z" | durationRound }}"#);
        assert!(
            regex::Regex::new(r"^\d{2}y$").unwrap().is_match(&round),
            "{round}"
        );
        let epoch = render("{{ ago 0 }}");
        assert!(shape.is_match(&epoch), "{epoch}");
    }

    #[test]
    fn calendar_arithmetic_matches_the_proleptic_gregorian_calendar() {
        for (y, m, d) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (1, 1, 1),
            (0, 3, 1),
            (9999, 12, 31),
        ] {
            let days = days_from_civil(y, m, d);
            assert_eq!(civil_from_days(days), (y, m as u32, d as u32));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2017, 12, 31), 17_531);
        assert_eq!(GoTime::zero().secs, -62_135_596_800);
    }
}
