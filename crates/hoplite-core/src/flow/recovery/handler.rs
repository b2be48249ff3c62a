//! The recovery endpoints' domain logic (`ory/kratos: selfservice/flow/recovery/handler.go`,
//! `error.go`); the `code` method does the work ([`crate::strategy::code::recovery`]).

use super::RecoveryFlow;
use crate::error::ErrorObject;
use crate::flow::errorx::{expired_error, forward, non_form_error};
use crate::flow::guard::active_session;
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::{return_to_allow_list, return_to_of};
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::text::messages;
use crate::ui::Container;
use serde_json::json;
use uuid::Uuid;

/// The recovery UI URL for a flow.
pub fn ui_url(reg: &Registry, flow_id: Uuid) -> String {
    with_query_param(
        &reg.config.selfservice.recovery.ui_url,
        "flow",
        &flow_id.to_string(),
    )
}

/// `session_already_available` for recovery.
pub fn already_signed_in() -> ErrorObject {
    ErrorObject::bad_request()
        .with_id("session_already_available")
        .with_reason("A valid session was detected and thus recovery is not possible.")
}

/// The answer to a signed-in browser: 302 to its `return_to` under the public `/self-service`,
/// else to the default return URL (Kratos's `RedirectOnAuthenticated`).
pub fn signed_in_redirect(reg: &Registry, req: &RequestInfo) -> Reply {
    let default = &reg.config.selfservice.default_browser_return_url;
    let to = secure_redirect_to(
        default,
        &[public_url(reg.public_base(), "/self-service")],
        req.query_param("return_to"),
    )
    .unwrap_or_else(|_| crate::flow::redirect::go_url_string(default));
    Reply::redirect(302, to)
}

fn check_strategy(reg: &Registry) -> Result<(), ErrorObject> {
    let s = &reg.config.selfservice;
    let enabled = match s.recovery.strategy.as_str() {
        "code" => s.code_enabled,
        "link" => s.link_enabled,
        _ => false,
    };
    if !enabled {
        return Err(ErrorObject::bad_request().with_reason(format!(
            "You attempted recovery using {}, which is not enabled or does not exist. An administrator needs to enable this recovery method.",
            s.recovery.strategy
        )));
    }
    Ok(())
}

/// `recovery.NewFlow`: a flow in `choose_method` with the code method's form, not stored.
pub fn build_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    lifespan: Option<time::Duration>,
) -> Result<RecoveryFlow, ErrorObject> {
    check_strategy(reg)?;
    let request_url = req.url.clone();
    let return_to = return_to_of(&request_url);
    secure_redirect_to(
        &reg.config.selfservice.default_browser_return_url,
        &return_to_allow_list(reg),
        return_to.as_deref(),
    )?;
    let lifespan = match lifespan {
        Some(l) => l,
        None => {
            time::Duration::try_from(reg.config.selfservice.recovery.lifespan).map_err(|_| {
                ErrorObject::misconfiguration("selfservice.flows.recovery.lifespan is out of range")
            })?
        }
    };
    let now = reg.now();
    let id = Uuid::new_v4();
    let mut flow = RecoveryFlow {
        id,
        flow_type,
        expires_at: now + lifespan,
        issued_at: now,
        request_url,
        return_to,
        active: reg.config.selfservice.recovery.strategy.clone(),
        ui: Container::new(with_query_param(
            &public_url(reg.public_base(), super::ROUTE_SUBMIT),
            "flow",
            &id.to_string(),
        )),
        state: "choose_method".into(),
        continue_with: Vec::new(),
        transient_payload: None,
        csrf_token: req.masked_csrf_token(),
        skip_csrf_check: false,
        recovered_identity_id: None,
        internal_context: json!({}),
        created_at: now,
        updated_at: now,
    };
    let csrf = flow.csrf_token.clone();
    populate(&mut flow, &csrf);
    Ok(flow)
}

/// The form of the flow's active method.
fn populate(flow: &mut RecoveryFlow, csrf: &str) {
    if flow.active == "link" {
        flow.ui.nodes.clear();
        crate::strategy::link::recovery::populate(flow, csrf);
    } else {
        crate::strategy::code::recovery::populate(flow, csrf);
    }
}

async fn init(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
) -> Result<RecoveryFlow, Reply> {
    let rid = req.request_id.as_deref();
    if !reg.config.selfservice.recovery.enabled {
        return Err(super::recovery_disabled(reg, req).await);
    }
    match active_session(reg, req).await {
        Err(e) => return Err(Reply::error(&e, rid)),
        Ok(Some(_)) if flow_type == FlowType::Browser && !req.is_json_request => {
            return Err(signed_in_redirect(reg, req));
        }
        Ok(Some(_)) => return Err(Reply::error(&already_signed_in(), rid)),
        Ok(None) => {}
    }
    let flow = match build_flow(reg, req, flow_type, None) {
        Ok(f) => f,
        Err(e) if flow_type == FlowType::Browser => return Err(forward(reg, req, e).await),
        Err(e) => return Err(Reply::error(&e, rid)),
    };
    if let Err(e) = reg.persister.create_recovery_flow(&flow).await {
        return Err(match flow_type {
            FlowType::Browser => forward(reg, req, e.into()).await,
            FlowType::Api => Reply::error(&e.into(), rid),
        });
    }
    Ok(flow)
}

