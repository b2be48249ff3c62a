//! The SQLite read fast path: the hottest lookups (a flow by id, a session by token, an identity
//! by id) go straight to SQLite through rusqlite, on the calling thread, instead of through sqlx,
//! whose SQLite driver hands every query to a per-connection worker thread and back. On this
//! class of machine that hand-off costs more CPU than the lookup itself (see BENCHMARKS.md).
//!
//! Only reads take this path, on read-only connections to the same file; every write still goes
//! through sqlx. In WAL mode a read sees every transaction committed before it started, so a read
//! after a write (also one by another instance on the same file) sees that write. In-memory
//! databases cannot be shared with a second driver, so they never use this path.

use super::identity::{IDENTITY_COLS, PART_QUERIES, assemble_parts, identity_from_row};
use super::{Fields, SqlPersister};
use hoplite_core::flow::login::LoginFlow;
use hoplite_core::flow::registration::{RegistrationFlow, RegistrationFlowView};
use hoplite_core::identity::Identity;
use hoplite_core::persistence::StoreError;
use hoplite_core::session::{Session, WhoamiView};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use uuid::Uuid;

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::Other(e.to_string())
}

/// A small pool of read-only connections, each behind a mutex; a caller takes the first free one
/// (a lookup holds it for microseconds).
pub(crate) struct FastReader {
    conns: Vec<Mutex<Connection>>,
    next: AtomicUsize,
    /// The network id, shared with the persister that found it.
    nid: std::sync::Arc<std::sync::OnceLock<String>>,
    /// The statements, built once (in SQLite's form).
    sql: Statements,
}

/// The SQL of every fast-path read, built once.
struct Statements {
    registration_flow: String,
    registration_view: String,
    login_flow: String,
    session: String,
    session_with_identity: String,
    devices: String,
    /// The part queries, each with one parameter: the identity id.
    parts: [String; 4],
    identifier_owner: String,
    identity: String,
}

impl Statements {
    fn new() -> Statements {
        let kind = hoplite_core::config::DatabaseKind::Sqlite;
        let sqlite = |sql: &str| crate::codec::sqlite_direct(&crate::codec::rewrite(kind, sql));
        let cols = |c| crate::codec::select_list(kind, None, "", c);
        Statements {
            registration_flow: sqlite(super::registration::whole_flow_sql(kind)),
            registration_view: sqlite(super::registration::view_sql(kind)),
            login_flow: sqlite(super::login::flow_sql(kind)),
            session: sqlite(&format!(
                "SELECT {} FROM sessions WHERE token = ? AND nid = ?",
                cols(super::session::SESSION_COLS)
            )),
            session_with_identity: sqlite(super::session_with_identity_sql(kind)),
            devices: sqlite(&format!(
                "SELECT {} FROM session_devices WHERE session_id = ? ORDER BY created_at, id",
                cols(super::session::DEVICE_COLS)
            )),
            parts: PART_QUERIES.map(|part| sqlite(&part.sql(kind, 1))),
            identifier_owner: sqlite(super::credentials::identifier_owner_sql(kind)),
            identity: sqlite(&format!(
                "SELECT {} FROM identities WHERE id = ? AND nid = ?",
                cols(IDENTITY_COLS)
            )),
        }
    }
}

/// A row copied out of a statement, so several result sets can be held at once.
struct OwnedRow {
    values: Vec<(String, SqlValue)>,
}

impl OwnedRow {
    fn get(&self, c: &str) -> Result<&SqlValue, StoreError> {
        self.values
            .iter()
            .find(|(name, _)| name == c)
            .map(|(_, v)| v)
            .ok_or_else(|| StoreError::Other(format!("no column {c}")))
    }
}

impl Fields for OwnedRow {
    fn text(&self, c: &str) -> Result<String, StoreError> {
        self.opt_text(c)?
            .ok_or_else(|| StoreError::Other(format!("column {c}: expected text, got NULL")))
    }
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError> {
        match self.get(c)? {
            SqlValue::Null => Ok(None),
            SqlValue::Text(t) => Ok(Some(t.clone())),
            // Kratos's driver writes some JSON columns (flow UIs) as blobs.
            SqlValue::Blob(b) => String::from_utf8(b.clone())
                .map(Some)
                .map_err(|e| StoreError::Other(format!("column {c}: {e}"))),
            other => Err(StoreError::Other(format!(
                "column {c}: expected text, got {other:?}"
            ))),
        }
    }
    fn int(&self, c: &str) -> Result<i64, StoreError> {
        match self.get(c)? {
            SqlValue::Integer(i) => Ok(*i),
            other => Err(StoreError::Other(format!(
                "column {c}: expected an integer, got {other:?}"
            ))),
        }
    }
}

