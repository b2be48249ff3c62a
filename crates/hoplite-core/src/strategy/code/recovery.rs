//! Recovering an account with a one-time code (`ory/kratos:
//! selfservice/strategy/code/strategy_recovery.go`, `strategy_recovery_admin.go`, spec §3.7,
//! §3.10, §3.12): the code goes to a recovery address; entering it signs the person in and opens a
//! settings flow to set a new password.

use super::{RecoveryCode, RecoveryCodeUse, generate_code, hmac_candidates, hmac_code};
use crate::error::ErrorObject;
use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{self, KnownPath, PathType};
use crate::flow::errorx::non_form_error;
use crate::flow::guard::active_session;
use crate::flow::recovery::RecoveryFlow;
use crate::flow::recovery::handler::{
    already_signed_in, build_flow, completed, retry_with_error, retry_with_message,
    signed_in_redirect, ui_url,
};
use crate::flow::submit::{SubmitError, write_to_form};
use crate::flow::{FlowType, Reply, RequestInfo, with_query_param};
use crate::registry::Registry;
use crate::schema::FieldMessage;
use crate::text::messages;
use crate::ui::container::nodes;
use crate::ui::{Node, group};
use serde_json::{Value, json};
use uuid::Uuid;

fn code_input() -> Node {
    let mut n = Node::input(group::CODE, "code", "text");
    n.attributes.required = true;
    n.attributes.pattern = Some("[0-9]+".into());
    n.attributes.maxlength = Some(6);
    n.attributes.autocomplete = Some("one-time-code".into());
    n.meta.label = Some(messages::info_node_label_recovery_code());
    n
}

/// The code method's form for the flow's state, after the CSRF node.
pub fn populate(flow: &mut RecoveryFlow, csrf: &str) {
    flow.ui.nodes.clear();
    flow.ui.set_csrf(csrf);
    match flow.state.as_str() {
        "sent_email" => {
            flow.ui.nodes.push(code_input());
            let mut hidden = Node::input(group::CODE, "method", "hidden");
            hidden.attributes.value = Some(Value::String("code".into()));
            flow.ui.nodes.push(hidden);
            flow.ui.nodes.push(nodes::submit(
                group::CODE,
                "method",
                "code",
                messages::info_node_label_continue(),
            ));
        }
        _ => {
            flow.ui.nodes.push(nodes::email_input(group::CODE, None));
            flow.ui.nodes.push(nodes::submit(
                group::CODE,
                "method",
                "code",
                messages::info_node_label_continue(),
            ));
        }
    }
}

