//! Two-step registration's traits screen and its navigation (`ory/kratos:
//! selfservice/strategy/profile/registration.go`, spec §12.1, §11.4).

use crate::flow::Reply;
use crate::flow::RequestInfo;
use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{PathType, decode_body};
use crate::flow::registration::RegistrationFlow;
use crate::flow::registration::handler::{answer_screen, form_error, restore_form};
use crate::flow::registration::populate::{populate_credentials, populate_initial};
use crate::flow::submit::SubmitError;
use crate::registry::Registry;
use crate::schema::{FieldMessage, IdentitySchema};
use crate::text::messages;
use serde_json::Value;

/// Handles `method=profile` (→ credential selection) and `screen=previous` (→ back).
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RegistrationFlow,
    schema: &IdentitySchema,
    body: &[u8],
    method: &str,
    screen: &str,
) -> Reply {
    let fields = [
        ("method", PathType::String),
        ("screen", PathType::String),
        ("csrf_token", PathType::String),
        ("transient_payload", PathType::Json),
    ];
    let doc = match decode_body(req, schema, &fields, body) {
        Ok(d) => d,
        Err(e) => {
            restore_form(req, &mut flow, None);
            return form_error(reg, req, flow, SubmitError::Http(e)).await;
        }
    };
    let traits = doc
        .get("traits")
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    // The profile method schema: traits per the identity schema, `screen` one of two values,
    // `transient_payload` an object.
    let mut problems = schema.validate_traits(&traits).err().unwrap_or_default();
    if !screen.is_empty() && screen != "credential-selection" && screen != "previous" {
        problems.push(FieldMessage {
            field: "screen".into(),
            message: messages::validation_generic(
                "value must be one of \"credential-selection\", \"previous\"",
            ),
        });
    }
    problems.extend(crate::strategy::transient_payload_problem(&doc));
    if !problems.is_empty() {
        restore_form(req, &mut flow, Some(&traits));
        return form_error(reg, req, flow, SubmitError::Form(problems)).await;
    }
    // Browser flows get a fresh masked token, API flows keep the one they were created with.
    let token = if flow.flow_type == crate::flow::FlowType::Browser {
        req.masked_csrf_token()
    } else {
        flow.csrf_token.clone()
    };
    // Kratos looks at `screen` first; the legacy `method=profile:back` only counts without one.
    let back = screen == "previous" || (screen.is_empty() && method == "profile:back");
    if back {
        flow.ui.reset_messages();
        flow.organization_id = None;
        crate::ui::values::set_values_from_traits(
            &mut flow.ui.nodes,
            &traits,
            crate::ui::group::DEFAULT,
        );
        populate_initial(reg, &mut flow, schema, &token, Some(&traits));
        return answer_screen(reg, req, flow).await;
    }
    // Credential selection.
    flow.active = String::new();
    flow.state = "choose_method".into();
    flow.ui.reset_messages();
    // Kept as decoded (`{}` when none was sent): this response shows the in-memory flow.
    flow.transient_payload = doc.get("transient_payload").cloned();
    let sent = doc.get("csrf_token").and_then(Value::as_str);
    if let Err(e) = check_csrf(req, flow.flow_type, sent) {
        restore_form(req, &mut flow, Some(&traits));
        return form_error(reg, req, flow, e).await;
    }
    populate_credentials(reg, &mut flow, schema, &token, &traits);
    answer_screen(reg, req, flow).await
}
