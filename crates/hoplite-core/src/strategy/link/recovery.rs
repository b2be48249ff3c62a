//! Recovering an account with a link (`ory/kratos: selfservice/strategy/link/
//! strategy_recovery.go`, `sender.go`, spec §3.9, §3.10, §3.12): the link goes to a recovery
//! address (or comes from `POST /admin/recovery/link`); opening it signs the person in and opens a
//! browser settings flow to set a new password.

use super::{LinkToken, Opened, TokenKind, generate_token};
use crate::error::ErrorObject;
use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{self, PathType};
use crate::flow::errorx::non_form_error;
use crate::flow::guard::active_session;
use crate::flow::recovery::RecoveryFlow;
use crate::flow::recovery::handler::{
    already_signed_in, build_flow, completed, signed_in_redirect, ui_url,
};
use crate::flow::submit::{SubmitError, write_to_form};
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::schema::FieldMessage;
use crate::strategy::code::hmac_code;
use crate::text::messages;
use crate::ui::container::nodes;
use crate::ui::group;
use serde_json::{Value, json};
use uuid::Uuid;

/// `PopulateRecoveryMethod`: the CSRF token, the address and the submit button.
pub fn populate(flow: &mut RecoveryFlow, csrf: &str) {
    flow.ui.set_csrf(csrf);
    flow.ui.upsert(nodes::email_input(group::LINK, None));
    flow.ui.nodes.push(nodes::submit(
        group::LINK,
        "method",
        "link",
        messages::info_node_label_continue(),
    ));
}

/// The link method's form on a new flow (every link retry and the admin link use it).
fn link_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    lifespan: Option<time::Duration>,
    csrf: &str,
) -> Result<RecoveryFlow, ErrorObject> {
    let mut flow = build_flow(reg, req, flow_type, lifespan)?;
    flow.ui.nodes.clear();
    flow.csrf_token = csrf.to_string();
    populate(&mut flow, csrf);
    // The link strategy is always "primary" in Kratos, so its flows are `active: link`.
    flow.active = "link".into();
    Ok(flow)
}

/// `retryRecoveryFlowWithMessage` of the link method: a new flow with a fresh CSRF cookie,
/// always announced by redirect (the UI for browser flows, the flow's JSON for API flows).
async fn retry(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    message: crate::text::Message,
) -> Reply {
    let (real, masked) = crate::x::csrf::fresh_token();
    let mut fresh = match link_flow(reg, req, flow_type, None, &masked) {
        Ok(f) => f,
        Err(e) => return non_form_error(reg, req, Some(flow_type), e).await,
    };
    fresh.ui.messages.push(message);
    if let Err(e) = reg.persister.create_recovery_flow(&fresh).await {
        return non_form_error(reg, req, Some(flow_type), e.into()).await;
    }
    let to = match flow_type {
        FlowType::Browser => ui_url(reg, fresh.id),
        FlowType::Api => with_query_param(
            &public_url(reg.public_base(), crate::flow::recovery::ROUTE_GET_FLOW),
            "id",
            &fresh.id.to_string(),
        ),
    };
    let mut reply = Reply::redirect(303, to);
    reply.issue_csrf = Some(real);
    reply
}

/// The recovery flow error writer for the link method: messages kept, the error added, the
/// flow's `active` set to the group the error belongs to.
async fn form_error(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RecoveryFlow,
    active: &str,
    err: SubmitError,
) -> Reply {
    if let Err(e) = write_to_form(&mut flow.ui, err) {
        return non_form_error(reg, req, Some(flow.flow_type), e).await;
    }
    flow.active = active.into();
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_recovery_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    if flow.flow_type == FlowType::Browser && !req.is_json_request {
        return Reply::redirect(303, ui_url(reg, flow.id));
    }
    flow.transient_payload = None;
    Reply::json(400, flow.to_json())
}

/// `HandleRecoveryError` with a flow: the CSRF node and the address input (with what was sent)
/// back, then the error.
async fn fail(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RecoveryFlow,
    email: &str,
    err: SubmitError,
) -> Reply {
    flow.ui.set_csrf(&req.masked_csrf_token());
    flow.ui.upsert(nodes::email_input(group::LINK, Some(email)));
    form_error(reg, req, flow, "link", err).await
}

