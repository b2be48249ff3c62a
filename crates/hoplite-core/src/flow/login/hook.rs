//! After a method succeeded: activate the session, run the after-hooks, answer
//! (`ory/kratos: selfservice/flow/login/hook.go`).

use super::LoginFlow;
use super::error::write_flow_error;
use crate::error::ErrorObject;
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::return_to_allow_list;
use crate::flow::submit::SubmitError;
use crate::flow::{FlowType, Reply, RequestInfo};
use crate::identity::Identity;
use crate::registry::Registry;
use crate::schema::FieldMessage;
use crate::session::Session;
use crate::session::manager::{
    complete_method, identity_disabled, new_active_session, reauthenticate,
};
use serde_json::{Value, json};

/// `require_verified_address`: 4000010 on the form when no address of the identity is verified.
fn address_not_verified() -> SubmitError {
    SubmitError::Form(vec![FieldMessage {
        field: String::new(),
        message: crate::text::Message::new(
            4000010,
            crate::text::MessageType::Error,
            "Account not active yet. Did you forget to verify your email address?",
        ),
    }])
}

/// `require_verified_address` for an identity without a verified address (spec §5.3): no
/// session; a verification flow is started and its code sent, and the caller is pointed at it
/// (403 `session_verified_address_required` with `continue_with` for JSON, a redirect to the
/// verification UI for browsers). With `feature_flags.legacy_require_verified_login_error` the
/// old answer instead: form message 4000010.
async fn require_verified_address(
    reg: &Registry,
    req: &RequestInfo,
    flow: LoginFlow,
    identity: &Identity,
) -> Reply {
    if identity.verifiable_addresses.is_empty() {
        let err = ErrorObject::misconfiguration(
            "A misconfiguration prevents login. Expected to find a verification address but this identity does not have one assigned.",
        );
        return write_flow_error(reg, req, flow, SubmitError::Http(err)).await;
    }
    if reg.config.selfservice.legacy_require_verified_login_error {
        return write_flow_error(reg, req, flow, address_not_verified()).await;
    }
    let started = crate::hook::verification::run(
        reg,
        req,
        crate::hook::verification::Trigger::RequireVerifiedAddress,
        flow.flow_type,
        &flow.request_url,
        identity,
        flow.transient_payload.clone(),
    )
    .await;
    let started = match started {
        Ok(Some(s)) => s,
        Ok(None) => return write_flow_error(reg, req, flow, address_not_verified()).await,
        Err(e) => return write_flow_error(reg, req, flow, SubmitError::Http(e)).await,
    };
    if req.is_json_request {
        // Kratos writes a 400-shaped error with HTTP status 403.
        let mut err = ErrorObject::bad_request()
            .with_id("session_verified_address_required")
            .with_message("your email or phone address is not yet verified")
            .with_reason("Your account's email or phone address are not verified yet. Please check your email or phone inbox or re-request verification.")
            .with_detail("continue_with", json!([started.continue_with_item(reg)]));
        if let Some(id) = &req.request_id {
            err.request = id.clone();
        }
        return Reply::error_body(403, json!({ "error": err }));
    }
    if !req.accepts_json {
        return Reply::redirect(303, started.ui_url(reg));
    }
    Reply::empty(200)
}

