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
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    let sql = SQL.get(p.kind, || {
        format!(
            "SELECT {} FROM selfservice_verification_flows WHERE id = ?::uuid AND nid = ?::nid",
            crate::codec::select_list(p.kind, None, "", FLOW_COLS)
        )
    });
    let row = sqlx::query(p.q(sql))
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

/// Verification codes (`identity_verification_codes`).
const CODES: super::onetime::Codes = super::onetime::Codes {
    flows: "selfservice_verification_flows",
    table: "identity_verification_codes",
    hmac: "code_hmac",
    flow: "selfservice_verification_flow_id",
    read: &[("identity_verifiable_address_id", Ty::Uuid)],
};

pub(super) async fn delete_codes(p: &SqlPersister, flow_id: Uuid) -> Result<(), StoreError> {
    super::onetime::delete_codes(p, &CODES, flow_id).await
}

pub(super) async fn create_code(p: &SqlPersister, c: &VerificationCode) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO identity_verification_codes (id, code_hmac, used_at, identity_verifiable_address_id, expires_at, issued_at, selfservice_verification_flow_id, created_at, updated_at, nid) VALUES (?::uuid, ?, NULL, ?::uuid, ?::ts, ?::ts, ?::uuid, ?::ts, ?::ts, ?::uuid)",
    ))
    .bind(c.id.to_string())
    .bind(&c.code_hmac)
    .bind(c.address_id.map(|a| a.to_string()))
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
    use super::onetime::Attempt;
    Ok(
        match super::onetime::attempt(p, &CODES, flow_id, hmacs, now, max_submissions).await? {
            Attempt::TooOften => CodeUse::TooOften,
            Attempt::NotFound => CodeUse::NotFound,
            Attempt::AlreadyUsed => CodeUse::AlreadyUsed,
            Attempt::Used(row) => CodeUse::Used {
                address_id: opt(&row, "identity_verifiable_address_id")?
                    .map(|a| parse_uuid(&a))
                    .transpose()?,
            },
        },
    )
}

pub(super) async fn find_address(
    p: &SqlPersister,
    via: &str,
    value: &str,
) -> Result<Option<(Uuid, Uuid)>, StoreError> {
    super::onetime::find_address(p, "identity_verifiable_addresses", via, value).await
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

/// The channel of a verifiable address.
pub(super) async fn address_via(p: &SqlPersister, id: Uuid) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        p.q("SELECT via FROM identity_verifiable_addresses WHERE id = ?::uuid AND nid = ?::uuid"),
    )
    .bind(id.to_string())
    .bind(p.nid()?)
    .fetch_optional_kept(p)
    .await?;
    row.map(|r| s(&r, "via")).transpose()
}
