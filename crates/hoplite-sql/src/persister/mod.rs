//! The SQL persister (`ory/kratos: persistence/sql/persister.go`): hand-written, portable SQL run
//! through sqlx's `Any` driver, one file per domain as in Kratos. Queries are written with `?`
//! placeholders and rewritten to `$n` for PostgreSQL.

mod aggregate;
mod batch;
mod continuity;
mod convert;
mod courier;
mod credentials;
mod errorx;
mod fast;
mod flow_cache;
mod identity;
mod identity_admin;
mod kept;
mod link_tokens;
mod login;
mod migrator;
mod onetime;
mod pending;
mod recovery;
mod registration;
mod session;
mod settings;
mod token_exchange;
mod values;
mod verification;

use crate::codec::{Ty, db_err};
use async_trait::async_trait;
use hoplite_core::config::{DatabaseKind, Dsn};
use hoplite_core::flow::login::LoginFlow;
use hoplite_core::flow::registration::{RegistrationFlow, RegistrationFlowView};
use hoplite_core::identity::Identity;
use hoplite_core::persistence::{
    ConflictingIdentity, IdentityFilter, IdentityPage, Persister, SessionCursor, SessionFilter,
    SessionPage, SessionTarget, StoreError, StoredError,
};
use hoplite_core::session::Session;
use kept::OnKept as _;
pub use migrator::SchemaState;
use sqlx::ConnectOptions as _;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// A [`Persister`] on one SQL database. Cloning it is cheap and shares the pool (see
/// [`SqlPersister::detached`]).
#[derive(Clone)]
pub struct SqlPersister {
    pool: AnyPool,
    kind: DatabaseKind,
    /// Needed to compute `schema_url` of loaded identities.
    public_base_url: std::sync::Arc<str>,
    /// Direct reads of the hottest lookups (SQLite files only; see `fast.rs`).
    fast: Option<std::sync::Arc<fast::FastReader>>,
    /// Keeps the SQLite WAL guard running (it stops once this is dropped).
    _wal_guard: Option<std::sync::Arc<()>>,
    /// Registration flows as the seed endpoint reads them; only when this process serves the
    /// database alone (see [`SqlPersister::connect_serving`] and `flow_cache.rs`).
    flow_cache: Option<std::sync::Arc<flow_cache::FlowCache<RegistrationFlowView>>>,
    /// The SQLite instance lock, held as long as the persister lives.
    _instance_lock: Option<std::sync::Arc<std::fs::File>>,
    /// Kratos's network id, which every row carries (`nid`): found by `check_schema`/`migrate`.
    nid: std::sync::Arc<std::sync::OnceLock<String>>,
    /// Registration flow UIs in Kratos's key order, as last read from PostgreSQL or MySQL (see
    /// `registration::get_registration_flow_view`).
    kept_uis: std::sync::Arc<registration::KeptUis>,
    /// Registration flow views as last read from PostgreSQL (see
    /// `registration::get_view_unless_known`).
    kept_views: std::sync::Arc<registration::KeptViews>,
    /// Connections kept between the hot paths' statements (see `kept.rs`).
    kept: std::sync::Arc<kept::Kept>,
    /// whoami's answers by the rows they were made from (see `session::get_whoami_view`).
    kept_whoami: std::sync::Arc<session::KeptWhoami>,
}

/// The pool size on PostgreSQL and MySQL when the DSN has no `max_conns`: twice the CPUs this
/// process may use, as Kratos (ory/x `sqlcon`) sizes it. More connections than that do not make a
/// database on the same machine answer faster; they make more of its backends compete for the
/// CPUs (measured on 2 cores: 20 connections gave the seed endpoint a p99 of 129 ms while
/// registrations hashed, 4 gave 5.4 ms and more throughput; BENCHMARKS.md).
fn default_max_connections() -> u32 {
    twice_the_cpus() as u32
}

/// Twice the CPUs this process may use (4 where that is unknown): the default pool size, and the
/// number of SQLite fast-path read connections.
fn twice_the_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() * 2)
        .unwrap_or(4)
}

/// The WAL size above which the guard forces a checkpoint that empties the file.
const WAL_LIMIT_BYTES: u64 = 64 * 1024 * 1024;

/// Keeps a SQLite file's write-ahead log bounded. SQLite's automatic checkpoints copy the log
/// into the database but can only start the log over when no reader is using it; under
/// continuous concurrent writes (a bulk import, steady sign-ups) some connection nearly always
/// is, so the log grows without bound (18 GB for a million imported identities, measured) and
/// every read slows down with it. Once a second, when the log is over [`WAL_LIMIT_BYTES`], this
/// runs `PRAGMA wal_checkpoint(TRUNCATE)`, which waits for readers (up to the busy timeout)
/// and empties the file.
fn spawn_wal_guard(pool: AnyPool, wal_path: String) -> Option<std::sync::Arc<()>> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let alive = std::sync::Arc::new(());
    let weak = std::sync::Arc::downgrade(&alive);
    handle.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if weak.upgrade().is_none() || pool.is_closed() {
                return;
            }
            let size = tokio::fs::metadata(&wal_path)
                .await
                .map(|m| m.len())
                .unwrap_or(0);
            if size <= WAL_LIMIT_BYTES {
                continue;
            }
            match sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&pool)
                .await
            {
                Ok(_) => tracing::debug!(wal_bytes = size, "SQLite WAL checkpointed and truncated"),
                Err(e) => {
                    tracing::warn!(error = %e, wal_bytes = size, "SQLite WAL checkpoint failed")
                }
            }
        }
    });
    Some(alive)
}

