//! Sessions and their devices (`ory/kratos: persistence/sql/persister_session.go`).

use super::aggregate::{json_array, json_rows};
use super::batch::{self, Write};
use super::kept::OnKept;
use super::{Fields, SqlPersister, opt, s};
use crate::codec::{Ty, db_err, parse_ts, parse_uuid};
use hoplite_core::persistence::{
    SessionCursor, SessionFilter, SessionPage, SessionTarget, StoreError,
};
use hoplite_core::session::{Device, Session, WhoamiView};
use uuid::Uuid;

pub(super) async fn create_session(p: &SqlPersister, s_: &Session) -> Result<(), StoreError> {
    batch::run_together(p, &session_writes(p, s_)?).await
}

/// The writes that insert a session and its devices.
pub(super) fn session_writes(p: &SqlPersister, s_: &Session) -> Result<Vec<Write>, StoreError> {
    let mut writes = vec![Write::new(
        "INSERT INTO sessions (id, nid, identity_id, token, logout_token, active, aal, authentication_methods, issued_at, expires_at, authenticated_at, created_at, updated_at) VALUES (?::uuid, ?::uuid, ?::uuid, ?, ?, ?, ?, ?::json, ?::ts, ?::ts, ?::ts, ?::ts, ?::ts)",
    )
    .arg(s_.id.to_string())
    .arg(p.nid()?)
    .arg(s_.identity_id.to_string())
    .arg(&s_.token)
    .arg(&s_.logout_token)
    .arg(s_.active)
    .arg(&s_.authenticator_assurance_level)
    .arg(serde_json::to_string(&s_.authentication_methods).expect("methods serialise"))
    .arg(p.ts(s_.issued_at))
    .arg(p.ts(s_.expires_at))
    .arg(p.ts(s_.authenticated_at))
    .arg(p.ts(s_.issued_at))
    .arg(p.ts(s_.issued_at))];
    for d in &s_.devices {
        writes.push(device_write(p, s_, d)?);
    }
    Ok(writes)
}

/// The columns of `sessions` a [`Session`] is read from.
pub(super) const SESSION_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("identity_id", Ty::Uuid),
    ("token", Ty::Plain),
    ("logout_token", Ty::Plain),
    ("active", Ty::Bool),
    ("aal", Ty::Plain),
    ("authentication_methods", Ty::Json),
    ("issued_at", Ty::Ts),
    ("expires_at", Ty::Ts),
    ("authenticated_at", Ty::Ts),
];

/// [`SESSION_COLS`] and `created_at`, which session lists page by.
fn session_list_cols() -> Vec<(&'static str, Ty)> {
    let mut cols = SESSION_COLS.to_vec();
    cols.push(("created_at", Ty::Ts));
    cols
}

pub(super) async fn get_session_by_token(
    p: &SqlPersister,
    token: &str,
) -> Result<Option<Session>, StoreError> {
    get_session_where(p, "token", token).await
}

pub(super) async fn get_session_by_logout_token(
    p: &SqlPersister,
    token: &str,
) -> Result<Option<Session>, StoreError> {
    get_session_where(p, "logout_token", token).await
}

pub(super) async fn get_session(p: &SqlPersister, id: Uuid) -> Result<Option<Session>, StoreError> {
    get_session_where(p, "id", &id.to_string()).await
}

/// One session by a uniquely indexed column (`id`, `token`, `logout_token`), with its devices.
async fn get_session_where(
    p: &SqlPersister,
    column: &'static str,
    value: &str,
) -> Result<Option<Session>, StoreError> {
    static BY_ID: crate::codec::PerDialect = crate::codec::PerDialect::new();
    static BY_TOKEN: crate::codec::PerDialect = crate::codec::PerDialect::new();
    static BY_LOGOUT_TOKEN: crate::codec::PerDialect = crate::codec::PerDialect::new();
    let cache = match column {
        "id" => &BY_ID,
        "token" => &BY_TOKEN,
        _ => &BY_LOGOUT_TOKEN,
    };
    let sql = cache.get(p.kind, || {
        let condition = match column {
            "id" => "id = ?::uuid".to_string(),
            other => format!("{other} = ?"),
        };
        crate::codec::rewrite(
            p.kind,
            &format!(
                "SELECT {} FROM sessions WHERE {condition} AND nid = ?::nid",
                p.cols(None, "", SESSION_COLS)
            ),
        )
    });
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .bind(p.nid()?)
        .fetch_optional(&p.pool)
        .await
        .map_err(db_err)?;
    let Some(r) = row else { return Ok(None) };
    let mut sessions = vec![session_from_row(&r)?];
    load_devices(p, &mut sessions).await?;
    Ok(sessions.pop())
}

