//! Registration with a password (`ory/kratos: selfservice/strategy/password/registration.go`,
//! spec §12.2).

use crate::flow::Reply;
use crate::flow::RequestInfo;
use crate::flow::csrf::check_csrf;
use crate::flow::decoder::{PathType, decode_body};
use crate::flow::registration::RegistrationFlow;
use crate::flow::registration::handler::{form_error, restore_form};
use crate::flow::registration::hook::{NewIdentity, post_registration};
use crate::flow::submit::SubmitError;
use crate::hash::HashError;
use crate::registry::Registry;
use crate::schema::{FieldMessage, IdentitySchema};
use crate::strategy::password::hibp::HibpError;
use crate::text::messages;
use serde_json::{Value, json};

fn on_password(message: crate::text::Message) -> SubmitError {
    SubmitError::Form(vec![FieldMessage {
        field: "password".into(),
        message,
    }])
}

/// Handles `method=password`.
pub async fn submit(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RegistrationFlow,
    schema: &IdentitySchema,
    body: &[u8],
) -> Reply {
    let fields = [
        ("method", PathType::String),
        ("password", PathType::String),
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
    let traits = doc.get("traits").cloned().unwrap_or_else(|| json!({}));
    // The method schema: `password` is required, traits follow the identity schema, and
    // `transient_payload` must be an object.
    let mut problems: Vec<FieldMessage> = Vec::new();
    let password = doc
        .get("password")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if password.is_empty() {
        problems.push(FieldMessage {
            field: "password".into(),
            message: messages::validation_required("password"),
        });
    }
    let extensions = match schema.validate_traits(&traits) {
        Ok(ext) => Some(ext),
        Err(mut m) => {
            problems.append(&mut m);
            None
        }
    };
    let transient = doc.get("transient_payload").cloned();
    problems.extend(super::super::transient_payload_problem(&doc));
    let Some(extensions) = extensions.filter(|_| problems.is_empty()) else {
        restore_form(req, &mut flow, Some(&traits));
        return form_error(reg, req, flow, SubmitError::Form(problems)).await;
    };
    flow.transient_payload = transient;
    if let Err(e) = check_csrf(
        req,
        flow.flow_type,
        doc.get("csrf_token").and_then(Value::as_str),
    ) {
        restore_form(req, &mut flow, Some(&traits));
        return form_error(reg, req, flow, e).await;
    }
    let identifiers: Vec<String> = extensions
        .password_identifiers
        .iter()
        .filter(|i| !i.is_empty())
        .cloned()
        .collect();
    if identifiers.is_empty() {
        restore_form(req, &mut flow, Some(&traits));
        let err = SubmitError::Form(vec![FieldMessage {
            field: String::new(),
            message: messages::identifier_missing(),
        }]);
        return form_error(reg, req, flow, err).await;
    }
    // The policy runs before hashing, so a rejected password never costs a hash. Kratos checks
    // each identifier in turn: length, similarity, then the breach lookup, which does not depend on
    // the identifier and so is only asked after the first one.
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
                    HibpError::Upstream(e) => SubmitError::Http(e),
                });
        }
        if let Err(e) = verdict {
            restore_form(req, &mut flow, Some(&traits));
            return form_error(reg, req, flow, e).await;
        }
    }
    let hash = match reg.hasher.hash(password).await {
        Ok(h) => h,
        Err(HashError::TooLong(len)) => {
            restore_form(req, &mut flow, Some(&traits));
            return form_error(
                reg,
                req,
                flow,
                on_password(super::validator::too_long_message(len)),
            )
            .await;
        }
        Err(HashError::Busy { retry_after_secs }) => {
            // Not a form error: the request is refused for load, before anything was stored.
            return Reply::error(
                &crate::hash::busy_error(retry_after_secs),
                req.request_id.as_deref(),
            );
        }
        Err(HashError::Other(e)) => {
            tracing::error!(error = %e, "password hashing failed");
            return form_error(
                reg,
                req,
                flow,
                SubmitError::Http(crate::error::ErrorObject::internal()),
            )
            .await;
        }
    };
    let identity = NewIdentity {
        traits,
        extensions,
        credential_type: "password",
        identifiers,
        credential_config: json!({ "hashed_password": hash }),
    };
    post_registration(reg, req, flow, identity).await
}