/// The instance lock's path for the SQLite file at `path`: next to the file it really is, so that
/// two names for one file (a symbolic link, `./` against an absolute path) share one lock.
fn instance_lock_path(path: &str) -> String {
    let p = std::path::Path::new(path);
    let real = std::fs::canonicalize(p).ok().or_else(|| {
        // Not created yet: its directory, resolved, and its name.
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        Some(std::fs::canonicalize(dir).ok()?.join(p.file_name()?))
    });
    match real {
        Some(r) => format!("{}.hoplite-lock", r.display()),
        None => format!("{path}.hoplite-lock"),
    }
}

/// Takes the instance lock of the SQLite file at `path` (see [`SqlPersister::connect_serving`]):
/// the file, `Ok(None)` where the file system cannot lock, or an error naming the process that
/// holds it. A lock file this process cannot open even to read is an error too: serving anyway
/// could run next to a server that holds it and keeps flows in memory.
fn instance_lock(path: &str) -> Result<Option<std::fs::File>, StoreError> {
    use std::io::{Read, Seek, Write};
    let lock_path = instance_lock_path(path);
    let open = |write: bool| {
        std::fs::OpenOptions::new()
            .read(true)
            .write(write)
            .create(write)
            .truncate(false)
            .open(&lock_path)
    };
    // Read-only where another user created it: `flock` needs no write access.
    let (mut file, writable) = match open(true) {
        Ok(f) => (f, true),
        Err(first) => match open(false) {
            Ok(f) => (f, false),
            Err(_) => {
                return Err(StoreError::Other(format!(
                    "cannot open the SQLite instance lock {lock_path}: {first}"
                )));
            }
        },
    };
    match file.try_lock() {
        Ok(()) => {
            if writable {
                // The holder's process id, for the error a second process reports.
                let _ = file
                    .set_len(0)
                    .and_then(|_| file.write_all(std::process::id().to_string().as_bytes()))
                    .and_then(|_| file.flush());
            }
            Ok(Some(file))
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.rewind().and_then(|_| file.read_to_string(&mut holder));
            let holder = match holder.trim() {
                "" => String::new(),
                pid => format!(" (process {pid})"),
            };
            Err(StoreError::Other(format!(
                "the SQLite database {path} is already served by another hoplite process{holder}, which holds {lock_path}; one process serves a SQLite file: stop the other one, or run several instances on PostgreSQL or MySQL"
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            // The file system has no `flock`: no process on it can hold the lock either.
            tracing::warn!(path = %lock_path, error = %e, "cannot take the SQLite instance lock; serving without the flow cache");
            Ok(None)
        }
    }
}

/// How long a pooled connection may sit idle before it is checked with a ping when taken (as
/// Kratos's PostgreSQL driver, pgx, checks its own): a connection the database closed while it
/// sat idle (a restart, a failover, a firewall's idle timeout) is replaced instead of failing a
/// request, and under load, when every connection is busy, none is pinged.
const PING_WHEN_IDLE: Duration = Duration::from_secs(1);

impl SqlPersister {
    /// Connects to the database a DSN names.
    pub async fn connect(dsn: &Dsn, public_base_url: &str) -> Result<SqlPersister, StoreError> {
        sqlx::any::install_default_drivers();
        refuse_foreign_sqlite(dsn)?;
        let kind = dsn.kind;
        // sqlx checks every connection it hands out with a ping, a round trip of its own before
        // each statement (on PostgreSQL a sync and its answer). Only one that sat idle for
        // `PING_WHEN_IDLE` is checked now.
        let mut opts = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(10))
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_WHEN_IDLE {
                        use sqlx::Connection;
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            });
        if kind == DatabaseKind::Sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            });
            if dsn.in_memory {
                // An in-memory database lives as long as one connection does.
                opts = opts
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
            }
        } else {
            opts = opts.max_connections(default_max_connections());
        }
        if kind == DatabaseKind::Mysql {
            // Kratos's TIMESTAMP columns convert through the session's time zone; times are UTC.
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("SET time_zone = '+00:00'").await?;
                    Ok(())
                })
            });
        }
        // pop's `max_conns` (Kratos DSNs carry it) sets the pool size on every database.
        if let Some(n) = dsn.max_conns.filter(|n| *n > 0) {
            opts = opts.max_connections(n);
        }
        // sqlx logs every statement (debug) and slow ones (warn) with their full text; the batch
        // import's multi-row INSERTs run to hundreds of kilobytes, so neither is logged.
        let connect = <sqlx::any::AnyConnectOptions as std::str::FromStr>::from_str(&dsn.url)
            .map_err(|e| StoreError::Other(format!("connecting to the database: {e}")))?
            .disable_statement_logging();
        let pool = opts
            .connect_with(connect)
            .await
            .map_err(|e| StoreError::Other(format!("connecting to the database: {e}")))?;
        let nid: std::sync::Arc<std::sync::OnceLock<String>> = Default::default();
        let fast = match fast::FastReader::path_of(&dsn.url) {
            Some(path) if kind == DatabaseKind::Sqlite && !dsn.in_memory => {
                match fast::FastReader::open(&path, twice_the_cpus(), nid.clone()) {
                    Ok(f) => Some(std::sync::Arc::new(f)),
                    Err(e) => {
                        tracing::warn!(error = %e, "SQLite read fast path unavailable; all reads use sqlx");
                        None
                    }
                }
            }
            _ => None,
        };
        let wal_guard = match fast::FastReader::path_of(&dsn.url) {
            Some(path) if kind == DatabaseKind::Sqlite && !dsn.in_memory => {
                spawn_wal_guard(pool.clone(), format!("{path}-wal"))
            }
            _ => None,
        };
        Ok(SqlPersister {
            kind,
            public_base_url: public_base_url.into(),
            fast,
            _wal_guard: wal_guard,
            flow_cache: None,
            _instance_lock: None,
            nid,
            kept_uis: Default::default(),
            kept_views: Default::default(),
            kept_whoami: Default::default(),
            kept: std::sync::Arc::new(kept::Kept::new(
                pool.options().get_max_connections().saturating_sub(1) as usize,
            )),
            pool,
        })
    }

    /// Connects as the process that serves the database (`hoplite serve`). On a SQLite file that
    /// takes the instance lock, `<file>.hoplite-lock`, held until the persister is dropped: one
    /// process serves a SQLite file (more instances need PostgreSQL or MySQL), and a second one
    /// is refused with an error that says so. Serving the database alone, the persister keeps
    /// recently read registration flows in memory for the seed endpoint (`flow_cache.rs`); where
    /// the lock cannot be taken (a file system without `flock`), it serves without that cache.
    /// On PostgreSQL and MySQL this is [`SqlPersister::connect`]: several instances share them.
    pub async fn connect_serving(
        dsn: &Dsn,
        public_base_url: &str,
    ) -> Result<SqlPersister, StoreError> {
        // Before the lock file is made next to it.
        refuse_foreign_sqlite(dsn)?;
        // Whether this process is the database's only user, and the lock that proves it.
        let (alone, lock) = match (dsn.kind, fast::FastReader::path_of(&dsn.url)) {
            (DatabaseKind::Sqlite, _) if dsn.in_memory => (true, None),
            (DatabaseKind::Sqlite, Some(path)) => {
                let lock = instance_lock(&path)?;
                (lock.is_some(), lock)
            }
            _ => (false, None),
        };
        let mut p = SqlPersister::connect(dsn, public_base_url).await?;
        p._instance_lock = lock.map(std::sync::Arc::new);
        if alone {
            p.flow_cache = Some(std::sync::Arc::new(flow_cache::FlowCache::new(
                flow_cache::DEFAULT_CAPACITY,
                flow_cache::DEFAULT_CAPACITY_BYTES,
            )));
        }
        Ok(p)
    }

    /// The most connections the pool opens (`max_conns`).
    pub fn max_connections(&self) -> u32 {
        self.pool.options().get_max_connections()
    }

    /// Runs one persister call on its own task and waits for it, so that the caller going away
    /// (a client disconnecting drops its request's future) cannot stop it half way. sqlx is not
    /// cancel-safe there: a future dropped inside PostgreSQL's `BEGIN` returns its connection to
    /// the pool inside a transaction nobody ends, which then swallows every later write made on
    /// it (transact-rs/sqlx#4393), and on MySQL enough dropped queries starve the pool. Detached,
    /// every call that starts runs to its end: a transaction commits or rolls back, and the
    /// connection goes back clean.
    async fn detached<T, Fut>(
        &self,
        work: impl FnOnce(SqlPersister) -> Fut,
    ) -> Result<T, StoreError>
    where
        T: Send + 'static,
        Fut: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        match tokio::spawn(work(self.clone())).await {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(StoreError::Other(format!("database call cancelled: {e}"))),
        }
    }

    /// Reads a registration flow's seed-endpoint view from the database.
    async fn read_registration_flow_view(
        &self,
        id: Uuid,
    ) -> Result<Option<std::sync::Arc<RegistrationFlowView>>, StoreError> {
        match &self.fast {
            Some(f) => Ok(f.get_registration_flow_view(id)?.map(std::sync::Arc::new)),
            None => registration::get_registration_flow_view(self, id).await,
        }
    }

    /// Rewrites a query's placeholders for this database (see [`crate::codec::rewrite`]).
    /// A connection for one statement of a hot path (see `kept.rs`); hand it back with
    /// [`kept::finish`], or run the statement through [`kept::OnKept`], which does both.
    async fn take(&self) -> Result<kept::Taken<'_>, StoreError> {
        self.kept
            .take(&self.pool, PING_WHEN_IDLE)
            .await
            .map_err(db_err)
    }

    fn q(&self, sql: &str) -> AssertSqlSafe<String> {
        AssertSqlSafe(crate::codec::rewrite(self.kind, sql))
    }

    /// A time as this database stores it (see [`crate::codec::ts`]).
    fn ts(&self, t: OffsetDateTime) -> String {
        crate::codec::ts(self.kind, t)
    }

    /// The id of the network this database serves (Kratos's `nid`), known once the schema was
    /// checked or migrated.
    fn nid(&self) -> Result<&str, StoreError> {
        self.nid.get().map(String::as_str).ok_or_else(|| {
            StoreError::Other("the database schema was not checked before use".into())
        })
    }

    /// The select list of `cols` for this database (see [`crate::codec::select_list`]).
    fn cols(&self, table: Option<&str>, alias_prefix: &str, cols: &[(&str, Ty)]) -> String {
        crate::codec::select_list(self.kind, table, alias_prefix, cols)
    }
}

