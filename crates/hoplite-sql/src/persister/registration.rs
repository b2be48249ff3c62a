//! Registration flows (`ory/kratos: persistence/sql/persister_registration.go`).

use super::{Fields, SqlPersister, json_text};
use crate::codec::{db_err, parse_json, parse_ts, parse_uuid, ts};
use hoplite_core::flow::FlowType;
use hoplite_core::flow::registration::{RegistrationFlow, RegistrationFlowView};
use hoplite_core::persistence::StoreError;
use uuid::Uuid;

pub(super) async fn create_registration_flow(
    p: &SqlPersister,
    f: &RegistrationFlow,
) -> Result<(), StoreError> {
    let now = ts(f.issued_at);
    sqlx::query(p.q(
        "INSERT INTO selfservice_registration_flows (id, type, issued_at, expires_at, request_url, active_method, csrf_token, ui, internal_context, state, organization_id, identity_schema_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(f.id.to_string())
    .bind(f.flow_type.as_str())
    .bind(ts(f.issued_at))
    .bind(ts(f.expires_at))
    .bind(&f.request_url)
    .bind(&f.active)
    .bind(&f.csrf_token)
    .bind(serde_json::to_string(&f.ui).expect("ui serialises"))
    .bind(json_text(&f.internal_context))
    .bind(&f.state)
    .bind(f.organization_id.map(|o| o.to_string()))
    .bind(f.identity_schema.clone())
    .bind(&now)
    .bind(&now)
    .execute(&p.pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(super) async fn get_registration_flow(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<RegistrationFlow>, StoreError> {
    let row = sqlx::query(p.q("SELECT * FROM selfservice_registration_flows WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(&p.pool)
        .await
        .map_err(db_err)?;
    row.map(|r| flow_from_row(&r)).transpose()
}

/// The columns [`view_from_row`] reads (all but `internal_context`).
pub(super) const VIEW_SQL: &str = "SELECT id, type, expires_at, issued_at, request_url, active_method, ui, organization_id, state, identity_schema_id, csrf_token FROM selfservice_registration_flows WHERE id = ?";

pub(super) async fn get_registration_flow_view(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<RegistrationFlowView>, StoreError> {
    let row = sqlx::query(p.q(VIEW_SQL))
        .bind(id.to_string())
        .fetch_optional(&p.pool)
        .await
        .map_err(db_err)?;
    row.map(|r| view_from_row(&r)).transpose()
}

pub(super) async fn update_registration_flow(
    p: &SqlPersister,
    f: &RegistrationFlow,
) -> Result<(), StoreError> {
    let now = ts(hoplite_core::clock::Clock::now(
        &hoplite_core::clock::SystemClock,
    ));
    sqlx::query(p.q(
        "UPDATE selfservice_registration_flows SET active_method = ?, csrf_token = ?, ui = ?, internal_context = ?, state = ?, organization_id = ?, updated_at = ? WHERE id = ?",
    ))
    .bind(&f.active)
    .bind(&f.csrf_token)
    .bind(serde_json::to_string(&f.ui).expect("ui serialises"))
    .bind(json_text(&f.internal_context))
    .bind(&f.state)
    .bind(f.organization_id.map(|o| o.to_string()))
    .bind(now)
    .bind(f.id.to_string())
    .execute(&p.pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(super) fn flow_from_row<R: Fields>(row: &R) -> Result<RegistrationFlow, StoreError> {
    let v = view_from_row(row)?;
    Ok(RegistrationFlow {
        id: v.id,
        flow_type: v.flow_type,
        expires_at: v.expires_at,
        issued_at: v.issued_at,
        return_to: v.return_to,
        request_url: v.request_url,
        active: v.active,
        ui: serde_json::from_str(v.ui.get())
            .map_err(|e| StoreError::Other(format!("bad ui column: {e}")))?,
        organization_id: v.organization_id,
        transient_payload: None,
        session_token_exchange_code: None,
        state: v.state,
        identity_schema: v.identity_schema,
        csrf_token: v.csrf_token,
        internal_context: parse_json(&row.text("internal_context")?)?,
    })
}

/// A row as the seed endpoint shows it; the `ui` column is checked to be JSON but not parsed
/// into the UI tree.
pub(super) fn view_from_row<R: Fields>(row: &R) -> Result<RegistrationFlowView, StoreError> {
    let get = |c: &str| row.text(c);
    let get_opt = |c: &str| row.opt_text(c);
    let request_url = get("request_url")?;
    Ok(RegistrationFlowView {
        id: parse_uuid(&get("id")?)?,
        flow_type: if get("type")? == "api" {
            FlowType::Api
        } else {
            FlowType::Browser
        },
        expires_at: parse_ts(&get("expires_at")?)?,
        issued_at: parse_ts(&get("issued_at")?)?,
        return_to: RegistrationFlow::return_to_of(&request_url),
        request_url,
        active: get("active_method")?,
        ui: serde_json::value::RawValue::from_string(get("ui")?)
            .map_err(|e| StoreError::Other(format!("bad ui column: {e}")))?,
        organization_id: get_opt("organization_id")?
            .map(|s| parse_uuid(&s))
            .transpose()?,
        state: get("state")?,
        identity_schema: get_opt("identity_schema_id")?,
        csrf_token: get("csrf_token")?,
    })
}