/// The session a token names with its devices and its identity (addresses, no credentials), in
/// one statement: the session joined with its identity, and the devices and both kinds of
/// addresses as JSON arrays (see [`whoami_sql`]). `whoami` is the hottest read, and on PostgreSQL
/// and MySQL every statement is a round trip to the database.
pub(super) async fn get_session_with_identity(
    p: &SqlPersister,
    token: &str,
) -> Result<Option<Session>, StoreError> {
    let rows = whoami_rows(p, token).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    whoami_from_rows(p, &rows).map(Some)
}

/// The rows whoami reads for `token` (none when it is unknown): one row of [`whoami_sql`], or on
/// MySQL the joined rows of [`whoami_joined_rows`].
async fn whoami_rows(p: &SqlPersister, token: &str) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    if p.kind == hoplite_core::config::DatabaseKind::Mysql {
        return whoami_joined_rows(p, token).await;
    }
    Ok(sqlx::query(p.q(whoami_sql(p.kind)))
        .bind(token)
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?
        .into_iter()
        .collect())
}

/// The session (with devices and identity) of [`whoami_rows`] (at least one row).
fn whoami_from_rows(p: &SqlPersister, rows: &[sqlx::any::AnyRow]) -> Result<Session, StoreError> {
    if p.kind == hoplite_core::config::DatabaseKind::Mysql {
        whoami_from_joined_rows(p, rows)
    } else {
        whoami_from_row(p, &rows[0])
    }
}

/// How many whoami views a persister keeps (see [`KeptWhoami`]).
const KEPT_WHOAMI: usize = 2048;

/// whoami's answers as last made, by token, each with a fingerprint of every value of the rows
/// it was made from (see [`get_whoami_view`]).
#[derive(Default)]
pub(super) struct KeptWhoami {
    views: super::registration::Kept<u64, u128, std::sync::Arc<WhoamiView>, KEPT_WHOAMI>,
    /// Random keys: the map holds no token, and nobody outside can aim two rows at one
    /// fingerprint.
    tokens: std::collections::hash_map::RandomState,
    rows: [std::collections::hash_map::RandomState; 2],
}

impl KeptWhoami {
    fn token_key(&self, token: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.tokens, token)
    }

    /// A fingerprint of every value of some rows (see [`RowsHasher`]).
    pub(super) fn hasher(&self) -> RowsHasher {
        use std::hash::BuildHasher as _;
        RowsHasher([self.rows[0].build_hasher(), self.rows[1].build_hasher()])
    }

    /// A 128-bit fingerprint of every column of `rows`, in order. `None` for a value of a type
    /// not read here (nothing is kept then).
    fn fingerprint(&self, rows: &[sqlx::any::AnyRow]) -> Option<u128> {
        use sqlx::{Row as _, ValueRef as _};
        let mut h = self.hasher();
        for row in rows {
            for i in 0..row.len() {
                if row.try_get_raw(i).ok()?.is_null() {
                    h.null();
                } else if let Ok(text) = row.try_get::<&str, _>(i) {
                    h.text(text.as_bytes());
                } else if let Ok(n) = row.try_get::<i64, _>(i) {
                    h.int(n);
                } else {
                    h.blob(row.try_get::<&[u8], _>(i).ok()?);
                }
            }
            h.end_row();
        }
        Some(h.finish())
    }

    /// whoami's answer for `token`, whose rows have `fingerprint`: the view kept for the same
    /// fingerprint, else the view of the session `build` makes, kept under it (`None`, rows not
    /// fingerprinted: made and not kept).
    pub(super) fn view(
        &self,
        token: &str,
        fingerprint: Option<u128>,
        build: impl FnOnce() -> Result<Session, StoreError>,
    ) -> Result<std::sync::Arc<WhoamiView>, StoreError> {
        let key = self.token_key(token);
        if let Some((kept, view)) = self.views.get(&key)
            && Some(kept) == fingerprint
        {
            return Ok(view);
        }
        let view = std::sync::Arc::new(WhoamiView::of(build()?));
        match fingerprint {
            Some(f) => self.views.keep(key, f, view.clone()),
            None => self.views.forget(&key),
        }
        Ok(view)
    }

    /// Drops what is kept for `token` (its session is gone).
    pub(super) fn forget_token(&self, token: &str) {
        self.views.forget(&self.token_key(token));
    }
}