fn other(e: sqlx::Error) -> StoreError {
    StoreError::Other(e.to_string())
}

/// A result row, from sqlx (every database) or rusqlite (the SQLite fast path), read by column
/// name. Every column hoplite stores is text, nullable text or an integer.
pub(crate) trait Fields {
    fn text(&self, c: &str) -> Result<String, StoreError>;
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, c: &str) -> Result<i64, StoreError>;
}

/// A row's fields under a prefix: `Prefixed("i_", row).text("id")` reads column `i_id`. Lets
/// the row mappers read a joined row whose second table's columns are aliased.
pub(crate) struct Prefixed<'a, R>(pub &'static str, pub &'a R);

impl<R: Fields> Fields for Prefixed<'_, R> {
    fn text(&self, c: &str) -> Result<String, StoreError> {
        self.1.text(&format!("{}{c}", self.0))
    }
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError> {
        self.1.opt_text(&format!("{}{c}", self.0))
    }
    fn int(&self, c: &str) -> Result<i64, StoreError> {
        self.1.int(&format!("{}{c}", self.0))
    }
}

/// The session with the given token (and network) joined with its identity: the session's
/// columns by their names, the identity's prefixed with `i_` (read them through [`Prefixed`]).
pub(crate) fn session_with_identity_sql(kind: DatabaseKind) -> &'static str {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    SQL.get(kind, || {
        let session = crate::codec::select_list(kind, Some("s"), "", session::SESSION_COLS);
        let identity = crate::codec::select_list(kind, Some("i"), "i_", identity::IDENTITY_COLS);
        format!(
            "SELECT {session}, {identity} FROM sessions s JOIN identities i ON i.id = s.identity_id WHERE s.token = ? AND s.nid = ?::nid"
        )
    })
}

