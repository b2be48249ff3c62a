//! Self-service errors (`ory/kratos: persistence/sql/persister_errorx.go`).

use super::{SqlPersister, json_text, s};
use crate::codec::{db_err, parse_json, parse_ts, ts};
use hoplite_core::persistence::{StoreError, StoredError};
use time::OffsetDateTime;
use uuid::Uuid;

pub(super) async fn create_error(p: &SqlPersister, e: &StoredError) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO selfservice_errors (id, errors, csrf_token, was_seen, seen_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(e.id.to_string())
    .bind(json_text(&e.error))
    .bind(&e.csrf_token)
    .bind(i64::from(e.was_seen))
    .bind(e.seen_at.map(ts))
    .bind(ts(e.created_at))
    .bind(ts(e.updated_at))
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
    let row = sqlx::query(
        p.q("SELECT id, errors, csrf_token, created_at FROM selfservice_errors WHERE id = ?"),
    )
    .bind(id.to_string())
    .fetch_optional(&p.pool)
    .await
    .map_err(db_err)?;
    let Some(r) = row else { return Ok(None) };
    sqlx::query(
        p.q("UPDATE selfservice_errors SET was_seen = 1, seen_at = ?, updated_at = ? WHERE id = ?"),
    )
    .bind(ts(now))
    .bind(ts(now))
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
