//! The `verify_new_address` settings hook (`ory/kratos: selfservice/hook/verify_new_address.go`,
//! spec §2.14): a profile change that adds an address is not stored; the new address gets a
//! code (or link) in a new verification flow, and the change is kept in
//! `identity_pending_traits_changes` until that code is used. Then, if the session that asked is
//! still active and the identity's traits are still the ones the change was made from, the
//! proposed traits are written with the new address verified, and the profile's post-persist
//! hooks run (`notify_previous_addresses`).

use crate::error::ErrorObject;
use crate::flow::settings::SettingsFlow;
use crate::flow::settings::error::UpdateError;
use crate::flow::settings::hook::is_privileged;
use crate::flow::{FlowType, Reply, RequestInfo};
use crate::identity::Identity;
use crate::identity::pending::{PendingTraitsChange, hash_stored_traits, hash_traits};
use crate::persistence::StoreError;
use crate::registry::Registry;
use crate::session::Session;
use crate::text::messages;
use serde_json::{Value, json};
use uuid::Uuid;

/// The internal-context key Kratos keeps the started verification flow under.
const CONTINUE_WITH_KEY: &str = "registration_verification_flow_continue_with";

/// The addresses of `proposed` that `original` does not have (by channel and value).
fn new_addresses<'a>(original: &Identity, proposed: &'a Identity) -> Vec<(&'a str, &'a str)> {
    proposed
        .verifiable_addresses
        .iter()
        .filter(|p| {
            !original
                .verifiable_addresses
                .iter()
                .any(|o| o.via == p.via && o.value == p.value)
        })
        .map(|p| (p.via.as_str(), p.value.as_str()))
        .collect()
}

/// Stores the flow with `message` as its only message and answers as Kratos's hook does:
/// JSON callers get the flow with `status`, browsers go back to the settings UI.
async fn answer_with_message(
    reg: &Registry,
    req: &RequestInfo,
    flow: &mut SettingsFlow,
    message: crate::text::Message,
    status: u16,
) -> Result<Option<Reply>, UpdateError> {
    flow.ui.reset_messages();
    flow.ui.messages.push(message);
    flow.updated_at = reg.now();
    reg.persister
        .update_settings_flow(flow)
        .await
        .map_err(ErrorObject::from)?;
    if req.is_json_request {
        return Ok(Some(Reply::json(status, flow.to_json())));
    }
    Ok(Some(Reply::redirect(
        303,
        crate::flow::settings::handler::ui_url(reg, flow.id),
    )))
}

/// Runs the hook before `proposed` would be stored: `Ok(None)` lets the change through (it adds
/// no address); `Ok(Some(reply))` is the answer when the change was parked (or refused).
pub async fn run(
    reg: &Registry,
    req: &RequestInfo,
    flow: &mut SettingsFlow,
    session: &Session,
    original: &Identity,
    proposed: &Identity,
) -> Result<Option<Reply>, UpdateError> {
    let changed = new_addresses(original, proposed);
    let Some(&(via, value)) = changed.first() else {
        return Ok(None);
    };
    if !is_privileged(reg, session) {
        return Err(UpdateError::NeedsReauth(None));
    }
    if changed.len() > 1 {
        let message = messages::settings_too_many_address_changes();
        return answer_with_message(reg, req, flow, message, 200).await;
    }
    if let Some((_, owner)) = reg
        .persister
        .find_verifiable_address(via, value)
        .await
        .map_err(ErrorObject::from)?
        && owner != original.id
    {
        let message = messages::duplicate_credentials();
        return answer_with_message(reg, req, flow, message, 400).await;
    }
    reg.persister
        .delete_pending_changes_of_identity(original.id)
        .await
        .map_err(ErrorObject::from)?;

    // The verification flow, of the settings flow's type, in its "sent" state.
    let csrf = match flow.flow_type {
        FlowType::Browser => req.masked_csrf_token(),
        FlowType::Api => String::new(),
    };
    let vflow = crate::hook::verification::sent_flow(
        reg,
        req,
        flow.flow_type,
        &flow.request_url,
        flow.transient_payload.clone(),
        &csrf,
        (value, via),
    )?;
    reg.persister
        .create_verification_flow(&vflow)
        .await
        .map_err(ErrorObject::from)?;

    // Kratos hashes the traits as the session read them; hoplite hashes the stored text they
    // were read from (so that either server can apply the change the other parked), unless
    // the identity changed since, when the hash of the copy makes sure it never applies.
    let stored = reg
        .persister
        .stored_traits(original.id)
        .await
        .map_err(ErrorObject::from)?;
    let original_traits_hash = match stored {
        Some(text)
            if serde_json::from_str::<Value>(&text).ok().as_ref() == Some(&original.traits) =>
        {
            hash_stored_traits(&text)
        }
        _ => hash_traits(&original.traits),
    };
    let now = reg.now();
    reg.persister
        .create_pending_change(&PendingTraitsChange {
            id: Uuid::new_v4(),
            identity_id: original.id,
            new_address_value: value.to_string(),
            new_address_via: via.to_string(),
            original_traits_hash,
            proposed_traits: proposed.traits.clone(),
            verification_flow_id: vflow.id,
            status: "pending".into(),
            session_id: Some(session.id),
            origin_settings_flow_id: Some(flow.id),
            created_at: now,
            updated_at: now,
        })
        .await
        .map_err(ErrorObject::from)?;

    // The code (or link) goes to the new address, which has no row yet; the mail shows the
    // identity as it would be.
    let shown = serde_json::to_value(proposed.public_view()).unwrap_or(Value::Null);
    if vflow.active == "link" {
        crate::strategy::link::verification::send_token(reg, &vflow, value, None, shown).await?;
    } else {
        crate::strategy::code::verification::send_code_to(reg, &vflow, value, None, shown).await?;
    }

    let url = crate::flow::verification::handler::ui_url(reg, vflow.id);
    let mut started = json!({"id": vflow.id, "verifiable_address": value});
    if vflow.flow_type == FlowType::Browser {
        started["url"] = Value::String(url.clone());
    }
    if !flow.internal_context.is_object() {
        flow.internal_context = json!({});
    }
    flow.internal_context[CONTINUE_WITH_KEY] = started.clone();
    flow.continue_with
        .push(json!({"action": "show_verification_ui", "flow": started}));
    flow.updated_at = now;
    reg.persister
        .update_settings_flow(flow)
        .await
        .map_err(ErrorObject::from)?;
    tracing::info!(identity_id = %original.id, via, "address change waits for verification");

    if req.is_json_request || vflow.flow_type == FlowType::Api {
        return Ok(Some(Reply::json(200, flow.to_json())));
    }
    Ok(Some(Reply::redirect(303, url)))
}

