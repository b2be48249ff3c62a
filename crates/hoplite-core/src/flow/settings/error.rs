//! Answering failed settings submissions (`ory/kratos: selfservice/flow/settings/error.go`): form
//! errors go back into the flow (browsers are sent back with 303), changes that need a fresh
//! sign-in ask for one, expired flows get a replacement.

use super::SettingsFlow;
use super::handler::{build_flow, ui_url};
use crate::error::ErrorObject;
use crate::flow::errorx::{expired_error, expired_reply};
use crate::flow::submit::{SubmitError, write_to_form};
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::session::Session;
use crate::text::messages;
use serde_json::json;

/// Why a settings update did not go through.
#[derive(Debug, Clone)]
pub enum UpdateError {
    /// A form or HTTP error, as in every flow.
    Submit(SubmitError),
    /// The change needs a privileged session: the person must sign in again
    /// (`FlowNeedsReAuth`). The change itself is kept to apply after that sign-in when given.
    NeedsReauth(Option<Paused>),
}

/// A change kept while its author signs in again (a continuity container named
/// `ory_kratos_settings_<strategy>`, for 15 minutes).
#[derive(Debug, Clone)]
pub struct Paused {
    /// `profile` or `password`.
    pub strategy: &'static str,
    /// The decoded submission, flow id included.
    pub payload: serde_json::Value,
}

/// The continuity container name of a settings method.
pub fn continuity_name(strategy: &str) -> String {
    format!("ory_kratos_settings_{strategy}")
}

/// How long a paused change waits for its author (Kratos's `ContinuityOptions`).
const PAUSE_LIFESPAN: time::Duration = time::Duration::minutes(15);

impl From<SubmitError> for UpdateError {
    fn from(e: SubmitError) -> Self {
        UpdateError::Submit(e)
    }
}

impl From<ErrorObject> for UpdateError {
    fn from(e: ErrorObject) -> Self {
        UpdateError::Submit(SubmitError::Http(e))
    }
}

/// Errors that are not shown inside the form: api flows (and JSON requests) get the error,
/// browsers are forwarded to the error UI.
pub async fn non_form_error(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: Option<FlowType>,
    err: ErrorObject,
) -> Reply {
    crate::flow::errorx::non_form_error(reg, req, flow_type, err).await
}

/// Spec §2.12: writes `err` into the flow and answers with it (browser: 303 to the settings UI;
/// otherwise the flow with 400). Messages already on the form stay: each method clears what it
/// owns before it gets here.
pub async fn write_flow_error(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: SettingsFlow,
    err: UpdateError,
) -> Reply {
    let err = match err {
        UpdateError::NeedsReauth(paused) => {
            let mut reply = needs_reauth(reg, req, &flow);
            if let Some(p) = paused {
                let mut values = crate::continuity::cookie_values(reg, req);
                let name = continuity_name(p.strategy);
                if let Err(e) = crate::continuity::pause(
                    reg,
                    &mut values,
                    &name,
                    flow.identity_id,
                    p.payload,
                    PAUSE_LIFESPAN,
                )
                .await
                {
                    return non_form_error(reg, req, Some(flow.flow_type), e).await;
                }
                reply
                    .set_cookies
                    .push(crate::continuity::set_cookie(reg, &values));
            }
            return reply;
        }
        UpdateError::Submit(e) => e,
    };
    if let Err(e) = write_to_form(&mut flow.ui, err) {
        return non_form_error(reg, req, Some(flow.flow_type), e).await;
    }
    if let Some(identity) = &flow.identity
        && let Ok(schema) = super::handler::identity_schema(reg, identity)
    {
        crate::ui::sort::sort_settings_nodes(&mut flow.ui.nodes, &schema.settings_key_order);
    }
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_settings_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), ErrorObject::from(e)).await;
    }
    if flow.flow_type == FlowType::Browser && !req.is_json_request {
        return Reply::redirect(303, ui_url(reg, flow.id));
    }
    // Kratos answers with the flow re-read from the database: in-memory-only fields disappear.
    flow.transient_payload = None;
    flow.continue_with.clear();
    Reply::json(400, flow.to_json())
}

/// The request URL on the public base URL: where a re-authentication returns to.
fn request_on_public_url(reg: &Registry, req: &RequestInfo) -> String {
    let path = crate::x::gourl::parse(&req.url)
        .map(|u| String::from_utf8_lossy(&u.path).into_owned())
        .unwrap_or_else(|_| super::ROUTE_SUBMIT.to_string());
    let mut url = public_url(reg.public_base(), &path);
    for (k, v) in &req.query {
        url = with_query_param(&url, k, v);
    }
    url
}

/// `session_refresh_required` (spec §2.11): api flows and JSON requests get the 403 body that
/// names the sign-in to go through; browsers are sent there.
fn needs_reauth(reg: &Registry, req: &RequestInfo, flow: &SettingsFlow) -> Reply {
    let login = public_url(reg.public_base(), super::LOGIN_INIT_BROWSER);
    let to = with_query_param(
        &with_query_param(&login, "refresh", "true"),
        "return_to",
        &request_on_public_url(reg, req),
    );
    if flow.flow_type == FlowType::Api || req.is_json_request {
        let mut err = ErrorObject::forbidden()
            .with_id("session_refresh_required")
            .with_reason("The login session is too old and thus not allowed to update these fields. Please re-authenticate.");
        if let Some(id) = &req.request_id {
            err.request = id.clone();
        }
        return Reply::error_body(403, json!({ "error": err, "redirect_browser_to": to }));
    }
    Reply::redirect(303, to)
}

/// Spec §2.14: a submission on an expired flow gets a replacement flow carrying message 4050001.
pub async fn handle_expired_submit(
    reg: &Registry,
    req: &RequestInfo,
    old: SettingsFlow,
    session: &Session,
) -> Reply {
    let now = reg.now();
    let err = expired_error(old.expires_at, now);
    let replacement = session
        .identity
        .as_ref()
        .ok_or_else(ErrorObject::internal)
        .and_then(|identity| build_flow(reg, req, identity, old.flow_type));
    let mut new_flow = match replacement {
        Ok(f) => f,
        Err(_) => return non_form_error(reg, req, Some(old.flow_type), err).await,
    };
    new_flow.request_url = old.request_url.clone();
    new_flow.return_to = old.return_to.clone();
    new_flow
        .ui
        .messages
        .push(messages::settings_flow_expired(old.expires_at, now));
    if let Err(e) = reg.persister.create_settings_flow(&new_flow).await {
        return non_form_error(reg, req, Some(old.flow_type), ErrorObject::from(e)).await;
    }
    if old.flow_type == FlowType::Api || req.is_json_request {
        return expired_reply(req, err, old.expires_at, now, new_flow.id);
    }
    Reply::redirect(303, ui_url(reg, new_flow.id))
}
