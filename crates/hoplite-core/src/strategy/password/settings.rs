//! Changing the password in the settings flow (`ory/kratos:
//! selfservice/strategy/password/settings.go`, spec §2.11).

use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{self, KnownPath, PathType};
use crate::flow::settings::SettingsFlow;
use crate::flow::settings::error::{Paused, UpdateError, write_flow_error};
use crate::flow::settings::hook::{may_change_password, post_settings};
use crate::flow::submit::SubmitError;
use crate::flow::{FlowType, Reply, RequestInfo};
use crate::hash::HashError;
use crate::identity::manager::validate_identity;
use crate::registry::Registry;
use crate::schema::FieldMessage;
use crate::session::Session;
use crate::strategy::password::hibp::HibpError;
use crate::text::messages;
use crate::ui::container::nodes;
use crate::ui::{Container, group};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `PopulateSettingsMethod`: the CSRF node, a new-password input and `Save`.
pub fn populate(ui: &mut Container, csrf: &str) {
    ui.set_csrf(csrf);
    ui.upsert(nodes::password_input());
    ui.nodes
        .push(nodes::settings_submit(group::PASSWORD, "password"));
}

fn on_password(message: crate::text::Message) -> UpdateError {
    SubmitError::Form(vec![FieldMessage {
        field: "password".into(),
        message,
    }])
    .into()
}

/// The method's error handling: the form's messages are cleared and the CSRF node refreshed
/// before the error is written.
async fn fail(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: SettingsFlow,
    err: UpdateError,
) -> Reply {
    flow.ui.reset_messages();
    if flow.flow_type == FlowType::Browser {
        flow.ui.set_csrf(&req.masked_csrf_token());
    }
    write_flow_error(reg, req, flow, err).await
}

/// A decoded password submission (`updateSettingsFlowWithPasswordMethod`), also what a browser's
/// change that waits for a fresh sign-in keeps (the new password in clear, as Kratos keeps it, for
/// at most 15 minutes and deleted when used).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Payload {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub method: String,
    /// The flow the change was made in.
    #[serde(default)]
    pub flow: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    /// Whether the body had a `csrf_token` field at all (the CSRF error's hint says so).
    #[serde(skip)]
    pub csrf_sent: bool,
}

/// Handles `method=password`.
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    flow: SettingsFlow,
    session: Session,
    body: &[u8],
) -> Reply {
    let paths: Vec<KnownPath> = [
        ("csrf_token", PathType::String),
        ("method", PathType::String),
        ("password", PathType::String),
        ("transient_payload", PathType::Json),
    ]
    .into_iter()
    .map(|(name, kind)| KnownPath {
        name: name.into(),
        kind,
        required: name == "password",
    })
    .collect();
    let doc = match decoder::decode(&req.method, req.content_type.as_deref(), body, &paths) {
        Ok(d) => d,
        Err(e) => return fail(reg, req, flow, e.into()).await,
    };
    let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
    let mut problems: Vec<FieldMessage> = Vec::new();
    // Kratos reports an empty password as missing too.
    if text("password").is_none_or(|p| p.is_empty()) {
        problems.push(FieldMessage {
            field: "password".into(),
            message: messages::validation_required("password"),
        });
    }
    problems.extend(crate::strategy::transient_payload_problem(&doc));
    if !problems.is_empty() {
        return fail(reg, req, flow, SubmitError::Form(problems).into()).await;
    }
    let payload = Payload {
        password: text("password").unwrap_or_default(),
        csrf_token: text("csrf_token").unwrap_or_default(),
        method: text("method").unwrap_or_default(),
        flow: flow.id.to_string(),
        transient_payload: doc.get("transient_payload").cloned(),
        csrf_sent: doc.get("csrf_token").is_some(),
    };
    continue_flow(reg, req, flow, session, payload).await
}

