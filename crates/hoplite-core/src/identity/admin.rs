//! The admin API's identity writes (`ory/kratos: identity/handler.go`, `handler_import.go`,
//! `manager.go`): `createIdentity`, `updateIdentity` (PUT), `patchIdentity` (JSON Patch),
//! `deleteIdentity`, `deleteIdentityCredentials` and `batchPatchIdentities`.
//!
//! Kratos splits the work in two, and the split decides which errors fail a whole batch: turning a
//! body into an identity (state, imported credentials and hashes) is the handler's, and its errors
//! fail the request; validating against the identity schema and storing is the manager's, and its
//! errors are reported per item.

use super::manager::{first_factor_count, set_credentials, validate_identity};
use super::{Credentials, Identity, RecoveryAddress, VerifiableAddress};
use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::hash::{HashError, imported_hash_problem};
use crate::persistence::StoreError;
use crate::registry::Registry;
use crate::x::jsonpatch;
use crate::x::timefmt::serde_rfc3339;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

/// Kratos's `BatchPatchIdentitiesLimit`.
pub const BATCH_PATCH_IDENTITIES_LIMIT: usize = 1000;
/// Kratos's `BatchPatchIdentitiesWithPasswordLimit`: items with a clear-text password to hash.
pub const BATCH_PATCH_IDENTITIES_WITH_PASSWORD_LIMIT: usize = 200;

/// The paths `patchIdentity` refuses (Kratos's deny list; `/stateChangedAt` is Kratos's spelling
/// and never matches the JSON key `state_changed_at`, so that one can be patched there too).
const PATCH_DENIED_PATHS: &[&str] = &[
    "/id",
    "/stateChangedAt",
    "/credentials",
    "/credentials/oidc",
    "/credentials/oidc/**",
    "/credentials/saml",
    "/credentials/saml/**",
];

/// `createIdentityBody`. Go's JSON decoder takes `null` for "unset", hence the options.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateIdentityBody {
    #[serde(default)]
    schema_id: Option<String>,
    /// Absent is `{}`; an explicit `null` is validated (and refused by an object schema).
    #[serde(default, deserialize_with = "present")]
    traits: Option<Value>,
    #[serde(default)]
    credentials: Option<ImportCredentials>,
    #[serde(default)]
    verifiable_addresses: Option<Vec<ImportVerifiableAddress>>,
    #[serde(default)]
    recovery_addresses: Option<Vec<ImportRecoveryAddress>>,
    #[serde(default)]
    metadata_public: Option<Value>,
    #[serde(default)]
    metadata_admin: Option<Value>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    organization_id: Option<Uuid>,
    #[serde(default)]
    external_id: Option<String>,
    /// Ory Network only; accepted and ignored.
    #[serde(default)]
    #[allow(dead_code)]
    region: Option<String>,
}

/// `updateIdentityBody`; decoded leniently (unknown fields ignored) as Kratos's `decoderx` does.
#[derive(Debug, Default, Deserialize)]
pub struct UpdateIdentityBody {
    #[serde(default)]
    schema_id: Option<String>,
    #[serde(default, deserialize_with = "present")]
    traits: Option<Value>,
    #[serde(default)]
    credentials: Option<ImportCredentials>,
    #[serde(default)]
    metadata_public: Option<Value>,
    #[serde(default)]
    metadata_admin: Option<Value>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
}

