//! Link tokens of the verification and recovery flows (`ory/kratos:
//! persistence/sql/persister_verification.go`, `persister_recovery.go`): stored as an HMAC,
//! bound to one flow, consumed once with a conditional update.

use super::kept::OnKept;
use super::{SqlPersister, opt, s};
use crate::codec::{Ty, parse_ts, parse_uuid};
use hoplite_core::persistence::StoreError;
use hoplite_core::strategy::link::{LinkToken, TokenKind, UsedToken};
use time::OffsetDateTime;
use uuid::Uuid;

fn table(kind: TokenKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        TokenKind::Verification => (
            "identity_verification_tokens",
            "identity_verifiable_address_id",
            "selfservice_verification_flow_id",
        ),
        TokenKind::Recovery => (
            "identity_recovery_tokens",
            "identity_recovery_address_id",
            "selfservice_recovery_flow_id",
        ),
    }
}

pub(super) async fn create(
    p: &SqlPersister,
    kind: TokenKind,
    t: &LinkToken,
) -> Result<(), StoreError> {
    let (table, address, flow) = table(kind);
    let (extra_cols, extra_marks) = match kind {
        TokenKind::Verification => ("", ""),
        TokenKind::Recovery => (", identity_id, token_type", ", ?::uuid, ?"),
    };
    let sql = format!(
        "INSERT INTO {table} (id, token, used, used_at, expires_at, issued_at, {address}, {flow}, created_at, updated_at, nid{extra_cols}) VALUES (?::uuid, ?, ?, NULL, ?::ts, ?::ts, ?::uuid, ?::uuid, ?::ts, ?::ts, ?::uuid{extra_marks})"
    );
    let mut q = sqlx::query(p.q(&sql))
        .bind(t.id.to_string())
        .bind(t.token_hmac.clone())
        .bind(false)
        .bind(p.ts(t.expires_at))
        .bind(p.ts(t.issued_at))
        .bind(t.address_id.map(|a| a.to_string()))
        .bind(t.flow_id.to_string())
        .bind(p.ts(t.issued_at))
        .bind(p.ts(t.issued_at))
        .bind(p.nid()?);
    if kind == TokenKind::Recovery {
        q = q
            .bind(t.identity_id.map(|i| i.to_string()))
            .bind(t.token_type);
    }
    q.execute_kept(p).await?;
    Ok(())
}

pub(super) async fn use_token(
    p: &SqlPersister,
    kind: TokenKind,
    flow_id: Uuid,
    hmacs: &[String],
    now: OffsetDateTime,
) -> Result<Option<UsedToken>, StoreError> {
    if hmacs.is_empty() {
        return Ok(None);
    }
    let (table, address, flow) = table(kind);
    let mut cols = vec![
        ("id", Ty::Uuid),
        ("expires_at", Ty::Ts),
        (address, Ty::Uuid),
    ];
    if kind == TokenKind::Recovery {
        cols.extend([("identity_id", Ty::Uuid), ("token_type", Ty::Plain)]);
    }
    let marks = vec!["?"; hmacs.len()].join(", ");
    let sql = format!(
        "SELECT {} FROM {table} WHERE {flow} = ?::uuid AND nid = ?::uuid AND NOT used AND token IN ({marks})",
        crate::codec::select_list(p.kind, None, "", &cols),
    );
    let mut q = sqlx::query(p.q(&sql))
        .bind(flow_id.to_string())
        .bind(p.nid()?);
    for h in hmacs {
        q = q.bind(h.clone());
    }
    let Some(row) = q.fetch_optional_kept(p).await? else {
        return Ok(None);
    };
    let use_sql = format!(
        "UPDATE {table} SET used = ?, used_at = ?::ts WHERE id = ?::uuid AND nid = ?::uuid AND NOT used"
    );
    let done = sqlx::query(p.q(&use_sql))
        .bind(true)
        .bind(p.ts(now))
        .bind(s(&row, "id")?)
        .bind(p.nid()?)
        .execute_kept(p)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    let uuid_of = |c: &str| -> Result<Option<Uuid>, StoreError> {
        opt(&row, c)?.map(|v| parse_uuid(&v)).transpose()
    };
    let token_type = match kind {
        TokenKind::Verification => 0,
        TokenKind::Recovery => super::Fields::int(&row, "token_type")?,
    };
    Ok(Some(UsedToken {
        address_id: uuid_of(address)?,
        identity_id: match kind {
            TokenKind::Verification => None,
            TokenKind::Recovery => uuid_of("identity_id")?,
        },
        token_type,
        expires_at: parse_ts(&s(&row, "expires_at")?)?,
    }))
}
