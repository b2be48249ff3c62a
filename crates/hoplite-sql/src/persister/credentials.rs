//! Credential lookups and updates for sign-in (`ory/kratos:
//! persistence/sql/identity/persister_identity.go`, `FindByCredentialsIdentifier`).

use super::identity::get_identity;
use super::{SqlPersister, json_text, s};
use crate::codec::{db_err, parse_uuid};
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
    // One point lookup per candidate on the (type, identifier) unique index, in preference order.
    let sql = identifier_owner_sql(p.kind);
    let type_id = super::identity::type_id(credential_type)?;
    for candidate in candidates {
        let row = sqlx::query(p.q(sql))
            .bind(p.nid()?)
            .bind(type_id)
            .bind(candidate)
            .fetch_optional(&p.pool)
            .await
            .map_err(db_err)?;
        if let Some(r) = row {
            let id = parse_uuid(&s(&r, "identity_id")?)?;
            return get_identity(p, id).await;
        }
    }
    Ok(None)
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
        "UPDATE identity_credentials SET config = ?::json, updated_at = ?::ts WHERE identity_id = ?::uuid AND nid = ?::uuid AND identity_credential_type_id = ?::uuid",
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
