//! The SQLite read fast path: the hottest lookups (a flow by id, a session by token, an identity
//! by id) go straight to SQLite through rusqlite, on the calling thread, instead of through sqlx,
//! whose SQLite driver hands every query to a per-connection worker thread and back. On this
//! class of machine that hand-off costs more CPU than the lookup itself (see BENCHMARKS.md).
//!
//! Only reads take this path, on read-only connections to the same file; every write still goes
//! through sqlx. In WAL mode a read sees every transaction committed before it started, so a read
//! after a write (also one by another instance on the same file) sees that write. In-memory
//! databases cannot be shared with a second driver, so they never use this path.

use super::identity::{IDENTITY_COLUMNS, PART_QUERIES, assemble_parts, identity_from_row};
use super::{Fields, SqlPersister};
use hoplite_core::flow::login::LoginFlow;
use hoplite_core::flow::registration::{RegistrationFlow, RegistrationFlowView};
use hoplite_core::identity::Identity;
use hoplite_core::persistence::StoreError;
use hoplite_core::session::{Device, Session};
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
        match self.get(c)? {
            SqlValue::Text(t) => Ok(t.clone()),
            other => Err(StoreError::Other(format!(
                "column {c}: expected text, got {other:?}"
            ))),
        }
    }
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError> {
        match self.get(c)? {
            SqlValue::Null => Ok(None),
            SqlValue::Text(t) => Ok(Some(t.clone())),
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

impl FastReader {
    /// Opens `size` read-only connections to the SQLite file at `path`.
    pub(crate) fn open(path: &str, size: usize) -> Result<FastReader, StoreError> {
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
        })
    }

    /// The tables of an existing SQLite file, read without changing it (a read-only connection:
    /// no journal mode switch, no WAL file); `None` when there is no file yet.
    pub(crate) fn existing_tables(path: &str) -> Result<Option<Vec<String>>, StoreError> {
        if !std::path::Path::new(path).exists() {
            return Ok(None);
        }
        let c = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        let mut stmt = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .map_err(err)?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        Ok(Some(names))
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
        param: &str,
        map: impl FnOnce(&rusqlite::Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut stmt = c.prepare_cached(sql).map_err(err)?;
        let mut rows = stmt.query([param]).map_err(err)?;
        match rows.next().map_err(err)? {
            Some(row) => Ok(Some(map(row)?)),
            None => Ok(None),
        }
    }

    /// Runs a query and copies every row out.
    fn all(c: &Connection, sql: &str, param: &str) -> Result<Vec<OwnedRow>, StoreError> {
        let mut stmt = c.prepare_cached(sql).map_err(err)?;
        let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = stmt.query([param]).map_err(err)?;
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

    pub(crate) fn get_registration_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<RegistrationFlow>, StoreError> {
        self.with(|c| {
            Self::one(
                c,
                "SELECT * FROM selfservice_registration_flows WHERE id = ?",
                &id.to_string(),
                |r| super::registration::flow_from_row(r),
            )
        })
    }

    pub(crate) fn get_registration_flow_view(
        &self,
        id: Uuid,
    ) -> Result<Option<RegistrationFlowView>, StoreError> {
        self.with(|c| {
            Self::one(c, super::registration::VIEW_SQL, &id.to_string(), |r| {
                super::registration::view_from_row(r)
            })
        })
    }

    pub(crate) fn get_login_flow(&self, id: Uuid) -> Result<Option<LoginFlow>, StoreError> {
        self.with(|c| {
            Self::one(
                c,
                "SELECT * FROM selfservice_login_flows WHERE id = ?",
                &id.to_string(),
                |r| super::login::flow_from_row(r),
            )
        })
    }

    pub(crate) fn get_session_by_token(&self, token: &str) -> Result<Option<Session>, StoreError> {
        self.snapshot(|c| {
            let sql = format!(
                "SELECT {} FROM sessions WHERE token = ?",
                super::session::SESSION_COLUMNS
            );
            let Some(mut session) =
                Self::one(c, &sql, token, |r| super::session::session_from_row(r))?
            else {
                return Ok(None);
            };
            Self::devices(c, &mut session)?;
            Ok(Some(session))
        })
    }

    /// Loads the devices of `session`.
    fn devices(c: &Connection, session: &mut Session) -> Result<(), StoreError> {
        let devices = Self::all(
            c,
            "SELECT id, session_id, ip_address, user_agent, location FROM session_devices WHERE session_id = ? ORDER BY created_at, id",
            &session.id.to_string(),
        )?;
        for d in &devices {
            session.devices.push(Device {
                id: crate::codec::parse_uuid(&d.text("id")?)?,
                ip_address: d.text("ip_address")?,
                user_agent: d.opt_text("user_agent")?,
                location: d.text("location")?,
            });
        }
        Ok(())
    }

    /// Loads the addresses of `identity`, and its credentials too when `credentials`.
    fn parts(c: &Connection, identity: &mut Identity, credentials: bool) -> Result<(), StoreError> {
        let id = identity.id.to_string();
        let wanted = if credentials { 4 } else { 2 };
        let mut parts: [Vec<OwnedRow>; 4] = Default::default();
        for (rows, (select, order_by)) in parts.iter_mut().zip(PART_QUERIES).take(wanted) {
            let sql = format!("{select} WHERE identity_id = ? ORDER BY {order_by}");
            *rows = Self::all(c, &sql, &id)?;
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
        self.snapshot(|c| {
            let found = Self::one(c, super::session_with_identity_sql(), token, |r| {
                Ok((
                    super::session::session_from_row(r)?,
                    identity_from_row(p, &super::Prefixed("i_", r))?,
                ))
            })?;
            let Some((mut session, mut identity)) = found else {
                return Ok(None);
            };
            Self::devices(c, &mut session)?;
            Self::parts(c, &mut identity, false)?;
            session.identity = Some(identity);
            Ok(Some(session))
        })
    }

    /// An identity with its addresses and credentials.
    pub(crate) fn get_identity(
        &self,
        p: &SqlPersister,
        id: Uuid,
    ) -> Result<Option<Identity>, StoreError> {
        let id = id.to_string();
        self.snapshot(|c| Self::identity_on(c, p, &id))
    }

    /// The identity owning the first of `candidates` that is an identifier of `credential_type`
    /// (see `credentials::find_identity_by_identifier`), read in one snapshot.
    pub(crate) fn find_identity_by_identifier(
        &self,
        p: &SqlPersister,
        credential_type: &str,
        candidates: &[String],
    ) -> Result<Option<Identity>, StoreError> {
        self.snapshot(|c| {
            for candidate in candidates {
                let mut stmt = c
                    .prepare_cached(super::credentials::IDENTIFIER_OWNER_SQL)
                    .map_err(err)?;
                let found: Option<String> = stmt
                    .query_row([credential_type, candidate.as_str()], |r| r.get(0))
                    .optional()
                    .map_err(err)?;
                if let Some(id) = found {
                    return Self::identity_on(c, p, &id);
                }
            }
            Ok(None)
        })
    }

    /// An identity with its addresses and credentials, read on `c`.
    fn identity_on(
        c: &Connection,
        p: &SqlPersister,
        id: &str,
    ) -> Result<Option<Identity>, StoreError> {
        let sql = format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE id = ?");
        let Some(mut identity) = Self::one(c, &sql, id, |r| identity_from_row(p, r))? else {
            return Ok(None);
        };
        Self::parts(c, &mut identity, true)?;
        Ok(Some(identity))
    }
}