impl Fields for AnyRow {
    fn text(&self, c: &str) -> Result<String, StoreError> {
        self.try_get::<String, _>(c).map_err(other)
    }
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError> {
        self.try_get::<Option<String>, _>(c).map_err(other)
    }
    fn int(&self, c: &str) -> Result<i64, StoreError> {
        self.try_get::<i64, _>(c).map_err(other)
    }
}

impl Fields for rusqlite::Row<'_> {
    fn text(&self, c: &str) -> Result<String, StoreError> {
        self.opt_text(c)?
            .ok_or_else(|| StoreError::Other(format!("column {c}: expected text, got NULL")))
    }
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::types::ValueRef;
        let bytes = match self
            .get_ref(c)
            .map_err(|e| StoreError::Other(e.to_string()))?
        {
            ValueRef::Null => return Ok(None),
            // Kratos's driver writes some JSON columns (flow UIs) as blobs.
            ValueRef::Text(b) | ValueRef::Blob(b) => b,
            other => {
                return Err(StoreError::Other(format!(
                    "column {c}: expected text, got {:?}",
                    other.data_type()
                )));
            }
        };
        String::from_utf8(bytes.to_vec())
            .map(Some)
            .map_err(|e| StoreError::Other(format!("column {c}: {e}")))
    }
    fn int(&self, c: &str) -> Result<i64, StoreError> {
        self.get::<_, i64>(c)
            .map_err(|e| StoreError::Other(e.to_string()))
    }
}

fn s<R: Fields>(r: &R, c: &str) -> Result<String, StoreError> {
    r.text(c)
}

fn opt<R: Fields>(r: &R, c: &str) -> Result<Option<String>, StoreError> {
    r.opt_text(c)
}

fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).expect("json serialises")
}

