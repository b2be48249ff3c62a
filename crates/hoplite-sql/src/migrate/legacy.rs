//! hoplite's own schema before it took Kratos's (versions 1 to 6 in `hoplite_migrations`): kept
//! to recognise such a database and convert it ([`super::convert`]), and for the tests that build
//! one. Nothing creates this schema any more.

use hoplite_core::config::DatabaseKind;

/// Column type names per dialect.
struct Types {
    id: &'static str,
    text: &'static str,
    ts: &'static str,
    int: &'static str,
}

fn types(kind: DatabaseKind) -> Types {
    match kind {
        DatabaseKind::Sqlite => Types {
            id: "VARCHAR(36)",
            text: "TEXT",
            ts: "VARCHAR(32)",
            int: "BIGINT",
        },
        DatabaseKind::Postgres => Types {
            id: "VARCHAR(36)",
            text: "TEXT",
            ts: "VARCHAR(32)",
            int: "BIGINT",
        },
        DatabaseKind::Mysql => Types {
            id: "VARCHAR(36)",
            text: "MEDIUMTEXT",
            ts: "VARCHAR(32)",
            int: "BIGINT",
        },
    }
}

const V1: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS identities (
        id {ID} PRIMARY KEY,
        schema_id VARCHAR(255) NOT NULL,
        traits {TEXT} NOT NULL,
        state VARCHAR(32) NOT NULL,
        state_changed_at {TS} NULL,
        metadata_public {TEXT} NULL,
        metadata_admin {TEXT} NULL,
        available_aal VARCHAR(4) NULL,
        organization_id {ID} NULL,
        external_id VARCHAR(64) NULL UNIQUE,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS identity_credentials (
        id {ID} PRIMARY KEY,
        identity_id {ID} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
        type VARCHAR(32) NOT NULL,
        config {TEXT} NOT NULL,
        version {INT} NOT NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS identity_credential_identifiers (
        id {ID} PRIMARY KEY,
        identity_id {ID} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
        identity_credential_id {ID} NOT NULL REFERENCES identity_credentials(id) ON DELETE CASCADE,
        type VARCHAR(32) NOT NULL,
        identifier VARCHAR(255) NOT NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL,
        CONSTRAINT identity_credential_identifiers_type_identifier_uq UNIQUE (type, identifier))",
    "CREATE TABLE IF NOT EXISTS identity_verifiable_addresses (
        id {ID} PRIMARY KEY,
        identity_id {ID} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
        status VARCHAR(16) NOT NULL,
        via VARCHAR(16) NOT NULL,
        verified {INT} NOT NULL,
        value VARCHAR(400) NOT NULL,
        verified_at {TS} NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL,
        CONSTRAINT identity_verifiable_addresses_via_value_uq UNIQUE (via, value))",
    "CREATE TABLE IF NOT EXISTS identity_recovery_addresses (
        id {ID} PRIMARY KEY,
        identity_id {ID} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
        via VARCHAR(16) NOT NULL,
        value VARCHAR(400) NOT NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL,
        CONSTRAINT identity_recovery_addresses_via_value_uq UNIQUE (via, value))",
    "CREATE TABLE IF NOT EXISTS selfservice_registration_flows (
        id {ID} PRIMARY KEY,
        type VARCHAR(16) NOT NULL,
        issued_at {TS} NOT NULL,
        expires_at {TS} NOT NULL,
        request_url {TEXT} NOT NULL,
        active_method VARCHAR(32) NOT NULL,
        csrf_token {TEXT} NOT NULL,
        ui {TEXT} NOT NULL,
        internal_context {TEXT} NOT NULL,
        state VARCHAR(32) NOT NULL,
        organization_id {ID} NULL,
        identity_schema_id VARCHAR(128) NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sessions (
        id {ID} PRIMARY KEY,
        identity_id {ID} NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
        token VARCHAR(64) NOT NULL UNIQUE,
        logout_token VARCHAR(64) NOT NULL UNIQUE,
        active {INT} NOT NULL,
        aal VARCHAR(4) NOT NULL,
        authentication_methods {TEXT} NOT NULL,
        issued_at {TS} NOT NULL,
        expires_at {TS} NOT NULL,
        authenticated_at {TS} NOT NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS session_devices (
        id {ID} PRIMARY KEY,
        session_id {ID} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        identity_id {ID} NOT NULL,
        ip_address VARCHAR(50) NOT NULL,
        user_agent VARCHAR(512) NOT NULL,
        location VARCHAR(512) NOT NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS selfservice_errors (
        id {ID} PRIMARY KEY,
        errors {TEXT} NOT NULL,
        csrf_token {TEXT} NOT NULL,
        was_seen {INT} NOT NULL,
        seen_at {TS} NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS hoplite_values (
        name VARCHAR(128) PRIMARY KEY,
        value {TEXT} NOT NULL)",
];

/// Version 2: `session_devices.user_agent` becomes nullable, as in Kratos, so a request without a
/// `User-Agent` is stored (and served) as `null` rather than conflated with an empty header. A real
/// column change rather than a "" ↔ `None` mapping, because `User-Agent:` with an empty value is a
/// different request (Kratos answers `""` for it).
///
/// PostgreSQL and MySQL alter the column in place (both statements are no-ops when repeated).
/// SQLite cannot drop `NOT NULL`, so the table is rebuilt; the runner applies SQLite migrations in
/// one transaction, and the rebuild leaves the same table when repeated.
fn v2(kind: DatabaseKind) -> Vec<String> {
    match kind {
        DatabaseKind::Postgres => {
            vec!["ALTER TABLE session_devices ALTER COLUMN user_agent DROP NOT NULL".into()]
        }
        DatabaseKind::Mysql => {
            vec!["ALTER TABLE session_devices MODIFY user_agent VARCHAR(512) NULL".into()]
        }
        DatabaseKind::Sqlite => {
            let t = types(kind);
            let cols = "id, session_id, identity_id, ip_address, user_agent, location, created_at, updated_at";
            vec![
                "DROP TABLE IF EXISTS session_devices_v2".into(),
                format!(
                    "CREATE TABLE session_devices_v2 (
                        id {id} PRIMARY KEY,
                        session_id {id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                        identity_id {id} NOT NULL,
                        ip_address VARCHAR(50) NOT NULL,
                        user_agent VARCHAR(512) NULL,
                        location VARCHAR(512) NOT NULL,
                        created_at {ts} NOT NULL,
                        updated_at {ts} NOT NULL)",
                    id = t.id,
                    ts = t.ts
                ),
                format!(
                    "INSERT INTO session_devices_v2 ({cols}) SELECT {cols} FROM session_devices"
                ),
                "DROP TABLE session_devices".into(),
                "ALTER TABLE session_devices_v2 RENAME TO session_devices".into(),
            ]
        }
    }
}

/// The foreign-key columns version 3 indexes, as (index name, table, column). PostgreSQL and SQLite
/// never index a referencing column by themselves, and MySQL ignores inline `REFERENCES` (so it
/// never created the index an InnoDB foreign key would have); without these, loading an identity's
/// credentials, addresses and sessions scans whole tables. MariaDB does honour inline `REFERENCES`
/// and indexes the column itself; InnoDB drops such an implicit index once another index can serve
/// the foreign key, so there the column ends up with ours alone, not two. Index names are global
/// in a PostgreSQL schema, hence the table in every name.
pub const FOREIGN_KEY_INDEXES: &[(&str, &str, &str)] = &[
    (
        "identity_credentials_identity_id_idx",
        "identity_credentials",
        "identity_id",
    ),
    (
        "identity_credential_identifiers_identity_id_idx",
        "identity_credential_identifiers",
        "identity_id",
    ),
    (
        "identity_credential_identifiers_identity_credential_id_idx",
        "identity_credential_identifiers",
        "identity_credential_id",
    ),
    (
        "identity_verifiable_addresses_identity_id_idx",
        "identity_verifiable_addresses",
        "identity_id",
    ),
    (
        "identity_recovery_addresses_identity_id_idx",
        "identity_recovery_addresses",
        "identity_id",
    ),
    ("sessions_identity_id_idx", "sessions", "identity_id"),
    (
        "session_devices_identity_id_idx",
        "session_devices",
        "identity_id",
    ),
    (
        "session_devices_session_id_idx",
        "session_devices",
        "session_id",
    ),
];

/// `IF NOT EXISTS ` for `CREATE INDEX`, where the dialect has it (see [`v3`]).
fn index_if_not_exists(kind: DatabaseKind) -> &'static str {
    if kind == DatabaseKind::Mysql {
        ""
    } else {
        "IF NOT EXISTS "
    }
}

/// Version 3: indexes on the foreign-key columns ([`FOREIGN_KEY_INDEXES`]).
///
/// SQLite and PostgreSQL (and MariaDB) accept `CREATE INDEX IF NOT EXISTS`; MySQL 8 does not, so
/// MySQL gets a plain `CREATE INDEX` and the runner treats "duplicate key name" (error 1061) from an
/// index statement as done (see [`is_index_already_created`]). That is also why we do not ask
/// `information_schema` first: two instances starting together can both see the index missing, so
/// the duplicate error has to be tolerated anyway, and then the check adds nothing.
fn v3(kind: DatabaseKind) -> Vec<String> {
    let if_not_exists = index_if_not_exists(kind);
    FOREIGN_KEY_INDEXES
        .iter()
        .map(|(name, table, column)| {
            format!("CREATE INDEX {if_not_exists}{name} ON {table} ({column})")
        })
        .collect()
}

/// Version 5: `identities (organization_id, id)`, so that `GET /admin/identities?organization_id=`
/// reads one organization's identities in id order (keyset pagination) from the index instead of
/// scanning the table. Same idempotence as version 3.
fn v5(kind: DatabaseKind) -> Vec<String> {
    let if_not_exists = index_if_not_exists(kind);
    vec![format!(
        "CREATE INDEX {if_not_exists}identities_organization_id_idx ON identities (organization_id, id)"
    )]
}

/// Version 6: the session token exchange codes, in Kratos's columns (`session_token_exchanges`;
/// `nid` holds the nil id until Kratos's `networks` arrive), with Kratos's two indexes, and the
/// indexes the newest-first session lists read in order (Kratos's `sessions_list_idx` and
/// `sessions_list_identity_idx`, without `nid`). Same idempotence as version 3.
fn v6(kind: DatabaseKind) -> Vec<String> {
    let t = types(kind);
    let if_not_exists = index_if_not_exists(kind);
    vec![
        format!(
            "CREATE TABLE IF NOT EXISTS session_token_exchanges (
                id {id} PRIMARY KEY,
                nid {id} NOT NULL,
                flow_id {id} NOT NULL,
                session_id {id} NULL,
                init_code VARCHAR(64) NOT NULL,
                return_to_code VARCHAR(64) NOT NULL,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL)",
            id = t.id,
            ts = t.ts
        ),
        format!(
            "CREATE INDEX {if_not_exists}session_token_exchanges_nid_code_idx ON session_token_exchanges (init_code, nid)"
        ),
        format!(
            "CREATE INDEX {if_not_exists}session_token_exchanges_nid_flow_id_idx ON session_token_exchanges (flow_id, nid)"
        ),
        format!("CREATE INDEX {if_not_exists}sessions_list_idx ON sessions (created_at, id)"),
        format!(
            "CREATE INDEX {if_not_exists}sessions_list_identity_idx ON sessions (identity_id, created_at)"
        ),
    ]
}