/// No method took the submission (spec §3.6 step 3): 4010005, and the flow parked on `default`.
pub async fn no_strategy(reg: &Registry, req: &RequestInfo, flow: RecoveryFlow) -> Reply {
    let err = SubmitError::Form(vec![FieldMessage {
        field: String::new(),
        message: messages::recovery_no_strategy_found(),
    }]);
    form_error(reg, req, flow, "default", err).await
}

/// Handles a submission the code method did not take (the link method's `Recover`).
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RecoveryFlow,
    body: &[u8],
) -> Reply {
    let fields = [
        ("method", PathType::String),
        ("token", PathType::String),
        ("csrf_token", PathType::String),
        ("flow", PathType::String),
        ("email", PathType::String),
        ("transient_payload", PathType::Json),
    ];
    // Query and body both count (the link in the mail is a GET).
    let doc = match decoder::decode_query_and_body(req, body, &fields) {
        Ok(d) => d,
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e).await,
    };
    let text = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (method, token, email, csrf) = (
        text("method"),
        text("token"),
        text("email"),
        text("csrf_token"),
    );
    flow.transient_payload = Some(
        doc.get("transient_payload")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    if !token.is_empty() {
        if !reg.config.selfservice.link_enabled {
            return non_form_error(
                reg,
                req,
                Some(flow.flow_type),
                crate::strategy::method_disabled(),
            )
            .await;
        }
        return use_token(reg, req, flow, &token).await;
    }
    match active_session(reg, req).await {
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e).await,
        Ok(Some(_)) if req.is_json_request => {
            return Reply::error(&already_signed_in(), req.request_id.as_deref());
        }
        Ok(Some(_)) => return signed_in_redirect(reg, req),
        Ok(None) => {}
    }
    if method != "link" {
        return no_strategy(reg, req, flow).await;
    }
    if !reg.config.selfservice.link_enabled {
        return non_form_error(
            reg,
            req,
            Some(flow.flow_type),
            crate::strategy::method_disabled(),
        )
        .await;
    }
    match flow.state.as_str() {
        "choose_method" | "sent_email" => {}
        "passed_challenge" => {
            return retry(reg, req, flow.flow_type, messages::recovery_retry_success()).await;
        }
        _ => return retry(reg, req, flow.flow_type, messages::recovery_state_failure()).await,
    }
    if email.is_empty() {
        let err = SubmitError::required("email");
        return fail(reg, req, flow, &email, err).await;
    }
    if let Err(e) = check_csrf(
        req,
        flow.flow_type,
        doc.get("csrf_token").map(|_| csrf.as_str()),
    ) {
        return fail(reg, req, flow, &email, e).await;
    }
    if let Err(e) = send_link(reg, &flow, &email).await {
        return fail(reg, req, flow, &email, SubmitError::Http(e)).await;
    }
    flow.ui.set_csrf(&req.masked_csrf_token());
    flow.ui
        .upsert(nodes::email_input(group::LINK, Some(&email)));
    flow.active = "link".into();
    flow.state = "sent_email".into();
    flow.ui.messages = vec![messages::recovery_email_sent()];
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_recovery_flow(&flow).await {
        return fail(reg, req, flow, &email, SubmitError::Http(e.into())).await;
    }
    completed(reg, req, flow)
}

