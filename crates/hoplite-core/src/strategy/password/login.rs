//! Signing in with an identifier and a password (`ory/kratos: selfservice/strategy/password/login.go`).

use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{self, KnownPath, PathType};
use crate::flow::login::LoginFlow;
use crate::flow::login::error::write_flow_error;
use crate::flow::login::hook::post_login;
use crate::flow::submit::SubmitError;
use crate::flow::{FlowType, Reply, RequestInfo};
use crate::identity::Identity;
use crate::registry::Registry;
use crate::schema::{FieldMessage, IdentitySchema};
use crate::session::Session;
use crate::text::messages;
use crate::ui::{Node, group};
use serde_json::Value;

/// The `identifier` input, labelled after the schema's identifier trait.
fn identifier_node(value: &str, input_type: &str, schema: Option<&IdentitySchema>) -> Node {
    let mut n = Node::input(group::DEFAULT, "identifier", input_type);
    n.attributes.value = Some(Value::String(value.to_string()));
    if input_type != "hidden" {
        n.attributes.required = true;
        n.meta.label = Some(
            schema
                .map(|s| s.identifier_label.clone())
                .unwrap_or_else(messages::info_node_label_id),
        );
    }
    n
}

/// The `password` input of the login form.
fn password_node() -> Node {
    let mut n = Node::input(group::PASSWORD, "password", "password");
    n.attributes.required = true;
    n.attributes.autocomplete = Some("current-password".into());
    n.meta.label = Some(messages::info_node_input_password());
    n
}

fn submit_node(label: crate::text::Message) -> Node {
    let mut n = Node::input(group::PASSWORD, "method", "submit");
    n.attributes.value = Some(Value::String("password".into()));
    n.meta.label = Some(label);
    n
}

/// `PopulateLoginMethodFirstFactor`: identifier, password and the submit button.
pub fn populate(flow: &mut LoginFlow, schema: Option<&IdentitySchema>, csrf: &str) {
    flow.ui.upsert(identifier_node("", "text", schema));
    // Kratos sets the CSRF node here for every flow type; on api flows the token is empty.
    flow.ui.set_csrf(csrf);
    flow.ui.upsert(password_node());
    flow.ui
        .nodes
        .push(submit_node(messages::info_login_password()));
}

/// `PopulateLoginMethodFirstFactorRefresh`: re-authentication of the session's identity, whose
/// identifier is fixed (hidden); nothing when the identity has no password.
pub fn populate_refresh(flow: &mut LoginFlow, session: &Session, csrf: &str) {
    let Some(identity) = &session.identity else {
        return;
    };
    let Some(cred) = identity.credentials.get("password") else {
        return;
    };
    let has_hash = cred
        .config
        .as_ref()
        .and_then(|c| c.get("hashed_password"))
        .and_then(Value::as_str)
        .is_some_and(|h| !h.is_empty());
    let Some(identifier) = cred.identifiers.first().filter(|_| has_hash) else {
        return;
    };
    flow.ui.set_csrf(csrf);
    flow.ui.upsert(identifier_node(identifier, "hidden", None));
    flow.ui.upsert(password_node());
    flow.ui.nodes.push(submit_node(messages::info_login()));
}

/// `handleLoginError`: the password is never sent back, the identifier is.
fn restore_form(req: &RequestInfo, flow: &mut LoginFlow, identifier: &str) {
    for n in flow.ui.nodes.iter_mut() {
        if n.name() == "password" && n.group == group::PASSWORD {
            n.attributes.value = None;
        }
        if n.name() == "identifier" {
            n.attributes.value = Some(Value::String(identifier.to_string()));
        }
    }
    if flow.flow_type == FlowType::Browser {
        flow.ui.set_csrf(&req.masked_csrf_token());
    }
}

fn field_error(field: &str, message: crate::text::Message) -> FieldMessage {
    FieldMessage {
        field: field.into(),
        message,
    }
}

/// The login method schema's checks: `password` and `identifier` (or the deprecated
/// `password_identifier`) must be present and non-empty, `transient_payload` an object.
fn validate(doc: &Value) -> Vec<FieldMessage> {
    let mut problems = Vec::new();
    let text_len = |key: &str| {
        doc.get(key)
            .and_then(Value::as_str)
            .map(|s| s.chars().count())
    };
    for key in ["identifier", "password", "password_identifier"] {
        if doc.get(key).is_some_and(|v| !v.is_string()) {
            let actual = crate::strategy::json_type_name(&doc[key]);
            problems.push(field_error(
                key,
                crate::schema::errors::validation_wrong_type(&["string".to_string()], actual),
            ));
        }
    }
    match text_len("password") {
        None if doc.get("password").is_none() => problems.push(field_error(
            "password",
            messages::validation_required("password"),
        )),
        Some(0) => problems.push(field_error(
            "password",
            crate::schema::errors::validation_min_length(1, 0),
        )),
        _ => {}
    }
    let legacy = text_len("password_identifier").is_some_and(|n| n > 0);
    if !legacy {
        match text_len("identifier") {
            None if doc.get("identifier").is_none() => problems.push(field_error(
                "identifier",
                messages::validation_required("identifier"),
            )),
            Some(0) => problems.push(field_error(
                "identifier",
                crate::schema::errors::validation_min_length(1, 0),
            )),
            _ => {}
        }
    }
    problems.extend(super::super::transient_payload_problem(doc));
    problems
}

