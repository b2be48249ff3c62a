//! Conversions between domain values and Kratos's column encodings, per dialect, and the query
//! text each dialect needs (`ory/kratos: persistence/sql`, as pop and the Go drivers write rows).
//!
//! Queries are written once with `?` placeholders. A placeholder that fills a column of a native
//! type is marked with its type: `?::uuid`, `?::ts`, `?::json`. PostgreSQL gets `$n::uuid`,
//! `$n::timestamp`, `$n::jsonb` (sqlx's `Any` driver binds text, which PostgreSQL does not assign
//! to those types by itself); SQLite and MySQL get a plain `?`. `?::rawjson` marks JSON that
//! Kratos scans into a plain `json.RawMessage` (`proposed_traits`, `selfservice_errors.errors`):
//! Go's SQLite driver hands a text value over as a string, which that type refuses, so SQLite
//! stores it as a blob (`CAST(? AS BLOB)`), as Kratos's own writes do. Columns are read through
//! [`select_list`], which casts what the `Any` driver cannot decode (PostgreSQL's `uuid`,
//! `timestamp`, `jsonb` and `boolean`; MySQL's `DATETIME`) to text or integers.
//!
//! `<column> = ?::nid` scopes a lookup by a unique key to the network. PostgreSQL gets
//! `<column> IS NOT DISTINCT FROM $n::uuid`: the same test for a column that is never NULL, but
//! not one an index can answer. PostgreSQL plans a prepared statement once per connection, and
//! a plan made while a table is nearly empty (a new database, the first minute of a deployment)
//! weighs Kratos's index on `nid` alone as good as the primary key; every row has the same `nid`,
//! so that plan reads half the table for each lookup, and keeps doing so as the table grows.

use hoplite_core::config::DatabaseKind;
use hoplite_core::persistence::StoreError;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use uuid::Uuid;

/// How a column is stored, for reading it back portably.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Text or integer columns every driver decodes as they are.
    Plain,
    /// `uuid` on PostgreSQL, `char(36)` elsewhere.
    Uuid,
    /// `timestamp` (UTC) on PostgreSQL, `DATETIME(6)`/`timestamp(6)` on MySQL, Go's text on SQLite.
    Ts,
    /// `jsonb` on PostgreSQL, `json` on MySQL, text (or a blob, as Kratos writes flow UIs) on SQLite.
    Json,
    /// `boolean` on PostgreSQL, `tinyint(1)` on MySQL, 0/1 on SQLite: read as 0 or 1.
    Bool,
}

/// A statement built once per dialect and kept for the life of the process, for the queries
/// whose text depends on the dialect only (select lists with their casts): `static S: PerDialect
/// = PerDialect::new();` then `S.get(kind, || ...)`.
pub struct PerDialect([std::sync::OnceLock<String>; 3]);

impl PerDialect {
    pub const fn new() -> PerDialect {
        PerDialect([const { std::sync::OnceLock::new() }; 3])
    }

