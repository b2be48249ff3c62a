//! Kratos's DSN forms, turned into what the SQL layer needs.
//!
//! Kratos hands its `dsn` to gobuffalo/pop and Go database drivers, so operators write Go-driver
//! syntax (`mysql://user:pw@tcp(host:3306)/db?parseTime=true`, `sqlite://db?_fk=true`) and pop's
//! pool parameters (`max_conns`, ...). sqlx rejects or ignores most of those, so this module
//! rewrites them into URLs sqlx accepts and keeps the pool parameters separately.

use std::sync::atomic::{AtomicU64, Ordering};

/// The database family a DSN selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// SQLite (file or in-memory).
    Sqlite,
    /// PostgreSQL, and CockroachDB through the PostgreSQL wire protocol.
    Postgres,
    /// MySQL / MariaDB.
    Mysql,
}

/// A parsed DSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dsn {
    /// Which driver to use.
    pub kind: DatabaseKind,
    /// A URL sqlx accepts (`sqlite://...`, `postgres://...`, `mysql://user:pw@host:port/db`).
    pub url: String,
    /// `memory` / `sqlite://...?mode=memory`: in-memory SQLite.
    pub in_memory: bool,
    /// The DSN used the `cockroach://` scheme (PostgreSQL protocol, but no advisory locks, so
    /// migrations must run without locking).
    pub cockroach: bool,
    /// pop's `max_conns` query parameter (pool size), if given.
    pub max_conns: Option<u32>,
    /// pop's `max_idle_conns` query parameter, if given.
    pub max_idle_conns: Option<u32>,
}

/// Gives every in-memory database its own name, so two `Dsn::parse("memory")` calls (for example
/// two tests running in parallel) never share tables.
static MEMORY_SEQ: AtomicU64 = AtomicU64::new(0);

/// Query parameters sqlx's SQLite driver understands; it rejects any other.
const SQLITE_PARAMS: &[&str] = &["mode", "cache", "immutable", "vfs"];
/// Query parameters sqlx's PostgreSQL driver understands; it warns about and ignores others.
const POSTGRES_PARAMS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];
/// Query parameters sqlx's MySQL driver understands.
const MYSQL_PARAMS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslca",
    "ssl-ca",
    "charset",
    "collation",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "socket",
    "timezone",
    "time-zone",
];

/// Query parameters collected while rewriting a DSN.
#[derive(Default)]
struct Params {
    kept: Vec<(String, String)>,
    max_conns: Option<u32>,
    max_idle_conns: Option<u32>,
}

impl Params {
    /// Splits `query` into the parameters sqlx understands (`allowed`) and pop's pool settings;
    /// everything else (Go-driver and pop options such as `_fk`, `parseTime`,
    /// `max_conn_lifetime`) is dropped because sqlx has no equivalent.
    fn parse(query: &str, allowed: &[&str]) -> Result<Params, String> {
        let mut params = Params::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let number = |v: &str| {
                v.parse::<u32>()
                    .map_err(|_| format!("invalid DSN: query parameter `{key}` must be a non-negative integer, got {v:?}"))
            };
            match &*key {
                "max_conns" => params.max_conns = Some(number(&value)?),
                "max_idle_conns" => params.max_idle_conns = Some(number(&value)?),
                k if allowed.contains(&k) => {
                    params.kept.push((key.into_owned(), value.into_owned()))
                }
                _ => {}
            }
        }
        Ok(params)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.kept
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn remove(&mut self, key: &str) {
        self.kept.retain(|(k, _)| k != key);
    }