/// `SendRecoveryLink`: a link to a known recovery address; an unknown one gets nothing (a notice
/// only with `notify_unknown_recipients`), and the answer is the same.
async fn send_link(reg: &Registry, flow: &RecoveryFlow, address: &str) -> Result<(), ErrorObject> {
    let payload = flow.transient_payload.clone().unwrap_or_else(|| json!({}));
    let found = reg
        .persister
        .find_recovery_address("email", &address.trim().to_lowercase())
        .await?;
    let Some((address_id, identity_id)) = found else {
        if reg.config.selfservice.recovery.notify_unknown_recipients {
            crate::courier::queue_email(
                reg,
                address,
                "recovery_invalid",
                json!({"to": address, "request_url": flow.request_url, "transient_payload": payload}),
            )
            .await?;
        }
        return Ok(());
    };
    let identity = crate::courier::template_identity(reg, identity_id).await?;
    let now = reg.now();
    let lifespan = reg.config.selfservice.link_span();
    let token = generate_token();
    reg.persister
        .create_link_token(
            TokenKind::Recovery,
            &LinkToken {
                id: Uuid::new_v4(),
                token_hmac: hmac_code(reg, &token),
                address_id: Some(address_id),
                identity_id: Some(identity_id),
                flow_id: flow.id,
                token_type: 2,
                issued_at: now,
                expires_at: now + lifespan,
            },
        )
        .await?;
    crate::courier::queue_email(
        reg,
        address,
        "recovery_valid",
        json!({
            "to": address,
            "recovery_url": super::link_url(reg, crate::flow::recovery::ROUTE_SUBMIT, flow.id, &token),
            "identity": identity,
            "request_url": flow.request_url,
            "transient_payload": payload,
            "expires_in_minutes": lifespan.whole_minutes(),
        }),
    )
    .await?;
    Ok(())
}

/// `recoveryUseToken`: the link was opened. Every retry here makes a browser flow.
async fn use_token(reg: &Registry, req: &RequestInfo, flow: RecoveryFlow, token: &str) -> Reply {
    let now = reg.now();
    let used = match super::open(reg, TokenKind::Recovery, flow.id, token, now).await {
        Ok(Opened::Live(t)) => t,
        Ok(Opened::Invalid) => {
            return retry(
                reg,
                req,
                FlowType::Browser,
                messages::recovery_token_invalid(),
            )
            .await;
        }
        Ok(Opened::Expired(at)) => {
            return retry(
                reg,
                req,
                FlowType::Browser,
                messages::recovery_flow_expired(at, now),
            )
            .await;
        }
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e.into()).await,
    };
    let Some(identity_id) = used.identity_id else {
        return retry(
            reg,
            req,
            FlowType::Browser,
            messages::recovery_token_invalid(),
        )
        .await;
    };
    let proved = if used.token_type == 2 {
        used.address_id
    } else {
        None
    };
    if let Err(e) = crate::flow::recovery::hook::prove_address(reg, identity_id, proved, now).await
    {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    issue_session(reg, req, flow, identity_id).await
}

/// `recoveryIssueSession` (spec §3.10 for links): the flow passes with a new CSRF cookie, a
/// `link_recovery` session is stored and its cookie set (the hooks first), and the browser goes
/// to a new browser settings flow.
async fn issue_session(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RecoveryFlow,
    identity_id: Uuid,
) -> Reply {
    let now = reg.now();
    let identity = match reg.persister.get_identity(identity_id).await {
        Ok(Some(i)) => i,
        Ok(None) => {
            return non_form_error(reg, req, Some(flow.flow_type), ErrorObject::row_not_found())
                .await;
        }
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e.into()).await,
    };
    if identity.state != "active" {
        return retry(
            reg,
            req,
            FlowType::Browser,
            messages::identity_disabled_recovery(),
        )
        .await;
    }
    flow.ui.reset_messages();
    flow.state = "passed_challenge".into();
    flow.recovered_identity_id = Some(identity_id);
    let (real, masked) = crate::x::csrf::fresh_token();
    flow.csrf_token = masked.clone();
    flow.updated_at = now;
    if let Err(e) = reg.persister.update_recovery_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    let mut session =
        crate::session::manager::new_active_session(reg, req, &identity, "link_recovery");
    if let Err(e) = crate::flow::recovery::hook::run_before_session(reg, identity_id).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    if let Err(e) = reg.persister.create_session(&session).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    tracing::info!(identity_id = %identity_id, session_id = %session.id, "account recovered by link");
    session.identity = Some(identity.public_view());
    let settings = match crate::strategy::code::recovery::settings_flow(
        reg,
        req,
        &flow,
        &identity,
        FlowType::Browser,
        &masked,
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e).await,
    };
    let mut reply = Reply::redirect(303, crate::flow::settings::handler::ui_url(reg, settings));
    reply
        .set_cookies
        .push(crate::session::cookie::session_cookie(
            &reg.config,
            &reg.cookie_codecs,
            &session,
            now,
        ));
    reply.issue_csrf = Some(real);
    reply
}