/// Keeps an explicit `null` apart from an absent field.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// `identityWithCredentials`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportCredentials {
    #[serde(default)]
    password: Option<ImportPassword>,
    #[serde(default)]
    oidc: Option<ImportProviders>,
    #[serde(default)]
    saml: Option<ImportProviders>,
    #[serde(default)]
    totp: Option<Value>,
    #[serde(default)]
    webauthn: Option<Value>,
    #[serde(default)]
    passkey: Option<Value>,
    #[serde(default)]
    lookup_secret: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportPassword {
    #[serde(default)]
    config: Option<ImportPasswordConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportPasswordConfig {
    #[serde(default)]
    hashed_password: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    use_password_migration_hook: Option<bool>,
}

/// `identityWithCredentialsOidc` and `identityWithCredentialsSaml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportProviders {
    #[serde(default)]
    config: Option<ImportProvidersConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportProvidersConfig {
    #[serde(default)]
    providers: Option<Vec<ImportProvider>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportProvider {
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    use_auto_link: Option<bool>,
    #[serde(default)]
    organization: Option<Uuid>,
}

/// A supplied `verifiableIdentityAddress`: kept when the traits still yield its value.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportVerifiableAddress {
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<Uuid>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    verified: Option<bool>,
    #[serde(default)]
    via: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, with = "serde_rfc3339::option")]
    verified_at: Option<OffsetDateTime>,
    #[serde(default, with = "serde_rfc3339::option")]
    #[allow(dead_code)]
    created_at: Option<OffsetDateTime>,
    #[serde(default, with = "serde_rfc3339::option")]
    #[allow(dead_code)]
    updated_at: Option<OffsetDateTime>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportRecoveryAddress {
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<Uuid>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    via: Option<String>,
    #[serde(default, with = "serde_rfc3339::option")]
    #[allow(dead_code)]
    created_at: Option<OffsetDateTime>,
    #[serde(default, with = "serde_rfc3339::option")]
    #[allow(dead_code)]
    updated_at: Option<OffsetDateTime>,
}

/// `patchIdentitiesBody`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchPatchIdentitiesBody {
    #[serde(default)]
    identities: Option<Vec<Option<BatchIdentityPatch>>>,
}

/// `identityPatch`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchIdentityPatch {
    #[serde(default)]
    create: Option<CreateIdentityBody>,
    #[serde(default)]
    patch_id: Option<Uuid>,
}

/// Go's `encoding/json` message for an unknown field, the error serde reports most often here;
/// other decoding errors keep serde's wording.
fn decode_error_text(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if let Some(rest) = text.strip_prefix("unknown field `")
        && let Some((name, _)) = rest.split_once('`')
    {
        return format!("json: unknown field \"{name}\"");
    }
    text
}

/// The 400 of Kratos's strict decoder (`herodot.ErrBadRequest().WithError(err)`).
fn strict_decode_error(e: &serde_json::Error) -> ErrorObject {
    ErrorObject::bad_request().with_message(decode_error_text(e))
}

/// `"active"` or `"inactive"` (`State.IsValid`).
fn state_is_valid(state: &str) -> bool {
    matches!(state, "active" | "inactive")
}

fn invalid_state() -> ErrorObject {
    ErrorObject::bad_request().with_reason("identity state is not valid")
}

/// `null` metadata is "unset", as Kratos stores and shows it.
fn metadata(v: Option<Value>) -> Option<Value> {
    v.filter(|v| !v.is_null())
}

