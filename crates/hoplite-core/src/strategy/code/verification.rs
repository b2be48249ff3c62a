//! Verifying an address with a one-time code (`ory/kratos:
//! selfservice/strategy/code/strategy_verification.go`, `code_sender.go`, spec §4.6): the code
//! goes out by email through the courier, and entering it (or opening the link in the mail)
//! marks the address verified.

use super::{CodeUse, VerificationCode, generate_code, hmac_candidates, hmac_code};
use crate::error::ErrorObject;
use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{self, PathType};
use crate::flow::errorx::non_form_error;
use crate::flow::submit::SubmitError;
use crate::flow::verification::VerificationFlow;
use crate::flow::verification::handler::{
    completed, continue_url, expired, is_browser_request, retry_with_message, ui_url,
    write_flow_error,
};
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::schema::FieldMessage;
use crate::text::messages;
use crate::ui::container::nodes;
use crate::ui::{Container, Node, group};
use serde_json::{Value, json};
use uuid::Uuid;

/// The address input of the code method: `email` typed `email`, or, with an SMS channel
/// configured, typed `text` and labelled 1070018 ("Email or phone number"), as Kratos does.
fn address_input(sms: bool, value: Option<&str>) -> Node {
    let mut n = nodes::email_input(group::CODE, value);
    if sms {
        n.attributes.input_type = "text".into();
        n.meta.label = Some(messages::info_node_label_email_or_phone());
    }
    n
}

/// Whether `courier.channels` has an `sms` channel.
pub fn has_sms_channel(reg: &Registry) -> bool {
    reg.config.courier.channel("sms").is_some()
}

/// `PopulateMethod` for verification flows: the address form (`choose_method`; see
/// [`address_input`] for `sms`) or the code form (`sent_email`), then the CSRF token on browser
/// flows.
pub fn populate(flow: &mut VerificationFlow, csrf: &str, sms: bool) {
    flow.ui.reset_messages();
    match flow.state.as_str() {
        "sent_email" => {
            let mut nodes = Vec::new();
            let mut hidden = Node::input(group::CODE, "method", "hidden");
            hidden.attributes.value = Some(Value::String("code".into()));
            nodes.push(hidden);
            let mut code = Node::input(group::CODE, "code", "text");
            code.attributes.required = true;
            code.attributes.autocomplete = Some("one-time-code".into());
            code.meta.label = Some(messages::info_node_label_verification_code());
            nodes.push(code);
            nodes.push(nodes::submit(
                group::CODE,
                "method",
                "code",
                messages::info_node_label_continue(),
            ));
            flow.ui.nodes = nodes;
            flow.ui.method = "POST".into();
            flow.ui.messages = vec![messages::verification_code_sent()];
        }
        _ => {
            flow.ui.nodes.push(address_input(sms, None));
            flow.ui.nodes.push(nodes::submit(
                group::CODE,
                "method",
                "code",
                messages::info_node_label_continue(),
            ));
        }
    }
    if flow.flow_type == FlowType::Browser {
        flow.ui.set_csrf(csrf);
    }
}

/// Moves a flow to `sent_email` for `address` (its form asks for the code and offers to send it
/// again with a submit button named `resend_name`: `email` after a form submission, the
/// address's channel after a hook, as Kratos names them).
pub fn to_sent_state(flow: &mut VerificationFlow, csrf: &str, address: &str, resend_name: &str) {
    flow.state = "sent_email".into();
    populate(flow, csrf, false);
    if channel_of(address) == "sms" {
        flow.ui.messages = vec![messages::verification_code_sent_sms()];
    }
    flow.ui.nodes.push(nodes::submit(
        group::CODE,
        resend_name,
        address,
        messages::info_node_resend_code(),
    ));
}

/// `hackyInferChannel`: an address without `@` is a phone number.
fn channel_of(address: &str) -> &'static str {
    if address.contains('@') {
        "email"
    } else {
        "sms"
    }
}

