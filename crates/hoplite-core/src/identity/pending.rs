//! A profile change waiting for its new address to be verified (`verify_new_address`, Kratos's
//! `identity.PendingTraitsChange` in `identity_pending_traits_changes`): the proposed traits are
//! applied only when the code or link sent to the new address is used.

use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// One waiting change.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTraitsChange {
    pub id: Uuid,
    pub identity_id: Uuid,
    /// The address being added, as the schema's extension made it (E.164 for `sms`).
    pub new_address_value: String,
    pub new_address_via: String,
    /// [`hash_traits`] of the traits when the change was asked for: the change applies only to
    /// that identity state.
    pub original_traits_hash: String,
    pub proposed_traits: Value,
    pub verification_flow_id: Uuid,
    /// `pending`; Kratos never writes another value (the flow's state and the one-time code are
    /// what stop a second use).
    pub status: String,
    /// The session that asked; the change dies with it.
    pub session_id: Option<Uuid>,
    /// The settings flow it came from.
    pub origin_settings_flow_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Kratos's `HashTraits`: the hex SHA-256 of the traits as compact JSON.
pub fn hash_traits(traits: &Value) -> String {
    let compact = serde_json::to_vec(traits).unwrap_or_default();
    let digest = Sha256::digest(&compact);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_hash_is_sha256_of_compact_json() {
        // `printf '{"email":"a@example.com"}' | sha256sum`
        assert_eq!(
            hash_traits(&json!({"email": "a@example.com"})),
            "7f777fc16f227ee680879e727d3570771de182ef1de65af190f52b4dc878e6ed"
        );
    }
}