/// Imports `creds` into `i` (`importCredentials`): a password replaces the password credential
/// (hashing a clear-text one), providers are added to the oidc / saml credential.
async fn import_credentials(
    reg: &Registry,
    i: &mut Identity,
    creds: ImportCredentials,
) -> Result<(), ErrorObject> {
    let now = reg.now();
    if let Some(password) = creds.password {
        let config = password.config.unwrap_or_default();
        let new_config = if config.use_password_migration_hook == Some(true) {
            json!({"use_password_migration_hook": true})
        } else {
            let clear = config.password.unwrap_or_default();
            let hashed = if clear.is_empty() {
                config.hashed_password.unwrap_or_default()
            } else {
                reg.hasher.hash(clear).await.map_err(|e| match e {
                    HashError::TooLong(_) => ErrorObject::bad_request()
                        .with_reason("The password can not be longer than 72 bytes."),
                    HashError::Busy { retry_after_secs } => {
                        crate::hash::busy_error(retry_after_secs)
                    }
                    HashError::Other(detail) => {
                        tracing::error!(error = %detail, "hashing an imported password failed");
                        ErrorObject::internal()
                    }
                })?
            };
            if let Some(reason) = imported_hash_problem(&hashed) {
                return Err(ErrorObject::bad_request().with_reason(reason));
            }
            json!({ "hashed_password": hashed })
        };
        // The identifiers come from the traits when the identity is validated.
        set_credentials(i, "password", Vec::new(), new_config, now);
    }
    for (kind, providers) in [("oidc", creds.oidc), ("saml", creds.saml)] {
        if let Some(p) = providers {
            import_providers(i, kind, p, now);
        }
    }
    for (kind, given) in [
        ("totp", creds.totp.is_some_and(|v| !v.is_null())),
        ("webauthn", creds.webauthn.is_some_and(|v| !v.is_null())),
        ("passkey", creds.passkey.is_some_and(|v| !v.is_null())),
        (
            "lookup_secret",
            creds.lookup_secret.is_some_and(|v| !v.is_null()),
        ),
    ] {
        if given {
            return Err(ErrorObject::bad_request().with_reason(format!(
                "Importing {kind} credentials is not supported by this server yet."
            )));
        }
    }
    Ok(())
}

/// Adds providers to the oidc or saml credential; their identifiers are `provider:subject`.
fn import_providers(i: &mut Identity, kind: &str, p: ImportProviders, now: OffsetDateTime) {
    let existing = i.credentials.get(kind);
    let mut identifiers = existing.map(|c| c.identifiers.clone()).unwrap_or_default();
    let mut list: Vec<Value> = existing
        .and_then(|c| c.config.as_ref())
        .and_then(|c| c.get("providers"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for provider in p.config.and_then(|c| c.providers).unwrap_or_default() {
        let subject = provider.subject.unwrap_or_default();
        let name = provider.provider.unwrap_or_default();
        let mut entry = Map::new();
        entry.insert("subject".into(), json!(subject));
        entry.insert("provider".into(), json!(name));
        if let Some(org) = provider.organization {
            entry.insert("organization".into(), json!(org.to_string()));
        }
        if provider.use_auto_link == Some(true) {
            entry.insert("use_auto_link".into(), json!(true));
        }
        identifiers.push(format!("{name}:{subject}"));
        list.push(Value::Object(entry));
    }
    set_credentials(i, kind, identifiers, json!({ "providers": list }), now);
}

/// `identityFromCreateIdentityBody`: the identity a create body describes, not yet validated,
/// and the addresses it supplies (merged by [`validate_identity`]).
async fn identity_from_create_body(
    reg: &Registry,
    body: CreateIdentityBody,
) -> Result<(Identity, Vec<VerifiableAddress>, Vec<RecoveryAddress>), ErrorObject> {
    let now = reg.now();
    let state = match body.state.unwrap_or_default() {
        s if s.is_empty() => "active".to_string(),
        s if state_is_valid(&s) => s,
        _ => return Err(invalid_state()),
    };
    // Kratos lower-cases supplied address values so that the schema extension finds them.
    let verifiable = body
        .verifiable_addresses
        .unwrap_or_default()
        .into_iter()
        .map(|a| VerifiableAddress {
            id: Uuid::new_v4(),
            value: a.value.unwrap_or_default().to_lowercase(),
            verified: a.verified.unwrap_or(false),
            via: a.via.unwrap_or_default(),
            status: a.status.unwrap_or_default(),
            verified_at: a.verified_at,
            created_at: now,
            updated_at: now,
        })
        .collect();
    let recovery = body
        .recovery_addresses
        .unwrap_or_default()
        .into_iter()
        .map(|a| RecoveryAddress {
            id: Uuid::new_v4(),
            value: a.value.unwrap_or_default().to_lowercase(),
            via: a.via.unwrap_or_default(),
            created_at: now,
            updated_at: now,
        })
        .collect();
    let mut identity = Identity {
        id: Uuid::new_v4(),
        external_id: body.external_id.filter(|e| !e.is_empty()),
        credentials: Default::default(),
        schema_id: body.schema_id.unwrap_or_default(),
        schema_url: String::new(),
        state,
        state_changed_at: Some(now),
        traits: body.traits.unwrap_or_else(|| json!({})),
        verifiable_addresses: Vec::new(),
        recovery_addresses: Vec::new(),
        metadata_public: metadata(body.metadata_public),
        metadata_admin: metadata(body.metadata_admin),
        created_at: now,
        updated_at: now,
        organization_id: body.organization_id,
        available_aal: None,
    };
    if let Some(creds) = body.credentials {
        import_credentials(reg, &mut identity, creds).await?;
    }
    Ok((identity, verifiable, recovery))
}

/// The admin view without credential configs (`WithCredentialsNoConfigAndAdminMetadataInJSON`).
fn admin_json(i: &Identity) -> Value {
    serde_json::to_value(i.admin_view(&[])).expect("identity serialises")
}

/// `POST /admin/identities` (`createIdentity`): 201 with the identity and the `Location` Kratos
/// sets, `<admin base URL>/identities/<id>` (without `/admin`, as Kratos writes it).
pub async fn create_identity(
    reg: &Registry,
    req: &RequestInfo,
    body: &[u8],
) -> (Reply, Option<String>) {
    let rid = req.request_id.as_deref();
    let parsed: CreateIdentityBody = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => return (Reply::error(&strict_decode_error(&e), rid), None),
    };
    let (mut identity, verifiable, recovery) = match identity_from_create_body(reg, parsed).await {
        Ok(i) => i,
        Err(e) => return (Reply::error(&e, rid), None),
    };
    if let Err(e) = validate_identity(reg, &mut identity, &verifiable, &recovery) {
        return (Reply::error(&e, rid), None);
    }
    match reg.persister.create_identity(&identity).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            let err = ErrorObject::resource_conflict()
                .with_reason("This identity conflicts with another identity that already exists.");
            return (Reply::error(&err, rid), None);
        }
        Err(e) => return (Reply::error(&e.into(), rid), None),
    }
    tracing::info!(identity_id = %identity.id, "identity created by the admin API");
    let location = format!(
        "{}/identities/{}",
        reg.config.serve.admin_base_url.trim_end_matches('/'),
        identity.id
    );
    (Reply::json(201, admin_json(&identity)), Some(location))
}

