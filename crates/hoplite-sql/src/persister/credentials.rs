//! Credential lookups and updates for sign-in (`ory/kratos:
//! persistence/sql/identity/persister_identity.go`, `FindByCredentialsIdentifier`).

use super::identity::get_identity;
use super::{SqlPersister, json_text, s};
use crate::codec::{db_err, parse_uuid, ts};
use hoplite_core::identity::Identity;
use hoplite_core::persistence::StoreError;
use time::OffsetDateTime;
use uuid::Uuid;

/// The owner of one credential identifier, by the `(type, identifier)` unique index.
pub(super) const IDENTIFIER_OWNER_SQL: &str =
    "SELECT identity_id FROM identity_credential_identifiers WHERE type = ? AND identifier = ?";

pub(super) async fn find_identity_by_identifier(
    p: &SqlPersister,
    credential_type: &str,
    candidates: &[String],
) -> Result<Option<Identity>, StoreError> {
    // One point lookup per candidate on the (type, identifier) unique index, in preference order.
    for candidate in candidates {
        let row = sqlx::query(p.q(IDENTIFIER_OWNER_SQL))
            .bind(credential_type)
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
        "UPDATE identity_credentials SET config = ?, updated_at = ? WHERE identity_id = ? AND type = ?",
    ))
    .bind(json_text(config))
    .bind(ts(now))
    .bind(identity_id.to_string())
    .bind(credential_type)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    sqlx::query(p.q("UPDATE identities SET updated_at = ? WHERE id = ?"))
        .bind(ts(now))
        .bind(identity_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}
