//! Recovery flows and codes (`ory/kratos: persistence/sql/persister_recovery.go`,
//! `persister_recovery_code.go`).

use super::batch::Write;
use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, opt, s};
use crate::codec::{Ty, parse_json, parse_ts, parse_uuid};
use hoplite_core::flow::FlowType;
use hoplite_core::flow::recovery::RecoveryFlow;
use hoplite_core::flow::return_to::return_to_of;
use hoplite_core::persistence::StoreError;
use hoplite_core::strategy::code::{RecoveryCode, RecoveryCodeUse};
use time::OffsetDateTime;
use uuid::Uuid;

fn ui_text(f: &RecoveryFlow) -> String {
    serde_json::to_string(&f.ui).expect("ui serialises")
}

fn active(f: &RecoveryFlow) -> Option<String> {
    Some(f.active.clone()).filter(|a| !a.is_empty())
}

pub(super) async fn create_flow(p: &SqlPersister, f: &RecoveryFlow) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO selfservice_recovery_flows (id, request_url, issued_at, expires_at, active_method, csrf_token, state, recovered_identity_id, created_at, updated_at, type, ui, nid, submit_count, skip_csrf_check, internal_context) VALUES (?::uuid, ?, ?::ts, ?::ts, ?, ?, ?, ?::uuid, ?::ts, ?::ts, ?, ?::json, ?::uuid, 0, ?, ?::json)",
    ))
    .bind(f.id.to_string())
    .bind(&f.request_url)
    .bind(p.ts(f.issued_at))
    .bind(p.ts(f.expires_at))
    .bind(active(f))
    .bind(&f.csrf_token)
    .bind(&f.state)
    .bind(f.recovered_identity_id.map(|i| i.to_string()))
    .bind(p.ts(f.created_at))
    .bind(p.ts(f.updated_at))
    .bind(f.flow_type.as_str())
    .bind(ui_text(f))
    .bind(p.nid()?)
    .bind(f.skip_csrf_check)
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
    ("active_method", Ty::Plain),
    ("csrf_token", Ty::Plain),
    ("state", Ty::Plain),
    ("recovered_identity_id", Ty::Uuid),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
    ("type", Ty::Plain),
    ("ui", Ty::Json),
    ("skip_csrf_check", Ty::Bool),
    ("internal_context", Ty::Json),
];

pub(super) async fn get_flow(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<RecoveryFlow>, StoreError> {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    let sql = SQL.get(p.kind, || {
        format!(
            "SELECT {} FROM selfservice_recovery_flows WHERE id = ?::uuid AND nid = ?::nid",
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

fn flow_from_row<R: Fields>(row: &R) -> Result<RecoveryFlow, StoreError> {
    let request_url = s(row, "request_url")?;
    Ok(RecoveryFlow {
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
        continue_with: Vec::new(),
        transient_payload: None,
        csrf_token: s(row, "csrf_token")?,
        skip_csrf_check: row.int("skip_csrf_check")? != 0,
        recovered_identity_id: opt(row, "recovered_identity_id")?
            .map(|i| parse_uuid(&i))
            .transpose()?,
        internal_context: opt(row, "internal_context")?
            .map(|c| parse_json(&c))
            .transpose()?
            .unwrap_or_else(|| serde_json::json!({})),
        created_at: parse_ts(&s(row, "created_at")?)?,
        updated_at: parse_ts(&s(row, "updated_at")?)?,
    })
}

pub(super) async fn update_flow(p: &SqlPersister, f: &RecoveryFlow) -> Result<(), StoreError> {
    let write = Write::new(
        "UPDATE selfservice_recovery_flows SET request_url = ?, active_method = ?, csrf_token = ?, state = ?, recovered_identity_id = ?::uuid, ui = ?::json, internal_context = ?::json, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    )
    .arg(&f.request_url)
    .arg(active(f))
    .arg(&f.csrf_token)
    .arg(&f.state)
    .arg(f.recovered_identity_id.map(|i| i.to_string()))
    .arg(ui_text(f))
    .arg(json_text(&f.internal_context))
    .arg(p.ts(f.updated_at))
    .arg(f.id.to_string())
    .arg(p.nid()?);
    super::batch::run_together(p, &[write]).await
}

/// Recovery codes (`identity_recovery_codes`).
const CODES: super::onetime::Codes = super::onetime::Codes {
    flows: "selfservice_recovery_flows",
    table: "identity_recovery_codes",
    hmac: "code",
    flow: "selfservice_recovery_flow_id",
    read: &[
        ("identity_recovery_address_id", Ty::Uuid),
        ("identity_id", Ty::Uuid),
        ("code_type", Ty::Plain),
    ],
};

pub(super) async fn delete_codes(p: &SqlPersister, flow_id: Uuid) -> Result<(), StoreError> {
    super::onetime::delete_codes(p, &CODES, flow_id).await
}

pub(super) async fn create_code(p: &SqlPersister, c: &RecoveryCode) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO identity_recovery_codes (id, code, used_at, identity_recovery_address_id, code_type, expires_at, issued_at, selfservice_recovery_flow_id, created_at, updated_at, nid, identity_id) VALUES (?::uuid, ?, NULL, ?::uuid, ?, ?::ts, ?::ts, ?::uuid, ?::ts, ?::ts, ?::uuid, ?::uuid)",
    ))
    .bind(c.id.to_string())
    .bind(&c.code_hmac)
    .bind(c.address_id.map(|a| a.to_string()))
    .bind(c.code_type)
    .bind(p.ts(c.expires_at))
    .bind(p.ts(c.issued_at))
    .bind(c.flow_id.to_string())
    .bind(p.ts(c.issued_at))
    .bind(p.ts(c.issued_at))
    .bind(p.nid()?)
    .bind(c.identity_id.to_string())
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
) -> Result<RecoveryCodeUse, StoreError> {
    use super::onetime::Attempt;
    Ok(
        match super::onetime::attempt(p, &CODES, flow_id, hmacs, now, max_submissions).await? {
            Attempt::TooOften => RecoveryCodeUse::TooOften,
            Attempt::NotFound => RecoveryCodeUse::NotFound,
            Attempt::AlreadyUsed => RecoveryCodeUse::AlreadyUsed,
            Attempt::Used(row) => RecoveryCodeUse::Used {
                identity_id: parse_uuid(&s(&row, "identity_id")?)?,
                address_id: opt(&row, "identity_recovery_address_id")?
                    .map(|a| parse_uuid(&a))
                    .transpose()?,
                code_type: row.int("code_type")?,
            },
        },
    )
}

pub(super) async fn find_address(
    p: &SqlPersister,
    via: &str,
    value: &str,
) -> Result<Option<(Uuid, Uuid)>, StoreError> {
    super::onetime::find_address(p, "identity_recovery_addresses", via, value).await
}

pub(super) async fn address_value(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        p.q("SELECT value FROM identity_recovery_addresses WHERE id = ?::uuid AND nid = ?::uuid"),
    )
    .bind(id.to_string())
    .bind(p.nid()?)
    .fetch_optional_kept(p)
    .await?;
    row.map(|r| s(&r, "value")).transpose()
}

pub(super) async fn verify_with_value(
    p: &SqlPersister,
    identity_id: Uuid,
    value: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "UPDATE identity_verifiable_addresses SET verified = ?, status = 'completed', verified_at = ?::ts WHERE identity_id = ?::uuid AND nid = ?::uuid AND value = ?",
    ))
    .bind(true)
    .bind(p.ts(now))
    .bind(identity_id.to_string())
    .bind(p.nid()?)
    .bind(value.to_string())
    .execute_kept(p)
    .await?;
    Ok(())
}
