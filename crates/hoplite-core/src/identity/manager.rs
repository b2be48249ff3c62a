//! Validating an identity against its schema and deriving what the schema implies (`ory/kratos:
//! identity/manager.go` `ValidateIdentity`, `requiresPrivilegedAccess`), shared by the admin API
//! and the settings flow.

use super::{Credentials, Identity, RecoveryAddress, VerifiableAddress, schema_url};
use crate::error::ErrorObject;
use crate::registry::Registry;
use crate::schema::IdentitySchema;
use crate::schema::extension::graceful_normalize;
use serde_json::{Value, json};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// Sets credential `kind` with `identifiers` and `config`, keeping its id and creation time.
pub(crate) fn set_credentials(
    i: &mut Identity,
    kind: &str,
    identifiers: Vec<String>,
    config: Value,
    now: OffsetDateTime,
) {
    let (id, created_at) = i
        .credentials
        .get(kind)
        .map(|c| (c.id, c.created_at))
        .unwrap_or_else(|| (Uuid::new_v4(), now));
    i.credentials.insert(
        kind.to_string(),
        Credentials {
            id,
            credential_type: kind.to_string(),
            identifiers,
            config: Some(config),
            version: 0,
            created_at,
            updated_at: now,
        },
    );
}

/// The schema `id` names, also by its base64url form (`Schemas.GetByID`).
pub(crate) fn schema_by_id(reg: &Registry, id: &str) -> Result<Arc<IdentitySchema>, ErrorObject> {
    use base64::Engine;
    let decoded = || {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(id)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    };
    reg.schemas
        .get(id)
        .or_else(|| decoded().and_then(|d| reg.schemas.get(&d)))
        .ok_or_else(|| {
            ErrorObject::bad_request().with_reason(format!("Unable to find JSON Schema ID: {id}"))
        })
}

/// Kratos's `Manager.ValidateIdentity` for admin writes: the traits must satisfy the identity
/// schema; the password identifiers and the addresses are then derived from them. An address the
/// traits still yield keeps what `known_*` says of it (verification status, id), others are new;
/// addresses the traits no longer yield are dropped.
pub(crate) fn validate_identity(
    reg: &Registry,
    i: &mut Identity,
    known_verifiable: &[VerifiableAddress],
    known_recovery: &[RecoveryAddress],
) -> Result<(), ErrorObject> {
    if i.schema_id.is_empty() {
        i.schema_id = reg.schemas.default_id.clone();
    }
    let schema = schema_by_id(reg, &i.schema_id)?;
    let extensions = schema
        .validate_traits(&i.traits)
        .map_err(|_| ErrorObject::bad_request().with_reason(schema.validation_reason(&i.traits)))?;
    let now = reg.now();
    i.schema_url = schema_url(reg.public_base(), &i.schema_id);
    let same = |via: &str, value: &str, k_via: &str, k_value: &str| {
        via == k_via && graceful_normalize(value) == graceful_normalize(k_value)
    };
    i.verifiable_addresses = extensions
        .verifiable_addresses
        .iter()
        .map(|(via, value)| {
            known_verifiable
                .iter()
                .find(|k| same(via, value, &k.via, &k.value))
                .cloned()
                .unwrap_or_else(|| VerifiableAddress {
                    id: Uuid::new_v4(),
                    value: value.clone(),
                    verified: false,
                    via: via.clone(),
                    status: "pending".into(),
                    verified_at: None,
                    created_at: now,
                    updated_at: now,
                })
        })
        .collect();
    i.recovery_addresses = extensions
        .recovery_addresses
        .iter()
        .map(|(via, value)| {
            known_recovery
                .iter()
                .find(|k| same(via, value, &k.via, &k.value))
                .cloned()
                .unwrap_or_else(|| RecoveryAddress {
                    id: Uuid::new_v4(),
                    value: value.clone(),
                    via: via.clone(),
                    created_at: now,
                    updated_at: now,
                })
        })
        .collect();
    // Kratos's credentials extension gives every identity whose schema marks a password identifier
    // a password credential (with an empty config when none was imported).
    if !extensions.password_identifiers.is_empty() || i.credentials.contains_key("password") {
        let config = i
            .credentials
            .get("password")
            .and_then(|c| c.config.clone())
            .unwrap_or_else(|| json!({}));
        set_credentials(
            i,
            "password",
            extensions.password_identifiers.clone(),
            config,
            now,
        );
    }
    i.available_aal = Some(
        if first_factor_count(i) > 0 {
            "aal1"
        } else {
            "aal0"
        }
        .into(),
    );
    Ok(())
}

/// How many credentials could sign the identity in on their own (Kratos's
/// `CountActiveFirstFactorCredentials` over the strategies hoplite knows of): a password with a
/// hash (or the migration hook) and an identifier, each oidc or saml provider, each passwordless
/// webauthn key, each passkey.
pub(crate) fn first_factor_count(i: &Identity) -> usize {
    let config = |c: &Credentials| c.config.clone().unwrap_or(Value::Null);
    let list_len = |v: &Value, key: &str| v.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    i.credentials
        .values()
        .map(|c| {
            let cfg = config(c);
            match c.credential_type.as_str() {
                "password" => {
                    let hashed = cfg
                        .get("hashed_password")
                        .and_then(Value::as_str)
                        .is_some_and(|h| !h.is_empty());
                    let hook = cfg.get("use_password_migration_hook") == Some(&json!(true));
                    usize::from((hashed || hook) && !c.identifiers.is_empty())
                }
                "oidc" | "saml" => list_len(&cfg, "providers"),
                "webauthn" => cfg
                    .get("credentials")
                    .and_then(Value::as_array)
                    .map_or(0, |l| {
                        l.iter()
                            .filter(|k| k.get("is_passwordless") == Some(&json!(true)))
                            .count()
                    }),
                "passkey" => list_len(&cfg, "credentials"),
                _ => 0,
            }
        })
        .sum()
}

/// Whether turning `original` into `updated` touches what only a privileged session may change
/// (`requiresPrivilegedAccess`): any credential (type, identifiers or config), the verifiable
/// addresses (via, value, verified, status, in order) or the recovery addresses (via, value).
pub fn changes_protected_fields(original: &Identity, updated: &Identity) -> bool {
    let credentials = |i: &Identity| -> Vec<(String, Vec<String>, Value)> {
        i.credentials
            .values()
            .map(|c| {
                (
                    c.credential_type.clone(),
                    c.identifiers.clone(),
                    c.config.clone().unwrap_or(Value::Null),
                )
            })
            .collect()
    };
    let verifiable = |i: &Identity| -> Vec<(String, String, bool, String)> {
        i.verifiable_addresses
            .iter()
            .map(|a| (a.via.clone(), a.value.clone(), a.verified, a.status.clone()))
            .collect()
    };
    let recovery = |i: &Identity| -> Vec<(String, String)> {
        i.recovery_addresses
            .iter()
            .map(|a| (a.via.clone(), a.value.clone()))
            .collect()
    };
    credentials(original) != credentials(updated)
        || verifiable(original) != verifiable(updated)
        || recovery(original) != recovery(updated)
}