/// Sends a fresh code for `flow` to `address` (`SendVerificationCode`): the flow's earlier codes
/// are dropped; an address no identity has gets no code (and a notice only with
/// `notify_unknown_recipients`); a known one gets the code by email and status `sent`.
pub async fn send_code(
    reg: &Registry,
    flow: &VerificationFlow,
    address: &str,
) -> Result<(), ErrorObject> {
    reg.persister.delete_verification_codes(flow.id).await?;
    let via = channel_of(address);
    let value = if via == "email" {
        address.trim().to_lowercase()
    } else {
        // Stored numbers are E.164; a number typed otherwise is looked up in that form.
        crate::schema::extension::strict_normalize(address, "sms")
            .unwrap_or_else(|| address.trim().to_string())
    };
    let found = reg.persister.find_verifiable_address(via, &value).await?;
    let Some((address_id, identity_id)) = found else {
        if reg
            .config
            .selfservice
            .verification
            .notify_unknown_recipients
            && via == "email"
        {
            crate::courier::queue_email(
                reg,
                address,
                "verification_code_invalid",
                json!({"to": address, "request_url": flow.request_url, "transient_payload": flow.transient_payload.clone().unwrap_or_else(|| json!({}))}),
            )
            .await?;
        }
        return Ok(());
    };
    // Sent to the address as stored (lower-case, E.164), as Kratos's sender does.
    let identity = crate::courier::template_identity(reg, identity_id).await?;
    send_code_to(reg, flow, &value, Some(address_id), identity).await
}

