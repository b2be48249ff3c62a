//! The verification endpoints' domain logic (`ory/kratos: selfservice/flow/verification/handler.go`,
//! `error.go`), one function per OpenAPI operation; the `code` method does the work
//! ([`crate::strategy::code::verification`]).

use super::VerificationFlow;
use crate::error::ErrorObject;
use crate::flow::errorx::{expired_error, non_form_error};
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::{return_to_allow_list, return_to_of};
use crate::flow::submit::{SubmitError, write_to_form};
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::text::messages;
use crate::ui::Container;
use serde_json::json;
use uuid::Uuid;

/// The verification UI URL for a flow.
pub fn ui_url(reg: &Registry, flow_id: Uuid) -> String {
    with_query_param(
        &reg.config.selfservice.verification.ui_url,
        "flow",
        &flow_id.to_string(),
    )
}

/// Kratos's "browser request": one whose `Accept` does not ask for JSON first (no `Accept` at
/// all included).
pub fn is_browser_request(req: &RequestInfo) -> bool {
    !req.accepts_json
}

/// The strategy in use (`use`) must be an enabled method: `code` or `link`.
fn check_strategy(reg: &Registry) -> Result<(), ErrorObject> {
    let s = &reg.config.selfservice;
    let enabled = match s.verification.strategy.as_str() {
        "code" => s.code_enabled,
        "link" => s.link_enabled,
        _ => false,
    };
    if !enabled {
        return Err(ErrorObject::bad_request().with_reason(format!(
            "The active verification strategy {} is not enabled. Please enable it in the configuration.",
            s.verification.strategy
        )));
    }
    Ok(())
}

/// `verification.NewFlow`: a flow in `choose_method` with the code method's form, not stored.
pub fn build_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
) -> Result<VerificationFlow, ErrorObject> {
    check_strategy(reg)?;
    let request_url = req.url.clone();
    let return_to = return_to_of(&request_url);
    secure_redirect_to(
        &reg.config.selfservice.default_browser_return_url,
        &return_to_allow_list(reg),
        return_to.as_deref(),
    )?;
    let lifespan =
        time::Duration::try_from(reg.config.selfservice.verification.lifespan).map_err(|_| {
            ErrorObject::misconfiguration("selfservice.flows.verification.lifespan is out of range")
        })?;
    let now = reg.now();
    let id = Uuid::new_v4();
    let mut flow = VerificationFlow {
        id,
        flow_type,
        expires_at: now + lifespan,
        issued_at: now,
        request_url,
        return_to,
        active: reg.config.selfservice.verification.strategy.clone(),
        ui: Container::new(with_query_param(
            &public_url(reg.public_base(), super::ROUTE_SUBMIT),
            "flow",
            &id.to_string(),
        )),
        state: "choose_method".into(),
        transient_payload: None,
        csrf_token: req.masked_csrf_token(),
        internal_context: json!({}),
        created_at: now,
        updated_at: now,
    };
    if flow.active == "link" {
        crate::strategy::link::verification::populate(&mut flow, &req.masked_csrf_token());
    } else {
        crate::strategy::code::verification::populate(
            &mut flow,
            &req.masked_csrf_token(),
            crate::strategy::code::verification::has_sms_channel(reg),
        );
    }
    Ok(flow)
}

async fn new_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
) -> Result<VerificationFlow, ErrorObject> {
    let flow = build_flow(reg, req, flow_type)?;
    reg.persister.create_verification_flow(&flow).await?;
    Ok(flow)
}

/// `GET /self-service/verification/browser` (`createBrowserVerificationFlow`).
pub async fn create_browser_verification_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    if !reg.config.selfservice.verification_enabled {
        return super::verification_disabled(reg, req).await;
    }
    // Kratos answers creation errors as JSON here, browsers too.
    match new_flow(reg, req, FlowType::Browser).await {
        Ok(flow) if req.accepts_json => Reply::json(200, flow.to_json()),
        Ok(flow) => Reply::redirect(303, ui_url(reg, flow.id)),
        Err(e) => Reply::error(&e, req.request_id.as_deref()),
    }
}

