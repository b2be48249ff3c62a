//! Enumeration-safe sign-up (hoplite's own, `hoplite.registration.enumeration_safe`; Kratos
//! issue #133): a registration whose identifier or address is taken is answered as a new one, and
//! the owner of the account gets a mail (template `registration_taken`) saying someone tried to
//! sign up with their address, with links to sign in and to recover the account.

use super::RegistrationFlow;
use crate::error::ErrorObject;
use crate::flow::public_url;
use crate::identity::Identity;
use crate::registry::Registry;
use serde_json::{Value, json};

/// Mails the owner of the account `attempted` collides with: to the email addresses the attempt
/// shares with it, else (a taken username) to the account's first email address.
pub async fn notify_owner(
    reg: &Registry,
    flow: &RegistrationFlow,
    attempted: &Identity,
) -> Result<(), ErrorObject> {
    let Some(conflict) = reg.persister.find_conflicting_identity(attempted).await? else {
        // Gone since the insert failed (deleted in between): nobody to tell.
        return Ok(());
    };
    let owner = &conflict.identity;
    let owner_emails: Vec<&str> = owner
        .verifiable_addresses
        .iter()
        .filter(|a| a.via == "email")
        .map(|a| a.value.as_str())
        .chain(
            owner
                .recovery_addresses
                .iter()
                .filter(|a| a.via == "email")
                .map(|a| a.value.as_str()),
        )
        .collect();
    let attempted_values: Vec<&str> = attempted
        .verifiable_addresses
        .iter()
        .map(|a| a.value.as_str())
        .chain(
            attempted
                .recovery_addresses
                .iter()
                .map(|a| a.value.as_str()),
        )
        .collect();
    let mut to: Vec<&str> = Vec::new();
    for e in &owner_emails {
        if attempted_values.contains(e) && !to.contains(e) {
            to.push(e);
        }
    }
    if to.is_empty()
        && let Some(first) = owner_emails.first()
    {
        to.push(first);
    }
    if to.is_empty() {
        tracing::info!(identity_id = %owner.id, "enumeration-safe sign-up: the account has no email address to tell");
        return Ok(());
    }
    let recovery_url = if reg.config.selfservice.recovery.enabled {
        Value::String(public_url(
            reg.public_base(),
            crate::flow::recovery::ROUTE_INIT_BROWSER,
        ))
    } else {
        Value::Null
    };
    let identity = serde_json::to_value(owner.public_view()).unwrap_or_default();
    for address in to {
        crate::courier::queue_email(
            reg,
            address,
            "registration_taken",
            json!({
                "to": address,
                "identity": identity,
                "login_url": public_url(reg.public_base(), crate::flow::login::ROUTE_INIT_BROWSER),
                "recovery_url": recovery_url,
                "request_url": flow.request_url,
                "transient_payload": flow.transient_payload.clone().unwrap_or_else(|| json!({})),
            }),
        )
        .await?;
    }
    tracing::info!(identity_id = %owner.id, "enumeration-safe sign-up: a taken address was answered as new and its owner told");
    Ok(())
}
