//! Converts a database in hoplite's earlier schema (`hoplite_migrations`, versions 1 to 6: Kratos's
//! table names with columns of hoplite's own) to Kratos's, keeping every identity, credential,
//! identifier, address, session and device. Open flows, stored errors and token exchange codes
//! are short-lived and not carried over (a sign-up or sign-in in progress starts again).
//!
//! The old tables are moved aside (renamed; on PostgreSQL into a schema of their own, which takes
//! their index and constraint names along), Kratos's schema is created, the rows are copied in
//! Kratos's encodings (times as Kratos's drivers write them, the network id on every row,
//! credential types by id), and the old tables are dropped. On SQLite and PostgreSQL all of it is
//! one transaction: a crash leaves the old database as it was. MySQL commits each DDL statement
//! by itself, so there a lock keeps other instances out, and a conversion that stops half way
//! leaves the old tables under `hoplite_legacy_*` names, which the error then names.

use super::SqlPersister;
use crate::codec::db_err;
use hoplite_core::config::DatabaseKind;
use hoplite_core::persistence::StoreError;
use sqlx::{AssertSqlSafe, Row};

/// The earlier schema's tables, every one replaced by Kratos's table of the same name.
const LEGACY_TABLES: &[&str] = &[
    "identities",
    "identity_credentials",
    "identity_credential_identifiers",
    "identity_verifiable_addresses",
    "identity_recovery_addresses",
    "selfservice_registration_flows",
    "selfservice_login_flows",
    "sessions",
    "session_devices",
    "selfservice_errors",
    "session_token_exchanges",
];

/// Expressions converting the earlier columns (text everywhere) to Kratos's column types.
struct Cast(DatabaseKind);

impl Cast {
    /// An earlier time (`2026-01-02T03:04:05.123456Z`) as Kratos's column takes it.
    fn ts(&self, column: &str) -> String {
        match self.0 {
            // As Kratos's SQLite driver writes times: `2026-01-02 03:04:05.123456+00:00`.
            DatabaseKind::Sqlite => format!("replace(replace({column}, 'T', ' '), 'Z', '+00:00')"),
            DatabaseKind::Postgres => format!("CAST({column} AS timestamp)"),
            DatabaseKind::Mysql => format!("STR_TO_DATE({column}, '%Y-%m-%dT%H:%i:%s.%fZ')"),
        }
    }
    fn uuid(&self, column: &str) -> String {
        match self.0 {
            DatabaseKind::Postgres => format!("CAST({column} AS uuid)"),
            _ => column.to_string(),
        }
    }
    fn json(&self, column: &str) -> String {
        match self.0 {
            DatabaseKind::Postgres => format!("CAST({column} AS jsonb)"),
            _ => column.to_string(),
        }
    }
    fn boolean(&self, column: &str) -> String {
        match self.0 {
            DatabaseKind::Sqlite => column.to_string(),
            _ => format!("({column} <> 0)"),
        }
    }
}

/// Where an earlier table was moved.
fn legacy(kind: DatabaseKind, table: &str) -> String {
    match kind {
        DatabaseKind::Postgres => format!("hoplite_legacy.{table}"),
        _ => format!("hoplite_legacy_{table}"),
    }
}