/// `GET /self-service/recovery/browser` (`createBrowserRecoveryFlow`).
pub async fn create_browser_recovery_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    match init(reg, req, FlowType::Browser).await {
        Ok(flow) if req.accepts_json => Reply::json(200, flow.to_json()),
        Ok(flow) => Reply::redirect(303, ui_url(reg, flow.id)),
        Err(reply) => reply,
    }
}

/// `GET /self-service/recovery/api` (`createNativeRecoveryFlow`).
pub async fn create_native_recovery_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    match init(reg, req, FlowType::Api).await {
        Ok(flow) => Reply::json(200, flow.to_json()),
        Err(reply) => reply,
    }
}

/// `GET /self-service/recovery/flows?id=` (`getRecoveryFlow`).
pub async fn get_recovery_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    if !reg.config.selfservice.recovery.enabled {
        return super::recovery_disabled(reg, req).await;
    }
    let rid = req.request_id.as_deref();
    let Some(id) = req.query_param("id").and_then(|i| Uuid::parse_str(i).ok()) else {
        return Reply::error(&ErrorObject::row_not_found(), rid);
    };
    let flow = match reg.persister.get_recovery_flow(id).await {
        Ok(Some(f)) => f,
        Ok(None) => return Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => return Reply::error(&e.into(), rid),
    };
    if flow.flow_type == FlowType::Browser && !flow.skip_csrf_check {
        let ok = req
            .csrf_cookie
            .as_ref()
            .is_some_and(|real| crate::x::csrf::verify(&flow.csrf_token, real));
        if !ok {
            return Reply::error(&crate::flow::request::csrf_error(req, false), rid);
        }
    }
    let now = reg.now();
    if flow.is_expired(now) {
        let err = match flow.flow_type {
            FlowType::Browser => {
                let mut redirect_to = public_url(reg.public_base(), super::ROUTE_INIT_BROWSER);
                if let Some(rt) = &flow.return_to {
                    redirect_to = with_query_param(&redirect_to, "return_to", rt);
                }
                ErrorObject::gone()
                    .with_reason("The recovery flow has expired. Redirect the user to the recovery flow init endpoint to initialize a new recovery flow.")
                    .with_detail("redirect_to", redirect_to)
                    .with_detail("return_to", flow.return_to.clone().unwrap_or_default())
            }
            // Unlike the browser answer, this one is Kratos's expired error with an id.
            FlowType::Api => expired_error(flow.expires_at, now)
                .with_detail("api", public_url(reg.public_base(), super::ROUTE_INIT_API)),
        };
        return Reply::error(&err, rid);
    }
    Reply::json(200, flow.to_json())
}

/// `POST|GET /self-service/recovery?flow=` (`updateRecoveryFlow`), spec §3.6.
pub async fn update_recovery_flow(reg: &Registry, req: &RequestInfo, body: &[u8]) -> Reply {
    if !reg.config.selfservice.recovery.enabled {
        return super::recovery_disabled(reg, req).await;
    }
    let Some(id) = req
        .query_param("flow")
        .and_then(|f| Uuid::parse_str(f).ok())
        .filter(|id| !id.is_nil())
    else {
        let err = ErrorObject::bad_request()
            .with_reason("The flow query parameter is missing or malformed.");
        return non_form_error(reg, req, None, err).await;
    };
    let flow = match reg.persister.get_recovery_flow(id).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            // Kratos answers an unknown flow like a malformed id here.
            let err = ErrorObject::bad_request()
                .with_reason("The flow query parameter is missing or malformed.");
            return non_form_error(reg, req, None, err).await;
        }
        Err(e) => return non_form_error(reg, req, None, e.into()).await,
    };
    if flow.is_expired(reg.now()) {
        return expired(reg, req, flow).await;
    }
    // The code method takes the flows it started; the link method is asked about the rest
    // (Kratos asks code, then link).
    if flow.active == "code" {
        return crate::strategy::code::recovery::submit(reg, req, flow, body).await;
    }
    crate::strategy::link::recovery::submit(reg, req, flow, body).await
}

/// The answer after the method changed the flow without answering itself: browsers back to the
/// UI, others the flow as stored (with the submitted payload).
pub fn completed(reg: &Registry, req: &RequestInfo, flow: RecoveryFlow) -> Reply {
    if flow.flow_type == FlowType::Browser && !req.is_json_request {
        return Reply::redirect(303, ui_url(reg, flow.id));
    }
    Reply::json(200, flow.to_json())
}