/// The recovery flow error writer: the error in the form (browsers back to the UI), or as JSON /
/// the error UI when it does not belong in a form.
async fn form_error(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RecoveryFlow,
    err: SubmitError,
) -> Reply {
    flow.ui.reset_messages();
    if let Err(e) = write_to_form(&mut flow.ui, err) {
        return non_form_error(reg, req, Some(flow.flow_type), e).await;
    }
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

/// Kratos's loose email format (`email_loose`): a local part and a domain around one `@`.
fn loose_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && s.len() <= 320
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !domain.is_empty()
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

/// Handles a submission to a recovery flow (the code method's `Recover`).
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RecoveryFlow,
    body: &[u8],
) -> Reply {
    let paths: Vec<KnownPath> = [
        ("method", PathType::String),
        ("email", PathType::String),
        ("code", PathType::String),
        ("csrf_token", PathType::String),
        ("transient_payload", PathType::Json),
    ]
    .into_iter()
    .map(|(name, kind)| KnownPath {
        name: name.into(),
        kind,
        required: false,
    })
    .collect();
    let doc = match decoder::decode(&req.method, req.content_type.as_deref(), body, &paths) {
        Ok(d) => d,
        Err(e) => return form_error(reg, req, flow, SubmitError::Http(e)).await,
    };
    let text = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (method, email, code) = (text("method"), text("email"), text("code"));
    if !email.is_empty() && !loose_email(&email) {
        let err = SubmitError::Form(vec![FieldMessage {
            field: "email".into(),
            message: crate::schema::errors::validation_email(&email),
        }]);
        return form_error(reg, req, flow, err).await;
    }
    flow.transient_payload = Some(
        doc.get("transient_payload")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    if !flow.skip_csrf_check
        && let Err(e) = check_csrf(
            req,
            flow.flow_type,
            doc.get("csrf_token").map(|_| text("csrf_token")).as_deref(),
        )
    {
        return match e {
            SubmitError::Http(e) if e.code == 403 => {
                // Kratos starts (and drops) a retry flow here, which replaces the CSRF cookie.
                let mut reply = non_form_error(reg, req, Some(flow.flow_type), e).await;
                reply.issue_csrf = Some(crate::x::csrf::generate_real_token());
                reply
            }
            SubmitError::Http(e) => retry_with_error(reg, req, FlowType::Browser, e).await,
            other => form_error(reg, req, flow, other).await,
        };
    }
    flow.ui.reset_messages();
    // A code for a flow that sent one: no method or session check on this path.
    if flow.state != "choose_method" && email.is_empty() {
        return use_code(reg, req, flow, &code).await;
    }
    match active_session(reg, req).await {
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e).await,
        Ok(Some(_)) if req.is_json_request || flow.flow_type == FlowType::Api => {
            return Reply::error(&already_signed_in(), req.request_id.as_deref());
        }
        Ok(Some(_)) => return signed_in_redirect(reg, req),
        Ok(None) => {}
    }
    if method != "code" {
        // Not this method's: the link method is asked next, with the flow as stored.
        let stored = match reg.persister.get_recovery_flow(flow.id).await {
            Ok(Some(f)) => f,
            Ok(None) => flow,
            Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e.into()).await,
        };
        return crate::strategy::link::recovery::submit(reg, req, stored, body).await;
    }
    match flow.state.as_str() {
        "choose_method" | "sent_email" => {}
        "passed_challenge" => {
            return retry_with_message(
                reg,
                req,
                flow.flow_type,
                messages::recovery_retry_success(),
            )
            .await;
        }
        _ => {
            return retry_with_message(
                reg,
                req,
                flow.flow_type,
                messages::recovery_state_failure(),
            )
            .await;
        }
    }
    if email.is_empty() {
        let err = SubmitError::required("email");
        return form_error(reg, req, flow, err).await;
    }
    if let Err(e) = send_code(reg, &flow, &email).await {
        return form_error(reg, req, flow, SubmitError::Http(e)).await;
    }
    flow.active = "code".into();
    flow.state = "sent_email".into();
    let csrf = req.masked_csrf_token();
    populate(&mut flow, &csrf);
    flow.ui.nodes.push(nodes::submit(
        group::CODE,
        "email",
        &email,
        messages::info_node_resend_code(),
    ));
    flow.ui.messages = vec![messages::recovery_code_sent()];
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_recovery_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    completed(reg, req, flow)
}

