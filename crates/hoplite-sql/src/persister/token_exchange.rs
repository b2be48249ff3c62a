//! Session token exchange codes (`ory/kratos: persistence/sql/persister_sessiontokenexchanger.go`).

use super::{SqlPersister, opt, s};
use crate::codec::{Ty, db_err, parse_ts, parse_uuid};
use hoplite_core::persistence::StoreError;
use hoplite_core::session::token_exchange::Exchanger;

/// hoplite has one network until networks arrive with Kratos's schema; its rows carry the nil id.
pub(super) async fn create(p: &SqlPersister, e: &Exchanger) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO session_token_exchanges (id, nid, flow_id, session_id, init_code, return_to_code, created_at, updated_at) VALUES (?::uuid, ?::uuid, ?::uuid, ?::uuid, ?, ?, ?::ts, ?::ts)",
    ))
    .bind(e.id.to_string())
    .bind(p.nid()?)
    .bind(e.flow_id.to_string())
    .bind(e.session_id.map(|s| s.to_string()))
    .bind(&e.init_code)
    .bind(&e.return_to_code)
    .bind(p.ts(e.created_at))
    .bind(p.ts(e.created_at))
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
    let row = sqlx::query(p.q(&format!(
        "SELECT {} FROM session_token_exchanges WHERE nid = ?::uuid AND init_code = ? AND return_to_code = ? ORDER BY CASE WHEN session_id IS NULL THEN 1 ELSE 0 END LIMIT 1",
        p.cols(
            None,
            "",
            &[
                ("id", Ty::Uuid),
                ("flow_id", Ty::Uuid),
                ("session_id", Ty::Uuid),
                ("init_code", Ty::Plain),
                ("return_to_code", Ty::Plain),
                ("created_at", Ty::Ts),
            ]
        )
    )))
    .bind(p.nid()?)
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