/// Handles `method=password` on a login flow. `session` is the request's session when it
/// re-authenticates (refresh).
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: LoginFlow,
    session: Option<Session>,
    body: &[u8],
) -> Reply {
    let paths: Vec<KnownPath> = [
        ("method", PathType::String),
        ("identifier", PathType::String),
        ("password_identifier", PathType::String),
        ("password", PathType::String),
        ("csrf_token", PathType::String),
        ("transient_payload", PathType::Json),
    ]
    .iter()
    .map(|(name, kind)| KnownPath {
        name: (*name).to_string(),
        kind: *kind,
        required: false,
    })
    .collect();
    let doc = match decoder::decode(&req.method, req.content_type.as_deref(), body, &paths) {
        Ok(d) => d,
        Err(e) => {
            restore_form(req, &mut flow, "");
            return write_flow_error(reg, req, flow, SubmitError::Http(e)).await;
        }
    };
    let text = |key: &str| {
        doc.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let identifier = Some(text("identifier"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| text("password_identifier"));
    let problems = validate(&doc);
    if !problems.is_empty() {
        restore_form(req, &mut flow, &identifier);
        return write_flow_error(reg, req, flow, SubmitError::Form(problems)).await;
    }
    flow.transient_payload = doc.get("transient_payload").cloned();
    if let Err(e) = check_csrf(
        req,
        flow.flow_type,
        doc.get("csrf_token").and_then(Value::as_str),
    ) {
        restore_form(req, &mut flow, &identifier);
        return write_flow_error(reg, req, flow, e).await;
    }
    let password = text("password");
    let identity = match verify_credentials(reg, &identifier, password).await {
        Ok(Some(i)) => i,
        Ok(None) => {
            restore_form(req, &mut flow, &identifier);
            let err = SubmitError::Form(vec![field_error("", messages::invalid_credentials())]);
            return write_flow_error(reg, req, flow, err).await;
        }
        Err(e) if e.code == 429 => return Reply::error(&e, req.request_id.as_deref()),
        Err(e) => {
            restore_form(req, &mut flow, &identifier);
            return write_flow_error(reg, req, flow, SubmitError::Http(e)).await;
        }
    };
    flow.active = "password".into();
    post_login(reg, req, flow, identity, session, "password").await
}

/// The identity `identifier` names if `password` is its password; `None` for an unknown
/// identifier and a wrong password alike. An unknown identifier still costs one verification
/// against a hash made with the configured hasher, so the two cannot be told apart by timing.
/// A matching hash in another format, or with weaker parameters than configured, is replaced.
async fn verify_credentials(
    reg: &Registry,
    identifier: &str,
    password: String,
) -> Result<Option<Identity>, crate::error::ErrorObject> {
    // Kratos matches the identifier as typed and in its normalised form, preferring the former.
    let normalized = crate::schema::extension::graceful_normalize(identifier);
    let mut candidates = vec![identifier.to_string()];
    if normalized != identifier {
        candidates.push(normalized);
    }
    let found = reg
        .persister
        .find_identity_by_identifier("password", &candidates)
        .await?;
    let stored = found.as_ref().and_then(|i| {
        i.credentials
            .get("password")
            .and_then(|c| c.config.as_ref())
            .and_then(|c| c.get("hashed_password"))
            .and_then(Value::as_str)
            .filter(|h| !h.is_empty())
            .map(str::to_string)
    });
    let (identity, hash) = match (found, stored) {
        (Some(i), Some(h)) => (Some(i), h),
        _ => (None, reg.dummy_password_hash().await),
    };
    let matched = match reg.hasher.verify(password.clone(), hash.clone()).await {
        Ok(m) => m,
        Err(crate::hash::HashError::Busy { retry_after_secs }) => {
            return Err(crate::hash::busy_error(retry_after_secs));
        }
        Err(e) => {
            // A stored hash hoplite cannot read is a failed sign-in, not a server error; the
            // operator learns about it from the log.
            tracing::warn!(error = %e, "a stored password hash could not be verified");
            false
        }
    };
    let Some(identity) = identity.filter(|_| matched) else {
        return Ok(None);
    };
    if crate::hash::needs_rehash(&hash, &reg.hasher.config) {
        upgrade_hash(reg, &identity, password).await;
    }
    Ok(Some(identity))
}

/// Re-hashes the password with the configured hasher and stores it; failures are logged and the
/// old hash is kept (the sign-in itself already succeeded).
async fn upgrade_hash(reg: &Registry, identity: &Identity, password: String) {
    let hash = match reg.hasher.hash(password).await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(identity_id = %identity.id, error = %e, "could not re-hash the password; keeping the old hash");
            return;
        }
    };
    let config = serde_json::json!({ "hashed_password": hash });
    match reg
        .persister
        .update_credential_config(identity.id, "password", &config, reg.now())
        .await
    {
        Ok(()) => {
            tracing::info!(identity_id = %identity.id, "password hash upgraded to the configured hasher")
        }
        Err(e) => {
            tracing::warn!(identity_id = %identity.id, error = %e, "could not store the upgraded password hash")
        }
    }
}