/// The row copies, old table `o` into Kratos's, in foreign-key order.
fn copies(kind: DatabaseKind) -> Vec<String> {
    let c = Cast(kind);
    let from = |t: &str| format!("{} o", legacy(kind, t));
    let nid = "(SELECT id FROM networks ORDER BY created_at LIMIT 1)";
    vec![
        format!(
            "INSERT INTO identities (id, nid, schema_id, traits, state, state_changed_at, metadata_public, metadata_admin, available_aal, organization_id, external_id, created_at, updated_at) SELECT {}, {nid}, o.schema_id, {}, o.state, {}, {}, {}, o.available_aal, {}, o.external_id, {}, {} FROM {}",
            c.uuid("o.id"),
            c.json("o.traits"),
            c.ts("o.state_changed_at"),
            c.json("o.metadata_public"),
            c.json("o.metadata_admin"),
            c.uuid("o.organization_id"),
            c.ts("o.created_at"),
            c.ts("o.updated_at"),
            from("identities")
        ),
        format!(
            "INSERT INTO identity_credentials (id, nid, identity_id, identity_credential_type_id, config, version, created_at, updated_at) SELECT {}, {nid}, {}, t.id, {}, o.version, {}, {} FROM {} JOIN identity_credential_types t ON t.name = o.type",
            c.uuid("o.id"),
            c.uuid("o.identity_id"),
            c.json("o.config"),
            c.ts("o.created_at"),
            c.ts("o.updated_at"),
            from("identity_credentials")
        ),
        format!(
            "INSERT INTO identity_credential_identifiers (id, nid, identity_id, identity_credential_id, identity_credential_type_id, identifier, created_at, updated_at) SELECT {}, {nid}, {}, {}, t.id, o.identifier, {}, {} FROM {} JOIN identity_credential_types t ON t.name = o.type",
            c.uuid("o.id"),
            c.uuid("o.identity_id"),
            c.uuid("o.identity_credential_id"),
            c.ts("o.created_at"),
            c.ts("o.updated_at"),
            from("identity_credential_identifiers")
        ),
        format!(
            "INSERT INTO identity_verifiable_addresses (id, nid, identity_id, status, via, verified, value, verified_at, created_at, updated_at) SELECT {}, {nid}, {}, o.status, o.via, {}, o.value, {}, {}, {} FROM {}",
            c.uuid("o.id"),
            c.uuid("o.identity_id"),
            c.boolean("o.verified"),
            c.ts("o.verified_at"),
            c.ts("o.created_at"),
            c.ts("o.updated_at"),
            from("identity_verifiable_addresses")
        ),
        format!(
            "INSERT INTO identity_recovery_addresses (id, nid, identity_id, via, value, created_at, updated_at) SELECT {}, {nid}, {}, o.via, o.value, {}, {} FROM {}",
            c.uuid("o.id"),
            c.uuid("o.identity_id"),
            c.ts("o.created_at"),
            c.ts("o.updated_at"),
            from("identity_recovery_addresses")
        ),
        format!(
            "INSERT INTO sessions (id, nid, identity_id, token, logout_token, active, aal, authentication_methods, issued_at, expires_at, authenticated_at, created_at, updated_at) SELECT {}, {nid}, {}, o.token, o.logout_token, {}, o.aal, {}, {}, {}, {}, {}, {} FROM {}",
            c.uuid("o.id"),
            c.uuid("o.identity_id"),
            c.boolean("o.active"),
            c.json("o.authentication_methods"),
            c.ts("o.issued_at"),
            c.ts("o.expires_at"),
            c.ts("o.authenticated_at"),
            c.ts("o.created_at"),
            c.ts("o.updated_at"),
            from("sessions")
        ),
        // Kratos allows one device per address and user agent in a session: the first one stays.
        format!(
            "INSERT INTO session_devices (id, nid, session_id, identity_id, ip_address, user_agent, location, created_at, updated_at) SELECT {}, {nid}, {}, {}, o.ip_address, o.user_agent, o.location, {}, {} FROM {} WHERE o.user_agent IS NULL OR o.id = (SELECT MIN(d.id) FROM {} d WHERE d.session_id = o.session_id AND d.ip_address = o.ip_address AND d.user_agent = o.user_agent)",
            c.uuid("o.id"),
            c.uuid("o.session_id"),
            c.uuid("o.identity_id"),
            c.ts("o.created_at"),
            c.ts("o.updated_at"),
            from("session_devices"),
            legacy(kind, "session_devices")
        ),
    ]
}

/// Converts the earlier schema on `conn`, which holds the migration lock (see
/// `SqlPersister::migrate`).
pub(super) async fn convert_on(
    p: &SqlPersister,
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
) -> Result<(), StoreError> {
    let kind = p.kind;
    let failed = |e: sqlx::Error| StoreError::Other(format!("converting the earlier schema: {e}"));
    let tables = p.table_names(&mut **conn).await?;
    if kind == DatabaseKind::Mysql
        && let Some(t) = tables.iter().find(|t| t.starts_with("hoplite_legacy_"))
    {
        return Err(StoreError::Other(format!(
            "an earlier conversion stopped half way: the old tables are under hoplite_legacy_* names ({t}, ...); restore the database from a backup and convert again"
        )));
    }
    let mut moves = Vec::new();
    match kind {
        DatabaseKind::Sqlite => {
            // The earlier indexes carry names Kratos's schema uses too (index names are global
            // in a SQLite file): gone before it is created.
            let indexes = sqlx::query(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            )
            .fetch_all(&mut **conn)
            .await
            .map_err(db_err)?;
            for index in &indexes {
                let name: String = index.try_get("name").map_err(db_err)?;
                moves.push(format!("DROP INDEX \"{name}\""));
            }
            for t in LEGACY_TABLES {
                moves.push(format!("ALTER TABLE {t} RENAME TO hoplite_legacy_{t}"));
            }
        }
        DatabaseKind::Postgres => {
            moves.push("CREATE SCHEMA hoplite_legacy".into());
            for t in LEGACY_TABLES {
                moves.push(format!("ALTER TABLE {t} SET SCHEMA hoplite_legacy"));
            }
        }
        DatabaseKind::Mysql => {
            for t in LEGACY_TABLES {
                moves.push(format!("RENAME TABLE {t} TO hoplite_legacy_{t}"));
            }
        }
    }
    let mut drops: Vec<String> = match kind {
        DatabaseKind::Postgres => vec!["DROP SCHEMA hoplite_legacy CASCADE".into()],
        // Children first, so no foreign key of the old tables stands in the way.
        _ => LEGACY_TABLES
            .iter()
            .rev()
            .map(|t| format!("DROP TABLE hoplite_legacy_{t}"))
            .collect(),
    };
    drops.push("DROP TABLE hoplite_migrations".into());
    for statement in moves {
        sqlx::query(AssertSqlSafe(statement))
            .execute(&mut **conn)
            .await
            .map_err(failed)?;
    }
    p.create_schema_on(conn).await?;
    for statement in copies(kind).into_iter().chain(drops) {
        sqlx::query(AssertSqlSafe(statement))
            .execute(&mut **conn)
            .await
            .map_err(failed)?;
    }
    Ok(())
}