/// Two randomly keyed SipHash states fed the same values, each tagged with its kind and length:
/// rows with one value different (a NULL and an empty text too) get different fingerprints.
pub(super) struct RowsHasher([std::collections::hash_map::DefaultHasher; 2]);

impl RowsHasher {
    fn feed(&mut self, tag: u8, bytes: &[u8]) {
        use std::hash::Hasher as _;
        for h in &mut self.0 {
            h.write_u8(tag);
            h.write_usize(bytes.len());
            h.write(bytes);
        }
    }
    pub(super) fn null(&mut self) {
        self.feed(0, &[]);
    }
    pub(super) fn text(&mut self, text: &[u8]) {
        self.feed(1, text);
    }
    pub(super) fn int(&mut self, n: i64) {
        self.feed(2, &n.to_le_bytes());
    }
    pub(super) fn blob(&mut self, bytes: &[u8]) {
        self.feed(3, bytes);
    }
    pub(super) fn float(&mut self, x: f64) {
        self.feed(4, &x.to_le_bytes());
    }
    pub(super) fn end_row(&mut self) {
        self.feed(5, &[]);
    }
    pub(super) fn finish(&self) -> u128 {
        use std::hash::Hasher as _;
        (u128::from(self.0[0].finish()) << 64) | u128::from(self.0[1].finish())
    }
}

/// whoami on PostgreSQL and MySQL: the rows of [`get_session_with_identity`] are read on every
/// call, and the view is made from them only when they differ from the rows the kept view was
/// made from (a fingerprint of every value). No stamp is trusted: Kratos changes addresses and
/// sessions without touching `updated_at` (a verified address, a revoked session), and any such
/// change, by any instance, changes a value read here. What is saved is hoplite's own work:
/// taking the rows apart, building the session and serialising it.
pub(super) async fn get_whoami_view(
    p: &SqlPersister,
    token: &str,
) -> Result<Option<std::sync::Arc<WhoamiView>>, StoreError> {
    let rows = whoami_rows(p, token).await?;
    if rows.is_empty() {
        p.kept_whoami.forget_token(token);
        return Ok(None);
    }
    let fingerprint = p.kept_whoami.fingerprint(&rows);
    p.kept_whoami
        .view(token, fingerprint, || whoami_from_rows(p, &rows))
        .map(Some)
}

/// whoami's rows on MySQL (none when the token is unknown). MariaDB builds JSON arrays slowly
/// (the statement of [`whoami_sql`] costs it six times a plain join of the session and its
/// identity), so there the devices and addresses come as joined rows instead: one row per
/// combination (one for a session with a device and an identity with one address of each
/// kind), taken apart by id.
async fn whoami_joined_rows(
    p: &SqlPersister,
    token: &str,
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    let sql = SQL.get(p.kind, || {
        let [verifiable, recovery, ..] = &super::identity::PART_QUERIES;
        format!(
            "SELECT {}, {}, {}, {}, {} FROM sessions s JOIN identities i ON i.id = s.identity_id LEFT JOIN session_devices d ON d.session_id = s.id LEFT JOIN identity_verifiable_addresses va ON va.identity_id = i.id LEFT JOIN identity_recovery_addresses ra ON ra.identity_id = i.id WHERE s.token = ? AND s.nid = ?::nid",
            crate::codec::select_list(p.kind, Some("s"), "", SESSION_COLS),
            crate::codec::select_list(p.kind, Some("i"), "i_", super::identity::IDENTITY_COLS),
            crate::codec::select_list(
                p.kind,
                Some("d"),
                "d_",
                &[DEVICE_COLS, &[("created_at", Ty::Ts)]].concat(),
            ),
            crate::codec::select_list(p.kind, Some("va"), "va_", verifiable.cols),
            crate::codec::select_list(p.kind, Some("ra"), "ra_", recovery.cols),
        )
    });
    sqlx::query(p.q(sql))
        .bind(token)
        .bind(p.nid()?)
        .fetch_all_kept(p)
        .await
}