/// `POST /admin/recovery/link` (`createRecoveryLinkForIdentity`), spec §3.12.
pub async fn create_recovery_link_for_identity(
    reg: &Registry,
    req: &RequestInfo,
    body: &[u8],
) -> Reply {
    let rid = req.request_id.as_deref();
    if !reg.config.selfservice.link_enabled {
        return Reply::error(&crate::strategy::method_disabled(), rid);
    }
    #[derive(serde::Deserialize)]
    struct Body {
        identity_id: Option<String>,
        expires_in: Option<String>,
    }
    let parsed: Body = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => {
            let err = ErrorObject::bad_request()
                .with_reason(format!("Unable to decode JSON payload: {e}"));
            return Reply::error(&err, rid);
        }
    };
    let text = parsed.expires_in.unwrap_or_default();
    let lifespan = if text.is_empty() {
        reg.config.selfservice.link_span()
    } else {
        match crate::config::duration::parse_signed_duration(&text) {
            Ok(d) => d,
            Err(_) => {
                let err = ErrorObject::bad_request().with_reason(format!(
                    "Unable to parse \"expires_in\" as a duration string (e.g. \"1h\", \"1m30s\", \"500ms\"): {text}"
                ));
                return Reply::error(&err, rid);
            }
        }
    };
    if lifespan <= time::Duration::ZERO {
        let err = ErrorObject::bad_request().with_reason(format!(
            "Value from \"expires_in\" must be result to a future time: {text}"
        ));
        return Reply::error(&err, rid);
    }
    let identity_id = match parsed.identity_id.as_deref().filter(|i| !i.is_empty()) {
        None => Uuid::nil(),
        Some(text) => match Uuid::parse_str(text) {
            Ok(id) => id,
            Err(_) => return Reply::error(&crate::courier::handler::uuid_error(text), rid),
        },
    };
    let mut flow = match link_flow(
        reg,
        req,
        FlowType::Browser,
        Some(lifespan),
        &req.masked_csrf_token(),
    ) {
        Ok(f) => f,
        Err(e) => return Reply::error(&e, rid),
    };
    let identity = match reg.persister.get_identity(identity_id).await {
        Ok(i) => i,
        Err(e) => return Reply::error(&e.into(), rid),
    };
    let Some(identity) = identity else {
        let err =
            ErrorObject::bad_request().with_reason("The requested identity id does not exist.");
        return Reply::error(&err, rid);
    };
    let token = generate_token();
    let now = reg.now();
    flow.updated_at = now;
    if let Err(e) = reg.persister.create_recovery_flow(&flow).await {
        return Reply::error(&e.into(), rid);
    }
    let stored = reg
        .persister
        .create_link_token(
            TokenKind::Recovery,
            &LinkToken {
                id: Uuid::new_v4(),
                token_hmac: hmac_code(reg, &token),
                address_id: None,
                identity_id: Some(identity.id),
                flow_id: flow.id,
                token_type: 1,
                issued_at: now,
                expires_at: now + lifespan,
            },
        )
        .await;
    if let Err(e) = stored {
        return Reply::error(&e.into(), rid);
    }
    tracing::info!(identity_id = %identity.id, "a recovery link was created");
    let mut reply = Reply::json(
        200,
        json!({
            "recovery_link": super::link_url(reg, crate::flow::recovery::ROUTE_SUBMIT, flow.id, &token),
            "expires_at": crate::x::timefmt::rfc3339_nano(flow.expires_at),
        }),
    );
    if let crate::flow::Body::Json(v) = reply.body {
        reply.body = crate::flow::Body::JsonUnescaped(v);
    }
    reply
}