/// A SQLite file hoplite may not migrate (another application's, or a Kratos schema at another
/// version) is refused before the pool opens it: opening it for writing would switch its journal
/// mode to WAL, which already changes the file.
fn refuse_foreign_sqlite(dsn: &Dsn) -> Result<(), StoreError> {
    if dsn.kind != DatabaseKind::Sqlite || dsn.in_memory {
        return Ok(());
    }
    let Some(path) = fast::FastReader::path_of(&dsn.url) else {
        return Ok(());
    };
    match fast::FastReader::existing_state(&path)?.and_then(|s| s.refusal_to_migrate()) {
        Some(refusal) => Err(refusal),
        None => Ok(()),
    }
}

/// The trait, each method handed to its domain's file. Every call that writes runs
/// [`detached`](SqlPersister::detached), its arguments copied into the task. Reads run in place:
/// one dropped half way leaves nothing behind (sqlx drains or closes its connection before the
/// pool hands it out again; the test with abandoned reads and writes checks that), and the SQLite
/// fast path's reads are synchronous and cannot be interrupted at all.
#[async_trait]
impl Persister for SqlPersister {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn read_network(&self) -> Result<(), StoreError> {
        let nid = self.nid()?;
        if let Some(f) = &self.fast {
            return f.read_network();
        }
        static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
        let sql = SQL.get(self.kind, || {
            format!(
                "SELECT {} FROM networks WHERE id = ?::uuid",
                self.cols(None, "", &[("id", crate::codec::Ty::Uuid)])
            )
        });
        let found = sqlx::query(self.q(sql))
            .bind(nid)
            .fetch_optional_kept(self)
            .await?;
        match found {
            Some(_) => Ok(()),
            None => Err(StoreError::Other("the network row is gone".into())),
        }
    }