/// The rows of [`FastReader::whoami_rows`].
struct WhoamiRows {
    row: OwnedRow,
    devices: Vec<OwnedRow>,
    verifiable: Vec<OwnedRow>,
    recovery: Vec<OwnedRow>,
}

/// The session, with its devices and its identity's addresses, of whoami's rows.
fn whoami_session(p: &SqlPersister, rows: WhoamiRows) -> Result<Session, StoreError> {
    let mut session = super::session::session_from_row(&rows.row)?;
    let mut identity = identity_from_row(p, &super::Prefixed("i_", &rows.row))?;
    for d in &rows.devices {
        session.devices.push(super::session::device_from_row(d)?);
    }
    assemble_parts(
        std::slice::from_mut(&mut identity),
        [rows.verifiable, rows.recovery, Vec::new(), Vec::new()],
    )?;
    session.identity = Some(identity);
    Ok(session)
}

impl FastReader {
    /// Opens `size` read-only connections to the SQLite file at `path`.
    pub(crate) fn open(
        path: &str,
        size: usize,
        nid: std::sync::Arc<std::sync::OnceLock<String>>,
    ) -> Result<FastReader, StoreError> {
        let mut conns = Vec::with_capacity(size);
        for _ in 0..size.max(1) {
            let c = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(err)?;
            c.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(err)?;
            c.set_prepared_statement_cache_capacity(32);
            conns.push(Mutex::new(c));
        }
        Ok(FastReader {
            conns,
            next: AtomicUsize::new(0),
            nid,
            sql: Statements::new(),
        })
    }

    /// What an existing SQLite file holds, read without changing it (a read-only connection:
    /// no journal mode switch, no WAL file); `None` when there is no file yet.
    pub(crate) fn existing_state(path: &str) -> Result<Option<super::SchemaState>, StoreError> {
        if !std::path::Path::new(path).exists() {
            return Ok(None);
        }
        let c = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        let column = |sql: &str| -> Result<Vec<rusqlite::types::Value>, StoreError> {
            let mut stmt = c.prepare(sql).map_err(err)?;
            stmt.query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)
        };
        let text = |v: rusqlite::types::Value| match v {
            rusqlite::types::Value::Text(t) => t,
            rusqlite::types::Value::Integer(i) => i.to_string(),
            _ => String::new(),
        };
        let tables: Vec<String> = column(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .into_iter()
        .map(text)
        .collect();
        let kratos = if tables.iter().any(|t| t == "schema_migration") {
            Some(
                column("SELECT version FROM schema_migration")?
                    .into_iter()
                    .map(text)
                    .collect(),
            )
        } else {
            None
        };
        let legacy = if tables.iter().any(|t| t == "hoplite_migrations") {
            Some(
                column("SELECT version FROM hoplite_migrations")?
                    .into_iter()
                    .map(|v| match v {
                        rusqlite::types::Value::Integer(i) => i,
                        _ => -1,
                    })
                    .collect(),
            )
        } else {
            None
        };
        Ok(Some(super::SchemaState::classify(
            hoplite_core::config::DatabaseKind::Sqlite,
            tables,
            kratos,
            legacy,
        )))
    }