/// Loads an identity for an admin write; a malformed id is as unknown as a missing one (Kratos
/// parses it to the nil UUID).
async fn load(reg: &Registry, id: &str) -> Result<Identity, ErrorObject> {
    let uuid = Uuid::parse_str(id).unwrap_or(Uuid::nil());
    reg.persister
        .get_identity(uuid)
        .await?
        .ok_or_else(ErrorObject::row_not_found)
}

/// Validates `updated` (merging with the stored addresses of `original`) and stores it
/// (`Manager.Update`); answers 200 with the admin view.
async fn validate_and_update(
    reg: &Registry,
    rid: Option<&str>,
    mut updated: Identity,
    original: &Identity,
) -> Reply {
    if let Err(e) = validate_identity(
        reg,
        &mut updated,
        &original.verifiable_addresses,
        &original.recovery_addresses,
    ) {
        return Reply::error(&e, rid);
    }
    updated.updated_at = reg.now();
    match reg.persister.update_identity(&updated).await {
        Ok(true) => Reply::json(200, admin_json(&updated)),
        Ok(false) => Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// `PUT /admin/identities/{id}` (`updateIdentity`): replaces traits, metadata, state, external id
/// and (when given) schema id; credentials only when the body has some.
pub async fn update_identity(reg: &Registry, req: &RequestInfo, id: &str, body: &[u8]) -> Reply {
    let rid = req.request_id.as_deref();
    let parsed: UpdateIdentityBody = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => {
            let err = ErrorObject::bad_request()
                .with_reason(format!("Unable to decode JSON payload: {e}"));
            return Reply::error(&err, rid);
        }
    };
    let original = match load(reg, id).await {
        Ok(i) => i,
        Err(e) => return Reply::error(&e, rid),
    };
    let mut updated = original.clone();
    if let Some(schema_id) = parsed.schema_id.filter(|s| !s.is_empty()) {
        updated.schema_id = schema_id;
    }
    let state = parsed.state.unwrap_or_default();
    if !state.is_empty() && state != updated.state {
        if !state_is_valid(&state) {
            return Reply::error(&invalid_state(), rid);
        }
        updated.state = state;
        updated.state_changed_at = Some(reg.now());
    }
    // PUT replaces: an absent field clears it.
    updated.traits = parsed.traits.unwrap_or_else(|| json!({}));
    updated.metadata_public = metadata(parsed.metadata_public);
    updated.metadata_admin = metadata(parsed.metadata_admin);
    updated.external_id = parsed.external_id.filter(|e| !e.is_empty());
    if let Some(creds) = parsed.credentials
        && let Err(e) = import_credentials(reg, &mut updated, creds).await
    {
        return Reply::error(&e, rid);
    }
    validate_and_update(reg, rid, updated, &original).await
}

/// Reads back the fields a JSON Patch may change from the patched admin document.
fn identity_from_patched(doc: Value, original: &Identity) -> Result<Identity, String> {
    #[derive(Deserialize)]
    struct Patched {
        #[serde(default)]
        schema_id: Option<String>,
        #[serde(default)]
        state: Option<String>,
        #[serde(default, with = "serde_rfc3339::option")]
        state_changed_at: Option<OffsetDateTime>,
        #[serde(default, deserialize_with = "present")]
        traits: Option<Value>,
        #[serde(default)]
        metadata_public: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        metadata_admin: Option<Value>,
        #[serde(default)]
        external_id: Option<String>,
        #[serde(default)]
        organization_id: Option<Uuid>,
        #[serde(default)]
        credentials: Option<std::collections::BTreeMap<String, Value>>,
    }
    let p: Patched = serde_json::from_value(doc).map_err(|e| e.to_string())?;
    let mut i = original.clone();
    i.schema_id = p.schema_id.unwrap_or_default();
    i.state = p.state.unwrap_or_default();
    i.state_changed_at = p.state_changed_at;
    i.traits = p.traits.unwrap_or_else(|| json!({}));
    i.metadata_public = metadata(p.metadata_public);
    // An untouched NULL column stays `null` in the answer; a removed key is left out (Kratos
    // answers with the patched document's fields).
    i.metadata_admin = p.metadata_admin;
    i.external_id = p.external_id.filter(|e| !e.is_empty());
    i.organization_id = p.organization_id;
    i.credentials.clear();
    for (key, value) in p.credentials.unwrap_or_default() {
        let kept = original.credentials.get(&key);
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind != key {
            // Kratos's `ValidateCredentialsIntegrity`.
            return Err(format!(
                "credentials.{key}.type must equal {key:?}, got {kind:?}"
            ));
        }
        let identifiers = match value.get("identifiers") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| e.to_string())?,
        };
        let config = value
            .get("config")
            .cloned()
            .filter(|c| !c.is_null())
            .or_else(|| kept.and_then(|k| k.config.clone()))
            .unwrap_or_else(|| json!({}));
        let now = original.updated_at;
        i.credentials.insert(
            key.clone(),
            Credentials {
                id: kept.map_or_else(Uuid::new_v4, |k| k.id),
                credential_type: key,
                identifiers,
                config: Some(config),
                version: value.get("version").and_then(Value::as_i64).unwrap_or(0),
                created_at: kept.map_or(now, |k| k.created_at),
                updated_at: now,
            },
        );
    }
    Ok(i)
}