/// Sends a fresh code for `flow` to the recovery address `address` (old codes of the flow go);
/// an address nobody has gets none (a notice only with `notify_unknown_recipients`).
async fn send_code(reg: &Registry, flow: &RecoveryFlow, address: &str) -> Result<(), ErrorObject> {
    reg.persister.delete_recovery_codes(flow.id).await?;
    // The value as sent, else as stored (lower-cased), preferring the exact match.
    let mut found = reg
        .persister
        .find_recovery_address("email", address)
        .await?;
    if found.is_none() {
        let normalized = address.trim().to_lowercase();
        found = reg
            .persister
            .find_recovery_address("email", &normalized)
            .await?;
    }
    let transient = flow.transient_payload.clone().unwrap_or_else(|| json!({}));
    let Some((address_id, identity_id)) = found else {
        if reg.config.selfservice.recovery.notify_unknown_recipients {
            crate::courier::queue_email(
                reg,
                address,
                "recovery_code_invalid",
                json!({"to": address, "request_url": flow.request_url, "transient_payload": transient}),
            )
            .await?;
        }
        return Ok(());
    };
    let now = reg.now();
    let lifespan = reg.config.selfservice.code_span();
    let code = generate_code();
    reg.persister
        .create_recovery_code(&RecoveryCode {
            id: Uuid::new_v4(),
            code_hmac: hmac_code(reg, &code),
            address_id: Some(address_id),
            identity_id,
            flow_id: flow.id,
            code_type: 2,
            issued_at: now,
            expires_at: now + lifespan,
        })
        .await?;
    let identity = crate::courier::template_identity(reg, identity_id).await?;
    crate::courier::queue_email(
        reg,
        address,
        "recovery_code_valid",
        json!({
            "to": address,
            "recovery_code": code,
            "identity": identity,
            "request_url": flow.request_url,
            "transient_payload": transient,
            "expires_in_minutes": lifespan.whole_minutes(),
        }),
    )
    .await?;
    Ok(())
}

/// `recoveryUseCode`.
async fn use_code(reg: &Registry, req: &RequestInfo, mut flow: RecoveryFlow, code: &str) -> Reply {
    let now = reg.now();
    let outcome = reg
        .persister
        .use_recovery_code(
            flow.id,
            &hmac_candidates(reg, code),
            now,
            reg.config.selfservice.code_max_submissions,
        )
        .await;
    let (identity_id, address_id, code_type) = match outcome {
        Ok(RecoveryCodeUse::Used {
            identity_id,
            address_id,
            code_type,
        }) => (identity_id, address_id, code_type),
        Ok(RecoveryCodeUse::NotFound) => {
            flow.ui.messages = vec![messages::recovery_code_invalid()];
            flow.updated_at = now;
            if let Err(e) = reg.persister.update_recovery_flow(&flow).await {
                return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
            }
            if flow.flow_type == FlowType::Browser && !req.is_json_request {
                return Reply::redirect(303, ui_url(reg, flow.id));
            }
            return Reply::json(200, flow.to_json());
        }
        Ok(RecoveryCodeUse::TooOften) => {
            let err = ErrorObject::bad_request()
                .with_reason("The request was submitted too often. Please request another code.");
            return retry_with_error(reg, req, flow.flow_type, err).await;
        }
        Ok(RecoveryCodeUse::AlreadyUsed) => {
            let err = ErrorObject::bad_request()
                .with_reason("The code was already used. Please request another code.");
            return retry_with_error(reg, req, flow.flow_type, err).await;
        }
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e.into()).await,
    };
    let proved = if code_type == 2 { address_id } else { None };
    if let Err(e) = crate::flow::recovery::hook::prove_address(reg, identity_id, proved, now).await
    {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    recovered(reg, req, flow, identity_id).await
}

