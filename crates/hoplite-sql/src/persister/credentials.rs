//! Credential lookups and updates for sign-in (`ory/kratos:
//! persistence/sql/identity/persister_identity.go`, `FindByCredentialsIdentifier`).

use super::aggregate::{JsonRow, json_rows};
use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, s};
use crate::codec::db_err;
use hoplite_core::identity::Identity;
use hoplite_core::persistence::StoreError;
use time::OffsetDateTime;
use uuid::Uuid;

/// The owner of one credential identifier, by the `(type, identifier)` unique index.
/// The identity an identifier of a credential type belongs to: (network, type id, identifier),
/// answered by Kratos's unique index on those three columns.
pub(super) fn identifier_owner_sql(kind: hoplite_core::config::DatabaseKind) -> &'static str {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    SQL.get(kind, || format!(
        "SELECT {} FROM identity_credential_identifiers WHERE nid = ?::uuid AND identity_credential_type_id = ?::uuid AND identifier = ?",
        crate::codec::select_list(kind, None, "", &[("identity_id", crate::codec::Ty::Uuid)])
    ))
}

pub(super) async fn find_identity_by_identifier(
    p: &SqlPersister,
    credential_type: &str,
    candidates: &[String],
) -> Result<Option<Identity>, StoreError> {
    let type_id = super::identity::type_id(credential_type)?;
    // One point lookup per candidate on the (type, identifier) unique index, in preference order,
    // each answered with the whole identity; on MySQL, whose JSON arrays MariaDB builds slowly
    // (see `session::whoami_joined_rows`), with the owner's id, whose identity is read next.
    let mysql = p.kind == hoplite_core::config::DatabaseKind::Mysql;
    let sql = if mysql {
        identifier_owner_sql(p.kind)
    } else {
        identity_by_identifier_sql(p.kind)
    };
    for candidate in candidates {
        let row = sqlx::query(p.q(sql))
            .bind(p.nid()?)
            .bind(type_id)
            .bind(candidate)
            .fetch_optional_kept(p)
            .await?;
        let Some(r) = row else { continue };
        if mysql {
            let id = crate::codec::parse_uuid(&s(&r, "identity_id")?)?;
            return super::identity::get_identity(p, id).await;
        }
        return identity_from_aggregated_row(p, &r).map(Some);
    }
    Ok(None)
}

/// The names of the aggregated columns of [`identity_by_identifier_sql`], in the order
/// [`assemble_parts`](super::identity::assemble_parts) takes the parts.
const PART_COLUMNS: [&str; 4] = [
    "verifiable_json",
    "recovery_json",
    "identifiers_json",
    "credentials_json",
];

/// The identity an identifier of a credential type belongs to, with its addresses, credentials
/// and identifiers, in one statement (three placeholders: network, type id, identifier): the
/// identifier's row joined with its identity, each part a JSON array column.
pub(super) fn identity_by_identifier_sql(kind: hoplite_core::config::DatabaseKind) -> &'static str {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    SQL.get(kind, || {
        let parts: Vec<String> = super::identity::PART_QUERIES
            .iter()
            .zip(PART_COLUMNS)
            .map(|(part, name)| {
                let fields: Vec<&str> = part.cols.iter().map(|(c, _)| *c).collect();
                let from = format!(
                    "{} x WHERE {}",
                    part.table,
                    part.filter.replace("{ids}", "i.id")
                );
                format!("{} AS {name}", super::aggregate::json_array(kind, &fields, &from))
            })
            .collect();
        format!(
            "SELECT {}, {} FROM identity_credential_identifiers ci JOIN identities i ON i.id = ci.identity_id WHERE ci.nid = ?::uuid AND ci.identity_credential_type_id = ?::uuid AND ci.identifier = ?",
            crate::codec::select_list(kind, Some("i"), "", super::identity::IDENTITY_COLS),
            parts.join(", ")
        )
    })
}

/// The identity of a row of [`identity_by_identifier_sql`].
fn identity_from_aggregated_row<R: Fields>(
    p: &SqlPersister,
    r: &R,
) -> Result<Identity, StoreError> {
    let mut identity = super::identity::identity_from_row(p, r)?;
    let orders: [&[&str]; 4] = [&["id"], &["id"], &["identifier"], &["id"]];
    let mut parts: [Vec<JsonRow>; 4] = Default::default();
    for ((rows, column), order) in parts.iter_mut().zip(PART_COLUMNS).zip(orders) {
        *rows = json_rows(&s(r, column)?, order)?;
    }
    super::identity::assemble_parts(std::slice::from_mut(&mut identity), parts)?;
    Ok(identity)
}

pub(super) async fn update_credential_config(
    p: &SqlPersister,
    identity_id: Uuid,
    credential_type: &str,
    config: &serde_json::Value,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    sqlx::query(p.q(
        "UPDATE identity_credentials SET config = ?::json, updated_at = ?::ts WHERE identity_id = ?::uuid AND nid = ?::nid AND identity_credential_type_id = ?::uuid",
    ))
    .bind(json_text(config))
    .bind(p.ts(now))
    .bind(identity_id.to_string())
    .bind(p.nid()?)
    .bind(super::identity::type_id(credential_type)?)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    sqlx::query(p.q("UPDATE identities SET updated_at = ?::ts WHERE id = ?::uuid"))
        .bind(p.ts(now))
        .bind(identity_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}
