//! What every recovery method does once the person proved control of an address
//! (`ory/kratos: selfservice/flow/recovery/hook.go` and the strategies' `recoveryIssueSession`):
//! the address counts as verified, and the `revoke_active_sessions` hook ends the identity's
//! earlier sessions before the new one is stored.

use crate::persistence::StoreError;
use crate::registry::Registry;
use time::OffsetDateTime;
use uuid::Uuid;

/// A code or link the flow itself sent to the recovery address `address_id` proves that address:
/// the identity's verifiable address with the same value becomes verified. Codes and links the
/// admin API made name no address and prove nothing.
pub async fn prove_address(
    reg: &Registry,
    identity_id: Uuid,
    address_id: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let Some(address_id) = address_id else {
        return Ok(());
    };
    if let Some(value) = reg.persister.recovery_address_value(address_id).await? {
        reg.persister
            .verify_addresses_with_value(identity_id, &value, now)
            .await?;
    }
    Ok(())
}

/// The after-recovery hooks that run before the recovery session is stored: with
/// `revoke_active_sessions`, every earlier session of the identity ends.
pub async fn run_before_session(reg: &Registry, identity_id: Uuid) -> Result<(), StoreError> {
    if reg
        .config
        .selfservice
        .recovery
        .after_hooks
        .iter()
        .any(|h| h == "revoke_active_sessions")
    {
        reg.persister
            .revoke_sessions_of_identity(identity_id, None)
            .await?;
    }
    Ok(())
}