/// `PATCH /admin/identities/{id}` (`patchIdentity`): a JSON Patch over the admin view with every
/// credential config; `/id`, `/credentials` and the oidc and saml credentials can not be patched.
pub async fn patch_identity(reg: &Registry, req: &RequestInfo, id: &str, body: &[u8]) -> Reply {
    let rid = req.request_id.as_deref();
    let original = match load(reg, id).await {
        Ok(i) => i,
        Err(e) => return Reply::error(&e, rid),
    };
    let mut ops: Vec<jsonpatch::Operation> = match serde_json::from_slice(body) {
        Ok(ops) => ops,
        Err(e) => {
            let err = ErrorObject::bad_request()
                .with_reason("failed to unmarshal JSON patch")
                .with_message(e.to_string());
            return Reply::error(&err, rid);
        }
    };
    // `/region` is an Ory Network field: `add` and `replace` are accepted (and ignored here),
    // anything else on it is refused, as in Kratos.
    if let Some(op) = ops
        .iter()
        .find(|o| o.path == "/region" && o.op != "add" && o.op != "replace")
    {
        let err = ErrorObject::bad_request()
            .with_reason(format!("operation {:?} is not supported on /region", op.op));
        return Reply::error(&err, rid);
    }
    ops.retain(|o| o.path != "/region");
    let all_types: Vec<&str> = original.credentials.keys().map(String::as_str).collect();
    let mut doc = serde_json::to_value(original.admin_view(&all_types)).expect("serialises");
    let patch_error = |detail: String| {
        ErrorObject::bad_request()
            .with_reason("failed to apply JSON patch")
            .with_message(detail)
    };
    if let Err(e) = jsonpatch::apply(&mut doc, &ops, PATCH_DENIED_PATHS) {
        return Reply::error(&patch_error(e), rid);
    }
    let mut updated = match identity_from_patched(doc, &original) {
        Ok(i) => i,
        Err(e) if e.starts_with("credentials.") => {
            return Reply::error(&ErrorObject::bad_request().with_reason(e), rid);
        }
        Err(e) => return Reply::error(&patch_error(e), rid),
    };
    if updated.state != original.state {
        if !state_is_valid(&updated.state) {
            let err = ErrorObject::bad_request()
                .with_reason(format!(
                    "The supplied state ('{}') was not valid. Valid states are ('active', 'inactive').",
                    updated.state
                ))
                .with_message("identity state is not valid");
            return Reply::error(&err, rid);
        }
        updated.state_changed_at = Some(reg.now());
    }
    validate_and_update(reg, rid, updated, &original).await
}