    /// The SQLite file a sqlx URL (`sqlite://<path>?...`) names.
    pub(crate) fn path_of(url: &str) -> Option<String> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or("");
        (!path.is_empty()).then(|| path.to_string())
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        for i in 0..n {
            if let Ok(c) = self.conns[(start + i) % n].try_lock() {
                return f(&c);
            }
        }
        let c = self.conns[start]
            .lock()
            .map_err(|_| StoreError::Other("a SQLite read connection was poisoned".into()))?;
        f(&c)
    }

    /// Runs `f`, whose several queries read together, inside one read transaction on one
    /// connection: they see one snapshot, and SQLite takes and drops its file lock once instead
    /// of once per query (a third of a read's cost when each is a point lookup).
    fn snapshot<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with(|c| {
            c.prepare_cached("BEGIN")
                .and_then(|mut s| s.execute([]))
                .map_err(err)?;
            let result = f(c);
            let end = c.prepare_cached("COMMIT").and_then(|mut s| s.execute([]));
            match (result, end) {
                (Ok(v), Ok(_)) => Ok(v),
                (Err(e), _) => {
                    // A failed read may have left the transaction open; never hand it on.
                    if !c.is_autocommit() {
                        let _ = c.execute_batch("ROLLBACK");
                    }
                    Err(e)
                }
                (Ok(_), Err(e)) => Err(err(e)),
            }
        })
    }

    /// Runs a query and maps its single row (if any) with `map`.
    fn one<T>(
        c: &Connection,
        sql: &str,
        params: [&str; 2],
        map: impl FnOnce(&rusqlite::Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut stmt = c.prepare_cached(sql).map_err(err)?;
        let mut rows = stmt.query(params).map_err(err)?;
        match rows.next().map_err(err)? {
            Some(row) => Ok(Some(map(row)?)),
            None => Ok(None),
        }
    }

    /// Runs a query and copies every row out.
    fn all(c: &Connection, sql: &str, params: &[&str]) -> Result<Vec<OwnedRow>, StoreError> {
        let mut stmt = c.prepare_cached(sql).map_err(err)?;
        let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            let mut values = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                values.push((name.clone(), row.get::<_, SqlValue>(i).map_err(err)?));
            }
            out.push(OwnedRow { values });
        }
        Ok(out)
    }

    /// The network id (see [`SqlPersister`]'s `nid`).
    fn nid(&self) -> Result<&str, StoreError> {
        self.nid.get().map(String::as_str).ok_or_else(|| {
            StoreError::Other("the database schema was not checked before use".into())
        })
    }

    /// The network row by its primary key (the benchmark suite's baseline read).
    pub(crate) fn read_network(&self) -> Result<(), StoreError> {
        let nid = self.nid()?;
        self.with(|c| {
            let mut stmt = c
                .prepare_cached("SELECT id FROM networks WHERE id = ?")
                .map_err(err)?;
            match stmt.exists([nid]).map_err(err)? {
                true => Ok(()),
                false => Err(StoreError::Other("the network row is gone".into())),
            }
        })
    }

    pub(crate) fn get_registration_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<RegistrationFlow>, StoreError> {
        let nid = self.nid()?;
        self.with(|c| {
            Self::one(
                c,
                &self.sql.registration_flow,
                [&id.to_string(), nid],
                |r| super::registration::flow_from_row(r),
            )
        })
    }

    pub(crate) fn get_registration_flow_view(
        &self,
        id: Uuid,
    ) -> Result<Option<RegistrationFlowView>, StoreError> {
        let nid = self.nid()?;
        self.with(|c| {
            Self::one(
                c,
                &self.sql.registration_view,
                [&id.to_string(), nid],
                |r| super::registration::view_from_row(r),
            )
        })
    }

    pub(crate) fn get_login_flow(&self, id: Uuid) -> Result<Option<LoginFlow>, StoreError> {
        let nid = self.nid()?;
        self.with(|c| {
            Self::one(c, &self.sql.login_flow, [&id.to_string(), nid], |r| {
                super::login::flow_from_row(r)
            })
        })
    }

    pub(crate) fn get_session_by_token(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let nid = self.nid()?;
        self.snapshot(|c| {
            let Some(mut session) = Self::one(c, &self.sql.session, [token, nid], |r| {
                super::session::session_from_row(r)
            })?
            else {
                return Ok(None);
            };
            self.devices(c, &mut session)?;
            Ok(Some(session))
        })
    }

    /// Loads the devices of `session`.
    fn devices(&self, c: &Connection, session: &mut Session) -> Result<(), StoreError> {
        let devices = Self::all(c, &self.sql.devices, &[&session.id.to_string()])?;
        for d in &devices {
            session.devices.push(super::session::device_from_row(d)?);
        }
        Ok(())
    }

    /// Loads the addresses of `identity`, and its credentials too when `credentials`.
    fn parts(
        &self,
        c: &Connection,
        identity: &mut Identity,
        credentials: bool,
    ) -> Result<(), StoreError> {
        let id = identity.id.to_string();
        let wanted = if credentials { 4 } else { 2 };
        let mut parts: [Vec<OwnedRow>; 4] = Default::default();
        for (rows, sql) in parts.iter_mut().zip(&self.sql.parts).take(wanted) {
            *rows = Self::all(c, sql, &[&id])?;
        }
        assemble_parts(std::slice::from_mut(identity), parts)
    }

    /// The session a token names, its devices and its identity without credentials, on one
    /// connection: the session and identity rows in one joined read.
    pub(crate) fn get_session_with_identity(
        &self,
        p: &SqlPersister,
        token: &str,
    ) -> Result<Option<Session>, StoreError> {
        self.whoami_rows(token)?
            .map(|rows| whoami_session(p, rows))
            .transpose()
    }

    /// Every row whoami answers from, in one snapshot: the session joined with its identity,
    /// its devices, and both kinds of addresses; `None` when the token is unknown.
    fn whoami_rows(&self, token: &str) -> Result<Option<WhoamiRows>, StoreError> {
        let nid = self.nid()?;
        self.snapshot(|c| {
            let mut first = Self::all(c, &self.sql.session_with_identity, &[token, nid])?;
            let Some(row) = first.pop() else {
                return Ok(None);
            };
            let devices = Self::all(c, &self.sql.devices, &[&row.text("id")?])?;
            let identity_id = row.text("i_id")?;
            let verifiable = Self::all(c, &self.sql.parts[0], &[&identity_id])?;
            let recovery = Self::all(c, &self.sql.parts[1], &[&identity_id])?;
            Ok(Some(WhoamiRows {
                row,
                devices,
                verifiable,
                recovery,
            }))
        })
    }

    /// whoami on SQLite, as on the other databases (see `session::get_whoami_view`): the
    /// session with its identity, its devices and both kinds of addresses are read on every call,
    /// in one snapshot, and the kept view is answered when every value read is the one it was
    /// made from.
    pub(crate) fn get_whoami_view(
        &self,
        p: &SqlPersister,
        token: &str,
    ) -> Result<Option<std::sync::Arc<WhoamiView>>, StoreError> {
        let kept = &p.kept_whoami;
        let Some(rows) = self.whoami_rows(token)? else {
            kept.forget_token(token);
            return Ok(None);
        };
        let mut h = kept.hasher();
        for r in std::iter::once(&rows.row)
            .chain(&rows.devices)
            .chain(&rows.verifiable)
            .chain(&rows.recovery)
        {
            for (_, v) in &r.values {
                match v {
                    SqlValue::Null => h.null(),
                    SqlValue::Integer(n) => h.int(*n),
                    SqlValue::Real(x) => h.float(*x),
                    SqlValue::Text(t) => h.text(t.as_bytes()),
                    SqlValue::Blob(b) => h.blob(b),
                }
            }
            h.end_row();
        }
        kept.view(token, Some(h.finish()), || whoami_session(p, rows))
            .map(Some)
    }

    /// An identity with its addresses and credentials.
    pub(crate) fn get_identity(
        &self,
        p: &SqlPersister,
        id: Uuid,
    ) -> Result<Option<Identity>, StoreError> {
        let id = id.to_string();
        let nid = self.nid()?;
        self.snapshot(|c| self.identity_on(c, p, &id, nid))
    }

    /// The identity owning the first of `candidates` that is an identifier of `credential_type`
    /// (see `credentials::find_identity_by_identifier`), read in one snapshot.
    pub(crate) fn find_identity_by_identifier(
        &self,
        p: &SqlPersister,
        credential_type: &str,
        candidates: &[String],
    ) -> Result<Option<Identity>, StoreError> {
        let nid = self.nid()?;
        let type_id = super::identity::type_id(credential_type)?;
        self.snapshot(|c| {
            for candidate in candidates {
                let mut stmt = c.prepare_cached(&self.sql.identifier_owner).map_err(err)?;
                let found: Option<String> = stmt
                    .query_row([nid, type_id, candidate.as_str()], |r| r.get(0))
                    .optional()
                    .map_err(err)?;
                if let Some(id) = found {
                    return self.identity_on(c, p, &id, nid);
                }
            }
            Ok(None)
        })
    }

    /// An identity with its addresses and credentials, read on `c`.
    fn identity_on(
        &self,
        c: &Connection,
        p: &SqlPersister,
        id: &str,
        nid: &str,
    ) -> Result<Option<Identity>, StoreError> {
        let Some(mut identity) = Self::one(c, &self.sql.identity, [id, nid], |r| {
            identity_from_row(p, r)
        })?
        else {
            return Ok(None);
        };
        self.parts(c, &mut identity, true)?;
        Ok(Some(identity))
    }
}