/// `GET /self-service/verification/api` (`createNativeVerificationFlow`).
pub async fn create_native_verification_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    if !reg.config.selfservice.verification_enabled {
        return super::verification_disabled(reg, req).await;
    }
    match new_flow(reg, req, FlowType::Api).await {
        Ok(flow) => Reply::json(200, flow.to_json()),
        Err(e) => Reply::error(&e, req.request_id.as_deref()),
    }
}

/// `GET /self-service/verification/flows?id=` (`getVerificationFlow`).
pub async fn get_verification_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    if !reg.config.selfservice.verification_enabled {
        return super::verification_disabled(reg, req).await;
    }
    let rid = req.request_id.as_deref();
    let Some(id) = req.query_param("id").and_then(|i| Uuid::parse_str(i).ok()) else {
        return Reply::error(&ErrorObject::row_not_found(), rid);
    };
    let flow = match reg.persister.get_verification_flow(id).await {
        Ok(Some(f)) => f,
        Ok(None) => return Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => return Reply::error(&e.into(), rid),
    };
    if flow.flow_type == FlowType::Browser {
        let ok = req
            .csrf_cookie
            .as_ref()
            .is_some_and(|real| crate::x::csrf::verify(&flow.csrf_token, real));
        if !ok {
            return Reply::error(&crate::flow::request::csrf_error(req, false), rid);
        }
    }
    if flow.is_expired(reg.now()) {
        // No error id here, unlike registration and login.
        let mut err = ErrorObject::gone();
        match flow.flow_type {
            FlowType::Browser => {
                let mut redirect_to = public_url(reg.public_base(), super::ROUTE_INIT_BROWSER);
                if let Some(rt) = &flow.return_to {
                    redirect_to = with_query_param(&redirect_to, "return_to", rt);
                }
                err = err
                    .with_reason("The verification flow has expired. Redirect the user to the verification flow init endpoint to initialize a new verification flow.")
                    .with_detail("redirect_to", redirect_to)
                    .with_detail("return_to", flow.return_to.clone().unwrap_or_default());
            }
            FlowType::Api => {
                err = err
                    .with_reason("The verification flow has expired. Call the verification flow init API endpoint to initialize a new verification flow.")
                    .with_detail("api", public_url(reg.public_base(), super::ROUTE_INIT_API));
            }
        }
        return Reply::error(&err, rid);
    }
    Reply::json(200, flow.to_json())
}

/// `POST|GET /self-service/verification?flow=` (`updateVerificationFlow`), spec §4.5.
pub async fn update_verification_flow(reg: &Registry, req: &RequestInfo, body: &[u8]) -> Reply {
    if !reg.config.selfservice.verification_enabled {
        return super::verification_disabled(reg, req).await;
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
    let flow = match reg.persister.get_verification_flow(id).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            // Kratos answers an unknown flow like a malformed id here.
            let err = ErrorObject::bad_request()
                .with_reason("The flow query parameter is missing or malformed.");
            return non_form_error(reg, req, None, err).await;
        }
        Err(e) => return non_form_error(reg, req, None, e.into()).await,
    };
    // Only the flow's active method is asked (§4.5 step 2).
    if flow.active == "link" {
        return crate::strategy::link::verification::submit(reg, req, flow, body).await;
    }
    crate::strategy::code::verification::submit(reg, req, flow, body).await
}

/// The verification flow error writer (spec §4.8): form errors land in the flow (browsers are
/// sent back to the UI), others go to JSON or the error UI.
pub async fn write_flow_error(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: VerificationFlow,
    err: SubmitError,
) -> Reply {
    if flow.is_expired(reg.now()) {
        return expired(reg, req, flow).await;
    }
    if let Err(e) = write_to_form(&mut flow.ui, err) {
        return non_form_error(reg, req, Some(flow.flow_type), e).await;
    }
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_verification_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    if flow.flow_type == FlowType::Browser && !req.is_json_request {
        return Reply::redirect(303, ui_url(reg, flow.id));
    }
    flow.transient_payload = None;
    Reply::json(400, flow.to_json())
}