/// Version 4: login flows (registration's columns plus `forced`, i.e. `refresh`, and
/// `requested_aal`).
const V4: &[&str] = &["CREATE TABLE IF NOT EXISTS selfservice_login_flows (
        id {ID} PRIMARY KEY,
        type VARCHAR(16) NOT NULL,
        issued_at {TS} NOT NULL,
        expires_at {TS} NOT NULL,
        request_url {TEXT} NOT NULL,
        active_method VARCHAR(32) NOT NULL,
        csrf_token {TEXT} NOT NULL,
        ui {TEXT} NOT NULL,
        internal_context {TEXT} NOT NULL,
        state VARCHAR(32) NOT NULL,
        forced {INT} NOT NULL,
        requested_aal VARCHAR(4) NOT NULL,
        organization_id {ID} NULL,
        identity_schema_id VARCHAR(128) NULL,
        created_at {TS} NOT NULL,
        updated_at {TS} NOT NULL)"];

/// Every migration as (version, statements) with the dialect's types filled in.
pub fn migrations(kind: DatabaseKind) -> Vec<(i64, Vec<String>)> {
    let t = types(kind);
    let render = |s: &&str| {
        s.replace("{ID}", t.id)
            .replace("{TEXT}", t.text)
            .replace("{TS}", t.ts)
            .replace("{INT}", t.int)
    };
    vec![
        (1, V1.iter().map(render).collect()),
        (2, v2(kind)),
        (3, v3(kind)),
        (4, V4.iter().map(render).collect()),
        (5, v5(kind)),
        (6, v6(kind)),
    ]
}