/// Stores a new code on `flow` for the address `address_id`, queues the
/// `verification_code_valid` message (by email, or text for a phone number) with `identity` as
/// the template's identity, and marks the address `sent` (the verification hooks call this
/// directly: their flow is new and they know the address). `address_id` is `None` for the new
/// address of a pending profile change (`verify_new_address`), which has no row yet.
pub async fn send_code_to(
    reg: &Registry,
    flow: &VerificationFlow,
    address: &str,
    address_id: Option<Uuid>,
    identity: Value,
) -> Result<(), ErrorObject> {
    let sms = channel_of(address) == "sms";
    let now = reg.now();
    let lifespan = reg.config.selfservice.code_span();
    let code = generate_code();
    reg.persister
        .create_verification_code(&VerificationCode {
            id: Uuid::new_v4(),
            code_hmac: hmac_code(reg, &code),
            address_id,
            flow_id: flow.id,
            issued_at: now,
            expires_at: now + lifespan,
        })
        .await?;
    let mut data = json!({
        "to": address,
        "verification_code": code,
        "identity": identity,
        "request_url": flow.request_url,
        "transient_payload": flow.transient_payload.clone().unwrap_or_else(|| json!({})),
        "expires_in_minutes": lifespan.whole_minutes(),
    });
    if sms {
        // Kratos's SMS model: no link, and the flow's domain for the Web OTP line.
        data["request_url_domain"] = json!(
            url::Url::parse(&flow.request_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default()
        );
        crate::courier::queue_sms(reg, address, "verification_code_valid", data).await?;
    } else {
        data["verification_url"] = json!(with_query_param(
            &with_query_param(
                &public_url(reg.public_base(), crate::flow::verification::ROUTE_SUBMIT),
                "code",
                &code,
            ),
            "flow",
            &flow.id.to_string(),
        ));
        crate::courier::queue_email(reg, address, "verification_code_valid", data).await?;
    }
    if let Some(address_id) = address_id {
        reg.persister
            .update_verifiable_address_status(address_id, "sent", None, now)
            .await?;
    }
    Ok(())
}

/// `handleVerificationError`: the CSRF node refreshed and the address input back with what was
/// sent, then the error.
async fn fail(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: VerificationFlow,
    email: &str,
    err: SubmitError,
) -> Reply {
    flow.ui.set_csrf(&req.masked_csrf_token());
    flow.ui
        .upsert(address_input(has_sms_channel(reg), Some(email)));
    write_flow_error(reg, req, flow, err).await
}

/// Handles a submission to a verification flow (the code method's `Verify`).
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
        ("code", PathType::String),
        ("transient_payload", PathType::Json),
    ];
    // Query and body both count (the link in the mail is a GET).
    let doc = match decoder::decode_query_and_body(req, body, &fields) {
        Ok(d) => d,
        Err(e) => return write_flow_error(reg, req, flow, SubmitError::Http(e)).await,
    };
    let text = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (email, code, csrf) = (text("email"), text("code"), text("csrf_token"));
    let method = match text("method") {
        m if !m.is_empty() => m,
        _ if !code.is_empty() => "code".to_string(),
        _ => String::new(),
    };
    flow.transient_payload = Some(
        doc.get("transient_payload")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    if !matches!(method.as_str(), "" | "code" | "link") {
        // The method schema's enum, reported on the `method` node.
        let err = SubmitError::Form(vec![FieldMessage {
            field: "method".into(),
            message: messages::validation_generic("value must be one of \"code\", \"link\""),
        }]);
        return write_flow_error(reg, req, flow, err).await;
    }
    if method != "code" {
        flow.active = "default".into();
        let err = SubmitError::Form(vec![FieldMessage {
            field: String::new(),
            message: messages::verification_no_strategy_found(),
        }]);
        return fail(reg, req, flow, &email, err).await;
    }
    if !reg.config.selfservice.code_enabled {
        let err = crate::strategy::method_disabled();
        return non_form_error(reg, req, Some(flow.flow_type), err).await;
    }
    if flow.is_expired(reg.now()) {
        return expired(reg, req, flow).await;
    }
    match flow.state.as_str() {
        "choose_method" | "sent_email" => {}
        "passed_challenge" => {
            return retry_with_message(
                reg,
                req,
                flow.flow_type,
                messages::verification_retry_success(),
                "An error occured, please use the new flow.",
            )
            .await;
        }
        _ => {
            return retry_with_message(
                reg,
                req,
                flow.flow_type,
                messages::verification_state_failure(),
                "An error occured, please use the new flow.",
            )
            .await;
        }
    }

    if !code.is_empty() {
        if req.method == "GET" {
            return link_click(reg, req, flow, &code).await;
        }
        return use_code(reg, req, flow, &code).await;
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
    // A flow of a pending profile change sends its code again to the new address, as long as
    // nobody else has taken it meanwhile.
    let pending = match reg
        .persister
        .pending_change_of_verification_flow(flow.id)
        .await
    {
        Ok(p) => p,
        Err(e) => return fail(reg, req, flow, &email, SubmitError::Http(e.into())).await,
    };
    let sent = match pending {
        None => send_code(reg, &flow, &email).await,
        Some(change) => match resend_pending(reg, &flow, &change).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                let m = messages::duplicate_credentials();
                return with_message(reg, req, flow, m, 400).await;
            }
            Err(e) => Err(e),
        },
    };
    if let Err(e) = sent {
        return fail(reg, req, flow, &email, SubmitError::Http(e)).await;
    }
    to_sent_state(&mut flow, &req.masked_csrf_token(), &email, "email");
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_verification_flow(&flow).await {
        return fail(reg, req, flow, &email, SubmitError::Http(e.into())).await;
    }
    completed(reg, req, flow)
}

/// The link in the mail (`GET ...?code=&flow=`): the code goes into the form, which the person
/// then submits; nothing is verified yet.
async fn link_click(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: VerificationFlow,
    code: &str,
) -> Reply {
    if let Some(n) = flow.ui.nodes.iter_mut().find(|n| n.name() == "code") {
        n.attributes.value = Some(Value::String(code.to_string()));
    }
    // Kratos issues a new CSRF cookie here and stores its masked token on the flow.
    let (real, token) = crate::x::csrf::fresh_token();
    flow.ui.set_csrf(&token);
    flow.csrf_token = token;
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_verification_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    let mut reply = Reply::redirect(303, ui_url(reg, flow.id));
    reply.issue_csrf = Some(real);
    reply
}

