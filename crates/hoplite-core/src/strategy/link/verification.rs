//! Verifying an address with a link (`ory/kratos: selfservice/strategy/link/
//! strategy_verification.go`, `sender.go`, spec §4.7): `selfservice.flows.verification.use: link`
//! mails `<public>/self-service/verification?flow=<id>&token=<token>`, and opening it marks the
//! address verified.

use super::{LinkToken, Opened, TokenKind, generate_token};
use crate::error::ErrorObject;
use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{self, PathType};
use crate::flow::errorx::non_form_error;
use crate::flow::submit::SubmitError;
use crate::flow::verification::VerificationFlow;
use crate::flow::verification::handler::{
    build_flow, completed, continue_url, expired, ui_url, write_flow_error,
};
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::schema::FieldMessage;
use crate::strategy::code::hmac_code;
use crate::text::messages;
use crate::ui::container::nodes;
use crate::ui::{Container, Node, group};
use serde_json::{Value, json};
use uuid::Uuid;

/// `PopulateVerificationMethod`: the CSRF token (on every flow type), the address and the
/// submit button. Called twice on a flow (as the verification hook does), it appends a second
/// submit button, as Kratos does.
pub fn populate(flow: &mut VerificationFlow, csrf: &str) {
    flow.ui.set_csrf(csrf);
    flow.ui.upsert(nodes::email_input(group::LINK, None));
    flow.ui.nodes.push(nodes::submit(
        group::LINK,
        "method",
        "link",
        messages::info_node_label_continue(),
    ));
}

/// Sends a link for `flow` to `address` (`SendVerificationLink`): an address no identity has gets
/// none (and a notice only with `notify_unknown_recipients`); a known one gets the link by email
/// and status `sent`.
pub async fn send_link(
    reg: &Registry,
    flow: &VerificationFlow,
    address: &str,
) -> Result<(), ErrorObject> {
    let found = reg
        .persister
        .find_verifiable_address("email", &address.trim().to_lowercase())
        .await?;
    let Some((address_id, identity_id)) = found else {
        if reg
            .config
            .selfservice
            .verification
            .notify_unknown_recipients
        {
            crate::courier::queue_email(
                reg,
                address,
                "verification_invalid",
                json!({"to": address, "request_url": flow.request_url, "transient_payload": flow.transient_payload.clone().unwrap_or_else(|| json!({}))}),
            )
            .await?;
        }
        return Ok(());
    };
    let identity = crate::courier::template_identity(reg, identity_id).await?;
    send_token(reg, flow, address, Some(address_id), identity).await?;
    reg.persister
        .update_verifiable_address_status(address_id, "sent", None, reg.now())
        .await?;
    Ok(())
}

/// Stores a token for the address and mails the link with `identity` as the template's
/// identity (`SendVerificationTokenTo`); `address_id` is `None` for the new address of a pending
/// profile change.
pub async fn send_token(
    reg: &Registry,
    flow: &VerificationFlow,
    address: &str,
    address_id: Option<Uuid>,
    identity: serde_json::Value,
) -> Result<(), ErrorObject> {
    let now = reg.now();
    let lifespan = reg.config.selfservice.link_span();
    let token = generate_token();
    reg.persister
        .create_link_token(
            TokenKind::Verification,
            &LinkToken {
                id: Uuid::new_v4(),
                token_hmac: hmac_code(reg, &token),
                address_id,
                identity_id: None,
                flow_id: flow.id,
                token_type: 0,
                issued_at: now,
                expires_at: now + lifespan,
            },
        )
        .await?;
    let link = super::link_url(
        reg,
        crate::flow::verification::ROUTE_SUBMIT,
        flow.id,
        &token,
    );
    crate::courier::queue_email(
        reg,
        address,
        "verification_valid",
        json!({
            "to": address,
            "verification_url": link,
            "identity": identity,
            "request_url": flow.request_url,
            "transient_payload": flow.transient_payload.clone().unwrap_or_else(|| json!({})),
            "expires_in_minutes": lifespan.whole_minutes(),
        }),
    )
    .await?;
    Ok(())
}

/// `handleVerificationError` then the flow error writer: the CSRF node refreshed and the address
/// input back with what was sent, the error on the form.
async fn fail(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: VerificationFlow,
    email: &str,
    err: SubmitError,
) -> Reply {
    flow.ui.set_csrf(&req.masked_csrf_token());
    flow.ui.upsert(nodes::email_input(group::LINK, Some(email)));
    write_flow_error(reg, req, flow, err).await
}

/// A new flow carrying `message` (the link strategy's `retryVerificationFlowWithMessage`):
/// always a redirect, to the UI for browser flows and to the flow's JSON for API flows.
async fn retry(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    message: crate::text::Message,
) -> Reply {
    let (real, masked) = crate::x::csrf::fresh_token();
    let mut fresh = match build_flow(reg, req, flow_type) {
        Ok(f) => f,
        Err(e) => return non_form_error(reg, req, Some(flow_type), e).await,
    };
    fresh.csrf_token = masked.clone();
    fresh.ui.set_csrf(&masked);
    fresh.ui.messages.push(message);
    if let Err(e) = reg.persister.create_verification_flow(&fresh).await {
        return non_form_error(reg, req, Some(flow_type), e.into()).await;
    }
    let to = match flow_type {
        FlowType::Browser => ui_url(reg, fresh.id),
        FlowType::Api => with_query_param(
            &public_url(reg.public_base(), crate::flow::verification::ROUTE_GET_FLOW),
            "id",
            &fresh.id.to_string(),
        ),
    };
    let mut reply = Reply::redirect(303, to);
    reply.issue_csrf = Some(real);
    reply
}

