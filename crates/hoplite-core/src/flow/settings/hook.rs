//! After a method produced the updated identity: store it, mark the flow done, run the after
//! hooks and answer (`ory/kratos: selfservice/flow/settings/hook.go`, spec §2.13).

use super::SettingsFlow;
use super::error::{UpdateError, write_flow_error};
use super::handler::{new_flow, ui_url};
use crate::error::ErrorObject;
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::return_to_allow_list;
use crate::flow::submit::SubmitError;
use crate::flow::{FlowType, Reply, RequestInfo};
use crate::identity::Identity;
use crate::persistence::StoreError;
use crate::registry::Registry;
use crate::schema::FieldMessage;
use crate::session::Session;
use crate::text::messages;
use serde_json::json;

/// Whether `session` signed in recently enough to change what only a privileged session may
/// (`IsPrivileged`): within `privileged_session_max_age` of its last authentication, or always
/// when that age is zero.
pub fn is_privileged(reg: &Registry, session: &Session) -> bool {
    let max_age = reg.config.selfservice.settings.privileged_session_max_age;
    if max_age.is_zero() {
        return true;
    }
    match time::Duration::try_from(max_age) {
        Ok(age) => session.authenticated_at + age > reg.now(),
        Err(_) => true,
    }
}

/// The password method's own rule: a password change always needs a session authenticated
/// within `privileged_session_max_age` (so with zero, never).
pub fn may_change_password(reg: &Registry, session: &Session) -> bool {
    let max_age =
        time::Duration::try_from(reg.config.selfservice.settings.privileged_session_max_age)
            .unwrap_or(time::Duration::MAX);
    session.authenticated_at + max_age >= reg.now()
}

/// `PostSettingsHook`: stores `updated` (the identity `method` produced), marks the flow a
/// success with a fresh form, runs the after hooks and answers.
pub async fn post_settings(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: SettingsFlow,
    session: Session,
    method: &str,
    mut updated: Identity,
) -> Reply {
    let settings = &reg.config.selfservice.settings;
    let default_return = settings
        .after_return_url_for(method)
        .map(str::to_string)
        .unwrap_or_else(|| ui_url(reg, flow.id));
    let return_to = match secure_redirect_to(
        &default_return,
        &return_to_allow_list(reg),
        flow.return_to.as_deref(),
    ) {
        Ok(u) => u,
        Err(e) => return write_flow_error(reg, req, flow, e.into()).await,
    };

    // The identity as it was, for the hooks that compare (notify_previous_addresses).
    let previous = session.identity.clone();
    // Pre-persist: `verify_new_address` parks a change that adds an address.
    if method == "profile"
        && settings.verify_new_address
        && let Some(original) = previous.as_ref()
    {
        match crate::hook::verify_new_address::run(
            reg, req, &mut flow, &session, original, &updated,
        )
        .await
        {
            Ok(None) => {}
            Ok(Some(reply)) => return reply,
            Err(e) => return write_flow_error(reg, req, flow, e).await,
        }
    }
    let now = reg.now();
    updated.updated_at = now;
    match reg.persister.update_identity(&updated).await {
        Ok(true) => {}
        Ok(false) => {
            return write_flow_error(reg, req, flow, ErrorObject::row_not_found().into()).await;
        }
        Err(StoreError::Conflict) => {
            let err = SubmitError::Form(vec![FieldMessage {
                field: String::new(),
                message: messages::duplicate_credentials(),
            }]);
            return write_flow_error(reg, req, flow, UpdateError::Submit(err)).await;
        }
        Err(e) => return write_flow_error(reg, req, flow, ErrorObject::from(e).into()).await,
    }
    tracing::info!(identity_id = %updated.id, method, "identity updated its settings");

    // Kratos builds (and stores) a whole new flow only to borrow its form, so the form's action
    // names that new flow.
    let mut session = session;
    session.identity = Some(updated.clone());
    let fresh = match new_flow(reg, req, &session, flow.flow_type).await {
        Ok(f) => f,
        Err(e) => return write_flow_error(reg, req, flow, e.into()).await,
    };
    flow.state = "success".into();
    flow.ui = fresh.ui;
    flow.ui.reset_messages();
    flow.ui.messages.push(messages::settings_update_success());
    flow.internal_context = fresh.internal_context;
    flow.identity = Some(updated.public_view());
    flow.updated_at = now;
    if let Err(e) = reg.persister.update_settings_flow(&flow).await {
        return write_flow_error(reg, req, flow, ErrorObject::from(e).into()).await;
    }

    // With verification enabled, Kratos runs its verification hook first: a new or changed
    // address gets a code.
    if reg.config.selfservice.verification_enabled {
        match crate::hook::verification::run(
            reg,
            req,
            crate::hook::verification::Trigger::Settings,
            flow.flow_type,
            &flow.request_url,
            &updated,
            flow.transient_payload.clone(),
        )
        .await
        {
            Ok(Some(started)) => {
                // The answer shows the identity as stored: that address is `sent` now.
                if let Some(identity) = &mut flow.identity {
                    for a in &mut identity.verifiable_addresses {
                        if a.id == started.address_id {
                            a.status = "sent".into();
                        }
                    }
                }
                // `show_verification_ui` announces the flow (settings never redirect there).
                if settings
                    .after_hooks_for(method)
                    .iter()
                    .any(|h| h == "show_verification_ui")
                {
                    flow.continue_with.push(started.continue_with_item(reg));
                }
            }
            Ok(None) => {}
            Err(e) => return write_flow_error(reg, req, flow, e.into()).await,
        }
    }

    if method == "profile"
        && let (Some(recipients), Some(previous)) = (
            settings.notify_previous_addresses.as_deref(),
            previous.as_ref(),
        )
    {
        crate::hook::notify_previous_addresses::run(reg, recipients, previous, &updated).await;
    }

    let hooks = settings.after_hooks_for(method);
    if hooks.iter().any(|h| h == "revoke_active_sessions")
        && let Err(e) = reg
            .persister
            .revoke_sessions_of_identity(updated.id, Some(session.id))
            .await
    {
        // The identity is saved already; Kratos reports the hook's failure through the form.
        return write_flow_error(reg, req, flow, ErrorObject::from(e).into()).await;
    }

    // The answer is the flow as stored (without the submitted payload).
    flow.transient_payload = None;
    match flow.flow_type {
        FlowType::Api => Reply::json(200, flow.to_json()),
        FlowType::Browser => {
            let cookie = crate::session::cookie::session_cookie(
                &reg.config,
                &reg.cookie_codecs,
                &session,
                now,
            );
            let mut reply = if req.is_json_request {
                flow.continue_with.push(json!({
                    "action": "redirect_browser_to",
                    "redirect_browser_to": return_to,
                }));
                Reply::json(200, flow.to_json())
            } else {
                Reply::redirect(303, return_to)
            };
            reply.set_cookies.push(cookie);
            reply
        }
    }
}
