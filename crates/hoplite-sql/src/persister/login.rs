//! Login flows (`ory/kratos: persistence/sql/persister_login.go`).

use super::batch::Write;
use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, opt, s};
use crate::codec::{Ty, parse_json, parse_ts, parse_uuid};
use hoplite_core::flow::FlowType;
use hoplite_core::flow::login::LoginFlow;
use hoplite_core::persistence::StoreError;
use uuid::Uuid;

fn ui_text(f: &LoginFlow) -> String {
    serde_json::to_string(&f.ui).expect("ui serialises")
}

pub(super) async fn create_login_flow(p: &SqlPersister, f: &LoginFlow) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO selfservice_login_flows (id, nid, type, issued_at, expires_at, request_url, active_method, csrf_token, ui, internal_context, state, forced, requested_aal, organization_id, identity_schema_id, created_at, updated_at) VALUES (?::uuid, ?::uuid, ?, ?::ts, ?::ts, ?, ?, ?, ?::json, ?::json, ?, ?, ?, ?::uuid, ?, ?::ts, ?::ts)",
    ))
    .bind(f.id.to_string())
    .bind(p.nid()?)
    .bind(f.flow_type.as_str())
    .bind(p.ts(f.issued_at))
    .bind(p.ts(f.expires_at))
    .bind(&f.request_url)
    .bind(&f.active)
    .bind(&f.csrf_token)
    .bind(ui_text(f))
    .bind(json_text(&f.internal_context))
    .bind(&f.state)
    .bind(f.refresh)
    .bind(&f.requested_aal)
    .bind(f.organization_id.map(|o| o.to_string()))
    // The default schema as Kratos stores it: an empty text, not NULL.
    .bind(f.identity_schema.clone().unwrap_or_default())
    .bind(p.ts(f.created_at))
    .bind(p.ts(f.updated_at))
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn get_login_flow(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<LoginFlow>, StoreError> {
    let row = sqlx::query(p.q(flow_sql(p.kind)))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    row.map(|r| flow_from_row(&r)).transpose()
}

pub(super) async fn update_login_flow(p: &SqlPersister, f: &LoginFlow) -> Result<(), StoreError> {
    super::batch::run_together(p, &[update_write(p, f)?]).await
}

/// The write that stores `f`'s changes.
fn update_write(p: &SqlPersister, f: &LoginFlow) -> Result<Write, StoreError> {
    Ok(Write::new(
        "UPDATE selfservice_login_flows SET request_url = ?, active_method = ?, csrf_token = ?, ui = ?::json, internal_context = ?::json, state = ?, forced = ?, requested_aal = ?, organization_id = ?::uuid, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    )
    .arg(&f.request_url)
    .arg(&f.active)
    .arg(&f.csrf_token)
    .arg(ui_text(f))
    .arg(json_text(&f.internal_context))
    .arg(&f.state)
    .arg(f.refresh)
    .arg(&f.requested_aal)
    .arg(f.organization_id.map(|o| o.to_string()))
    .arg(p.ts(f.updated_at))
    .arg(f.id.to_string())
    .arg(p.nid()?))
}

/// The write that stores a flow's method and time (see `create_session_for_login`): its UI, the
/// largest column, is left as it is.
pub(super) fn succeeded_write(p: &SqlPersister, f: &LoginFlow) -> Result<Write, StoreError> {
    Ok(Write::new(
        "UPDATE selfservice_login_flows SET active_method = ?, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    )
    .arg(&f.active)
    .arg(p.ts(f.updated_at))
    .arg(f.id.to_string())
    .arg(p.nid()?))
}

/// The columns a [`LoginFlow`] is read from.
const FLOW_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("organization_id", Ty::Uuid),
    ("type", Ty::Plain),
    ("expires_at", Ty::Ts),
    ("issued_at", Ty::Ts),
    ("request_url", Ty::Plain),
    ("active_method", Ty::Plain),
    ("ui", Ty::Json),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
    ("forced", Ty::Bool),
    ("requested_aal", Ty::Plain),
    ("state", Ty::Plain),
    ("identity_schema_id", Ty::Plain),
    ("csrf_token", Ty::Plain),
    ("internal_context", Ty::Json),
];

/// One login flow by id and network (two placeholders).
pub(super) fn flow_sql(kind: hoplite_core::config::DatabaseKind) -> &'static str {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    SQL.get(kind, || {
        format!(
            "SELECT {} FROM selfservice_login_flows WHERE id = ?::uuid AND nid = ?::nid",
            crate::codec::select_list(kind, None, "", FLOW_COLS)
        )
    })
}

pub(super) fn flow_from_row<R: Fields>(row: &R) -> Result<LoginFlow, StoreError> {
    let request_url = s(row, "request_url")?;
    Ok(LoginFlow {
        id: parse_uuid(&s(row, "id")?)?,
        organization_id: opt(row, "organization_id")?
            .map(|o| parse_uuid(&o))
            .transpose()?,
        flow_type: if s(row, "type")? == "api" {
            FlowType::Api
        } else {
            FlowType::Browser
        },
        expires_at: parse_ts(&s(row, "expires_at")?)?,
        issued_at: parse_ts(&s(row, "issued_at")?)?,
        return_to: LoginFlow::return_to_of(&request_url),
        request_url,
        active: s(row, "active_method")?,
        ui: serde_json::from_str(&opt(row, "ui")?.unwrap_or_else(|| "null".into()))
            .map_err(|e| StoreError::Other(format!("bad ui column: {e}")))?,
        created_at: parse_ts(&s(row, "created_at")?)?,
        updated_at: parse_ts(&s(row, "updated_at")?)?,
        refresh: row.int("forced")? != 0,
        requested_aal: s(row, "requested_aal")?,
        session_token_exchange_code: None,
        state: opt(row, "state")?.unwrap_or_default(),
        transient_payload: None,
        // Kratos writes an empty text for "the default schema" (and reads NULL the same way).
        identity_schema: opt(row, "identity_schema_id")?.filter(|s| !s.is_empty()),
        csrf_token: s(row, "csrf_token")?,
        internal_context: parse_json(&s(row, "internal_context")?)?,
    })
}
