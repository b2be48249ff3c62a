//! Self-service errors (`ory/kratos: persistence/sql/persister_errorx.go`).

use super::{SqlPersister, json_text, s};
use crate::codec::{Ty, db_err, parse_json, parse_ts};
use hoplite_core::persistence::{StoreError, StoredError};
use time::OffsetDateTime;
use uuid::Uuid;

pub(super) async fn create_error(p: &SqlPersister, e: &StoredError) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO selfservice_errors (id, nid, errors, csrf_token, was_seen, seen_at, created_at, updated_at) VALUES (?::uuid, ?::uuid, ?::rawjson, ?, ?, ?::ts, ?::ts, ?::ts)",
    ))
    .bind(e.id.to_string())
    .bind(p.nid()?)
    .bind(json_text(&e.error))
    .bind(&e.csrf_token)
    .bind(e.was_seen)
    .bind(e.seen_at.map(|t| p.ts(t)))
    .bind(p.ts(e.created_at))
    .bind(p.ts(e.updated_at))
    .execute(&p.pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

/// Reads an error and marks it seen, as Kratos's `Read` does.
pub(super) async fn read_error(
    p: &SqlPersister,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<Option<StoredError>, StoreError> {
    let row = sqlx::query(p.q(&format!(
        "SELECT {} FROM selfservice_errors WHERE id = ?::uuid AND nid = ?::nid",
        p.cols(
            None,
            "",
            &[
                ("errors", Ty::Json),
                ("csrf_token", Ty::Plain),
                ("created_at", Ty::Ts)
            ]
        )
    )))
    .bind(id.to_string())
    .bind(p.nid()?)
    .fetch_optional(&p.pool)
    .await
    .map_err(db_err)?;
    let Some(r) = row else { return Ok(None) };
    sqlx::query(
        p.q("UPDATE selfservice_errors SET was_seen = TRUE, seen_at = ?::ts, updated_at = ?::ts WHERE id = ?::uuid"),
    )
    .bind(p.ts(now))
    .bind(p.ts(now))
    .bind(id.to_string())
    .execute(&p.pool)
    .await
    .map_err(db_err)?;
    Ok(Some(StoredError {
        id,
        error: parse_json(&s(&r, "errors")?)?,
        csrf_token: s(&r, "csrf_token")?,
        was_seen: true,
        seen_at: Some(now),
        created_at: parse_ts(&s(&r, "created_at")?)?,
        updated_at: now,
    }))
}