    /// `?a=b&c=d`, or the empty string when nothing is kept.
    fn query_string(&self) -> String {
        if self.kept.is_empty() {
            return String::new();
        }
        // `for_suffix` starts after the '?', so the first pair gets no '&' in front.
        let mut ser = form_urlencoded::Serializer::for_suffix(String::from("?"), 1);
        ser.extend_pairs(self.kept.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        ser.finish()
    }
}

impl Dsn {
    /// Parses `memory`, `sqlite://path?...`, `sqlite3://`, `postgres://`, `postgresql://`,
    /// `cockroach://`, and `mysql://user:pw@tcp(host:port)/db?...` (Go driver form).
    pub fn parse(dsn: &str) -> Result<Dsn, String> {
        let dsn = dsn.trim();
        if dsn.is_empty() {
            return Err("invalid DSN: it is empty".into());
        }
        if dsn == "memory" {
            return Ok(Dsn::sqlite_memory(Params::default()));
        }
        let Some((scheme, rest)) = dsn.split_once("://") else {
            return Err(format!(
                "invalid DSN {:?}: expected `memory` or a URL with a scheme (sqlite://, postgres://, mysql://, cockroach://)",
                redact_unparsed(dsn)
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" | "sqlite3" => parse_sqlite(rest),
            "postgres" | "postgresql" => parse_postgres(rest, false),
            "cockroach" | "cockroachdb" | "crdb" => parse_postgres(rest, true),
            "mysql" => parse_mysql(rest),
            other => Err(format!(
                "invalid DSN: unsupported scheme {other:?} (expected memory, sqlite://, postgres://, postgresql://, cockroach:// or mysql://)"
            )),
        }
    }

    /// The DSN with any password replaced by `xxxxx`, for logs.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(mut url) if url.password().is_some() => {
                // Cannot fail: a URL that has a password can carry one.
                let _ = url.set_password(Some("xxxxx"));
                url.to_string()
            }
            _ => self.url.clone(),
        }
    }

    /// A fresh, uniquely named, shared-cache in-memory SQLite database. Shared cache lets every
    /// connection of one pool see the same tables; the unique name keeps pools apart.
    fn sqlite_memory(params: Params) -> Dsn {
        let seq = MEMORY_SEQ.fetch_add(1, Ordering::Relaxed);
        // The random part keeps names distinct even across separately loaded copies of this crate.
        let nonce: u32 = rand::random();
        Dsn {
            kind: DatabaseKind::Sqlite,
            url: format!("sqlite:file:hoplite-memory-{seq}-{nonce:08x}?mode=memory&cache=shared"),
            in_memory: true,
            cockroach: false,
            max_conns: params.max_conns,
            max_idle_conns: params.max_idle_conns,
        }
    }
}

/// Hides a password in a DSN that failed to parse, so error messages never leak it.
fn redact_unparsed(dsn: &str) -> String {
    match url::Url::parse(dsn) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("xxxxx"));
            url.to_string()
        }
        Ok(_) => dsn.to_string(),
        Err(_) if dsn.contains('@') => "<redacted>".to_string(),
        Err(_) => dsn.to_string(),
    }
}

fn parse_sqlite(rest: &str) -> Result<Dsn, String> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut params = Params::parse(query, SQLITE_PARAMS)?;
    // Go's driver spells in-memory databases `:memory:` or `file::memory:`; sqlx uses `mode=memory`.
    let in_memory = params.get("mode") == Some("memory")
        || matches!(path, ":memory:" | "file::memory:" | "file::memory");
    if in_memory {
        return Ok(Dsn::sqlite_memory(params));
    }
    if path.is_empty() {
        return Err(
            "invalid DSN: sqlite:// needs a file path, e.g. sqlite://kratos.sqlite?_fk=true".into(),
        );
    }
    if let Some(mode) = params.get("mode") {
        if !matches!(mode, "ro" | "rw" | "rwc") {
            return Err(format!(
                "invalid DSN: unknown sqlite mode {mode:?} (expected ro, rw, rwc or memory)"
            ));
        }
    } else {
        // The Go SQLite driver Kratos uses creates a missing database file; sqlx only does so
        // with `mode=rwc`, so make that explicit.
        params.kept.push(("mode".into(), "rwc".into()));
    }
    Ok(Dsn {
        kind: DatabaseKind::Sqlite,
        url: format!("sqlite://{path}{}", params.query_string()),
        in_memory: false,
        cockroach: false,
        max_conns: params.max_conns,
        max_idle_conns: params.max_idle_conns,
    })
}

