//! Settings flows (`ory/kratos: persistence/sql/persister_settings.go`).

use super::batch::Write;
use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, opt, s};
use crate::codec::{Ty, parse_json, parse_ts, parse_uuid};
use hoplite_core::flow::FlowType;
use hoplite_core::flow::return_to::return_to_of;
use hoplite_core::flow::settings::SettingsFlow;
use hoplite_core::persistence::StoreError;
use uuid::Uuid;

fn ui_text(f: &SettingsFlow) -> String {
    serde_json::to_string(&f.ui).expect("ui serialises")
}

/// Kratos stores an unset method as NULL.
fn active_method(f: &SettingsFlow) -> Option<String> {
    Some(f.active.clone()).filter(|a| !a.is_empty())
}

pub(super) async fn create_settings_flow(
    p: &SqlPersister,
    f: &SettingsFlow,
) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO selfservice_settings_flows (id, nid, issued_at, expires_at, identity_id, created_at, updated_at, active_method, state, type, ui, internal_context, request_url, organization_id) VALUES (?::uuid, ?::uuid, ?::ts, ?::ts, ?::uuid, ?::ts, ?::ts, ?, ?, ?, ?::json, ?::json, ?, ?::uuid)",
    ))
    .bind(f.id.to_string())
    .bind(p.nid()?)
    .bind(p.ts(f.issued_at))
    .bind(p.ts(f.expires_at))
    .bind(f.identity_id.to_string())
    .bind(p.ts(f.created_at))
    .bind(p.ts(f.updated_at))
    .bind(active_method(f))
    .bind(&f.state)
    .bind(f.flow_type.as_str())
    .bind(ui_text(f))
    .bind(json_text(&f.internal_context))
    .bind(&f.request_url)
    .bind(f.organization_id.map(|o| o.to_string()))
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn get_settings_flow(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<SettingsFlow>, StoreError> {
    let row = sqlx::query(p.q(flow_sql(p.kind)))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    row.map(|r| flow_from_row(&r)).transpose()
}

pub(super) async fn update_settings_flow(
    p: &SqlPersister,
    f: &SettingsFlow,
) -> Result<(), StoreError> {
    let write = Write::new(
        "UPDATE selfservice_settings_flows SET request_url = ?, active_method = ?, state = ?, ui = ?::json, internal_context = ?::json, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    )
    .arg(&f.request_url)
    .arg(active_method(f))
    .arg(&f.state)
    .arg(ui_text(f))
    .arg(json_text(&f.internal_context))
    .arg(p.ts(f.updated_at))
    .arg(f.id.to_string())
    .arg(p.nid()?);
    super::batch::run_together(p, &[write]).await
}

/// The columns a [`SettingsFlow`] is read from.
const FLOW_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("organization_id", Ty::Uuid),
    ("type", Ty::Plain),
    ("expires_at", Ty::Ts),
    ("issued_at", Ty::Ts),
    ("request_url", Ty::Plain),
    ("active_method", Ty::Plain),
    ("ui", Ty::Json),
    ("identity_id", Ty::Uuid),
    ("state", Ty::Plain),
    ("internal_context", Ty::Json),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
];

/// One settings flow by id and network (two placeholders).
fn flow_sql(kind: hoplite_core::config::DatabaseKind) -> &'static str {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    SQL.get(kind, || {
        format!(
            "SELECT {} FROM selfservice_settings_flows WHERE id = ?::uuid AND nid = ?::nid",
            crate::codec::select_list(kind, None, "", FLOW_COLS)
        )
    })
}

fn flow_from_row<R: Fields>(row: &R) -> Result<SettingsFlow, StoreError> {
    let request_url = s(row, "request_url")?;
    Ok(SettingsFlow {
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
        identity: None,
        state: s(row, "state")?,
        organization_id: opt(row, "organization_id")?
            .map(|o| parse_uuid(&o))
            .transpose()?,
        continue_with: Vec::new(),
        transient_payload: None,
        identity_id: parse_uuid(&s(row, "identity_id")?)?,
        internal_context: parse_json(&s(row, "internal_context")?)?,
        created_at: parse_ts(&s(row, "created_at")?)?,
        updated_at: parse_ts(&s(row, "updated_at")?)?,
    })
}
