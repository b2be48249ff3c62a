//! Verification flows, codes and address states (`ory/kratos:
//! persistence/sql/persister_verification.go`, `persister_verification_code.go`).

use super::batch::Write;
use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, opt, s};
use crate::codec::{Ty, parse_json, parse_ts, parse_uuid};
use hoplite_core::flow::FlowType;
use hoplite_core::flow::return_to::return_to_of;
use hoplite_core::flow::verification::VerificationFlow;
use hoplite_core::persistence::StoreError;
use hoplite_core::strategy::code::{CodeUse, VerificationCode};
use time::OffsetDateTime;
use uuid::Uuid;

fn ui_text(f: &VerificationFlow) -> String {
    serde_json::to_string(&f.ui).expect("ui serialises")
}

fn active(f: &VerificationFlow) -> Option<String> {
    Some(f.active.clone()).filter(|a| !a.is_empty())
}

pub(super) async fn create_flow(p: &SqlPersister, f: &VerificationFlow) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO selfservice_verification_flows (id, request_url, issued_at, expires_at, csrf_token, created_at, updated_at, type, state, active_method, ui, nid, submit_count, internal_context) VALUES (?::uuid, ?, ?::ts, ?::ts, ?, ?::ts, ?::ts, ?, ?, ?, ?::json, ?::uuid, 0, ?::json)",
    ))
    .bind(f.id.to_string())
    .bind(&f.request_url)
    .bind(p.ts(f.issued_at))
    .bind(p.ts(f.expires_at))
    .bind(&f.csrf_token)
    .bind(p.ts(f.created_at))
    .bind(p.ts(f.updated_at))
    .bind(f.flow_type.as_str())
    .bind(&f.state)
    .bind(active(f))
    .bind(ui_text(f))
    .bind(p.nid()?)
    .bind(json_text(&f.internal_context))
    .execute_kept(p)
    .await?;
    Ok(())
}

const FLOW_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("request_url", Ty::Plain),
    ("issued_at", Ty::Ts),
    ("expires_at", Ty::Ts),
    ("csrf_token", Ty::Plain),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
    ("type", Ty::Plain),
    ("state", Ty::Plain),
    ("active_method", Ty::Plain),
    ("ui", Ty::Json),
    ("internal_context", Ty::Json),
];