/// The answer after the method changed the flow without answering itself (§4.5 step 4):
/// browsers are sent to the UI (API flows too when they did not ask for JSON), others get the
/// flow as stored.
pub fn completed(reg: &Registry, req: &RequestInfo, mut flow: VerificationFlow) -> Reply {
    if is_browser_request(req) {
        return Reply::redirect(303, ui_url(reg, flow.id));
    }
    flow.transient_payload = None;
    Reply::json(200, flow.to_json())
}

/// An expired flow on submit (§4.8): a replacement **browser** flow with message 4070005; JSON
/// callers are sent to fetch it, browsers to the UI.
pub async fn expired(reg: &Registry, req: &RequestInfo, old: VerificationFlow) -> Reply {
    let now = reg.now();
    let mut fresh = match build_flow(reg, req, FlowType::Browser) {
        Ok(f) => f,
        Err(_) => {
            return non_form_error(
                reg,
                req,
                Some(old.flow_type),
                expired_error(old.expires_at, now),
            )
            .await;
        }
    };
    fresh.request_url = old.request_url.clone();
    fresh.return_to = old.return_to.clone();
    // A fresh CSRF cookie for the new browser flow, its masked token stored with it.
    let (real, masked) = crate::x::csrf::fresh_token();
    fresh.csrf_token = masked.clone();
    fresh.ui.set_csrf(&masked);
    fresh
        .ui
        .messages
        .push(messages::verification_flow_expired(old.expires_at, now));
    if let Err(e) = reg.persister.create_verification_flow(&fresh).await {
        return non_form_error(reg, req, Some(old.flow_type), e.into()).await;
    }
    let mut reply = if req.is_json_request {
        Reply::redirect(
            303,
            with_query_param(
                &public_url(reg.public_base(), super::ROUTE_GET_FLOW),
                "id",
                &fresh.id.to_string(),
            ),
        )
    } else {
        Reply::redirect(303, ui_url(reg, fresh.id))
    };
    reply.issue_csrf = Some(real);
    reply
}

/// A new flow of the same type carrying `message` (Kratos's `retryVerificationFlowWithMessage`):
/// JSON callers get 410 `self_service_flow_replaced` naming it, browsers the UI.
pub async fn retry_with_message(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    message: crate::text::Message,
    reason: &str,
) -> Reply {
    let mut fresh = match build_flow(reg, req, flow_type) {
        Ok(f) => f,
        Err(e) => return non_form_error(reg, req, Some(flow_type), e).await,
    };
    // Kratos regenerates the CSRF cookie for the new flow.
    let (real, masked) = crate::x::csrf::fresh_token();
    fresh.csrf_token = masked.clone();
    if flow_type == FlowType::Browser {
        fresh.ui.set_csrf(&masked);
    }
    fresh.ui.messages.push(message);
    if let Err(e) = reg.persister.create_verification_flow(&fresh).await {
        return non_form_error(reg, req, Some(flow_type), e.into()).await;
    }
    let mut reply = if req.is_json_request {
        let mut err = ErrorObject::gone()
            .with_id("self_service_flow_replaced")
            .with_message("self-service flow replaced")
            .with_reason(reason);
        if let Some(id) = &req.request_id {
            err.request = id.clone();
        }
        Reply::error_body(410, json!({ "error": err, "use_flow_id": fresh.id }))
    } else {
        Reply::redirect(303, ui_url(reg, fresh.id))
    };
    reply.issue_csrf = Some(real);
    reply
}

/// Where a verified person continues: the flow's `return_to` when allowed, else
/// `selfservice.flows.verification.after.default_browser_return_url`, else the global default.
pub fn continue_url(reg: &Registry, flow: &VerificationFlow) -> String {
    let s = &reg.config.selfservice;
    let default = s
        .verification
        .after_default_browser_return_url
        .as_deref()
        .unwrap_or(&s.default_browser_return_url);
    secure_redirect_to(
        default,
        &return_to_allow_list(reg),
        flow.return_to.as_deref(),
    )
    .unwrap_or_else(|_| crate::flow::redirect::go_url_string(default))
}