fn parse_postgres(rest: &str, cockroach: bool) -> Result<Dsn, String> {
    let (authority_path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let params = Params::parse(query, POSTGRES_PARAMS)?;
    let url = format!("postgres://{authority_path}{}", params.query_string());
    // Validate the shape now so a typo fails at startup with a clear message, not at first query.
    let parsed = url::Url::parse(&url)
        .map_err(|e| format!("invalid DSN: not a valid PostgreSQL URL ({e})"))?;
    if parsed.host_str().is_none_or(str::is_empty) && params.get("host").is_none() {
        return Err("invalid DSN: the PostgreSQL URL has no host".into());
    }
    Ok(Dsn {
        kind: DatabaseKind::Postgres,
        url,
        in_memory: false,
        cockroach,
        max_conns: params.max_conns,
        max_idle_conns: params.max_idle_conns,
    })
}

fn parse_mysql(rest: &str) -> Result<Dsn, String> {
    // Kratos passes everything after `mysql://` to go-sql-driver/mysql, whose format is
    // `[user[:password]@][net[(addr)]]/dbname[?params]` with a raw (not percent-encoded) password.
    // A DSN without `tcp(`/`unix(` and with a host is already a plain URL (sqlx's own format).
    let head = rest.rfind('/').map_or(rest, |slash| &rest[..slash]);
    let address = head.rfind('@').map_or(head, |at| &head[at + 1..]);
    let go_form = address.contains('(') || (address.is_empty() && rest.contains('/'));
    if !go_form {
        let (authority_path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let params = Params::parse(query, MYSQL_PARAMS)?;
        let url = format!("mysql://{authority_path}{}", params.query_string());
        url::Url::parse(&url).map_err(|e| format!("invalid DSN: not a valid MySQL URL ({e})"))?;
        return Ok(Dsn {
            kind: DatabaseKind::Mysql,
            url,
            in_memory: false,
            cockroach: false,
            max_conns: params.max_conns,
            max_idle_conns: params.max_idle_conns,
        });
    }

    // The database name follows the last '/', because passwords and socket paths may contain '/'.
    let slash = rest
        .rfind('/')
        .ok_or("invalid DSN: the MySQL DSN has no `/dbname`")?;
    let (head, tail) = (&rest[..slash], &rest[slash + 1..]);
    let (db, query) = tail.split_once('?').unwrap_or((tail, ""));
    if db.is_empty() {
        return Err("invalid DSN: the MySQL DSN names no database (expected .../dbname)".into());
    }
    // The userinfo ends at the last '@' (the password may contain '@').
    let (userinfo, address) = match head.rfind('@') {
        Some(at) => (Some(&head[..at]), &head[at + 1..]),
        None => (None, head),
    };
    let (user, password) = match userinfo {
        Some(u) => match u.split_once(':') {
            Some((user, pw)) => (user, Some(pw)),
            None => (u, None),
        },
        None => ("", None),
    };

    let mut params = Params::parse(query, MYSQL_PARAMS)?;
    map_go_mysql_tls(query, &mut params)?;
    let (host, port) = match address {
        "" => ("localhost".to_string(), Some(3306)),
        a => {
            let (net, addr) = match a.split_once('(') {
                Some((net, addr)) => {
                    let addr = addr
                        .strip_suffix(')')
                        .ok_or("invalid DSN: unclosed `(` in the MySQL address")?;
                    (net, addr)
                }
                None => (a, ""),
            };
            match net {
                "tcp" | "tcp4" | "tcp6" => split_host_port(if addr.is_empty() {
                    "localhost:3306"
                } else {
                    addr
                })?,
                "unix" => {
                    if addr.is_empty() {
                        return Err(
                            "invalid DSN: unix() in the MySQL DSN needs a socket path".into()
                        );
                    }
                    params.remove("socket");
                    params.kept.push(("socket".into(), addr.to_string()));
                    ("localhost".to_string(), None)
                }
                other => {
                    return Err(format!(
                        "invalid DSN: unsupported MySQL network {other:?} (expected tcp or unix)"
                    ));
                }
            }
        }
    };

    let mut url = url::Url::parse(&format!("mysql://{host}"))
        .map_err(|e| format!("invalid DSN: bad MySQL host {host:?} ({e})"))?;
    if let Some(port) = port {
        url.set_port(Some(port))
            .map_err(|_| "invalid DSN: bad MySQL port")?;
    }
    url.set_path(&format!("/{db}"));
    if !user.is_empty() {
        url.set_username(user)
            .map_err(|_| "invalid DSN: bad MySQL user name")?;
    }
    if let Some(pw) = password {
        url.set_password(Some(pw))
            .map_err(|_| "invalid DSN: bad MySQL password")?;
    }
    let url = format!(
        "{}{}",
        url.as_str().trim_end_matches('?'),
        params.query_string()
    );
    Ok(Dsn {
        kind: DatabaseKind::Mysql,
        url,
        in_memory: false,
        cockroach: false,
        max_conns: params.max_conns,
        max_idle_conns: params.max_idle_conns,
    })
}

/// go-sql-driver's `tls=` parameter becomes sqlx's `ssl-mode=`.
fn map_go_mysql_tls(query: &str, params: &mut Params) -> Result<(), String> {
    let Some((_, tls)) = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "tls") else {
        return Ok(());
    };
    let mode = match &*tls {
        "true" => "VERIFY_IDENTITY",
        "skip-verify" => "REQUIRED",
        "preferred" => "PREFERRED",
        "false" => "DISABLED",
        other => {
            return Err(format!(
                "invalid DSN: MySQL tls={other:?} (a named TLS config) is not supported; use tls=true, skip-verify, preferred or false"
            ));
        }
    };
    if params.get("ssl-mode").is_none() && params.get("sslmode").is_none() {
        params.kept.push(("ssl-mode".into(), mode.into()));
    }
    Ok(())
}

/// `host:port`, `[v6]:port` or `host` (default port 3306).
fn split_host_port(addr: &str) -> Result<(String, Option<u16>), String> {
    let bad_port = |p: &str| format!("invalid DSN: bad MySQL port {p:?}");
    if let Some(v6) = addr.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or("invalid DSN: unclosed `[` in the MySQL address")?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad_port(p))?,
            None => 3306,
        };
        return Ok((format!("[{host}]"), Some(port)));
    }
    match addr.rsplit_once(':') {
        Some((host, p)) => Ok((host.to_string(), Some(p.parse().map_err(|_| bad_port(p))?))),
        None => Ok((addr.to_string(), Some(3306))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_gives_a_fresh_in_memory_database_each_time() {
        let a = Dsn::parse("memory").unwrap();
        let b = Dsn::parse("memory").unwrap();
        assert_eq!(a.kind, DatabaseKind::Sqlite);
        assert!(a.in_memory);
        assert!(
            a.url.starts_with("sqlite:file:hoplite-memory-"),
            "{}",
            a.url
        );
        assert!(a.url.ends_with("?mode=memory&cache=shared"), "{}", a.url);
        assert_ne!(a.url, b.url);
    }

    #[test]
    fn sqlite_keeps_the_path_and_drops_go_only_params() {
        let d = Dsn::parse("sqlite:///var/lib/sqlite/db.sqlite?_fk=true&mode=rwc").unwrap();
        assert_eq!(d.kind, DatabaseKind::Sqlite);
        assert!(!d.in_memory);
        assert_eq!(d.url, "sqlite:///var/lib/sqlite/db.sqlite?mode=rwc");

        let d = Dsn::parse("sqlite3://kratos.sqlite?_fk=true&max_conns=4").unwrap();
        assert_eq!(d.url, "sqlite://kratos.sqlite?mode=rwc");
        assert_eq!(d.max_conns, Some(4));

        let d = Dsn::parse("sqlite://hoplite.sqlite?_fk=true&mode=ro").unwrap();
        assert_eq!(d.url, "sqlite://hoplite.sqlite?mode=ro");
    }

    #[test]
    fn sqlite_mode_memory_is_in_memory() {
        for dsn in [
            "sqlite://file::memory:?_fk=true",
            "sqlite://:memory:",
            "sqlite://x.db?mode=memory",
            "sqlite://?mode=memory",
        ] {
            let d = Dsn::parse(dsn).unwrap();
            assert!(d.in_memory, "{dsn}");
            assert!(d.url.contains("mode=memory"), "{dsn} -> {}", d.url);
        }
    }

    #[test]
    fn sqlite_errors_are_explained() {
        assert!(Dsn::parse("sqlite://").unwrap_err().contains("file path"));
        assert!(
            Dsn::parse("sqlite://x.db?mode=bogus")
                .unwrap_err()
                .contains("mode")
        );
    }

    #[test]
    fn postgres_and_cockroach() {
        let d = Dsn::parse("postgres://user:secret@postgresd:5432/database?sslmode=disable&max_conns=20&max_idle_conns=4").unwrap();
        assert_eq!(d.kind, DatabaseKind::Postgres);
        assert_eq!(
            d.url,
            "postgres://user:secret@postgresd:5432/database?sslmode=disable"
        );
        assert_eq!((d.max_conns, d.max_idle_conns), (Some(20), Some(4)));
        assert_eq!(
            d.redacted(),
            "postgres://user:xxxxx@postgresd:5432/database?sslmode=disable"
        );

        let d = Dsn::parse("postgresql://u@h/db").unwrap();
        assert_eq!(d.url, "postgres://u@h/db");

        let d =
            Dsn::parse("cockroach://user@cockroachdb:26257/database?sslmode=disable&max_conns=20")
                .unwrap();
        assert_eq!(d.kind, DatabaseKind::Postgres);
        assert!(d.cockroach);
        assert_eq!(
            d.url,
            "postgres://user@cockroachdb:26257/database?sslmode=disable"
        );
    }

    #[test]
    fn mysql_go_driver_form_becomes_a_url() {
        let d = Dsn::parse("mysql://user:secret@tcp(mysqld:3306)/database?parseTime=true&multiStatements=true&max_conns=20").unwrap();
        assert_eq!(d.kind, DatabaseKind::Mysql);
        assert_eq!(d.url, "mysql://user:secret@mysqld:3306/database");
        assert_eq!(d.max_conns, Some(20));
        assert_eq!(d.redacted(), "mysql://user:xxxxx@mysqld:3306/database");

        // Raw special characters in the password are percent-encoded.
        let d = Dsn::parse("mysql://root:p@ss/w:rd@tcp(127.0.0.1:3307)/kratos?tls=skip-verify")
            .unwrap();
        assert_eq!(
            d.url,
            "mysql://root:p%40ss%2Fw%3Ard@127.0.0.1:3307/kratos?ssl-mode=REQUIRED"
        );

        let d = Dsn::parse("mysql://root@unix(/run/mysqld.sock)/kratos").unwrap();
        assert_eq!(
            d.url,
            "mysql://root@localhost/kratos?socket=%2Frun%2Fmysqld.sock"
        );

        let d = Dsn::parse("mysql://root:pw@/kratos").unwrap();
        assert_eq!(d.url, "mysql://root:pw@localhost:3306/kratos");

        // Already in URL form: kept.
        let d =
            Dsn::parse("mysql://root:pw@db:3306/kratos?charset=utf8mb4&parseTime=true").unwrap();
        assert_eq!(d.url, "mysql://root:pw@db:3306/kratos?charset=utf8mb4");
    }

    #[test]
    fn bad_dsns_say_what_is_wrong() {
        assert!(Dsn::parse("").unwrap_err().contains("empty"));
        assert!(
            Dsn::parse("oracle://x")
                .unwrap_err()
                .contains("unsupported scheme")
        );
        assert!(Dsn::parse("nonsense").unwrap_err().contains("scheme"));
        assert!(
            Dsn::parse("mysql://u:p@tcp(h:3306)/")
                .unwrap_err()
                .contains("database")
        );
        assert!(
            Dsn::parse("mysql://u:p@tcp(h:abc)/db")
                .unwrap_err()
                .contains("port")
        );
        assert!(
            Dsn::parse("mysql://u:p@udp(h:1)/db")
                .unwrap_err()
                .contains("network")
        );
        assert!(
            Dsn::parse("sqlite://x?max_conns=lots")
                .unwrap_err()
                .contains("max_conns")
        );
    }
}