/// `PostLoginHook`: issues (or, when re-authenticating, renews) the session for `identity`.
pub async fn post_login(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: LoginFlow,
    identity: Identity,
    existing: Option<Session>,
    method: &str,
) -> Reply {
    let now = reg.now();
    if identity.state != "active" {
        let err = identity_disabled(identity.id);
        return write_flow_error(reg, req, flow, SubmitError::Http(err)).await;
    }
    // A refresh of the same identity renews its session; anyone else gets a new one.
    let (mut session, renewed) = match existing.filter(|s| s.identity_id == identity.id) {
        Some(mut s) => {
            // Kept in place: same id, token, issue time and devices, one more method.
            complete_method(&mut s, method, now);
            reauthenticate(reg, &mut s, now);
            (s, true)
        }
        None => (new_active_session(reg, req, &identity, method), false),
    };
    let return_to = match secure_redirect_to(
        reg.config.selfservice.login_return_url_for(method),
        &return_to_allow_list(reg),
        flow.return_to.as_deref(),
    ) {
        Ok(u) => u,
        Err(e) => return write_flow_error(reg, req, flow, SubmitError::Http(e)).await,
    };
    let mut continue_with: Vec<Value> = Vec::new();
    if flow.flow_type == FlowType::Browser && req.is_json_request {
        continue_with
            .push(json!({ "action": "redirect_browser_to", "redirect_browser_to": return_to }));
    }

    let hooks = reg
        .config
        .selfservice
        .login
        .after_hooks_for(method)
        .to_vec();
    // The hooks in their configured order (spec §5): `require_verified_address` may end the
    // sign-in; `verification` mails a code to the first unverified address (aal1 sign-ins
    // only), and `show_verification_ui` announces that flow and sends browsers to it.
    let mut return_to = return_to;
    let mut verification_csrf = None;
    let mut verification: Option<crate::hook::verification::Started> = None;
    for hook in &hooks {
        match hook.as_str() {
            "require_verified_address"
                if !identity.verifiable_addresses.iter().any(|a| a.verified) =>
            {
                return require_verified_address(reg, req, flow, &identity).await;
            }
            "verification" if flow.requested_aal == "aal1" => match crate::hook::verification::run(
                reg,
                req,
                crate::hook::verification::Trigger::RegistrationOrLogin,
                flow.flow_type,
                &flow.request_url,
                &identity,
                flow.transient_payload.clone(),
            )
            .await
            {
                Ok(Some(started)) => {
                    verification_csrf = started.csrf_real.clone();
                    verification = Some(started);
                }
                Ok(None) => {}
                Err(e) => return write_flow_error(reg, req, flow, SubmitError::Http(e)).await,
            },
            "show_verification_ui" => match &verification {
                Some(started) => {
                    continue_with.push(started.continue_with_item(reg));
                    if flow.flow_type == FlowType::Browser && !req.is_json_request {
                        return_to = started.ui_url(reg);
                    }
                }
                None => tracing::warn!(
                    "ignoring hook show_verification_ui: no verification flow was started (configure the verification hook before it)"
                ),
            },
            _ => {}
        }
    }

    // A new session and the flow marked as used are written together; a renewed one is updated.
    flow.updated_at = now;
    let written = if renewed {
        let updated = reg.persister.update_session(&session).await;
        if updated.is_ok()
            && let Err(e) = reg.persister.update_login_flow(&flow).await
        {
            tracing::warn!(error = %e, "could not mark the login flow as used");
        }
        updated
    } else {
        reg.persister
            .create_session_for_login(&session, &flow)
            .await
    };
    if let Err(e) = written {
        return write_flow_error(reg, req, flow, SubmitError::Http(ErrorObject::from(e))).await;
    }
    if hooks.iter().any(|h| h == "revoke_active_sessions")
        && let Err(e) = reg
            .persister
            .revoke_sessions_of_identity(identity.id, Some(session.id))
            .await
    {
        tracing::error!(error = %e, "revoking the other sessions after sign-in failed");
    }
    tracing::info!(identity_id = %identity.id, session_id = %session.id, method, "identity signed in");

    session.identity = Some(identity.public_view());
    let continue_with = if continue_with.is_empty() {
        Value::Null
    } else {
        json!(continue_with)
    };
    match flow.flow_type {
        FlowType::Api => Reply::json(
            200,
            json!({
                "session_token": session.token,
                "session": session,
                "continue_with": continue_with,
            }),
        ),
        FlowType::Browser => {
            let cookie = crate::session::cookie::session_cookie(
                &reg.config,
                &reg.cookie_codecs,
                &session,
                now,
            );
            let mut reply = if req.is_json_request {
                Reply::json(
                    200,
                    json!({ "session": session, "continue_with": continue_with }),
                )
            } else {
                Reply::redirect(303, return_to)
            };
            reply.set_cookies.push(cookie);
            // Kratos keeps the CSRF token when the request was signed in as this identity
            // already (a refresh), so forms opened before the sign-in still submit; the
            // verification hook's new cookie goes with its flow.
            reply.rotate_csrf = !renewed;
            reply.issue_csrf = verification_csrf;
            reply
        }
    }
}
