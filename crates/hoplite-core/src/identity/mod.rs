//! Identities, their credentials and addresses (`ory/kratos: identity/`).

pub mod handler;

use crate::x::timefmt::serde_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// `identity`. Key order and omission rules as Kratos serialises it (spec §16.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Kratos's field order puts credentials here. Only the admin API shows them (their `config`
    /// only for types named by `include_credential`); self-service responses never do.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credentials: BTreeMap<String, Credentials>,
    pub schema_id: String,
    /// `<public base>/schemas/<base64url(schema_id)>`; computed, never stored.
    pub schema_url: String,
    pub state: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_rfc3339::option"
    )]
    pub state_changed_at: Option<OffsetDateTime>,
    pub traits: Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verifiable_addresses: Vec<VerifiableAddress>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recovery_addresses: Vec<RecoveryAddress>,
    /// Always present; `null` when unset.
    pub metadata_public: Option<Value>,
    /// Only the admin API shows it, and only when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_admin: Option<Value>,
    #[serde(with = "serde_rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Always present; `null` when unset.
    pub organization_id: Option<Uuid>,
    /// `available_aal`, stored but not serialised in self-service responses.
    #[serde(skip)]
    pub available_aal: Option<String>,
}

impl Identity {
    /// This identity as self-service responses show it (no credentials, no admin metadata).
    pub fn public_view(&self) -> Identity {
        let mut copy = self.clone();
        copy.credentials.clear();
        copy.metadata_admin = None;
        copy
    }

    /// This identity as the admin API shows it: every credential, with `config` only for the
    /// types in `include` (Kratos's `WithDeclassifiedCredentials`).
    pub fn admin_view(&self, include: &[&str]) -> Identity {
        let mut copy = self.clone();
        for (t, c) in copy.credentials.iter_mut() {
            if !include.contains(&t.as_str()) {
                c.config = None;
            }
        }
        copy
    }
}

/// One credential of an identity (`identityCredentials`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    /// The credential id; not part of the wire shape.
    #[serde(skip)]
    pub id: Uuid,
    #[serde(rename = "type")]
    pub credential_type: String,
    pub identifiers: Vec<String>,
    /// Omitted unless the admin asked for this type with `include_credential`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
    pub version: i64,
    #[serde(with = "serde_rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `verifiableIdentityAddress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerifiableAddress {
    pub id: Uuid,
    pub value: String,
    pub verified: bool,
    pub via: String,
    pub status: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "serde_rfc3339::option"
    )]
    pub verified_at: Option<OffsetDateTime>,
    #[serde(with = "serde_rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `recoveryIdentityAddress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryAddress {
    pub id: Uuid,
    pub value: String,
    pub via: String,
    #[serde(with = "serde_rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The `schema_url` Kratos reports: public base URL + `schemas/` + unpadded base64url of the id.
pub fn schema_url(public_base_url: &str, schema_id: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(schema_id);
    format!(
        "{}/schemas/{}",
        public_base_url.trim_end_matches('/'),
        encoded
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_url_encodes_the_id_like_kratos() {
        assert_eq!(
            super::schema_url("http://127.0.0.1:4433/", "default"),
            "http://127.0.0.1:4433/schemas/ZGVmYXVsdA"
        );
    }
}