/// The session of [`whoami_joined_rows`] from its rows (at least one).
fn whoami_from_joined_rows(
    p: &SqlPersister,
    rows: &[sqlx::any::AnyRow],
) -> Result<Session, StoreError> {
    let first = &rows[0];
    let mut session = session_from_row(first)?;
    let mut identity = super::identity::identity_from_row(p, &super::Prefixed("i_", first))?;
    // Each part's distinct rows, in the order the other databases give them.
    let distinct = |prefix: &'static str, order: &[&str]| -> Result<Vec<_>, StoreError> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for r in rows {
            let part = super::Prefixed(prefix, r);
            if let Some(id) = opt(&part, "id")?
                && seen.insert(id)
            {
                let key: Vec<String> = order
                    .iter()
                    .map(|c| opt(&part, c).map(Option::unwrap_or_default))
                    .collect::<Result<_, _>>()?;
                out.push((key, part));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out.into_iter().map(|(_, part)| part).collect())
    };
    for d in distinct("d_", &["created_at", "id"])? {
        session.devices.push(device_from_row(&d)?);
    }
    super::identity::assemble_parts(
        std::slice::from_mut(&mut identity),
        [
            distinct("va_", &["id"])?,
            distinct("ra_", &["id"])?,
            Vec::new(),
            Vec::new(),
        ],
    )?;
    session.identity = Some(identity);
    Ok(session)
}

/// The session with its devices and identity from a row of [`whoami_sql`].
pub(super) fn whoami_from_row<R: Fields>(p: &SqlPersister, r: &R) -> Result<Session, StoreError> {
    let mut session = session_from_row(r)?;
    let mut identity = super::identity::identity_from_row(p, &super::Prefixed("i_", r))?;
    for d in json_rows(&s(r, "devices_json")?, &["created_at", "id"])? {
        session.devices.push(device_from_row(&d)?);
    }
    let verifiable = json_rows(&s(r, "verifiable_json")?, &["id"])?;
    let recovery = json_rows(&s(r, "recovery_json")?, &["id"])?;
    super::identity::assemble_parts(
        std::slice::from_mut(&mut identity),
        [verifiable, recovery, Vec::new(), Vec::new()],
    )?;
    session.identity = Some(identity);
    Ok(session)
}

/// The statement of [`get_session_with_identity`] in `kind`'s SQL (two placeholders: the token
/// and the network). The arrays are built by the database's JSON aggregates; their rows are
/// sorted afterwards (MySQL cannot order inside `JSON_ARRAYAGG`).
pub(super) fn whoami_sql(kind: hoplite_core::config::DatabaseKind) -> &'static str {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    SQL.get(kind, || {
        let array = |fields: &[&str], from: &str| json_array(kind, fields, from);
        let devices = array(
            &["id", "ip_address", "user_agent", "location", "created_at"],
            "session_devices x WHERE x.session_id = s.id",
        );
        let verifiable = array(
            &[
                "identity_id",
                "id",
                "status",
                "via",
                "verified",
                "value",
                "verified_at",
                "created_at",
                "updated_at",
            ],
            "identity_verifiable_addresses x WHERE x.identity_id = i.id",
        );
        let recovery = array(
            &["identity_id", "id", "via", "value", "created_at", "updated_at"],
            "identity_recovery_addresses x WHERE x.identity_id = i.id",
        );
        format!(
            "SELECT {}, {}, {devices} AS devices_json, {verifiable} AS verifiable_json, {recovery} AS recovery_json FROM sessions s JOIN identities i ON i.id = s.identity_id WHERE s.token = ? AND s.nid = ?::nid",
            crate::codec::select_list(kind, Some("s"), "", SESSION_COLS),
            crate::codec::select_list(kind, Some("i"), "i_", super::identity::IDENTITY_COLS),
        )
    })
}

pub(super) fn session_from_row<R: Fields>(r: &R) -> Result<Session, StoreError> {
    Ok(Session {
        id: parse_uuid(&s(r, "id")?)?,
        active: r.int("active")? != 0,
        expires_at: parse_ts(&s(r, "expires_at")?)?,
        authenticated_at: parse_ts(&s(r, "authenticated_at")?)?,
        authenticator_assurance_level: s(r, "aal")?,
        authentication_methods: serde_json::from_str(&s(r, "authentication_methods")?)
            .map_err(|e| StoreError::Other(e.to_string()))?,
        issued_at: parse_ts(&s(r, "issued_at")?)?,
        identity: None,
        devices: Vec::new(),
        identity_id: parse_uuid(&s(r, "identity_id")?)?,
        token: opt(r, "token")?.unwrap_or_default(),
        logout_token: opt(r, "logout_token")?.unwrap_or_default(),
    })
}