/// `continueSettingsFlow`: applies a decoded (or resumed) password change.
pub async fn continue_flow(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: SettingsFlow,
    session: Session,
    payload: Payload,
) -> Reply {
    flow.transient_payload = payload.transient_payload.clone();
    if let Err(e) = check_csrf(
        req,
        flow.flow_type,
        Some(payload.csrf_token.as_str()).filter(|t| payload.csrf_sent || !t.is_empty()),
    ) {
        return fail(reg, req, flow, e.into()).await;
    }
    if !may_change_password(reg, &session) {
        // Only a browser can come back for it (API clients keep no cookie).
        let paused = (flow.flow_type == FlowType::Browser).then(|| Paused {
            strategy: "password",
            payload: serde_json::to_value(&payload).unwrap_or_default(),
        });
        return fail(reg, req, flow, UpdateError::NeedsReauth(paused)).await;
    }
    let password = payload.password.clone();
    if password.is_empty() {
        let err = SubmitError::required("password");
        return fail(reg, req, flow, err.into()).await;
    }
    let Some(current) = session.identity.clone() else {
        return fail(reg, req, flow, crate::error::ErrorObject::internal().into()).await;
    };

    // The identifiers the policy compares against come from the stored traits.
    let mut updated = current.clone();
    if let Some(c) = updated.credentials.get_mut("password") {
        c.config = Some(json!({}));
    }
    if let Err(e) = validate_identity(
        reg,
        &mut updated,
        &current.verifiable_addresses,
        &current.recovery_addresses,
    ) {
        return fail(reg, req, flow, e.into()).await;
    }
    let identifiers: Vec<String> = updated
        .credentials
        .get("password")
        .map(|c| c.identifiers.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_empty())
        .collect();
    if identifiers.is_empty() {
        let err = SubmitError::Form(vec![FieldMessage {
            field: String::new(),
            message: messages::identifier_missing(),
        }]);
        return fail(reg, req, flow, err.into()).await;
    }
    let cfg = &reg.config.selfservice.password;
    for (i, id) in identifiers.iter().enumerate() {
        let mut verdict =
            super::validator::validate_password(cfg, id, &password).map_err(on_password);
        if i == 0 && verdict.is_ok() && cfg.haveibeenpwned_enabled {
            verdict = reg
                .breaches
                .check(cfg, reg.http.as_ref(), reg.now(), &password)
                .await
                .map_err(|e| match e {
                    HibpError::Breached(message) => on_password(message),
                    HibpError::Upstream(e) => e.into(),
                });
        }
        if let Err(e) = verdict {
            return fail(reg, req, flow, e).await;
        }
    }

    let old_hash = current
        .credentials
        .get("password")
        .and_then(|c| c.config.as_ref())
        .and_then(|c| c.get("hashed_password"))
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
        .map(str::to_string);
    let hashed = reg.hasher.hash(password.clone()).await;
    // A stored hash this server cannot check counts as different, as in Kratos.
    let same_as_old = match (&hashed, old_hash) {
        (Ok(_), Some(old)) => reg.hasher.verify(password, old).await.unwrap_or(false),
        _ => false,
    };
    let hash = match (hashed, same_as_old) {
        (_, true) => {
            return fail(
                reg,
                req,
                flow,
                on_password(messages::password_same_as_old()),
            )
            .await;
        }
        (Ok(h), _) => h,
        (Err(HashError::TooLong(len)), _) => {
            return fail(
                reg,
                req,
                flow,
                on_password(super::validator::too_long_message(len)),
            )
            .await;
        }
        (Err(HashError::Busy { retry_after_secs }), _) => {
            return Reply::error(
                &crate::hash::busy_error(retry_after_secs),
                req.request_id.as_deref(),
            );
        }
        (Err(HashError::Other(e)), _) => {
            tracing::error!(error = %e, "password hashing failed");
            return fail(reg, req, flow, crate::error::ErrorObject::internal().into()).await;
        }
    };
    if let Some(c) = updated.credentials.get_mut("password") {
        c.config = Some(json!({ "hashed_password": hash }));
    }
    post_settings(reg, req, flow, session, "password", updated).await
}
