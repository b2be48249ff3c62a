//! Changing the password in the settings flow (`ory/kratos:
//! selfservice/strategy/password/settings.go`, spec §2.11).

use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{self, KnownPath, PathType};
use crate::flow::settings::SettingsFlow;
use crate::flow::settings::error::{UpdateError, write_flow_error};
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

/// Handles `method=password`.
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: SettingsFlow,
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
    let password = doc.get("password").and_then(Value::as_str);
    let mut problems: Vec<FieldMessage> = Vec::new();
    // Kratos reports an empty password as missing too.
    if password.is_none_or(str::is_empty) {
        problems.push(FieldMessage {
            field: "password".into(),
            message: messages::validation_required("password"),
        });
    }
    problems.extend(crate::strategy::transient_payload_problem(&doc));
    if !problems.is_empty() {
        return fail(reg, req, flow, SubmitError::Form(problems).into()).await;
    }
    let password = password.unwrap_or_default().to_string();
    flow.transient_payload = doc.get("transient_payload").cloned();
    if let Err(e) = check_csrf(
        req,
        flow.flow_type,
        doc.get("csrf_token").and_then(Value::as_str),
    ) {
        return fail(reg, req, flow, e.into()).await;
    }
    if !may_change_password(reg, &session) {
        return fail(reg, req, flow, UpdateError::NeedsReauth).await;
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