pub(super) async fn get_flow(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<VerificationFlow>, StoreError> {
    let sql = format!(
        "SELECT {} FROM selfservice_verification_flows WHERE id = ?::uuid AND nid = ?::nid",
        crate::codec::select_list(p.kind, None, "", FLOW_COLS)
    );
    let row = sqlx::query(p.q(&sql))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    row.map(|r| flow_from_row(&r)).transpose()
}

fn flow_from_row<R: Fields>(row: &R) -> Result<VerificationFlow, StoreError> {
    let request_url = s(row, "request_url")?;
    Ok(VerificationFlow {
        id: parse_uuid(&s(row, "id")?)?,
        flow_type: if s(row, "type")? == "api" {
            FlowType::Api
        } else {
            FlowType::Browser
        },
        expires_at: parse_ts(&s(row, "expires_at")?)?,
        issued_at: parse_ts(&s(row, "issued_at")?)?,
        return_to: return_to_of(&request_url),
        request_url,
        active: opt(row, "active_method")?.unwrap_or_default(),
        ui: serde_json::from_str(&opt(row, "ui")?.unwrap_or_else(|| "null".into()))
            .map_err(|e| StoreError::Other(format!("bad ui column: {e}")))?,
        state: s(row, "state")?,
        transient_payload: None,
        csrf_token: s(row, "csrf_token")?,
        internal_context: opt(row, "internal_context")?
            .map(|c| parse_json(&c))
            .transpose()?
            .unwrap_or_else(|| serde_json::json!({})),
        created_at: parse_ts(&s(row, "created_at")?)?,
        updated_at: parse_ts(&s(row, "updated_at")?)?,
    })
}

pub(super) async fn update_flow(p: &SqlPersister, f: &VerificationFlow) -> Result<(), StoreError> {
    let write = Write::new(
        "UPDATE selfservice_verification_flows SET request_url = ?, csrf_token = ?, state = ?, active_method = ?, ui = ?::json, internal_context = ?::json, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    )
    .arg(&f.request_url)
    .arg(&f.csrf_token)
    .arg(&f.state)
    .arg(active(f))
    .arg(ui_text(f))
    .arg(json_text(&f.internal_context))
    .arg(p.ts(f.updated_at))
    .arg(f.id.to_string())
    .arg(p.nid()?);
    super::batch::run_together(p, &[write]).await
}

pub(super) async fn delete_codes(p: &SqlPersister, flow_id: Uuid) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "DELETE FROM identity_verification_codes WHERE selfservice_verification_flow_id = ?::uuid AND nid = ?::uuid",
    ))
    .bind(flow_id.to_string())
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn create_code(p: &SqlPersister, c: &VerificationCode) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO identity_verification_codes (id, code_hmac, used_at, identity_verifiable_address_id, expires_at, issued_at, selfservice_verification_flow_id, created_at, updated_at, nid) VALUES (?::uuid, ?, NULL, ?::uuid, ?::ts, ?::ts, ?::uuid, ?::ts, ?::ts, ?::uuid)",
    ))
    .bind(c.id.to_string())
    .bind(&c.code_hmac)
    .bind(c.address_id.to_string())
    .bind(p.ts(c.expires_at))
    .bind(p.ts(c.issued_at))
    .bind(c.flow_id.to_string())
    .bind(p.ts(c.issued_at))
    .bind(p.ts(c.issued_at))
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn use_code(
    p: &SqlPersister,
    flow_id: Uuid,
    hmacs: &[String],
    now: OffsetDateTime,
    max_submissions: i64,
) -> Result<CodeUse, StoreError> {
    // The attempt counts before anything is looked up, whatever was sent.
    sqlx::query(p.q(
        "UPDATE selfservice_verification_flows SET submit_count = submit_count + 1 WHERE id = ?::uuid AND nid = ?::nid",
    ))
    .bind(flow_id.to_string())
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    let row = sqlx::query(p.q(
        "SELECT submit_count FROM selfservice_verification_flows WHERE id = ?::uuid AND nid = ?::nid",
    ))
    .bind(flow_id.to_string())
    .bind(p.nid()?)
    .fetch_optional_kept(p)
    .await?;
    let count = match row {
        Some(r) => r.int("submit_count")?,
        None => return Ok(CodeUse::NotFound),
    };
    if count > max_submissions {
        return Ok(CodeUse::TooOften);
    }
    if hmacs.is_empty() {
        return Ok(CodeUse::NotFound);
    }
    let marks = vec!["?"; hmacs.len()].join(", ");
    let sql = format!(
        "SELECT {} FROM identity_verification_codes WHERE selfservice_verification_flow_id = ?::uuid AND nid = ?::uuid AND expires_at > ?::ts AND code_hmac IN ({marks})",
        crate::codec::select_list(
            p.kind,
            None,
            "",
            &[
                ("id", Ty::Uuid),
                ("identity_verifiable_address_id", Ty::Uuid),
                ("used_at", Ty::Ts)
            ]
        )
    );
    let mut q = sqlx::query(p.q(&sql))
        .bind(flow_id.to_string())
        .bind(p.nid()?)
        .bind(p.ts(now));
    for h in hmacs {
        q = q.bind(h.clone());
    }
    let Some(row) = q.fetch_optional_kept(p).await? else {
        return Ok(CodeUse::NotFound);
    };
    if opt(&row, "used_at")?.is_some() {
        return Ok(CodeUse::AlreadyUsed);
    }
    let id = s(&row, "id")?;
    let Some(address) = opt(&row, "identity_verifiable_address_id")? else {
        return Ok(CodeUse::NotFound);
    };
    let done = sqlx::query(p.q(
        "UPDATE identity_verification_codes SET used_at = ?::ts, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::uuid AND used_at IS NULL",
    ))
    .bind(p.ts(now))
    .bind(p.ts(now))
    .bind(id)
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(CodeUse::AlreadyUsed);
    }
    Ok(CodeUse::Used {
        address_id: parse_uuid(&address)?,
    })
}

pub(super) async fn find_address(
    p: &SqlPersister,
    via: &str,
    value: &str,
) -> Result<Option<(Uuid, Uuid)>, StoreError> {
    let sql = format!(
        "SELECT {} FROM identity_verifiable_addresses WHERE nid = ?::uuid AND via = ? AND value = ?",
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
            parse_uuid(&s(&r, "id")?)?,
            parse_uuid(&s(&r, "identity_id")?)?,
        ))
    })
    .transpose()
}

pub(super) async fn update_address_status(
    p: &SqlPersister,
    id: Uuid,
    status: &str,
    verified_at: Option<OffsetDateTime>,
    _now: OffsetDateTime,
) -> Result<(), StoreError> {
    // Kratos writes only these columns (`updated_at` stays).
    match verified_at {
        Some(at) => {
            sqlx::query(p.q(
                "UPDATE identity_verifiable_addresses SET status = ?, verified = ?, verified_at = ?::ts WHERE id = ?::uuid AND nid = ?::uuid",
            ))
            .bind(status.to_string())
            .bind(true)
            .bind(p.ts(at))
            .bind(id.to_string())
            .bind(p.nid()?)
            .execute_kept(p)
            .await?;
        }
        None => {
            sqlx::query(p.q(
                "UPDATE identity_verifiable_addresses SET status = ? WHERE id = ?::uuid AND nid = ?::uuid",
            ))
            .bind(status.to_string())
            .bind(id.to_string())
            .bind(p.nid()?)
            .execute_kept(p)
            .await?;
        }
    }
    Ok(())
}