/// Sends a new code for the pending change `change` to its new address (the flow's earlier
/// codes dropped); `false`, sending nothing, when another identity has that address by now.
async fn resend_pending(
    reg: &Registry,
    flow: &VerificationFlow,
    change: &crate::identity::pending::PendingTraitsChange,
) -> Result<bool, ErrorObject> {
    let (via, value) = (&change.new_address_via, &change.new_address_value);
    if let Some((_, owner)) = reg.persister.find_verifiable_address(via, value).await?
        && owner != change.identity_id
    {
        return Ok(false);
    }
    reg.persister.delete_verification_codes(flow.id).await?;
    let mut shown = crate::courier::template_identity(reg, change.identity_id).await?;
    if shown.is_object() {
        shown["traits"] = change.proposed_traits.clone();
    }
    send_code_to(reg, flow, value, None, shown).await?;
    Ok(true)
}

/// `updateVerificationFlowWithMessage`: the flow stored with `message` as its only message;
/// browsers go back to the UI, JSON callers get the flow with `status`.
async fn with_message(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: VerificationFlow,
    message: crate::text::Message,
    status: u16,
) -> Reply {
    flow.ui.messages = vec![message];
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_verification_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    if is_browser_request(req) {
        return Reply::redirect(303, ui_url(reg, flow.id));
    }
    // Written from memory, so the submitted payload shows (`{}` when none).
    Reply::json(status, flow.to_json())
}

/// `verificationUseCode`.
async fn use_code(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: VerificationFlow,
    code: &str,
) -> Reply {
    let now = reg.now();
    let outcome = reg
        .persister
        .use_verification_code(
            flow.id,
            &hmac_candidates(reg, code),
            now,
            reg.config.selfservice.code_max_submissions,
        )
        .await;
    let address_id = match outcome {
        Ok(CodeUse::Used { address_id }) => address_id,
        Ok(CodeUse::NotFound) => {
            return with_message(reg, req, flow, messages::verification_code_invalid(), 200).await;
        }
        Ok(CodeUse::TooOften) => {
            let reason = "The request was submitted too often. Please request another code.";
            return retry_with_message(
                reg,
                req,
                flow.flow_type,
                messages::validation_generic(reason),
                "An error occured, please retry the flow.",
            )
            .await;
        }
        Ok(CodeUse::AlreadyUsed) => {
            let reason = "The code was already used. Please request another code.";
            return retry_with_message(
                reg,
                req,
                flow.flow_type,
                messages::validation_generic(reason),
                "An error occured, please retry the flow.",
            )
            .await;
        }
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e.into()).await,
    };
    let via = match address_id {
        Some(address_id) => {
            if let Err(e) = reg
                .persister
                .update_verifiable_address_status(address_id, "completed", Some(now), now)
                .await
            {
                return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
            }
            match reg.persister.verifiable_address_via(address_id).await {
                Ok(via) => via.unwrap_or_default(),
                Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e.into()).await,
            }
        }
        // The code of a pending profile change: the change is written now.
        None => {
            use crate::hook::verify_new_address::{ApplyError, apply};
            match apply(reg, flow.id).await {
                Ok(via) => via,
                Err(ApplyError::Missing | ApplyError::Invalid) => {
                    let m = messages::verification_code_invalid();
                    return with_message(reg, req, flow, m, 200).await;
                }
                Err(ApplyError::Duplicate) => {
                    let m = messages::duplicate_credentials();
                    return with_message(reg, req, flow, m, 400).await;
                }
                Err(ApplyError::Other(e)) => {
                    return non_form_error(reg, req, Some(flow.flow_type), e).await;
                }
            }
        }
    };
    let success = if via == "sms" {
        messages::verification_phone_successful()
    } else {
        messages::verification_successful()
    };
    let to = continue_url(reg, &flow);
    flow.state = "passed_challenge".into();
    flow.ui = Container {
        action: to.clone(),
        method: "GET".into(),
        nodes: Vec::new(),
        messages: vec![success],
    };
    flow.ui.set_csrf(&req.masked_csrf_token());
    flow.ui.nodes.push(Node::anchor(
        group::CODE,
        "continue",
        &to,
        messages::info_node_label_continue(),
    ));
    flow.updated_at = now;
    if let Err(e) = reg.persister.update_verification_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    tracing::info!(flow_id = %flow.id, "address verified");
    completed(reg, req, flow)
}
