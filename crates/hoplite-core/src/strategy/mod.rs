//! Self-service methods (`ory/kratos: selfservice/strategy/`), and the registration dispatcher that
//! offers a submission to each of them in Kratos's registry order.

pub mod code;
pub mod link;
pub mod password;
pub mod profile;

use crate::flow::Reply;
use crate::flow::RequestInfo;
use crate::flow::decoder::{PathType, decode_body};
use crate::flow::registration::RegistrationFlow;
use crate::flow::registration::handler::{form_error, non_form_error, restore_form};
use crate::flow::registration::populate::two_step;
use crate::flow::submit::SubmitError;
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
    Some(crate::schema::FieldMessage {
        field: "transient_payload".into(),
        message: crate::schema::errors::validation_wrong_type(
            &["object".to_string()],
            json_type_name(t),
        ),
    })
}

/// The JSON-schema name of a value's type.
pub(crate) fn json_type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Offers a login submission to the methods (only `password` exists so far).
pub async fn dispatch_login(
    reg: &Registry,
    req: &RequestInfo,
    flow: crate::flow::login::LoginFlow,
    session: Option<crate::session::Session>,
    body: &[u8],
) -> Reply {
    use crate::flow::login::error::write_flow_error;
    let peek = decode_method(req, body);
    let method = match peek {
        Ok(m) => m,
        Err(e) => return write_flow_error(reg, req, flow, SubmitError::Http(e)).await,
    };
    if method == "password" {
        if !reg.config.selfservice.password.enabled {
            return crate::flow::errorx::non_form_error(
                reg,
                req,
                Some(flow.flow_type),
                method_disabled(),
            )
            .await;
        }
        if flow.requested_aal != "aal1" {
            // `login.CheckAAL`: the password is a first factor only.
            let err = crate::error::ErrorObject::bad_request()
                .with_id("session_aal_already_fulfilled")
                .with_reason("The session has the requested AAL already.");
            return write_flow_error(reg, req, flow, SubmitError::Http(err)).await;
        }
        return password::login::submit(reg, req, flow, session, body).await;
    }
    write_flow_error(
        reg,
        req,
        flow,
        SubmitError::Form(vec![crate::schema::FieldMessage {
            field: String::new(),
            message: messages::login_no_strategy_found(),
        }]),
    )
    .await
}

/// The `method` a login or settings submission names ("" when none).
fn decode_method(req: &RequestInfo, body: &[u8]) -> Result<String, crate::error::ErrorObject> {
    let paths = [crate::flow::decoder::KnownPath {
        name: "method".into(),
        kind: PathType::String,
        required: false,
    }];
    let doc = crate::flow::decoder::decode(&req.method, req.content_type.as_deref(), body, &paths)?;
    Ok(doc
        .get("method")
        .and_then(|m| m.as_str())
        .unwrap_or("")
        .to_string())
}

/// Offers a settings submission to the methods in Kratos's order (profile, password), spec §2.9.
/// A browser coming back from the sign-in a change asked for first resumes that change (the
/// continuity container its cookie names), whatever it submits now.
pub async fn dispatch_settings(
    reg: &Registry,
    req: &RequestInfo,
    flow: crate::flow::settings::SettingsFlow,
    session: crate::session::Session,
    body: &[u8],
) -> Reply {
    use crate::flow::FlowType;
    use crate::flow::settings::error::continuity_name;
    let mut values = crate::continuity::cookie_values(reg, req);
    let before = values.len();
    let mut resumed: Option<(&str, serde_json::Value)> = None;
    let mut refused = None;
    if flow.flow_type == FlowType::Browser && !req.is_json_request {
        let methods = [
            ("profile", reg.config.selfservice.profile_enabled),
            ("password", reg.config.selfservice.password.enabled),
        ];
        for (method, _) in methods.into_iter().filter(|(_, enabled)| *enabled) {
            let name = continuity_name(method);
            match crate::continuity::resume(reg, &mut values, &name, session.identity_id).await {
                Err(e) => {
                    refused = Some(e);
                    break;
                }
                // A change made in another flow is dropped (its container is gone already).
                Ok(Some(p)) if p["flow"] == flow.id.to_string() => {
                    resumed = Some((method, p));
                    break;
                }
                Ok(_) => {}
            }
        }
    }
    let mut reply = match (refused, resumed) {
        (Some(e), _) => {
            crate::flow::settings::error::non_form_error(reg, req, Some(flow.flow_type), e).await
        }
        (None, Some(("profile", p))) => match serde_json::from_value(p) {
            Ok(p) => profile::settings::continue_flow(reg, req, flow, session, p).await,
            Err(_) => submit_settings(reg, req, flow, session, body).await,
        },
        (None, Some((_, p))) => match serde_json::from_value(p) {
            Ok(p) => password::settings::continue_flow(reg, req, flow, session, p).await,
            Err(_) => submit_settings(reg, req, flow, session, body).await,
        },
        (None, None) => submit_settings(reg, req, flow, session, body).await,
    };
    // The consumed names leave the cookie, unless the answer paused a change (its cookie is newer).
    let paused = reply
        .set_cookies
        .iter()
        .any(|c| c.starts_with(crate::continuity::COOKIE_NAME));
    if values.len() != before && !paused {
        reply
            .set_cookies
            .push(crate::continuity::set_cookie(reg, &values));
    }
    reply
}

/// The methods' own dispatch: the one the body's `method` names, else 4010004.
async fn submit_settings(
    reg: &Registry,
    req: &RequestInfo,
    flow: crate::flow::settings::SettingsFlow,
    session: crate::session::Session,
    body: &[u8],
) -> Reply {
    use crate::flow::settings::error::{non_form_error, write_flow_error};
    let method = match decode_method(req, body) {
        Ok(m) => m,
        Err(e) => return write_flow_error(reg, req, flow, e.into()).await,
    };
    match method.as_str() {
        "profile" if !reg.config.selfservice.profile_enabled => {
            non_form_error(reg, req, Some(flow.flow_type), method_disabled()).await
        }
        "profile" => profile::settings::submit(reg, req, flow, session, body).await,
        "password" if !reg.config.selfservice.password.enabled => {
            non_form_error(reg, req, Some(flow.flow_type), method_disabled()).await
        }
        "password" => password::settings::submit(reg, req, flow, session, body).await,
        _ => {
            let err = SubmitError::Form(vec![crate::schema::FieldMessage {
                field: String::new(),
                message: messages::settings_no_strategy_found(),
            }]);
            write_flow_error(reg, req, flow, err.into()).await
        }
    }
}

/// Kratos's answer for a method or endpoint the configuration turned off.
pub(crate) fn method_disabled() -> crate::error::ErrorObject {
    crate::error::ErrorObject::not_found().with_reason(
        "This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.",
    )
}