/// Why a pending change could not be applied.
pub enum ApplyError {
    /// The flow has no pending change.
    Missing,
    /// Its session is gone, revoked or expired, or the identity changed since: answered as an
    /// invalid code or link.
    Invalid,
    /// The new address (or another identifier) belongs to another identity by now (4000007).
    Duplicate,
    Other(ErrorObject),
}

impl From<StoreError> for ApplyError {
    fn from(e: StoreError) -> Self {
        ApplyError::Other(e.into())
    }
}

/// `ApplyPendingTraitsChange`: the verification flow `flow_id`'s code or link was used; writes
/// the change it was started for, the new address verified, and runs the profile's post-persist
/// hooks. Returns the new address's channel.
pub async fn apply(reg: &Registry, flow_id: Uuid) -> Result<String, ApplyError> {
    let Some(change) = reg
        .persister
        .pending_change_of_verification_flow(flow_id)
        .await?
    else {
        return Err(ApplyError::Missing);
    };
    let (Some(session_id), Some(_)) = (change.session_id, change.origin_settings_flow_id) else {
        return Err(ApplyError::Invalid);
    };
    let now = reg.now();
    let session = reg.persister.get_session(session_id).await?;
    let Some(session) =
        session.filter(|s| s.active && s.expires_at > now && s.identity_id == change.identity_id)
    else {
        return Err(ApplyError::Invalid);
    };
    let Some(current) = reg.persister.get_identity(change.identity_id).await? else {
        return Err(ApplyError::Invalid);
    };
    let stored = reg.persister.stored_traits(change.identity_id).await?;
    if current.state != "active"
        || stored.map(|t| hash_stored_traits(&t)).as_deref()
            != Some(change.original_traits_hash.as_str())
    {
        return Err(ApplyError::Invalid);
    }
    let mut updated = current.clone();
    updated.traits = change.proposed_traits.clone();
    crate::identity::manager::validate_identity(
        reg,
        &mut updated,
        &current.verifiable_addresses,
        &current.recovery_addresses,
    )
    .map_err(ApplyError::Other)?;
    for a in &mut updated.verifiable_addresses {
        if a.via == change.new_address_via && a.value == change.new_address_value {
            a.verified = true;
            a.verified_at = Some(now);
            a.status = "completed".into();
            a.updated_at = now;
        }
    }
    updated.updated_at = now;
    match reg
        .persister
        .update_identity_if_traits(&updated, &change.original_traits_hash)
        .await
    {
        Ok(Some(true)) => {}
        Ok(Some(false) | None) => return Err(ApplyError::Invalid),
        Err(StoreError::Conflict) => return Err(ApplyError::Duplicate),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(identity_id = %updated.id, session_id = %session.id, "pending address change applied");
    if let Some(recipients) = reg
        .config
        .selfservice
        .settings
        .notify_previous_addresses
        .as_deref()
    {
        crate::hook::notify_previous_addresses::run(reg, recipients, &current, &updated).await;
    }
    Ok(change.new_address_via)
}
