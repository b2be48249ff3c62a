//! One-time codes of the verification and recovery flows (`ory/kratos:
//! persistence/sql/persister_code.go` `useOneTimeCode`): each attempt counts on the flow before
//! anything is looked up, and a live code is consumed with a conditional update.

use super::kept::OnKept;
use super::{SqlPersister, opt, s};
use crate::codec::Ty;
use hoplite_core::persistence::StoreError;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a flow's codes live.
pub(super) struct Codes {
    /// The flow table (with `submit_count`).
    pub flows: &'static str,
    /// The code table.
    pub table: &'static str,
    /// The code table's HMAC column.
    pub hmac: &'static str,
    /// The code table's flow column.
    pub flow: &'static str,
    /// Further columns the caller reads from the matching code.
    pub read: &'static [(&'static str, Ty)],
}

/// What an attempt found.
pub(super) enum Attempt {
    TooOften,
    NotFound,
    AlreadyUsed,
    /// The code's row (its `read` columns), now used up.
    Used(AnyRow),
}

pub(super) async fn delete_codes(
    p: &SqlPersister,
    c: &Codes,
    flow_id: Uuid,
) -> Result<(), StoreError> {
    let sql = format!(
        "DELETE FROM {} WHERE {} = ?::uuid AND nid = ?::uuid",
        c.table, c.flow
    );
    sqlx::query(p.q(&sql))
        .bind(flow_id.to_string())
        .bind(p.nid()?)
        .execute_kept(p)
        .await?;
    Ok(())
}

pub(super) async fn attempt(
    p: &SqlPersister,
    c: &Codes,
    flow_id: Uuid,
    hmacs: &[String],
    now: OffsetDateTime,
    max_submissions: i64,
) -> Result<Attempt, StoreError> {
    let count_sql = format!(
        "UPDATE {} SET submit_count = submit_count + 1 WHERE id = ?::uuid AND nid = ?::nid",
        c.flows
    );
    sqlx::query(p.q(&count_sql))
        .bind(flow_id.to_string())
        .bind(p.nid()?)
        .execute_kept(p)
        .await?;
    let read_sql = format!(
        "SELECT submit_count FROM {} WHERE id = ?::uuid AND nid = ?::nid",
        c.flows
    );
    let row = sqlx::query(p.q(&read_sql))
        .bind(flow_id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    let count = match row {
        Some(r) => super::Fields::int(&r, "submit_count")?,
        None => return Ok(Attempt::NotFound),
    };
    if count > max_submissions {
        return Ok(Attempt::TooOften);
    }
    if hmacs.is_empty() {
        return Ok(Attempt::NotFound);
    }
    let mut cols = vec![("id", Ty::Uuid), ("used_at", Ty::Ts)];
    cols.extend_from_slice(c.read);
    let marks = vec!["?"; hmacs.len()].join(", ");
    let sql = format!(
        "SELECT {} FROM {} WHERE {} = ?::uuid AND nid = ?::uuid AND expires_at > ?::ts AND {} IN ({marks})",
        crate::codec::select_list(p.kind, None, "", &cols),
        c.table,
        c.flow,
        c.hmac
    );
    let mut q = sqlx::query(p.q(&sql))
        .bind(flow_id.to_string())
        .bind(p.nid()?)
        .bind(p.ts(now));
    for h in hmacs {
        q = q.bind(h.clone());
    }
    let Some(row) = q.fetch_optional_kept(p).await? else {
        return Ok(Attempt::NotFound);
    };
    if opt(&row, "used_at")?.is_some() {
        return Ok(Attempt::AlreadyUsed);
    }
    let use_sql = format!(
        "UPDATE {} SET used_at = ?::ts, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::uuid AND used_at IS NULL",
        c.table
    );
    let done = sqlx::query(p.q(&use_sql))
        .bind(p.ts(now))
        .bind(p.ts(now))
        .bind(s(&row, "id")?)
        .bind(p.nid()?)
        .execute_kept(p)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(Attempt::AlreadyUsed);
    }
    Ok(Attempt::Used(row))
}

/// The address (of `table`) with this channel and value: its id and its identity's.
pub(super) async fn find_address(
    p: &SqlPersister,
    table: &str,
    via: &str,
    value: &str,
) -> Result<Option<(Uuid, Uuid)>, StoreError> {
    let sql = format!(
        "SELECT {} FROM {table} WHERE nid = ?::uuid AND via = ? AND value = ?",
        crate::codec::select_list(
            p.kind,
            None,
            "",
            &[("id", Ty::Uuid), ("identity_id", Ty::Uuid)]
        )
    );
    let row = sqlx::query(p.q(&sql))
        .bind(p.nid()?)
        .bind(via.to_string())
        .bind(value.to_string())
        .fetch_optional_kept(p)
        .await?;
    row.map(|r| {
        Ok((
            crate::codec::parse_uuid(&s(&r, "id")?)?,
            crate::codec::parse_uuid(&s(&r, "identity_id")?)?,
        ))
    })
    .transpose()
}
