//! After a method succeeded: create the identity, issue the session, run the after-hooks and answer
//! (`ory/kratos: selfservice/flow/registration/hook.go`, `selfservice/hook/session_issuer.go`, spec §13).

use super::RegistrationFlow;
use super::error::write_flow_error;
use super::handler::restore_form;
use crate::error::ErrorObject;
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::return_to_allow_list;
use crate::flow::submit::SubmitError;
use crate::flow::{FlowType, Reply, RequestInfo};
use crate::identity::{
    Credentials, Identity, RecoveryAddress, VerifiableAddress, duplicate_credentials_hints,
    schema_url,
};
use crate::persistence::StoreError;
use crate::registry::Registry;
use crate::schema::{Extensions, FieldMessage};
use crate::text::{Message, messages};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What a method hands over to post-registration.
pub struct NewIdentity {
    pub traits: Value,
    pub extensions: Extensions,
    /// The credential type, which is also the method the session records.
    pub credential_type: &'static str,
    pub identifiers: Vec<String>,
    pub credential_config: Value,
}

/// Builds the identity the method produced.
fn build_identity(reg: &Registry, flow: &RegistrationFlow, new: NewIdentity) -> Identity {
    let now = reg.now();
    let schema_id = flow.schema_id(&reg.schemas.default_id).to_string();
    let verifiable_addresses = new
        .extensions
        .verifiable_addresses
        .iter()
        .map(|(via, value)| VerifiableAddress {
            id: Uuid::new_v4(),
            value: value.clone(),
            verified: false,
            via: via.clone(),
            status: "pending".into(),
            verified_at: None,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let recovery_addresses = new
        .extensions
        .recovery_addresses
        .iter()
        .map(|(via, value)| RecoveryAddress {
            id: Uuid::new_v4(),
            value: value.clone(),
            via: via.clone(),
            created_at: now,
            updated_at: now,
        })
        .collect();
    let mut credentials = BTreeMap::new();
    credentials.insert(
        new.credential_type.to_string(),
        Credentials {
            id: Uuid::new_v4(),
            credential_type: new.credential_type.to_string(),
            identifiers: new.identifiers,
            config: Some(new.credential_config),
            version: 0,
            created_at: now,
            updated_at: now,
        },
    );
    Identity {
        id: Uuid::new_v4(),
        external_id: None,
        schema_url: schema_url(reg.public_base(), &schema_id),
        schema_id,
        state: "active".into(),
        state_changed_at: Some(now),
        traits: new.traits,
        verifiable_addresses,
        recovery_addresses,
        metadata_public: None,
        metadata_admin: None,
        created_at: now,
        updated_at: now,
        organization_id: None,
        credentials,
        available_aal: Some("aal1".into()),
    }
}

/// The message for a registration whose identifiers or addresses are taken (spec §14.2): 4000007,
/// or with `login_hints` 4000028 naming how the existing account signs in, when that account can
/// still be found and offers a hint.
async fn duplicate_message(reg: &Registry, identity: &Identity) -> Result<Message, ErrorObject> {
    if !reg.config.selfservice.registration.login_hints {
        return Ok(messages::duplicate_credentials());
    }
    let conflict = reg.persister.find_conflicting_identity(identity).await?;
    let hinted = match conflict {
        Some(c) => duplicate_credentials_hints(&c)?,
        None => None,
    };
    Ok(hinted.unwrap_or_else(messages::duplicate_credentials))
}

/// Spec §13.2: persist, issue the session, run hooks, answer.
pub async fn post_registration(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RegistrationFlow,
    new: NewIdentity,
) -> Reply {
    let method = new.credential_type;
    let traits = new.traits.clone();
    let mut identity = build_identity(reg, &flow, new);
    // Kratos always writes the session row, even when no `session` hook hands it out. The identity
    // and its first session are written together: a failure leaves neither behind, and the
    // person can simply sign up again.
    let now = reg.now();
    let mut session = crate::session::manager::new_active_session(reg, req, &identity, method);
    // With `hoplite.registration.enumeration_safe`, a taken identifier or address is answered
    // as a new account (nothing stored; the owner is mailed). The session hook cannot be
    // configured then, so no session of this identity is ever handed out.
    let mut taken = false;
    match reg
        .persister
        .create_identity_with_session(&identity, &session)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict) if reg.config.enumeration_safe_registration => {
            taken = true;
            if let Err(e) = super::taken::notify_owner(reg, &flow, &identity).await {
                return write_flow_error(reg, req, flow, SubmitError::Http(e)).await;
            }
        }
        Err(StoreError::Conflict) => {
            let message = match duplicate_message(reg, &identity).await {
                Ok(m) => m,
                Err(e) => return write_flow_error(reg, req, flow, SubmitError::Http(e)).await,
            };
            restore_form(req, &mut flow, Some(&traits));
            let err = SubmitError::Form(vec![FieldMessage {
                field: String::new(),
                message,
            }]);
            return write_flow_error(reg, req, flow, err).await;
        }
        Err(e) => {
            return write_flow_error(reg, req, flow, SubmitError::Http(ErrorObject::from(e))).await;
        }
    }
    if !taken {
        tracing::info!(identity_id = %identity.id, method, "identity registered");
    }

    // Kratos runs the verification hook first when verification is enabled; the identity is
    // stored already, so a failure here is reported through the form.
    let mut verification_csrf = None;
    let mut verification = None;
    if reg.config.selfservice.verification_enabled {
        let trigger = if taken {
            crate::hook::verification::Trigger::TakenRegistration
        } else {
            crate::hook::verification::Trigger::RegistrationOrLogin
        };
        let started = crate::hook::verification::run(
            reg,
            req,
            trigger,
            flow.flow_type,
            &flow.request_url,
            &identity,
            flow.transient_payload.clone(),
        )
        .await;
        match started {
            Ok(Some(started)) => {
                // The answer shows the address as the hook left it.
                for a in &mut identity.verifiable_addresses {
                    if a.id == started.address_id {
                        a.status = "sent".into();
                    }
                }
                verification_csrf = started.csrf_real.clone();
                verification = Some(started);
            }
            Ok(None) => {}
            Err(e) => return write_flow_error(reg, req, flow, SubmitError::Http(e)).await,
        }
    }

    let return_to = match secure_redirect_to(
        reg.config.selfservice.registration_return_url_for(method),
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
    // `show_verification_ui`: the verification flow the hook started is announced, and a browser
    // is sent there instead of the return URL.
    let show_verification = reg
        .config
        .selfservice
        .registration
        .after_hooks_for(method)
        .iter()
        .any(|h| h == "show_verification_ui");
    let mut return_to = return_to;
    if show_verification && let Some(started) = &verification {
        continue_with.push(started.continue_with_item(reg));
        if flow.flow_type == FlowType::Browser && !req.is_json_request {
            return_to = started.ui_url(reg);
        }
    }

    let public_identity = identity.public_view();
    session.identity = Some(public_identity.clone());

    let issue_session = reg
        .config
        .selfservice
        .registration
        .after_hooks_for(method)
        .iter()
        .any(|h| h == "session");
    if issue_session {
        match flow.flow_type {
            FlowType::Api => {
                continue_with.push(json!({ "action": "set_ory_session_token", "ory_session_token": session.token }));
                return Reply::json(
                    200,
                    json!({
                        "session_token": session.token,
                        "session": session,
                        "identity": public_identity,
                        "continue_with": continue_with,
                    }),
                );
            }
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
                        json!({ "session": session, "identity": public_identity, "continue_with": continue_with }),
                    )
                } else {
                    Reply::redirect(303, return_to)
                };
                reply.set_cookies.push(cookie);
                reply.rotate_csrf = true;
                reply.issue_csrf = verification_csrf;
                return reply;
            }
        }
    }
    let mut reply = if flow.flow_type == FlowType::Api || req.is_json_request {
        let cw = if continue_with.is_empty() {
            Value::Null
        } else {
            json!(continue_with)
        };
        Reply::json(
            200,
            json!({ "identity": public_identity, "continue_with": cw }),
        )
    } else {
        Reply::redirect(303, return_to)
    };
    reply.issue_csrf = verification_csrf;
    reply
}
