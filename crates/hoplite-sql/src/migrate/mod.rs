//! hoplite's schema is Ory Kratos's: the tables, columns, types, defaults, indexes and
//! constraints Kratos's migrations produce at Kratos b86338da04a0, one file per dialect under
//! `src/schema/`, and the migration versions Kratos's migrator records in `schema_migration`
//! (`src/schema/versions.<dialect>.txt`). hoplite creates that final schema in one step on an
//! empty database and records every version, so that `kratos migrate sql` finds nothing to do;
//! on a database Kratos migrated to this version hoplite has nothing to do either.

pub mod legacy;

use hoplite_core::config::DatabaseKind;

/// The Kratos release whose schema this is, for messages.
pub const KRATOS_VERSION: &str = "Ory Kratos at commit b86338da04a0";

fn schema_text(kind: DatabaseKind) -> &'static str {
    match kind {
        DatabaseKind::Sqlite => include_str!("../schema/sqlite.sql"),
        DatabaseKind::Postgres => include_str!("../schema/postgres.sql"),
        DatabaseKind::Mysql => include_str!("../schema/mysql.sql"),
    }
}

fn versions_text(kind: DatabaseKind) -> &'static str {
    match kind {
        DatabaseKind::Sqlite => include_str!("../schema/versions.sqlite.txt"),
        DatabaseKind::Postgres => include_str!("../schema/versions.postgres.txt"),
        DatabaseKind::Mysql => include_str!("../schema/versions.mysql.txt"),
    }
}

/// The statements that create the schema on an empty database, in order.
pub fn schema_statements(kind: DatabaseKind) -> Vec<&'static str> {
    schema_text(kind)
        .split(";\n")
        .map(|chunk| {
            // Leading whole-line comments belong to no statement.
            let mut rest = chunk.trim_start();
            while rest.starts_with("--") {
                rest = rest
                    .split_once('\n')
                    .map(|(_, r)| r)
                    .unwrap_or("")
                    .trim_start();
            }
            rest.trim_end()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every migration version Kratos records on this dialect, ascending.
pub fn versions(kind: DatabaseKind) -> Vec<&'static str> {
    versions_text(kind)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The credential types Kratos's migrations seed, as (name, id): the same ids in every database.
pub const CREDENTIAL_TYPES: &[(&str, &str)] = &[
    ("password", "78c1b41d-8341-4507-aa60-aff1d4369670"),
    ("oidc", "6fa5e2e0-bfce-4631-b62b-cf2b0252b289"),
    ("totp", "5e29b036-aa47-457f-9fe6-aa8b854a752b"),
    ("lookup_secret", "567a0730-7f48-4dd7-a13d-df87a51c245f"),
    ("webauthn", "6b213fa0-e6ad-46cb-8878-b088d2ce2e3c"),
    ("code", "14f3b7e2-8725-4068-be39-8a796485fd97"),
    ("passkey", "8d0ca544-9bf6-45d3-bd75-0bbb3aeba3c7"),
    ("saml", "7bddcf6c-f50e-4a18-9b0f-429114c33419"),
    ("deviceauthn", "26433aa2-c33a-4870-85dc-230af354e0bf"),
];

/// The id of a credential type's row in `identity_credential_types`.
pub fn credential_type_id(name: &str) -> Option<&'static str> {
    CREDENTIAL_TYPES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, id)| *id)
}

/// The name of the credential type a row of `identity_credential_types` has.
pub fn credential_type_name(id: &str) -> Option<&'static str> {
    let id = id.trim();
    CREDENTIAL_TYPES
        .iter()
        .find(|(_, i)| i.eq_ignore_ascii_case(id))
        .map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_has_its_schema_and_versions() {
        for kind in [
            DatabaseKind::Sqlite,
            DatabaseKind::Postgres,
            DatabaseKind::Mysql,
        ] {
            let statements = schema_statements(kind);
            assert!(
                statements
                    .iter()
                    .any(|s| s.starts_with("CREATE TABLE") && s.contains("schema_migration")),
                "{kind:?}"
            );
            assert!(statements.iter().all(|s| !s.starts_with("--")), "{kind:?}");
            let v = versions(kind);
            let mut sorted = v.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(v, sorted, "{kind:?}: ascending, no duplicates");
            assert!(v.len() > 300, "{kind:?}");
        }
        assert_eq!(versions(DatabaseKind::Sqlite).len(), 696);
        assert_eq!(versions(DatabaseKind::Postgres).len(), 348);
    }

    #[test]
    fn credential_types_map_both_ways() {
        for (name, id) in CREDENTIAL_TYPES {
            assert_eq!(credential_type_id(name), Some(*id));
            assert_eq!(credential_type_name(id), Some(*name));
        }
    }
}
