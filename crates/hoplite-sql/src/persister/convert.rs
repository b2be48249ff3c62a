//! Converts a database in hoplite's earlier schema (`hoplite_migrations`, versions 1 to 6: Kratos's
//! table names with columns of hoplite's own) to Kratos's, keeping every identity, credential,
//! identifier, address, session and device. Open flows, stored errors and token exchange codes
//! are short-lived and not carried over (a sign-up or sign-in in progress starts again).
//!
//! SQLite only, in one transaction: the old tables are renamed aside, Kratos's schema is created,
//! the rows are copied in Kratos's encodings (times as Kratos's driver writes them, the network id
//! on every row, credential types by id), and the old tables are dropped. A crash leaves the old
//! database as it was. PostgreSQL and MySQL databases of the earlier schema are refused with an
//! error that says so.

use super::SqlPersister;
use crate::codec::db_err;
use crate::migrate;
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

/// An earlier time column (`2026-01-02T03:04:05.123456Z`) as Kratos's SQLite driver writes times
/// (`2026-01-02 03:04:05.123456+00:00`).
fn ts(column: &str) -> String {
    format!("replace(replace({column}, 'T', ' '), 'Z', '+00:00')")
}

/// The row copies, old table `o.` into Kratos's, in foreign-key order.
fn copies() -> Vec<String> {
    let nid = "(SELECT id FROM networks ORDER BY created_at LIMIT 1)";
    vec![
        format!(
            "INSERT INTO identities (id, nid, schema_id, traits, state, state_changed_at, metadata_public, metadata_admin, available_aal, organization_id, external_id, created_at, updated_at) SELECT o.id, {nid}, o.schema_id, o.traits, o.state, {}, o.metadata_public, o.metadata_admin, o.available_aal, o.organization_id, o.external_id, {}, {} FROM hoplite_legacy_identities o",
            ts("o.state_changed_at"),
            ts("o.created_at"),
            ts("o.updated_at")
        ),
        format!(
            "INSERT INTO identity_credentials (id, nid, identity_id, identity_credential_type_id, config, version, created_at, updated_at) SELECT o.id, {nid}, o.identity_id, t.id, o.config, o.version, {}, {} FROM hoplite_legacy_identity_credentials o JOIN identity_credential_types t ON t.name = o.type",
            ts("o.created_at"),
            ts("o.updated_at")
        ),
        format!(
            "INSERT INTO identity_credential_identifiers (id, nid, identity_id, identity_credential_id, identity_credential_type_id, identifier, created_at, updated_at) SELECT o.id, {nid}, o.identity_id, o.identity_credential_id, t.id, o.identifier, {}, {} FROM hoplite_legacy_identity_credential_identifiers o JOIN identity_credential_types t ON t.name = o.type",
            ts("o.created_at"),
            ts("o.updated_at")
        ),
        format!(
            "INSERT INTO identity_verifiable_addresses (id, nid, identity_id, status, via, verified, value, verified_at, created_at, updated_at) SELECT o.id, {nid}, o.identity_id, o.status, o.via, o.verified, o.value, {}, {}, {} FROM hoplite_legacy_identity_verifiable_addresses o",
            ts("o.verified_at"),
            ts("o.created_at"),
            ts("o.updated_at")
        ),
        format!(
            "INSERT INTO identity_recovery_addresses (id, nid, identity_id, via, value, created_at, updated_at) SELECT o.id, {nid}, o.identity_id, o.via, o.value, {}, {} FROM hoplite_legacy_identity_recovery_addresses o",
            ts("o.created_at"),
            ts("o.updated_at")
        ),
        format!(
            "INSERT INTO sessions (id, nid, identity_id, token, logout_token, active, aal, authentication_methods, issued_at, expires_at, authenticated_at, created_at, updated_at) SELECT o.id, {nid}, o.identity_id, o.token, o.logout_token, o.active, o.aal, o.authentication_methods, {}, {}, {}, {}, {} FROM hoplite_legacy_sessions o",
            ts("o.issued_at"),
            ts("o.expires_at"),
            ts("o.authenticated_at"),
            ts("o.created_at"),
            ts("o.updated_at")
        ),
        // Kratos allows one device per address and user agent in a session: the first one stays.
        format!(
            "INSERT INTO session_devices (id, nid, session_id, identity_id, ip_address, user_agent, location, created_at, updated_at) SELECT o.id, {nid}, o.session_id, o.identity_id, o.ip_address, o.user_agent, o.location, {}, {} FROM hoplite_legacy_session_devices o WHERE o.user_agent IS NULL OR o.id = (SELECT MIN(d.id) FROM hoplite_legacy_session_devices d WHERE d.session_id = o.session_id AND d.ip_address = o.ip_address AND d.user_agent = o.user_agent)",
            ts("o.created_at"),
            ts("o.updated_at")
        ),
    ]
}

pub(super) async fn convert(p: &SqlPersister, applied: &[i64]) -> Result<(), StoreError> {
    if p.kind != DatabaseKind::Sqlite {
        return Err(StoreError::Other(format!(
            "this database has hoplite's earlier schema (versions {applied:?} in hoplite_migrations); hoplite converts that schema to Kratos's on SQLite only so far: export the identities with `hoplite identities list` from the earlier release and import them into an empty database"
        )));
    }
    let failed = |e: sqlx::Error| StoreError::Other(format!("converting the earlier schema: {e}"));
    let mut conn = p.pool.acquire().await.map_err(failed)?;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(failed)?;
    let result = async {
        // Another process may have converted it meanwhile.
        let still_legacy = sqlx::query(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'hoplite_migrations'",
        )
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?
        .try_get::<i64, _>("n")
        .map_err(db_err)?;
        if still_legacy == 0 {
            return Ok(());
        }
        // The earlier indexes carry names Kratos's schema uses too: gone before it is created.
        let indexes = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
        for index in &indexes {
            let name: String = index.try_get("name").map_err(db_err)?;
            sqlx::query(AssertSqlSafe(format!("DROP INDEX \"{name}\"")))
                .execute(&mut *conn)
                .await
                .map_err(failed)?;
        }
        for table in LEGACY_TABLES {
            sqlx::query(AssertSqlSafe(format!(
                "ALTER TABLE {table} RENAME TO hoplite_legacy_{table}"
            )))
            .execute(&mut *conn)
            .await
            .map_err(failed)?;
        }
        p.create_schema_on(&mut conn).await?;
        for copy in copies() {
            sqlx::query(AssertSqlSafe(copy))
                .execute(&mut *conn)
                .await
                .map_err(failed)?;
        }
        // Children first, so no foreign key of the old tables stands in the way.
        for table in LEGACY_TABLES.iter().rev() {
            sqlx::query(AssertSqlSafe(format!("DROP TABLE hoplite_legacy_{table}")))
                .execute(&mut *conn)
                .await
                .map_err(failed)?;
        }
        sqlx::query("DROP TABLE hoplite_migrations")
            .execute(&mut *conn)
            .await
            .map_err(failed)?;
        Ok::<(), StoreError>(())
    }
    .await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = sqlx::query(end).execute(&mut *conn).await.map_err(failed);
    result?;
    ended?;
    tracing::info!(
        from = ?applied,
        "converted hoplite's earlier schema to the schema of {}",
        migrate::KRATOS_VERSION
    );
    Ok(())
}