    async fn create_registration_flow(&self, f: &RegistrationFlow) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { registration::create_registration_flow(&p, &f).await })
            .await
    }

    async fn get_registration_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<RegistrationFlow>, StoreError> {
        match &self.fast {
            Some(f) => f.get_registration_flow(id),
            None => registration::get_registration_flow(self, id).await,
        }
    }

    async fn get_registration_flow_view(
        &self,
        id: Uuid,
    ) -> Result<Option<std::sync::Arc<RegistrationFlowView>>, StoreError> {
        let Some(cache) = &self.flow_cache else {
            return self.read_registration_flow_view(id).await;
        };
        let ticket = match cache.get(id) {
            Ok(hit) => return Ok(Some(hit)),
            Err(ticket) => ticket,
        };
        let read = self.read_registration_flow_view(id).await?;
        if let Some(flow) = &read {
            cache.fill(id, flow.clone(), flow.stored_len(), ticket);
        }
        Ok(read)
    }

    async fn update_registration_flow(&self, f: &RegistrationFlow) -> Result<(), StoreError> {
        let f = f.clone();
        // Begun here and ended by the detached task once the write has committed or failed.
        let writing = self.flow_cache.as_ref().map(|c| c.write_begins(f.id));
        self.detached(|p| async move {
            let result = registration::update_registration_flow(&p, &f).await;
            drop(writing);
            result
        })
        .await
    }

    async fn create_identity(&self, i: &Identity) -> Result<(), StoreError> {
        let i = i.clone();
        self.detached(|p| async move { identity::create_identity(&p, &i).await })
            .await
    }

    async fn create_identities(&self, all: &[Identity]) -> Result<(), StoreError> {
        let all = all.to_vec();
        self.detached(|p| async move { identity::create_identities(&p, &all).await })
            .await
    }

    async fn get_identity(&self, id: Uuid) -> Result<Option<Identity>, StoreError> {
        match &self.fast {
            Some(f) => f.get_identity(self, id),
            None => identity::get_identity(self, id).await,
        }
    }

    async fn get_session_with_identity(&self, token: &str) -> Result<Option<Session>, StoreError> {
        match &self.fast {
            Some(f) => f.get_session_with_identity(self, token),
            None => session::get_session_with_identity(self, token).await,
        }
    }

    async fn get_whoami_view(
        &self,
        token: &str,
    ) -> Result<Option<std::sync::Arc<hoplite_core::session::WhoamiView>>, StoreError> {
        match &self.fast {
            Some(f) => f.get_whoami_view(self, token),
            None => session::get_whoami_view(self, token).await,
        }
    }

    async fn find_conflicting_identity(
        &self,
        i: &Identity,
    ) -> Result<Option<ConflictingIdentity>, StoreError> {
        identity::find_conflicting_identity(self, i).await
    }

    async fn list_identities(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<IdentityPage, StoreError> {
        identity::list_identities(self, after, limit).await
    }

    async fn update_identity(&self, i: &Identity) -> Result<bool, StoreError> {
        let i = i.clone();
        self.detached(|p| async move { identity_admin::update_identity(&p, &i).await })
            .await
    }

    async fn stored_traits(&self, identity_id: Uuid) -> Result<Option<String>, StoreError> {
        identity_admin::stored_traits(self, identity_id).await
    }

    async fn update_identity_if_traits(
        &self,
        i: &Identity,
        traits_hash: &str,
    ) -> Result<Option<bool>, StoreError> {
        let i = i.clone();
        let hash = traits_hash.to_string();
        self.detached(
            |p| async move { identity_admin::update_identity_if_traits(&p, &i, &hash).await },
        )
        .await
    }

    async fn delete_identity(&self, id: Uuid) -> Result<bool, StoreError> {
        self.detached(move |p| async move { identity_admin::delete_identity(&p, id).await })
            .await
    }

    async fn list_identities_filtered(
        &self,
        filter: &IdentityFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<IdentityPage, StoreError> {
        identity_admin::list_identities_filtered(self, filter, after, limit).await
    }

    async fn list_identities_at(
        &self,
        filter: Option<&IdentityFilter>,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<Identity>, StoreError> {
        identity_admin::list_identities_at(self, filter, offset, limit).await
    }

    async fn count_identities(&self) -> Result<u64, StoreError> {
        identity_admin::count_identities(self).await
    }

    async fn create_session(&self, s: &Session) -> Result<(), StoreError> {
        let s = s.clone();
        self.detached(|p| async move { session::create_session(&p, &s).await })
            .await
    }

    async fn create_identity_with_session(
        &self,
        identity: &Identity,
        session: &Session,
    ) -> Result<(), StoreError> {
        let (i, s) = (identity.clone(), session.clone());
        self.detached(|p| async move {
            let mut writes = identity::identity_writes(&p, std::slice::from_ref(&i))?;
            writes.extend(session::session_writes(&p, &s)?);
            batch::run_together(&p, &writes).await
        })
        .await
    }

    async fn create_session_for_login(
        &self,
        session: &Session,
        flow: &LoginFlow,
    ) -> Result<(), StoreError> {
        let (s, f) = (session.clone(), flow.clone());
        self.detached(|p| async move {
            let mut writes = session::session_writes(&p, &s)?;
            writes.push(login::succeeded_write(&p, &f)?);
            batch::run_together(&p, &writes).await
        })
        .await
    }

    async fn get_session_by_token(&self, token: &str) -> Result<Option<Session>, StoreError> {
        match &self.fast {
            Some(f) => f.get_session_by_token(token),
            None => session::get_session_by_token(self, token).await,
        }
    }

    async fn create_error(&self, e: &StoredError) -> Result<(), StoreError> {
        let e = e.clone();
        self.detached(|p| async move { errorx::create_error(&p, &e).await })
            .await
    }

    async fn read_error(
        &self,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Option<StoredError>, StoreError> {
        self.detached(move |p| async move { errorx::read_error(&p, id, now).await })
            .await
    }

    async fn get_or_init_value(&self, key: &str, candidate: &str) -> Result<String, StoreError> {
        let (key, candidate) = (key.to_string(), candidate.to_string());
        self.detached(|p| async move { values::get_or_init_value(&p, &key, &candidate).await })
            .await
    }

    async fn create_settings_flow(
        &self,
        f: &hoplite_core::flow::settings::SettingsFlow,
    ) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { settings::create_settings_flow(&p, &f).await })
            .await
    }

    async fn get_settings_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<hoplite_core::flow::settings::SettingsFlow>, StoreError> {
        settings::get_settings_flow(self, id).await
    }

    async fn update_settings_flow(
        &self,
        f: &hoplite_core::flow::settings::SettingsFlow,
    ) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { settings::update_settings_flow(&p, &f).await })
            .await
    }

    async fn create_continuity_container(
        &self,
        c: &hoplite_core::continuity::Container,
    ) -> Result<(), StoreError> {
        let c = c.clone();
        self.detached(|p| async move { continuity::create(&p, &c).await })
            .await
    }

    async fn take_continuity_container(
        &self,
        id: Uuid,
    ) -> Result<Option<hoplite_core::continuity::Container>, StoreError> {
        self.detached(move |p| async move { continuity::take(&p, id).await })
            .await
    }

    async fn delete_continuity_container(&self, id: Uuid) -> Result<(), StoreError> {
        self.detached(move |p| async move { continuity::delete(&p, id).await })
            .await
    }

    async fn create_verification_flow(
        &self,
        f: &hoplite_core::flow::verification::VerificationFlow,
    ) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { verification::create_flow(&p, &f).await })
            .await
    }

    async fn get_verification_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<hoplite_core::flow::verification::VerificationFlow>, StoreError> {
        verification::get_flow(self, id).await
    }

    async fn update_verification_flow(
        &self,
        f: &hoplite_core::flow::verification::VerificationFlow,
    ) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { verification::update_flow(&p, &f).await })
            .await
    }

    async fn delete_verification_codes(&self, flow_id: Uuid) -> Result<(), StoreError> {
        self.detached(move |p| async move { verification::delete_codes(&p, flow_id).await })
            .await
    }

    async fn create_verification_code(
        &self,
        c: &hoplite_core::strategy::code::VerificationCode,
    ) -> Result<(), StoreError> {
        let c = c.clone();
        self.detached(|p| async move { verification::create_code(&p, &c).await })
            .await
    }

    async fn use_verification_code(
        &self,
        flow_id: Uuid,
        hmacs: &[String],
        now: OffsetDateTime,
        max_submissions: i64,
    ) -> Result<hoplite_core::strategy::code::CodeUse, StoreError> {
        let hmacs = hmacs.to_vec();
        self.detached(move |p| async move {
            verification::use_code(&p, flow_id, &hmacs, now, max_submissions).await
        })
        .await
    }

    async fn find_verifiable_address(
        &self,
        via: &str,
        value: &str,
    ) -> Result<Option<(Uuid, Uuid)>, StoreError> {
        verification::find_address(self, via, value).await
    }

    async fn update_verifiable_address_status(
        &self,
        id: Uuid,
        status: &str,
        verified_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let status = status.to_string();
        self.detached(move |p| async move {
            verification::update_address_status(&p, id, &status, verified_at, now).await
        })
        .await
    }

    async fn create_recovery_flow(
        &self,
        f: &hoplite_core::flow::recovery::RecoveryFlow,
    ) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { recovery::create_flow(&p, &f).await })
            .await
    }

    async fn get_recovery_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<hoplite_core::flow::recovery::RecoveryFlow>, StoreError> {
        recovery::get_flow(self, id).await
    }

    async fn update_recovery_flow(
        &self,
        f: &hoplite_core::flow::recovery::RecoveryFlow,
    ) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { recovery::update_flow(&p, &f).await })
            .await
    }

    async fn delete_recovery_codes(&self, flow_id: Uuid) -> Result<(), StoreError> {
        self.detached(move |p| async move { recovery::delete_codes(&p, flow_id).await })
            .await
    }

    async fn create_recovery_code(
        &self,
        c: &hoplite_core::strategy::code::RecoveryCode,
    ) -> Result<(), StoreError> {
        let c = c.clone();
        self.detached(|p| async move { recovery::create_code(&p, &c).await })
            .await
    }

    async fn create_link_token(
        &self,
        kind: hoplite_core::strategy::link::TokenKind,
        t: &hoplite_core::strategy::link::LinkToken,
    ) -> Result<(), StoreError> {
        let t = t.clone();
        self.detached(move |p| async move { link_tokens::create(&p, kind, &t).await })
            .await
    }

    async fn use_link_token(
        &self,
        kind: hoplite_core::strategy::link::TokenKind,
        flow_id: Uuid,
        hmacs: &[String],
        now: OffsetDateTime,
    ) -> Result<Option<hoplite_core::strategy::link::UsedToken>, StoreError> {
        let hmacs = hmacs.to_vec();
        self.detached(move |p| async move {
            link_tokens::use_token(&p, kind, flow_id, &hmacs, now).await
        })
        .await
    }

    async fn use_recovery_code(
        &self,
        flow_id: Uuid,
        hmacs: &[String],
        now: OffsetDateTime,
        max_submissions: i64,
    ) -> Result<hoplite_core::strategy::code::RecoveryCodeUse, StoreError> {
        let hmacs = hmacs.to_vec();
        self.detached(move |p| async move {
            recovery::use_code(&p, flow_id, &hmacs, now, max_submissions).await
        })
        .await
    }

    async fn find_recovery_address(
        &self,
        via: &str,
        value: &str,
    ) -> Result<Option<(Uuid, Uuid)>, StoreError> {
        recovery::find_address(self, via, value).await
    }

    async fn recovery_address_value(&self, id: Uuid) -> Result<Option<String>, StoreError> {
        recovery::address_value(self, id).await
    }

    async fn create_pending_change(
        &self,
        change: &hoplite_core::identity::pending::PendingTraitsChange,
    ) -> Result<(), StoreError> {
        let change = change.clone();
        self.detached(move |p| async move { pending::create(&p, &change).await })
            .await
    }

    async fn pending_change_of_verification_flow(
        &self,
        flow_id: Uuid,
    ) -> Result<Option<hoplite_core::identity::pending::PendingTraitsChange>, StoreError> {
        pending::of_verification_flow(self, flow_id).await
    }

    async fn delete_pending_changes_of_identity(
        &self,
        identity_id: Uuid,
    ) -> Result<(), StoreError> {
        self.detached(move |p| async move { pending::delete_of_identity(&p, identity_id).await })
            .await
    }

    async fn verifiable_address_via(&self, id: Uuid) -> Result<Option<String>, StoreError> {
        verification::address_via(self, id).await
    }

    async fn verify_addresses_with_value(
        &self,
        identity_id: Uuid,
        value: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let value = value.to_string();
        self.detached(move |p| async move {
            recovery::verify_with_value(&p, identity_id, &value, now).await
        })
        .await
    }

    async fn queue_message(&self, m: &hoplite_core::courier::Message) -> Result<(), StoreError> {
        let m = m.clone();
        self.detached(|p| async move { courier::queue(&p, &m).await })
            .await
    }

    async fn claim_messages(
        &self,
        limit: u32,
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> Result<Vec<hoplite_core::courier::Message>, StoreError> {
        self.detached(move |p| async move { courier::claim(&p, limit, now, stale_before).await })
            .await
    }

    async fn set_message_status(
        &self,
        id: Uuid,
        status: hoplite_core::courier::MessageStatus,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.detached(move |p| async move { courier::set_status(&p, id, status, now).await })
            .await
    }

    async fn increment_send_count(&self, id: Uuid, now: OffsetDateTime) -> Result<(), StoreError> {
        self.detached(move |p| async move { courier::increment_send_count(&p, id, now).await })
            .await
    }

    async fn record_dispatch(&self, d: &hoplite_core::courier::Dispatch) -> Result<(), StoreError> {
        let d = d.clone();
        self.detached(|p| async move { courier::record_dispatch(&p, &d).await })
            .await
    }

    async fn list_messages(
        &self,
        filter: &hoplite_core::courier::handler::MessageFilter,
        after: Option<SessionCursor>,
        limit: u32,
    ) -> Result<(Vec<hoplite_core::courier::Message>, Option<SessionCursor>), StoreError> {
        courier::list(self, filter, after, limit).await
    }

    async fn get_message(
        &self,
        id: Uuid,
    ) -> Result<Option<hoplite_core::courier::Message>, StoreError> {
        courier::get(self, id).await
    }

    async fn create_login_flow(&self, f: &LoginFlow) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { login::create_login_flow(&p, &f).await })
            .await
    }

    async fn get_login_flow(&self, id: Uuid) -> Result<Option<LoginFlow>, StoreError> {
        match &self.fast {
            Some(f) => f.get_login_flow(id),
            None => login::get_login_flow(self, id).await,
        }
    }

    async fn update_login_flow(&self, f: &LoginFlow) -> Result<(), StoreError> {
        let f = f.clone();
        self.detached(|p| async move { login::update_login_flow(&p, &f).await })
            .await
    }

    async fn find_identity_by_identifier(
        &self,
        credential_type: &str,
        candidates: &[String],
    ) -> Result<Option<Identity>, StoreError> {
        if let Some(f) = &self.fast {
            return f.find_identity_by_identifier(self, credential_type, candidates);
        }
        credentials::find_identity_by_identifier(self, credential_type, candidates).await
    }

    async fn update_credential_config(
        &self,
        identity_id: Uuid,
        credential_type: &str,
        config: &serde_json::Value,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (credential_type, config) = (credential_type.to_string(), config.clone());
        self.detached(move |p| async move {
            credentials::update_credential_config(&p, identity_id, &credential_type, &config, now)
                .await
        })
        .await
    }

    async fn get_session(&self, id: Uuid) -> Result<Option<Session>, StoreError> {
        session::get_session(self, id).await
    }

    async fn get_session_by_logout_token(
        &self,
        token: &str,
    ) -> Result<Option<Session>, StoreError> {
        session::get_session_by_logout_token(self, token).await
    }

    async fn update_session(&self, s: &Session) -> Result<(), StoreError> {
        let s = s.clone();
        self.detached(|p| async move { session::update_session(&p, &s).await })
            .await
    }

    async fn list_sessions(
        &self,
        filter: &SessionFilter,
        after: Option<SessionCursor>,
        limit: u32,
    ) -> Result<SessionPage, StoreError> {
        session::list_sessions(self, filter, after, limit).await
    }

    async fn list_sessions_at(
        &self,
        filter: &SessionFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Session>, u64), StoreError> {
        session::list_sessions_at(self, filter, offset, limit).await
    }

    async fn revoke_sessions_of_identity(
        &self,
        identity_id: Uuid,
        except: Option<Uuid>,
    ) -> Result<u64, StoreError> {
        self.detached(move |p| async move {
            session::revoke_sessions_of_identity(&p, identity_id, except).await
        })
        .await
    }

    async fn revoke_session(
        &self,
        id: Uuid,
        identity_id: Option<Uuid>,
    ) -> Result<bool, StoreError> {
        self.detached(move |p| async move { session::revoke_session(&p, id, identity_id).await })
            .await
    }

    async fn delete_sessions_of_identity(&self, identity_id: Uuid) -> Result<u64, StoreError> {
        self.detached(move |p| async move {
            session::delete_sessions_of_identity(&p, identity_id).await
        })
        .await
    }

    async fn manage_sessions(
        &self,
        target: SessionTarget,
        delete: bool,
        limit: u32,
    ) -> Result<u64, StoreError> {
        self.detached(
            move |p| async move { session::manage_sessions(&p, target, delete, limit).await },
        )
        .await
    }

    async fn create_session_token_exchanger(
        &self,
        e: &hoplite_core::session::token_exchange::Exchanger,
    ) -> Result<(), StoreError> {
        let e = e.clone();
        self.detached(move |p| async move { token_exchange::create(&p, &e).await })
            .await
    }

    async fn get_session_token_exchanger(
        &self,
        init_code: &str,
        return_to_code: &str,
    ) -> Result<Option<hoplite_core::session::token_exchange::Exchanger>, StoreError> {
        token_exchange::get(self, init_code, return_to_code).await
    }
}
