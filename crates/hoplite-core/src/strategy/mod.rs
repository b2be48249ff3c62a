//! Self-service methods (`ory/kratos: selfservice/strategy/`), and the registration dispatcher that
//! offers a submission to each of them in Kratos's registry order.

pub mod password;
pub mod profile;

use crate::flow::Reply;
use crate::flow::RequestInfo;
use crate::flow::registration::RegistrationFlow;
use crate::flow::registration::decoder::PathType;
use crate::flow::registration::error::SubmitError;
use crate::flow::registration::handler::{decode_body, form_error, non_form_error, restore_form};
use crate::flow::registration::populate::two_step;
use crate::registry::Registry;
use crate::schema::IdentitySchema;
use crate::text::messages;

/// Offers a registration submission to profile, password, code (and the unimplemented methods) in
/// Kratos's order (spec §9.1 step 7, §9.2).
pub async fn dispatch_registration(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RegistrationFlow,
    schema: &IdentitySchema,
    body: &[u8],
) -> Reply {
    // Every strategy first peeks at `method` (and profile at `screen`) without validation; a body
    // that cannot be decoded at all fails in the first strategy that tries.
    let peek = match decode_body(
        req,
        schema,
        &[("method", PathType::String), ("screen", PathType::String)],
        body,
    ) {
        Ok(p) => p,
        Err(e) => {
            restore_form(req, &mut flow, None);
            return form_error(reg, req, flow, SubmitError::Http(e)).await;
        }
    };
    let method = peek
        .get("method")
        .and_then(|m| m.as_str())
        .unwrap_or("")
        .to_string();
    let screen = peek
        .get("screen")
        .and_then(|m| m.as_str())
        .unwrap_or("")
        .to_string();

    if two_step(reg) && (method == "profile" || method == "profile:back" || !screen.is_empty()) {
        return profile::registration::submit(reg, req, flow, schema, body, &method, &screen).await;
    }
    if method == "password" {
        if !reg.config.selfservice.password.enabled {
            return non_form_error(reg, req, Some(&flow), method_disabled()).await;
        }
        return password::registration::submit(reg, req, flow, schema, body).await;
    }
    if method == "code" && !reg.config.selfservice.code_enabled {
        return non_form_error(reg, req, Some(&flow), method_disabled()).await;
    }
    // Unclaimed: Kratos's passkey decoder still validates the body, so schema errors win over
    // "no strategy found".
    let doc = match decode_body(req, schema, &[("method", PathType::String)], body) {
        Ok(d) => d,
        Err(e) => return form_error(reg, req, flow, SubmitError::Http(e)).await,
    };
    let traits = doc.get("traits").cloned().unwrap_or_default();
    if let Err(messages) = schema.validate_traits(&traits) {
        restore_form(req, &mut flow, Some(&traits));
        return form_error(reg, req, flow, SubmitError::Form(messages)).await;
    }
    form_error(
        reg,
        req,
        flow,
        SubmitError::Form(vec![crate::schema::FieldMessage {
            field: String::new(),
            message: messages::registration_no_strategy_found(),
        }]),
    )
    .await
}

/// `transient_payload` must be an object (every method schema says so); the message is the
/// JSON-schema type error Kratos attaches to a node of that name.
pub(crate) fn transient_payload_problem(
    doc: &serde_json::Value,
) -> Option<crate::schema::FieldMessage> {
    let t = doc.get("transient_payload")?;
    if t.is_object() {
        return None;
    }
    let actual = match t {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    };
    Some(crate::schema::FieldMessage {
        field: "transient_payload".into(),
        message: crate::schema::errors::validation_wrong_type(&["object".to_string()], actual),
    })
}

fn method_disabled() -> crate::error::ErrorObject {
    crate::error::ErrorObject::not_found().with_reason(
        "This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.",
    )
}