    /// The statement for `kind`, built by `build` the first time.
    pub fn get(&'static self, kind: DatabaseKind, build: impl FnOnce() -> String) -> &'static str {
        let slot = match kind {
            DatabaseKind::Sqlite => 0,
            DatabaseKind::Postgres => 1,
            DatabaseKind::Mysql => 2,
        };
        self.0[slot].get_or_init(build)
    }
}

/// The select list for `cols`, each taken from `table.` (when given) and named `alias_prefix` +
/// its name, cast where the dialect needs it (see [`Ty`]).
pub fn select_list(
    kind: DatabaseKind,
    table: Option<&str>,
    alias_prefix: &str,
    cols: &[(&str, Ty)],
) -> String {
    let t = table.map(|t| format!("{t}.")).unwrap_or_default();
    cols.iter()
        .map(|(c, ty)| {
            let col = format!("{t}{c}");
            let expr = match (kind, ty) {
                (_, Ty::Bool) => format!("CASE WHEN {col} THEN 1 ELSE 0 END"),
                (DatabaseKind::Postgres, Ty::Uuid | Ty::Ts | Ty::Json) => format!("{col}::text"),
                (DatabaseKind::Mysql, Ty::Ts | Ty::Json) => format!("CAST({col} AS CHAR)"),
                (DatabaseKind::Sqlite, Ty::Json | Ty::Ts | Ty::Uuid) => {
                    format!("CAST({col} AS TEXT)")
                }
                _ => col,
            };
            format!("{expr} AS {alias_prefix}{c}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A SQLite statement made for sqlx (see [`select_list`]) as rusqlite runs it: rusqlite reads a
/// TEXT or BLOB value whatever the column's declared type, so the casts to text come off (they
/// cost a measurable share of the fast path's reads).
pub fn sqlite_direct(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find("CAST(") {
        let inner_start = at + "CAST(".len();
        let Some(close) = rest[inner_start..].find(')') else {
            break;
        };
        let inner = &rest[inner_start..inner_start + close];
        match inner.strip_suffix(" AS TEXT") {
            Some(column) if !column.contains('(') => {
                out.push_str(&rest[..at]);
                out.push_str(column);
            }
            _ => out.push_str(&rest[..inner_start + close + 1]),
        }
        rest = &rest[inner_start + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Rewrites a query's placeholders for `kind` (see the module documentation).
pub fn rewrite(kind: DatabaseKind, sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut rest = sql;
    while let Some(at) = rest.find('?') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let (cast, after) = match rest.strip_prefix("::") {
            Some(r) => {
                let end = r
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(r.len());
                (Some(&r[..end]), &r[end..])
            }
            None => (None, rest),
        };
        rest = after;
        if kind == DatabaseKind::Postgres {
            n += 1;
            if cast == Some("nid") && out.ends_with(" = ") {
                out.truncate(out.len() - " = ".len());
                out.push_str(" IS NOT DISTINCT FROM ");
            }
            out.push('$');
            out.push_str(&n.to_string());
            match cast {
                Some("uuid" | "nid") => out.push_str("::uuid"),
                Some("ts") => out.push_str("::timestamp"),
                Some("json" | "rawjson") => out.push_str("::jsonb"),
                Some(other) => {
                    out.push_str("::");
                    out.push_str(other);
                }
                None => {}
            }
        } else if kind == DatabaseKind::Sqlite && cast == Some("rawjson") {
            out.push_str("CAST(? AS BLOB)");
        } else {
            out.push('?');
        }
    }
    out.push_str(rest);
    out
}

/// A time as `kind` stores it, in UTC to the microsecond: on SQLite the text Kratos's driver
/// writes (`2006-01-02 15:04:05.999999999-07:00`: trailing zeros of the fraction dropped, which
/// keeps text order equal to time order), on PostgreSQL `2006-01-02 15:04:05.000000`, on MySQL
/// to the second.
pub fn ts(kind: DatabaseKind, t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let micros = t.nanosecond() / 1000;
    let base = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    match kind {
        DatabaseKind::Sqlite => {
            let fraction = if micros == 0 {
                String::new()
            } else {
                let digits = format!("{micros:06}");
                format!(".{}", digits.trim_end_matches('0'))
            };
            format!("{base}{fraction}+00:00")
        }
        DatabaseKind::Postgres => format!("{base}.{micros:06}"),
        // Kratos's MySQL columns are `DATETIME`/`TIMESTAMP` without fractional seconds; MySQL
        // would round a fraction and MariaDB truncate it, so it is cut here, alike on both.
        DatabaseKind::Mysql => base,
    }
}

/// Reads a time in any form the three databases hand back: `2026-12-05 21:11:11.342455001+00:00`
/// (Go on SQLite), `2026-12-05 21:11:11.342455` (PostgreSQL, MySQL: UTC), `2026-12-05 21:11:11`
/// (SQLite's `CURRENT_TIMESTAMP`), and RFC 3339 (`T`, `Z`).
pub fn parse_ts(s: &str) -> Result<OffsetDateTime, StoreError> {
    let bad = |why: &str| StoreError::Other(format!("bad timestamp {s:?}: {why}"));
    let v = s.trim();
    if v.len() < 19 {
        return Err(bad("too short"));
    }
    let (date_time, zone) = split_zone(v);
    let date_time = date_time.replacen('T', " ", 1);
    let (whole, fraction) = match date_time.split_once('.') {
        Some((w, f)) => (w.to_string(), f),
        None => (date_time.clone(), ""),
    };
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let mut t = PrimitiveDateTime::parse(&whole, &format).map_err(|e| bad(&e.to_string()))?;
    if !fraction.is_empty() {
        if !fraction.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > 9 {
            return Err(bad("bad fraction"));
        }
        let nanos: u32 = format!("{fraction:0<9}")
            .parse()
            .map_err(|_| bad("bad fraction"))?;
        t = t
            .replace_nanosecond(nanos)
            .map_err(|e| bad(&e.to_string()))?;
    }
    let offset = match zone {
        "" | "Z" | "z" => UtcOffset::UTC,
        z => parse_offset(z).ok_or_else(|| bad("bad zone"))?,
    };
    Ok(t.assume_offset(offset).to_offset(UtcOffset::UTC))
}

/// Splits `2026-12-05 21:11:11.5+00:00` into the date and time, and the zone (`+00:00`, `Z`, or
/// nothing).
fn split_zone(v: &str) -> (&str, &str) {
    let time_part = 11.min(v.len());
    if let Some(stripped) = v.strip_suffix(['Z', 'z']) {
        return (stripped, "Z");
    }
    match v[time_part..].find(['+', '-']) {
        Some(at) => v.split_at(time_part + at),
        None => (v, ""),
    }
}

/// `+00:00`, `-07:00`, `+0000`, `+00`.
fn parse_offset(z: &str) -> Option<UtcOffset> {
    let sign: i8 = match z.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i8>().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    UtcOffset::from_hms(sign * h, sign * m, 0).ok()
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
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_network_of_a_keyed_lookup_is_compared_without_an_index_on_postgres() {
        let sql = "SELECT x FROM t WHERE id = ?::uuid AND s.nid = ?::nid AND y = ?";
        assert_eq!(
            rewrite(DatabaseKind::Postgres, sql),
            "SELECT x FROM t WHERE id = $1::uuid AND s.nid IS NOT DISTINCT FROM $2::uuid AND y = $3"
        );
        for kind in [DatabaseKind::Sqlite, DatabaseKind::Mysql] {
            assert_eq!(
                rewrite(kind, sql),
                "SELECT x FROM t WHERE id = ? AND s.nid = ? AND y = ?"
            );
        }
    }

    #[test]
    fn sqlite_times_are_written_as_kratos_writes_them() {
        let t = datetime!(2024-01-02 03:04:05.5 UTC);
        assert_eq!(ts(DatabaseKind::Sqlite, t), "2024-01-02 03:04:05.5+00:00");
        assert_eq!(
            ts(DatabaseKind::Sqlite, datetime!(2024-01-02 03:04:05 UTC)),
            "2024-01-02 03:04:05+00:00"
        );
        assert_eq!(ts(DatabaseKind::Postgres, t), "2024-01-02 03:04:05.500000");
        for kind in [DatabaseKind::Sqlite, DatabaseKind::Postgres] {
            assert_eq!(parse_ts(&ts(kind, t)).unwrap(), t);
        }
        assert_eq!(ts(DatabaseKind::Mysql, t), "2024-01-02 03:04:05");
    }

    #[test]
    fn sqlite_text_order_is_time_order() {
        let times = [
            datetime!(2024-01-02 03:04:05 UTC),
            datetime!(2024-01-02 03:04:05.000001 UTC),
            datetime!(2024-01-02 03:04:05.45 UTC),
            datetime!(2024-01-02 03:04:05.5 UTC),
            datetime!(2024-01-02 03:04:06 UTC),
        ];
        let texts: Vec<String> = times.iter().map(|t| ts(DatabaseKind::Sqlite, *t)).collect();
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(texts, sorted);
    }

    #[test]
    fn every_form_the_drivers_return_is_read() {
        let t = datetime!(2026-12-05 21:11:11.342455001 UTC);
        assert_eq!(parse_ts("2026-12-05 21:11:11.342455001+00:00").unwrap(), t);
        assert_eq!(parse_ts("2026-12-05T21:11:11.342455001Z").unwrap(), t);
        assert_eq!(parse_ts("2026-12-05 22:11:11.342455001+01:00").unwrap(), t);
        assert_eq!(
            parse_ts("2026-12-05 21:11:11").unwrap(),
            datetime!(2026-12-05 21:11:11 UTC)
        );
        assert_eq!(
            parse_ts("2026-12-05 21:11:11.342455").unwrap(),
            datetime!(2026-12-05 21:11:11.342455 UTC)
        );
        assert!(parse_ts("2026-12-05").is_err());
    }

    #[test]
    fn the_direct_sqlite_form_drops_the_text_casts_only() {
        assert_eq!(
            sqlite_direct(
                "SELECT CAST(s.id AS TEXT) AS id, CASE WHEN s.active THEN 1 ELSE 0 END AS active, CAST(COUNT(*) AS INTEGER) FROM t"
            ),
            "SELECT s.id AS id, CASE WHEN s.active THEN 1 ELSE 0 END AS active, CAST(COUNT(*) AS INTEGER) FROM t"
        );
    }

    #[test]
    fn raw_json_is_a_blob_on_sqlite() {
        let sql = "INSERT INTO t (a, b) VALUES (?::rawjson, ?::json)";
        assert_eq!(
            rewrite(DatabaseKind::Sqlite, sql),
            "INSERT INTO t (a, b) VALUES (CAST(? AS BLOB), ?)"
        );
        assert_eq!(
            rewrite(DatabaseKind::Postgres, sql),
            "INSERT INTO t (a, b) VALUES ($1::jsonb, $2::jsonb)"
        );
        assert_eq!(
            rewrite(DatabaseKind::Mysql, sql),
            "INSERT INTO t (a, b) VALUES (?, ?)"
        );
    }

    #[test]
    fn placeholders_are_rewritten_per_dialect() {
        let sql = "SELECT a FROM t WHERE id = ?::uuid AND at < ?::ts AND n = ? AND j = ?::json";
        assert_eq!(
            rewrite(DatabaseKind::Postgres, sql),
            "SELECT a FROM t WHERE id = $1::uuid AND at < $2::timestamp AND n = $3 AND j = $4::jsonb"
        );
        assert_eq!(
            rewrite(DatabaseKind::Mysql, sql),
            "SELECT a FROM t WHERE id = ? AND at < ? AND n = ? AND j = ?"
        );
    }
}