/// `DELETE /admin/identities/{id}` (`deleteIdentity`): 204, or 404 when there is no such identity.
pub async fn delete_identity(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let uuid = Uuid::parse_str(id).unwrap_or(Uuid::nil());
    match reg.persister.delete_identity(uuid).await {
        Ok(true) => {
            tracing::info!(identity_id = %uuid, "identity deleted by the admin API");
            Reply::json(204, Value::Null)
        }
        Ok(false) => Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// `DELETE /admin/identities/{id}/credentials/{type}` (`deleteIdentityCredentials`): totp and
/// lookup secrets go away, webauthn keeps only its passwordless keys, a password keeps its
/// identifiers but loses its hash, oidc and saml lose the provider named by `identifier`; the last
/// first factor can not be removed, and other types can not be deleted at all.
pub async fn delete_identity_credentials(
    reg: &Registry,
    req: &RequestInfo,
    id: &str,
    kind: &str,
) -> Reply {
    let rid = req.request_id.as_deref();
    let identifier = req
        .query_param("identifier")
        .unwrap_or_default()
        .to_string();
    if kind == "deviceauthn" && identifier.is_empty() {
        let err = ErrorObject::bad_request()
            .with_reason("You must provide an identifier to delete this credential.");
        return Reply::error(&err, rid);
    }
    let original = match load(reg, id).await {
        Ok(i) => i,
        Err(e) => return Reply::error(&e, rid),
    };
    let Some(cred) = original.credentials.get(kind).cloned() else {
        let err = ErrorObject::not_found().with_reason(format!(
            "You tried to remove a {kind} but this user have no {kind} set up."
        ));
        return Reply::error(&err, rid);
    };
    let now = reg.now();
    let mut updated = original.clone();
    match kind {
        "lookup_secret" | "totp" => {
            updated.credentials.remove(kind);
        }
        "webauthn" => {
            let config = cred.config.clone().unwrap_or(Value::Null);
            let keys: Vec<Value> = config
                .get("credentials")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter(|k| k.get("is_passwordless") == Some(&json!(true)))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let mut config = config.as_object().cloned().unwrap_or_default();
            config.insert("credentials".into(), json!(keys));
            let mut c = cred.clone();
            c.config = Some(Value::Object(config));
            c.updated_at = now;
            updated.credentials.insert(kind.to_string(), c);
        }
        "password" | "oidc" | "saml" => {
            if first_factor_count(&original) < 2 {
                let err = ErrorObject::bad_request()
                    .with_reason("You cannot remove the last first factor credential.");
                return Reply::error(&err, rid);
            }
            let mut c = cred.clone();
            c.updated_at = now;
            if kind == "password" {
                c.config = Some(json!({}));
            } else {
                if identifier.is_empty() {
                    let err = ErrorObject::bad_request()
                        .with_reason("You must provide an identifier to delete this credential.");
                    return Reply::error(&err, rid);
                }
                let config = c.config.clone().unwrap_or(Value::Null);
                let providers = config
                    .get("providers")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let unique = |p: &Value| {
                    format!(
                        "{}:{}",
                        p.get("provider")
                            .and_then(Value::as_str)
                            .unwrap_or_default(),
                        p.get("subject").and_then(Value::as_str).unwrap_or_default()
                    )
                };
                let kept: Vec<Value> = providers
                    .iter()
                    .filter(|p| unique(p) != identifier)
                    .cloned()
                    .collect();
                if kept.len() == providers.len() {
                    let err = ErrorObject::not_found().with_reason(format!(
                        "The identifier `{identifier}` was not found among OIDC credentials."
                    ));
                    return Reply::error(&err, rid);
                }
                c.identifiers = kept.iter().map(unique).collect();
                let mut config = config.as_object().cloned().unwrap_or_default();
                config.insert("providers".into(), json!(kept));
                c.config = Some(Value::Object(config));
            }
            updated.credentials.insert(kind.to_string(), c);
        }
        other => {
            let err = ErrorObject::bad_request()
                .with_reason(format!("Credentials type {other} cannot be deleted."));
            return Reply::error(&err, rid);
        }
    }
    match validate_and_update(reg, rid, updated, &original).await {
        r if r.status == 200 => Reply::json(204, Value::Null),
        r => r,
    }
}

/// `PATCH /admin/identities` (`batchPatchIdentities`): creates up to
/// [`BATCH_PATCH_IDENTITIES_LIMIT`] identities; each one that fails validation or storage is
/// reported in its place (`action: "error"`) while the others are stored.
pub async fn batch_patch_identities(reg: &Registry, req: &RequestInfo, body: &[u8]) -> Reply {
    let rid = req.request_id.as_deref();
    let parsed: BatchPatchIdentitiesBody = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => {
            // Kratos writes the decoder's plain error with status 400; herodot wraps it as an
            // internal error, so the body says 500 while the response is a 400.
            let err = ErrorObject::internal().with_message(decode_error_text(&e));
            return Reply::error_with_status(&err, 400, rid);
        }
    };
    let patches = parsed.identities.unwrap_or_default();
    if patches.len() > BATCH_PATCH_IDENTITIES_LIMIT {
        let err = ErrorObject::bad_request().with_reason(format!(
            "The maximum number of identities per request that can be created or deleted at once is {BATCH_PATCH_IDENTITIES_LIMIT}."
        ));
        return Reply::error(&err, rid);
    }
    let clear_passwords = patches
        .iter()
        .flatten()
        .filter_map(|p| p.create.as_ref()?.credentials.as_ref()?.password.as_ref())
        .filter(|p| {
            p.config
                .as_ref()
                .and_then(|c| c.password.as_deref())
                .is_some_and(|p| !p.is_empty())
        })
        .count();
    // Kratos counts the clear-text passwords while building the identities and checks the limit
    // afterwards; counting first spares hashing a batch that is refused anyway.
    if clear_passwords > BATCH_PATCH_IDENTITIES_WITH_PASSWORD_LIMIT {
        let err = ErrorObject::bad_request().with_reason(format!(
            "The maximum number of identities per request that can be created with a plaintext password is {BATCH_PATCH_IDENTITIES_WITH_PASSWORD_LIMIT}."
        ));
        return Reply::error(&err, rid);
    }
    // Building the identities fails the whole request, as in Kratos.
    let mut built = Vec::with_capacity(patches.len());
    for patch in patches {
        match patch {
            Some(BatchIdentityPatch {
                create: Some(create),
                patch_id,
            }) => match identity_from_create_body(reg, create).await {
                Ok(parts) => built.push(Some((parts, patch_id))),
                Err(e) => return Reply::error(&e, rid),
            },
            // A patch without `create` has no action; Kratos answers `null` in its place.
            _ => built.push(None),
        }
    }
    // Validation first; then every valid identity in one transaction, and only when that fails
    // (a conflict, say) one at a time, so that each failure is reported in its place. `slots`
    // keeps the request's order: a validation error, or the index of the identity in `valid`.
    let mut valid: Vec<Identity> = Vec::with_capacity(built.len());
    let mut slots = Vec::with_capacity(built.len());
    for entry in built {
        let Some(((mut identity, verifiable, recovery), patch_id)) = entry else {
            slots.push(None);
            continue;
        };
        let slot = match validate_identity(reg, &mut identity, &verifiable, &recovery) {
            // The manager reports a validation failure as a 400 carrying only its reason.
            Err(e) => Err(ErrorObject::bad_request().with_reason(e.reason)),
            Ok(()) => {
                valid.push(identity);
                Ok(valid.len() - 1)
            }
        };
        slots.push(Some((slot, patch_id)));
    }
    let stored_together = valid.len() > 1 && reg.persister.create_identities(&valid).await.is_ok();
    let mut results = Vec::with_capacity(slots.len());
    for entry in slots {
        let Some((slot, patch_id)) = entry else {
            results.push(Value::Null);
            continue;
        };
        let outcome = match slot {
            Err(e) => Err(e),
            Ok(n) if stored_together => Ok(valid[n].id),
            Ok(n) => match reg.persister.create_identity(&valid[n]).await {
                Ok(()) => Ok(valid[n].id),
                Err(StoreError::Conflict) => Err(ErrorObject::conflict()),
                Err(e) => Err(e.into()),
            },
        };
        // Kratos's field order: action, identity, patch_id, error.
        let mut item = Map::new();
        let action = if outcome.is_ok() { "create" } else { "error" };
        item.insert("action".into(), json!(action));
        if let Ok(id) = &outcome {
            item.insert("identity".into(), json!(id));
        }
        if let Some(p) = patch_id {
            item.insert("patch_id".into(), json!(p));
        }
        if let Err(e) = outcome {
            item.insert("error".into(), json!(e));
        }
        results.push(Value::Object(item));
    }
    Reply::json(200, json!({ "identities": results }))
}
