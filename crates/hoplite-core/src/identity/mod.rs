//! Identities, their credentials and addresses (`ory/kratos: identity/`).

pub mod admin;
pub mod handler;
pub mod manager;
pub mod pending;

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

/// The login hints for a registration that collided with `conflict`, as message 4000028, or `None`
/// when the existing identity offers nothing to hint at (then Kratos answers 4000007). Mirrors
/// `findExistingAuthMethod` (`ory/kratos: identity/manager.go`): only first-factor credentials
/// count, password only with a hash, webauthn and passkey only when passwordless; the hint is the
/// matched value (never an OIDC subject), else the single identifier of a password, webauthn or
/// passkey credential. Undecodable oidc, webauthn or passkey configs fail as in Kratos (500).
pub fn duplicate_credentials_hints(
    conflict: &crate::persistence::ConflictingIdentity,
) -> Result<Option<crate::text::Message>, crate::error::ErrorObject> {
    use crate::persistence::ConflictSource;
    let found = &conflict.identity;
    let undecodable = |t: &str| {
        crate::error::ErrorObject::internal().with_reason(format!(
            "Unable to JSON decode identity credentials {t} for identity {}.",
            found.id
        ))
    };
    let mut hint = match &conflict.source {
        // An OIDC identifier is the provider's subject, which means nothing to the user.
        ConflictSource::CredentialIdentifier(t) if t == "oidc" => String::new(),
        _ => conflict.matched.trim_matches(' ').to_string(),
    };
    let mut types: Vec<String> = Vec::new();
    let mut providers: Vec<String> = Vec::new();
    // `credentials` is keyed by type, so this walks them sorted like Kratos does.
    for (t, cred) in &found.credentials {
        let config = match &cred.config {
            None | Some(Value::Null) => continue,
            Some(c) => c,
        };
        let single_identifier = match cred.identifiers.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        };
        match t.as_str() {
            "password" => {
                if hint.is_empty()
                    && let Some(only) = single_identifier
                {
                    hint = only;
                }
                let hashed = config.get("hashed_password").and_then(Value::as_str);
                if hashed.is_some_and(|h| !h.is_empty()) {
                    types.push(t.clone());
                }
            }
            "code" => types.push(t.clone()),
            "oidc" => {
                let list = match config.get("providers") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(list)) => list.clone(),
                    Some(_) => return Err(undecodable(t)),
                };
                let mut available = Vec::with_capacity(list.len());
                for p in &list {
                    match p.get("provider") {
                        None | Some(Value::Null) => available.push(String::new()),
                        Some(Value::String(name)) => available.push(name.clone()),
                        Some(_) => return Err(undecodable(t)),
                    }
                }
                types.push(t.clone());
                providers = available;
            }
            "webauthn" | "passkey" => {
                let list = match config.get("credentials") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(list)) => list.clone(),
                    Some(_) => return Err(undecodable(t)),
                };
                if hint.is_empty()
                    && let Some(only) = single_identifier
                {
                    hint = only;
                }
                let passwordless = list
                    .iter()
                    .any(|c| c.get("is_passwordless").and_then(Value::as_bool) == Some(true));
                if passwordless {
                    types.push(t.clone());
                }
            }
            // Second factors (totp, lookup_secret) and deviceauthn do not help signing in.
            _ => {}
        }
    }
    if types.is_empty() && providers.is_empty() && hint.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        crate::text::messages::duplicate_credentials_with_hints(&types, &providers, &hint),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::{ConflictSource, ConflictingIdentity};
    use serde_json::json;

    fn conflict(
        creds: &[(&str, &[&str], Value)],
        matched: &str,
        source: ConflictSource,
    ) -> ConflictingIdentity {
        let now = time::macros::datetime!(2024-01-01 00:00:00 UTC);
        let credentials = creds
            .iter()
            .map(|(t, ids, config)| {
                let c = Credentials {
                    id: Uuid::nil(),
                    credential_type: t.to_string(),
                    identifiers: ids.iter().map(|s| s.to_string()).collect(),
                    config: Some(config.clone()),
                    version: 0,
                    created_at: now,
                    updated_at: now,
                };
                (t.to_string(), c)
            })
            .collect();
        ConflictingIdentity {
            identity: Identity {
                id: Uuid::nil(),
                external_id: None,
                credentials,
                schema_id: "default".into(),
                schema_url: String::new(),
                state: "active".into(),
                state_changed_at: None,
                traits: json!({}),
                verifiable_addresses: Vec::new(),
                recovery_addresses: Vec::new(),
                metadata_public: None,
                metadata_admin: None,
                created_at: now,
                updated_at: now,
                organization_id: None,
                available_aal: None,
            },
            matched: matched.into(),
            source,
        }
    }

    fn context(m: &crate::text::Message) -> Value {
        serde_json::to_value(m).unwrap()["context"].clone()
    }

    #[test]
    fn hints_name_a_hashed_password_and_the_matched_identifier() {
        let c = conflict(
            &[(
                "password",
                &["a@b.c"],
                json!({"hashed_password": "$2a$12$x"}),
            )],
            " a@b.c ",
            ConflictSource::CredentialIdentifier("password".into()),
        );
        let m = duplicate_credentials_hints(&c).unwrap().unwrap();
        assert_eq!(m.id, 4000028);
        assert_eq!(
            context(&m),
            json!({"available_credential_types": ["password"], "available_oidc_providers": [], "credential_identifier_hint": "a@b.c"})
        );
    }

    #[test]
    fn hints_skip_unusable_credentials_but_keep_the_identifier() {
        // No hash, a non-passwordless webauthn key, a second factor: only the hint is left.
        let c = conflict(
            &[
                ("password", &["user"], json!({"hashed_password": ""})),
                ("totp", &["x"], json!({})),
                (
                    "webauthn",
                    &["user"],
                    json!({"credentials": [{"is_passwordless": false}]}),
                ),
            ],
            "user@example.com",
            ConflictSource::VerifiableAddress("email".into()),
        );
        let m = duplicate_credentials_hints(&c).unwrap().unwrap();
        assert_eq!(
            context(&m),
            json!({"available_credential_types": [], "available_oidc_providers": [], "credential_identifier_hint": "user@example.com"})
        );
    }

    #[test]
    fn hints_never_show_an_oidc_subject() {
        let c = conflict(
            &[
                (
                    "oidc",
                    &["google:1234"],
                    json!({"providers": [{"provider": "google", "subject": "1234"}, {"provider": "apple"}]}),
                ),
                (
                    "passkey",
                    &["p1", "p2"],
                    json!({"credentials": [{"is_passwordless": true}]}),
                ),
            ],
            "google:1234",
            ConflictSource::CredentialIdentifier("oidc".into()),
        );
        let m = duplicate_credentials_hints(&c).unwrap().unwrap();
        assert_eq!(
            context(&m),
            json!({"available_credential_types": ["oidc", "passkey"], "available_oidc_providers": ["apple", "google"], "credential_identifier_hint": ""})
        );
        assert_eq!(
            m.text,
            "You tried signing in with an email, phone, or username which is already in use by another account. You can sign in using social sign in, or your passkey. You can sign in using one of the following social sign in providers: Apple, Google."
        );
    }

    #[test]
    fn without_any_hint_there_is_no_hinted_message() {
        let c = conflict(
            &[("password", &["a", "b"], json!({}))],
            "google:1",
            ConflictSource::CredentialIdentifier("oidc".into()),
        );
        assert_eq!(duplicate_credentials_hints(&c).unwrap(), None);
        let bad = conflict(
            &[("oidc", &["x"], json!({"providers": "nope"}))],
            "a@b.c",
            ConflictSource::RecoveryAddress("email".into()),
        );
        assert_eq!(duplicate_credentials_hints(&bad).unwrap_err().code, 500);
    }

    #[test]
    fn schema_url_encodes_the_id_like_kratos() {
        assert_eq!(
            super::schema_url("http://127.0.0.1:4433/", "default"),
            "http://127.0.0.1:4433/schemas/ZGVmYXVsdA"
        );
    }
}
