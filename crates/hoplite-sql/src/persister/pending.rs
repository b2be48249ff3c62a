//! Profile changes waiting for their new address to be verified
//! (`identity_pending_traits_changes`, `ory/kratos: persistence/sql/persister_pending_traits_change.go`).

use super::kept::OnKept;
use super::{SqlPersister, json_text, opt, s};
use crate::codec::{Ty, parse_json, parse_ts, parse_uuid};
use hoplite_core::identity::pending::PendingTraitsChange;
use hoplite_core::persistence::StoreError;
use uuid::Uuid;

const COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("identity_id", Ty::Uuid),
    ("new_address_value", Ty::Plain),
    ("new_address_via", Ty::Plain),
    ("original_traits_hash", Ty::Plain),
    ("proposed_traits", Ty::Json),
    ("verification_flow_id", Ty::Uuid),
    ("status", Ty::Plain),
    ("session_id", Ty::Uuid),
    ("origin_settings_flow_id", Ty::Uuid),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
];

pub(super) async fn create(p: &SqlPersister, c: &PendingTraitsChange) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO identity_pending_traits_changes (id, identity_id, nid, new_address_value, new_address_via, original_traits_hash, proposed_traits, verification_flow_id, status, created_at, updated_at, session_id, origin_settings_flow_id) VALUES (?::uuid, ?::uuid, ?::uuid, ?, ?, ?, ?::rawjson, ?::uuid, ?, ?::ts, ?::ts, ?::uuid, ?::uuid)",
    ))
    .bind(c.id.to_string())
    .bind(c.identity_id.to_string())
    .bind(p.nid()?)
    .bind(c.new_address_value.clone())
    .bind(c.new_address_via.clone())
    .bind(c.original_traits_hash.clone())
    .bind(json_text(&c.proposed_traits))
    .bind(c.verification_flow_id.to_string())
    .bind(c.status.clone())
    .bind(p.ts(c.created_at))
    .bind(p.ts(c.updated_at))
    .bind(c.session_id.map(|i| i.to_string()))
    .bind(c.origin_settings_flow_id.map(|i| i.to_string()))
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn of_verification_flow(
    p: &SqlPersister,
    flow_id: Uuid,
) -> Result<Option<PendingTraitsChange>, StoreError> {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    let sql = SQL.get(p.kind, || {
        format!(
            "SELECT {} FROM identity_pending_traits_changes WHERE verification_flow_id = ?::uuid AND nid = ?::uuid",
            crate::codec::select_list(p.kind, None, "", COLS)
        )
    });
    let row = sqlx::query(p.q(sql))
        .bind(flow_id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let uuid_opt = |c: &str| -> Result<Option<Uuid>, StoreError> {
        opt(&r, c)?.map(|v| parse_uuid(&v)).transpose()
    };
    Ok(Some(PendingTraitsChange {
        id: parse_uuid(&s(&r, "id")?)?,
        identity_id: parse_uuid(&s(&r, "identity_id")?)?,
        new_address_value: s(&r, "new_address_value")?,
        new_address_via: s(&r, "new_address_via")?,
        original_traits_hash: s(&r, "original_traits_hash")?,
        proposed_traits: parse_json(&s(&r, "proposed_traits")?)?,
        verification_flow_id: parse_uuid(&s(&r, "verification_flow_id")?)?,
        status: s(&r, "status")?,
        session_id: uuid_opt("session_id")?,
        origin_settings_flow_id: uuid_opt("origin_settings_flow_id")?,
        created_at: parse_ts(&s(&r, "created_at")?)?,
        updated_at: parse_ts(&s(&r, "updated_at")?)?,
    }))
}

pub(super) async fn delete_of_identity(
    p: &SqlPersister,
    identity_id: Uuid,
) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "DELETE FROM identity_pending_traits_changes WHERE identity_id = ?::uuid AND nid = ?::uuid",
    ))
    .bind(identity_id.to_string())
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    Ok(())
}