/// A device from its row (the columns of [`DEVICE_COLS`]).
pub(super) fn device_from_row<R: Fields>(d: &R) -> Result<Device, StoreError> {
    Ok(Device {
        id: parse_uuid(&s(d, "id")?)?,
        ip_address: opt(d, "ip_address")?.unwrap_or_default(),
        user_agent: opt(d, "user_agent")?,
        location: opt(d, "location")?.unwrap_or_default(),
    })
}

/// The columns of `session_devices` a [`Device`] is read from.
pub(super) const DEVICE_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("session_id", Ty::Uuid),
    ("ip_address", Ty::Plain),
    ("user_agent", Ty::Plain),
    ("location", Ty::Plain),
];

/// Loads the devices of `sessions` with one query (`session_id IN (...)`, indexed).
async fn load_devices(p: &SqlPersister, sessions: &mut [Session]) -> Result<(), StoreError> {
    if sessions.is_empty() {
        return Ok(());
    }
    let marks = vec!["?::uuid"; sessions.len()].join(", ");
    let sql = format!(
        "SELECT {} FROM session_devices WHERE session_id IN ({marks}) ORDER BY created_at, id",
        p.cols(None, "", DEVICE_COLS)
    );
    let mut query = sqlx::query(p.q(&sql));
    for session in sessions.iter() {
        query = query.bind(session.id.to_string());
    }
    let rows = query.fetch_all(&p.pool).await.map_err(db_err)?;
    for d in &rows {
        let session_id = parse_uuid(&s(d, "session_id")?)?;
        let device = device_from_row(d)?;
        if let Some(session) = sessions.iter_mut().find(|x| x.id == session_id) {
            session.devices.push(device);
        }
    }
    Ok(())
}

