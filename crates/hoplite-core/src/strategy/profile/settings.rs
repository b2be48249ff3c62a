//! Changing traits in the settings flow (`ory/kratos: selfservice/strategy/profile/strategy.go`,
//! spec §2.10).

use crate::flow::RequestInfo;
use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{PathType, decode_body};
use crate::flow::settings::SettingsFlow;
use crate::flow::settings::error::{Paused, UpdateError, write_flow_error};
use crate::flow::settings::handler::identity_schema;
use crate::flow::settings::hook::{is_privileged, post_settings};
use crate::flow::submit::SubmitError;
use crate::flow::{FlowType, Reply};
use crate::identity::manager::{changes_protected_fields, validate_identity};
use crate::registry::Registry;
use crate::schema::IdentitySchema;
use crate::session::Session;
use crate::ui::container::nodes;
use crate::ui::{Container, group, values::set_values_from_traits};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `PopulateSettingsMethod`: one input per trait (group `profile`) with the current values, the
/// CSRF node and `Save`.
pub fn populate(ui: &mut Container, schema: &IdentitySchema, traits: &Value, csrf: &str) {
    ui.upsert_all(schema.trait_nodes(group::PROFILE));
    ui.set_csrf(csrf);
    set_values_from_traits(&mut ui.nodes, traits, group::PROFILE);
    ui.nodes
        .push(nodes::settings_submit(group::PROFILE, "profile"));
}

/// `hydrateForm`: the trait inputs show `traits` (earlier values and messages dropped) and the
/// CSRF node is refreshed.
fn hydrate(req: &RequestInfo, flow: &mut SettingsFlow, traits: Option<&Value>) {
    if let Some(t) = traits {
        for n in flow
            .ui
            .nodes
            .iter_mut()
            .filter(|n| n.name().starts_with("traits."))
        {
            n.attributes.value = None;
            n.messages.clear();
        }
        set_values_from_traits(&mut flow.ui.nodes, t, group::PROFILE);
    }
    if flow.flow_type == FlowType::Browser {
        flow.ui.set_csrf(&req.masked_csrf_token());
    }
}

/// A decoded profile submission (`updateSettingsFlowWithProfileMethod`), also what a change that
/// waits for a fresh sign-in keeps.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Payload {
    #[serde(default)]
    pub traits: Value,
    #[serde(default)]
    pub method: String,
    /// The flow the change was made in.
    #[serde(default)]
    pub flow: String,
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    /// Whether the body had a `csrf_token` field at all (the CSRF error's hint says so).
    #[serde(skip)]
    pub csrf_sent: bool,
}

/// Handles `method=profile`.
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: SettingsFlow,
    session: Session,
    body: &[u8],
) -> Reply {
    let Some(current) = session.identity.as_ref() else {
        return write_flow_error(reg, req, flow, crate::error::ErrorObject::internal().into())
            .await;
    };
    let schema = match identity_schema(reg, current) {
        Ok(s) => s,
        Err(e) => return write_flow_error(reg, req, flow, e.into()).await,
    };
    let fields = [
        ("method", PathType::String),
        ("csrf_token", PathType::String),
        ("transient_payload", PathType::Json),
    ];
    let doc = match decode_body(req, &schema, &fields, body) {
        Ok(d) => d,
        Err(e) => {
            hydrate(req, &mut flow, None);
            return write_flow_error(reg, req, flow, e.into()).await;
        }
    };
    // The form-style decoder turns absent traits into `{}`, so the schema reports what is missing.
    let traits = doc.get("traits").cloned().unwrap_or_else(|| json!({}));
    let mut problems = match schema.validate_traits(&traits) {
        Ok(_) => Vec::new(),
        Err(m) => m,
    };
    problems.extend(crate::strategy::transient_payload_problem(&doc));
    if !problems.is_empty() {
        hydrate(req, &mut flow, Some(&traits));
        return write_flow_error(reg, req, flow, SubmitError::Form(problems).into()).await;
    }
    let text = |k: &str| {
        doc.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let payload = Payload {
        traits,
        method: text("method"),
        flow: flow.id.to_string(),
        csrf_token: text("csrf_token"),
        transient_payload: doc.get("transient_payload").cloned(),
        csrf_sent: doc.get("csrf_token").is_some(),
    };
    continue_flow(reg, req, flow, session, payload).await
}

/// `continueFlow`: applies a decoded (or resumed) change.
pub async fn continue_flow(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: SettingsFlow,
    session: Session,
    payload: Payload,
) -> Reply {
    let Some(current) = session.identity.clone() else {
        return write_flow_error(reg, req, flow, crate::error::ErrorObject::internal().into())
            .await;
    };
    flow.transient_payload = payload.transient_payload.clone();
    let traits = payload.traits.clone();
    if let Err(e) = check_csrf(
        req,
        flow.flow_type,
        Some(payload.csrf_token.as_str()).filter(|t| payload.csrf_sent || !t.is_empty()),
    ) {
        hydrate(req, &mut flow, Some(&traits));
        return write_flow_error(reg, req, flow, e.into()).await;
    }
    if traits.is_null() {
        let err = crate::error::ErrorObject::bad_request()
            .with_reason("Did not receive any value changes.");
        return write_flow_error(reg, req, flow, err.into()).await;
    }
    hydrate(req, &mut flow, Some(&traits));

    let mut updated = current.clone();
    updated.traits = traits;
    if let Err(e) = validate_identity(
        reg,
        &mut updated,
        &current.verifiable_addresses,
        &current.recovery_addresses,
    ) {
        return write_flow_error(reg, req, flow, e.into()).await;
    }
    if !is_privileged(reg, &session) && changes_protected_fields(&current, &updated) {
        // Kept for after the sign-in, whatever the flow type (as Kratos does).
        let paused = Paused {
            strategy: "profile",
            payload: serde_json::to_value(&payload).unwrap_or_default(),
        };
        return write_flow_error(reg, req, flow, UpdateError::NeedsReauth(Some(paused))).await;
    }
    post_settings(reg, req, flow, session, "profile", updated).await
}