/// Handles a submission to a flow whose active method is `link` (the link method's `Verify`).
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: VerificationFlow,
    body: &[u8],
) -> Reply {
    let fields = [
        ("email", PathType::String),
        ("csrf_token", PathType::String),
        ("method", PathType::String),
        ("token", PathType::String),
        ("flow", PathType::String),
        ("transient_payload", PathType::Json),
    ];
    // Query and body both count (the link in the mail is a GET).
    let doc = match decoder::decode_query_and_body(req, body, &fields) {
        Ok(d) => d,
        Err(e) => return fail(reg, req, flow, "", SubmitError::Http(e)).await,
    };
    let text = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (email, token, csrf, method) = (
        text("email"),
        text("token"),
        text("csrf_token"),
        text("method"),
    );
    flow.transient_payload = Some(
        doc.get("transient_payload")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    if !matches!(method.as_str(), "" | "code" | "link") {
        let err = SubmitError::Form(vec![FieldMessage {
            field: "method".into(),
            message: messages::validation_generic("value must be one of \"code\", \"link\""),
        }]);
        return fail(reg, req, flow, &email, err).await;
    }
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
    if method != "link" {
        // Not this method's submission: Kratos's "no strategy found", which also parks the flow.
        flow.active = "default".into();
        let err = SubmitError::Form(vec![FieldMessage {
            field: String::new(),
            message: messages::verification_no_strategy_found(),
        }]);
        return fail(reg, req, flow, &email, err).await;
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
    if flow.is_expired(reg.now()) {
        return expired(reg, req, flow).await;
    }
    match flow.state.as_str() {
        "choose_method" | "sent_email" => {}
        "passed_challenge" => {
            return retry(
                reg,
                req,
                flow.flow_type,
                messages::verification_retry_success(),
            )
            .await;
        }
        _ => {
            return retry(
                reg,
                req,
                flow.flow_type,
                messages::verification_state_failure(),
            )
            .await;
        }
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
    flow.ui.messages = vec![messages::verification_email_sent()];
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_verification_flow(&flow).await {
        return fail(reg, req, flow, &email, SubmitError::Http(e.into())).await;
    }
    completed(reg, req, flow)
}

/// `verificationUseToken`: the link was opened. Every retry here makes a browser flow.
async fn use_token(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: VerificationFlow,
    token: &str,
) -> Reply {
    let now = reg.now();
    let used = match super::open(reg, TokenKind::Verification, flow.id, token, now).await {
        Ok(Opened::Live(t)) => t,
        Ok(Opened::Invalid) => {
            return retry(
                reg,
                req,
                FlowType::Browser,
                messages::verification_token_invalid(),
            )
            .await;
        }
        Ok(Opened::Expired(at)) => {
            return retry(
                reg,
                req,
                FlowType::Browser,
                messages::verification_flow_expired(at, now),
            )
            .await;
        }
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e.into()).await,
    };
    let via = match used.address_id {
        Some(address_id) => {
            if let Err(e) = reg
                .persister
                .update_verifiable_address_status(address_id, "completed", Some(now), now)
                .await
            {
                return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
            }
            String::from("email")
        }
        // The link of a pending profile change: the change is written now.
        None => {
            use crate::hook::verify_new_address::{ApplyError, apply};
            match apply(reg, flow.id).await {
                Ok(via) => via,
                Err(ApplyError::Missing) => {
                    let m = messages::verification_token_invalid();
                    return retry(reg, req, FlowType::Browser, m).await;
                }
                // As Kratos: this flow says so, and browsers go back to its UI.
                Err(ApplyError::Invalid) => {
                    flow.ui.messages = vec![messages::verification_token_invalid()];
                    flow.updated_at = now;
                    if let Err(e) = reg.persister.update_verification_flow(&flow).await {
                        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
                    }
                    if crate::flow::verification::handler::is_browser_request(req) {
                        return Reply::redirect(303, ui_url(reg, flow.id));
                    }
                    return Reply::json(200, flow.to_json());
                }
                Err(ApplyError::Duplicate) => {
                    let m = messages::duplicate_credentials();
                    return retry(reg, req, FlowType::Browser, m).await;
                }
                Err(ApplyError::Other(e)) => {
                    return non_form_error(reg, req, Some(flow.flow_type), e).await;
                }
            }
        }
    };
    let to = continue_url(reg, &flow);
    flow.state = "passed_challenge".into();
    flow.ui = Container {
        action: to.clone(),
        method: "GET".into(),
        nodes: Vec::new(),
        messages: vec![if via == "sms" {
            messages::verification_phone_successful()
        } else {
            messages::verification_successful()
        }],
    };
    // Kratos sets the flow's CSRF token from the request (a browser without one gets a cookie).
    let mut issue = None;
    flow.csrf_token = match (flow.flow_type, req.csrf_real.is_some()) {
        (FlowType::Browser, false) => {
            let (real, masked) = crate::x::csrf::fresh_token();
            issue = Some(real);
            masked
        }
        _ => req.masked_csrf_token(),
    };
    flow.ui.nodes.push(Node::anchor(
        group::LINK,
        "continue",
        &to,
        messages::info_node_label_continue(),
    ));
    flow.updated_at = now;
    if let Err(e) = reg.persister.update_verification_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    tracing::info!(flow_id = %flow.id, "address verified by link");
    let mut reply = completed(reg, req, flow);
    if reply.issue_csrf.is_none() {
        reply.issue_csrf = issue;
    }
    reply
}
