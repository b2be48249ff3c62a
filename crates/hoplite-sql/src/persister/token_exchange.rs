//! Session token exchange codes (`ory/kratos: persistence/sql/persister_sessiontokenexchanger.go`).

use super::{SqlPersister, opt, s};
use crate::codec::{db_err, parse_ts, parse_uuid, ts};
use hoplite_core::persistence::StoreError;
use hoplite_core::session::token_exchange::Exchanger;

/// hoplite has one network until networks arrive with Kratos's schema; its rows carry the nil id.
const NID: &str = "00000000-0000-0000-0000-000000000000";

pub(super) async fn create(p: &SqlPersister, e: &Exchanger) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO session_token_exchanges (id, nid, flow_id, session_id, init_code, return_to_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(e.id.to_string())
    .bind(NID)
    .bind(e.flow_id.to_string())
    .bind(e.session_id.map(|s| s.to_string()))
    .bind(&e.init_code)
    .bind(&e.return_to_code)
    .bind(ts(e.created_at))
    .bind(ts(e.created_at))
    .execute(&p.pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// The row both codes belong to; a row with a session first, as Kratos asks for one with a
/// session before it falls back to a pending one.
pub(super) async fn get(
    p: &SqlPersister,
    init_code: &str,
    return_to_code: &str,
) -> Result<Option<Exchanger>, StoreError> {
    if init_code.is_empty() || return_to_code.is_empty() {
        return Ok(None);
    }
    let row = sqlx::query(p.q(
        "SELECT id, flow_id, session_id, init_code, return_to_code, created_at FROM session_token_exchanges WHERE nid = ? AND init_code = ? AND return_to_code = ? ORDER BY CASE WHEN session_id IS NULL THEN 1 ELSE 0 END LIMIT 1",
    ))
    .bind(NID)
    .bind(init_code)
    .bind(return_to_code)
    .fetch_optional(&p.pool)
    .await
    .map_err(db_err)?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(Exchanger {
        id: parse_uuid(&s(&r, "id")?)?,
        flow_id: parse_uuid(&s(&r, "flow_id")?)?,
        session_id: opt(&r, "session_id")?.map(|v| parse_uuid(&v)).transpose()?,
        init_code: s(&r, "init_code")?,
        return_to_code: s(&r, "return_to_code")?,
        created_at: parse_ts(&s(&r, "created_at")?)?,
    }))
}