/// A new flow of `flow_type` with a fresh CSRF cookie, its form from the active method.
fn fresh_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
) -> Result<(RecoveryFlow, String), ErrorObject> {
    let mut flow = build_flow(reg, req, flow_type, None)?;
    let (real, masked) = crate::x::csrf::fresh_token();
    flow.csrf_token = masked.clone();
    flow.ui.set_csrf(&masked);
    Ok((flow, real))
}

/// Where a replacement flow is announced (no continue-with transitions): JSON callers and api
/// flows are sent to fetch it, browsers to the UI.
fn to_replacement(reg: &Registry, req: &RequestInfo, flow_type: FlowType, id: Uuid) -> String {
    if flow_type == FlowType::Api || req.is_json_request {
        return with_query_param(
            &public_url(reg.public_base(), super::ROUTE_GET_FLOW),
            "id",
            &id.to_string(),
        );
    }
    ui_url(reg, id)
}

/// An expired flow on submit (spec §3.11): a replacement of the same type with message 4060005.
pub async fn expired(reg: &Registry, req: &RequestInfo, old: RecoveryFlow) -> Reply {
    let now = reg.now();
    let (mut fresh, real) = match fresh_flow(reg, req, old.flow_type) {
        Ok(f) => f,
        Err(_) => {
            let err = expired_error(old.expires_at, now);
            return non_form_error(reg, req, Some(old.flow_type), err).await;
        }
    };
    fresh.request_url = old.request_url.clone();
    fresh.return_to = old.return_to.clone();
    fresh
        .ui
        .messages
        .push(messages::recovery_flow_expired(old.expires_at, now));
    if let Err(e) = reg.persister.create_recovery_flow(&fresh).await {
        return non_form_error(reg, req, Some(old.flow_type), e.into()).await;
    }
    let mut reply =
        if reg.config.selfservice.continue_with_transitions && old.flow_type == FlowType::Api {
            // The expired error itself, naming the new flow twice.
            let err = expired_error(old.expires_at, now)
                .with_detail("continue_with", show_recovery_ui(fresh.id));
            crate::flow::errorx::expired_reply(req, err, old.expires_at, now, fresh.id)
        } else if reg.config.selfservice.continue_with_transitions && !req.is_json_request {
            Reply::redirect(303, ui_url(reg, fresh.id))
        } else {
            Reply::redirect(303, to_replacement(reg, req, old.flow_type, fresh.id))
        };
    reply.issue_csrf = Some(real);
    reply
}

/// The `show_recovery_ui` continue-with item for a flow (Kratos writes only its id).
fn show_recovery_ui(id: Uuid) -> serde_json::Value {
    json!([{"action": "show_recovery_ui", "flow": {"id": id}}])
}

/// Kratos's `retryRecoveryFlow` with a message: a new flow of the same type carrying it,
/// announced as for an expired flow.
pub async fn retry_with_message(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    message: crate::text::Message,
) -> Reply {
    retry(reg, req, flow_type, message, None).await
}

/// Kratos's `retryRecoveryFlow` with an error (a code used too often or already): the new flow
/// carries its reason as message 4000001; with `feature_flags.use_continue_with_transitions`,
/// JSON callers get the error itself, naming the new flow in `details.continue_with`.
pub async fn retry_with_error(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    err: ErrorObject,
) -> Reply {
    let message = messages::validation_generic(&err.reason);
    retry(reg, req, flow_type, message, Some(err)).await
}

async fn retry(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    message: crate::text::Message,
    err: Option<ErrorObject>,
) -> Reply {
    let (mut fresh, real) = match fresh_flow(reg, req, flow_type) {
        Ok(f) => f,
        Err(e) => return non_form_error(reg, req, Some(flow_type), e).await,
    };
    let text = message.text.clone();
    fresh.ui.messages.push(message);
    if let Err(e) = reg.persister.create_recovery_flow(&fresh).await {
        return non_form_error(reg, req, Some(flow_type), e.into()).await;
    }
    let mut reply = if reg.config.selfservice.continue_with_transitions {
        if req.is_json_request {
            // Kratos has no error to write for a retry with a message only (it fails there);
            // hoplite answers a 400 with the message as the reason.
            let err = err.unwrap_or_else(|| ErrorObject::bad_request().with_reason(text));
            let err = err.with_detail("continue_with", show_recovery_ui(fresh.id));
            Reply::error(&err, req.request_id.as_deref())
        } else {
            Reply::redirect(303, ui_url(reg, fresh.id))
        }
    } else {
        Reply::redirect(303, to_replacement(reg, req, flow_type, fresh.id))
    };
    reply.issue_csrf = Some(real);
    reply
}