/// Spec §3.10: the flow is done, the person gets a session and a settings flow.
async fn recovered(
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
        return retry_with_message(
            reg,
            req,
            flow.flow_type,
            messages::identity_disabled_recovery(),
        )
        .await;
    }
    flow.ui.reset_messages();
    flow.state = "passed_challenge".into();
    flow.recovered_identity_id = Some(identity_id);
    let mut issue_csrf = None;
    if flow.flow_type == FlowType::Browser {
        let (real, masked) = crate::x::csrf::fresh_token();
        flow.csrf_token = masked.clone();
        flow.ui.set_csrf(&masked);
        issue_csrf = Some(real);
    }
    flow.updated_at = now;
    if let Err(e) = reg.persister.update_recovery_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }

    let mut session =
        crate::session::manager::new_active_session(reg, req, &identity, "code_recovery");
    // The hooks run before the new session is stored, so this revokes every earlier one.
    if let Err(e) = crate::flow::recovery::hook::run_before_session(reg, identity_id).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    if let Err(e) = reg.persister.create_session(&session).await {
        return non_form_error(reg, req, Some(flow.flow_type), e.into()).await;
    }
    tracing::info!(identity_id = %identity_id, session_id = %session.id, "account recovered");
    session.identity = Some(identity.public_view());

    let mut continue_with: Vec<Value> = Vec::new();
    if flow.flow_type == FlowType::Api {
        continue_with
            .push(json!({"action": "set_ory_session_token", "ory_session_token": session.token}));
    }
    let cookie = (flow.flow_type == FlowType::Browser).then(|| {
        crate::session::cookie::session_cookie(&reg.config, &reg.cookie_codecs, &session, now)
    });
    let finish = |mut reply: Reply| {
        reply.set_cookies.extend(cookie.clone());
        reply.issue_csrf = issue_csrf.clone();
        reply
    };

    // `skip_settings=true` on the flow's request URL: no settings flow.
    if flow.request_url.contains("skip_settings=true") {
        if req.accepts_json {
            flow.continue_with = continue_with;
            return finish(Reply::json(200, flow.to_json()));
        }
        let to = crate::flow::redirect::secure_redirect_to(
            &reg.config.selfservice.default_browser_return_url,
            &crate::flow::return_to::return_to_allow_list(reg),
            flow.return_to.as_deref(),
        )
        .unwrap_or_else(|_| reg.config.selfservice.default_browser_return_url.clone());
        return finish(Reply::redirect(303, to));
    }

    let settings = match settings_flow(
        reg,
        req,
        &flow,
        &identity,
        flow.flow_type,
        &flow.csrf_token.clone(),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return non_form_error(reg, req, Some(flow.flow_type), e).await,
    };
    let settings_url = crate::flow::settings::handler::ui_url(reg, settings);
    if reg.config.selfservice.continue_with_transitions {
        if flow.flow_type == FlowType::Api || req.is_json_request {
            continue_with.push(json!({
                "action": "show_settings_ui",
                "flow": {"id": settings, "url": settings_url},
            }));
            flow.continue_with = continue_with;
            flow.transient_payload = None;
            return finish(Reply::json(200, flow.to_json()));
        }
        return finish(Reply::redirect(303, settings_url));
    }
    if req.is_json_request {
        let mut err = ErrorObject::unprocessable()
            .with_id("browser_location_change_required")
            .with_message("browser location change required")
            .with_reason(format!(
                "In order to complete this flow please redirect the browser to: {settings_url}"
            ));
        if let Some(id) = &req.request_id {
            err.request = id.clone();
        }
        return finish(Reply::error_body(
            422,
            json!({"error": err, "redirect_browser_to": settings_url}),
        ));
    }
    finish(Reply::redirect(303, settings_url))
}

/// A settings flow for the recovered identity, with message 1060001 (how long the new session may
/// change the password); its `return_to` is the recovery flow's, else
/// `selfservice.flows.recovery.after.default_browser_return_url`.
pub(crate) async fn settings_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow: &RecoveryFlow,
    identity: &crate::identity::Identity,
    flow_type: FlowType,
    csrf: &str,
) -> Result<Uuid, ErrorObject> {
    let mut settings = crate::flow::settings::handler::build_flow(reg, req, identity, flow_type)?;
    // A browser's CSRF cookie is new with this answer: the form carries its token.
    if flow_type == FlowType::Browser {
        settings.ui.set_csrf(csrf);
    }
    let return_to = flow.return_to.clone().or_else(|| {
        reg.config
            .selfservice
            .recovery
            .after_default_browser_return_url
            .clone()
    });
    if let Some(rt) = return_to {
        settings.request_url = with_query_param(&settings.request_url, "return_to", &rt);
        settings.return_to = Some(rt);
    }
    let now = reg.now();
    let max_age =
        time::Duration::try_from(reg.config.selfservice.settings.privileged_session_max_age)
            .unwrap_or(time::Duration::HOUR);
    settings.ui.messages = vec![messages::recovery_successful(now + max_age, now)];
    reg.persister.create_settings_flow(&settings).await?;
    Ok(settings.id)
}