pub(super) async fn update_session(p: &SqlPersister, s_: &Session) -> Result<(), StoreError> {
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    let id = s_.id.to_string();
    sqlx::query(p.q(
        "UPDATE sessions SET active = ?, aal = ?, authentication_methods = ?::json, issued_at = ?::ts, expires_at = ?::ts, authenticated_at = ?::ts, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    ))
    .bind(s_.active)
    .bind(&s_.authenticator_assurance_level)
    .bind(serde_json::to_string(&s_.authentication_methods).expect("methods serialise"))
    .bind(p.ts(s_.issued_at))
    .bind(p.ts(s_.expires_at))
    .bind(p.ts(s_.authenticated_at))
    .bind(p.ts(s_.issued_at))
    .bind(&id)
    .bind(p.nid()?)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    let rows = sqlx::query(p.q(&format!(
        "SELECT {} FROM session_devices WHERE session_id = ?::uuid",
        p.cols(None, "", DEVICE_COLS)
    )))
    .bind(&id)
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    let mut known = Vec::with_capacity(rows.len());
    for r in &rows {
        known.push((
            s(r, "id")?,
            opt(r, "ip_address")?.unwrap_or_default(),
            opt(r, "user_agent")?,
        ));
    }
    // Kratos's `unique_session_device` allows one row per address and user agent (a missing
    // user agent never collides).
    for d in &s_.devices {
        let id = d.id.to_string();
        let ip = truncate(&d.ip_address, 50);
        let ua = d.user_agent.as_deref().map(|ua| truncate(ua, 512));
        let seen = known
            .iter()
            .any(|(i, a, u)| *i == id || (ua.is_some() && *a == ip && *u == ua));
        if !seen {
            batch::run_in(p, &mut tx, &[device_write(p, s_, d)?]).await?;
            known.push((id, ip, ua));
        }
    }
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

/// The WHERE clause of a session list and its arguments, in order.
fn session_filter_sql(
    p: &SqlPersister,
    f: &SessionFilter,
) -> Result<(String, Vec<String>), StoreError> {
    // One identity's sessions by its id alone: with `nid` too, SQLite's planner (no statistics)
    // takes Kratos's `sessions_list_idx`, which begins with `nid`, and scans the network.
    let (mut sql, mut args) = match f.identity_id {
        Some(i) => ("identity_id = ?::uuid".to_string(), vec![i.to_string()]),
        None => ("nid = ?::uuid".to_string(), vec![p.nid()?.to_string()]),
    };
    if let Some(e) = f.except {
        sql.push_str(" AND id <> ?::uuid");
        args.push(e.to_string());
    }
    match f.active {
        Some(true) => {
            sql.push_str(" AND active = TRUE AND expires_at >= ?::ts");
            args.push(p.ts(f.now));
        }
        Some(false) => {
            sql.push_str(" AND (active = FALSE OR active IS NULL OR expires_at < ?::ts)");
            args.push(p.ts(f.now));
        }
        None => {}
    }
    Ok((sql, args))
}

/// Newest first; sessions created in the same microsecond by id.
const SESSION_ORDER: &str = " ORDER BY created_at DESC, id ASC";

pub(super) async fn list_sessions(
    p: &SqlPersister,
    filter: &SessionFilter,
    after: Option<SessionCursor>,
    limit: u32,
) -> Result<SessionPage, StoreError> {
    let (mut cond, mut args) = session_filter_sql(p, filter)?;
    if let Some(c) = after {
        cond.push_str(" AND (created_at < ?::ts OR (created_at = ?::ts AND id > ?::uuid))");
        args.extend([p.ts(c.created_at), p.ts(c.created_at), c.id.to_string()]);
    }
    let sql = format!(
        "SELECT {} FROM sessions WHERE {cond}{SESSION_ORDER} LIMIT ?",
        p.cols(None, "", &session_list_cols())
    );
    let mut query = sqlx::query(p.q(&sql));
    for a in &args {
        query = query.bind(a.clone());
    }
    let rows = query
        .bind(i64::from(limit) + 1)
        .fetch_all(&p.pool)
        .await
        .map_err(db_err)?;
    let more = rows.len() > limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    let mut sessions = rows
        .iter()
        .map(session_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next = match (more, rows.last(), sessions.last()) {
        (true, Some(r), Some(last)) => Some(SessionCursor {
            created_at: parse_ts(&s(r, "created_at")?)?,
            id: last.id,
        }),
        _ => None,
    };
    load_devices(p, &mut sessions).await?;
    Ok(SessionPage { sessions, next })
}

pub(super) async fn list_sessions_at(
    p: &SqlPersister,
    filter: &SessionFilter,
    offset: u64,
    limit: u32,
) -> Result<(Vec<Session>, u64), StoreError> {
    let (cond, args) = session_filter_sql(p, filter)?;
    // One snapshot for the count and the page, as Kratos counts and lists in one transaction.
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    let count_sql = format!("SELECT COUNT(*) AS n FROM sessions WHERE {cond}");
    let mut count = sqlx::query(p.q(&count_sql));
    for a in &args {
        count = count.bind(a.clone());
    }
    let total = count.fetch_one(&mut *tx).await.map_err(db_err)?.int("n")?;
    let sql = format!(
        "SELECT {} FROM sessions WHERE {cond}{SESSION_ORDER} LIMIT ? OFFSET ?",
        p.cols(None, "", SESSION_COLS)
    );
    let mut query = sqlx::query(p.q(&sql));
    for a in &args {
        query = query.bind(a.clone());
    }
    let rows = query
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    let mut sessions = rows
        .iter()
        .map(session_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    load_devices(p, &mut sessions).await?;
    Ok((sessions, u64::try_from(total).unwrap_or(0)))
}

pub(super) async fn revoke_sessions_of_identity(
    p: &SqlPersister,
    identity_id: Uuid,
    except: Option<Uuid>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(p.q(
        "UPDATE sessions SET active = FALSE WHERE identity_id = ?::uuid AND id <> ?::uuid AND active = TRUE",
    ))
    .bind(identity_id.to_string())
    .bind(
        except
            .map(|e| e.to_string())
            .unwrap_or_else(|| super::identity::NIL_ID.to_string()),
    )
    .execute(&p.pool)
    .await
    .map_err(db_err)?;
    Ok(done.rows_affected())
}

pub(super) async fn revoke_session(
    p: &SqlPersister,
    id: Uuid,
    identity_id: Option<Uuid>,
) -> Result<bool, StoreError> {
    let done = match identity_id {
        Some(identity) => {
            sqlx::query(p.q(
                "UPDATE sessions SET active = FALSE WHERE id = ?::uuid AND nid = ?::nid AND identity_id = ?::uuid",
            ))
            .bind(id.to_string())
            .bind(p.nid()?)
            .bind(identity.to_string())
                .execute(&p.pool)
                .await
        }
        None => {
            sqlx::query(p.q("UPDATE sessions SET active = FALSE WHERE id = ?::uuid AND nid = ?::nid"))
                .bind(id.to_string())
                .bind(p.nid()?)
                .execute(&p.pool)
                .await
        }
    }
    .map_err(db_err)?;
    if done.rows_affected() > 0 {
        return Ok(true);
    }
    // MySQL counts only changed rows: an already revoked session reports 0 but exists.
    Ok(match get_session(p, id).await? {
        Some(s) => identity_id.is_none_or(|i| i == s.identity_id),
        None => false,
    })
}

/// How many ids one `IN (...)` list carries.
const IN_CHUNK: usize = 500;

pub(super) async fn manage_sessions(
    p: &SqlPersister,
    target: SessionTarget,
    delete: bool,
    limit: u32,
) -> Result<u64, StoreError> {
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    // Disabling counts (and touches) only the sessions that are still active.
    let only_active = if delete { "" } else { " AND active = TRUE" };
    let nid = p.nid()?;
    let (column, ids) = match target {
        SessionTarget::Identities(ids) => ("identity_id", ids),
        SessionTarget::Sessions(ids) => ("id", ids),
        SessionTarget::All => {
            // MySQL takes no LIMIT inside `IN (SELECT ...)`: the batch's ids first.
            let sql = format!(
                "SELECT {} FROM sessions WHERE nid = ?::uuid{only_active} LIMIT ?",
                p.cols(None, "", &[("id", Ty::Uuid)])
            );
            let rows = sqlx::query(p.q(&sql))
                .bind(nid)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
            let ids = rows
                .iter()
                .map(|r| parse_uuid(&s(r, "id")?))
                .collect::<Result<Vec<_>, _>>()?;
            ("id", ids)
        }
    };
    let mut done = 0u64;
    for chunk in ids.chunks(IN_CHUNK) {
        let marks = vec!["?::uuid"; chunk.len()].join(", ");
        let sql = if delete {
            format!("DELETE FROM sessions WHERE {column} IN ({marks})")
        } else {
            format!("UPDATE sessions SET active = FALSE WHERE {column} IN ({marks}){only_active}")
        };
        // By ids alone (sessions, or identities: see `session_filter_sql`), each read in this
        // network.
        let mut q = sqlx::query(p.q(&sql));
        for id in chunk {
            q = q.bind(id.to_string());
        }
        done += q.execute(&mut *tx).await.map_err(db_err)?.rows_affected();
    }
    tx.commit().await.map_err(db_err)?;
    Ok(done)
}

pub(super) async fn delete_sessions_of_identity(
    p: &SqlPersister,
    identity_id: Uuid,
) -> Result<u64, StoreError> {
    let done = sqlx::query(p.q("DELETE FROM sessions WHERE identity_id = ?::uuid"))
        .bind(identity_id.to_string())
        .execute(&p.pool)
        .await
        .map_err(db_err)?;
    Ok(done.rows_affected())
}

/// The write that inserts one device of `s_`.
fn device_write(p: &SqlPersister, s_: &Session, d: &Device) -> Result<Write, StoreError> {
    Ok(Write::new(
        "INSERT INTO session_devices (id, nid, session_id, identity_id, ip_address, user_agent, location, created_at, updated_at) VALUES (?::uuid, ?::uuid, ?::uuid, ?::uuid, ?, ?, ?, ?::ts, ?::ts)",
    )
    .arg(d.id.to_string())
    .arg(p.nid()?)
    .arg(s_.id.to_string())
    .arg(s_.identity_id.to_string())
    .arg(truncate(&d.ip_address, 50))
    .arg(d.user_agent.as_deref().map(|ua| truncate(ua, 512)))
    .arg(truncate(&d.location, 512))
    .arg(p.ts(s_.issued_at))
    .arg(p.ts(s_.issued_at)))
}

/// Cuts a value to its column's width in characters, so an overlong header cannot fail the insert.
fn truncate(v: &str, max: usize) -> String {
    v.chars().take(max).collect()
}