/// `POST /admin/recovery/code` (`createRecoveryCodeForIdentity`), spec §3.12.
pub async fn create_recovery_code_for_identity(
    reg: &Registry,
    req: &RequestInfo,
    body: &[u8],
) -> Reply {
    let rid = req.request_id.as_deref();
    if !reg.config.selfservice.code_enabled {
        let err = crate::strategy::method_disabled();
        return Reply::error(&err, rid);
    }
    #[derive(serde::Deserialize)]
    struct Body {
        identity_id: Option<String>,
        expires_in: Option<String>,
        flow_type: Option<String>,
    }
    let parsed: Body = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => {
            let err = ErrorObject::bad_request()
                .with_reason(format!("Unable to decode JSON payload: {e}"));
            return Reply::error(&err, rid);
        }
    };
    let lifespan = match parsed.expires_in.as_deref().filter(|e| !e.is_empty()) {
        None => reg.config.selfservice.code_span(),
        Some(text) => match crate::config::duration::parse_signed_duration(text) {
            Ok(d) if d.is_positive() => d,
            Ok(_) => {
                let err = ErrorObject::bad_request().with_reason(format!(
                    "Value from \"expires_in\" must result to a future time: {text}"
                ));
                return Reply::error(&err, rid);
            }
            Err(_) => {
                let err = ErrorObject::bad_request().with_reason(format!(
                    "Unable to parse \"expires_in\" as a duration string (e.g. \"1h\", \"1m30s\", \"500ms\"): {text}"
                ));
                return Reply::error(&err, rid);
            }
        },
    };
    let flow_type = match parsed.flow_type.as_deref().unwrap_or("browser") {
        "browser" | "" => FlowType::Browser,
        "api" => FlowType::Api,
        other => {
            let err = ErrorObject::bad_request().with_reason(format!(
                "Value from \"flow_type\" is not valid: \"{other}\""
            ));
            return Reply::error(&err, rid);
        }
    };
    let identity_id = match parsed.identity_id.as_deref().filter(|i| !i.is_empty()) {
        None => None,
        Some(text) => match Uuid::parse_str(text) {
            Ok(id) => Some(id),
            Err(_) => return Reply::error(&crate::courier::handler::uuid_error(text), rid),
        },
    };
    let identity = match identity_id {
        Some(id) => match reg.persister.get_identity(id).await {
            Ok(i) => i,
            Err(e) => return Reply::error(&e.into(), rid),
        },
        None => None,
    };
    let Some(identity) = identity else {
        let err = ErrorObject::row_not_found().with_reason("could not find identity");
        return Reply::error(&err, rid);
    };
    let mut flow = match build_flow(reg, req, flow_type, Some(lifespan)) {
        Ok(f) => f,
        Err(e) => return Reply::error(&e, rid),
    };
    flow.state = "sent_email".into();
    flow.skip_csrf_check = true;
    flow.ui.nodes = vec![
        code_input(),
        nodes::submit(
            group::CODE,
            "method",
            "code",
            messages::info_node_label_continue(),
        ),
    ];
    let now = reg.now();
    let code = generate_code();
    if let Err(e) = reg.persister.create_recovery_flow(&flow).await {
        return Reply::error(&e.into(), rid);
    }
    let stored = reg
        .persister
        .create_recovery_code(&RecoveryCode {
            id: Uuid::new_v4(),
            code_hmac: hmac_code(reg, &code),
            address_id: None,
            identity_id: identity.id,
            flow_id: flow.id,
            code_type: 1,
            issued_at: now,
            expires_at: flow.expires_at,
        })
        .await;
    if let Err(e) = stored {
        return Reply::error(&e.into(), rid);
    }
    Reply::json(
        201,
        json!({
            "recovery_link": ui_url(reg, flow.id),
            "recovery_code": code,
            "expires_at": crate::x::timefmt::rfc3339_nano(flow.expires_at),
        }),
    )
}
