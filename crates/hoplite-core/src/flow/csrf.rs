//! The submit-time CSRF check of every flow (`ory/kratos: selfservice/flow/request.go`
//! `EnsureCSRF`).

use crate::error::ErrorObject;
use crate::flow::submit::SubmitError;
use crate::flow::{FlowType, RequestInfo};
use serde_json::json;

/// Spec §4.3: the submit-time CSRF check (`flow.EnsureCSRF`). Api flows refuse browser-looking
/// requests instead.
pub fn check_csrf(
    req: &RequestInfo,
    flow_type: FlowType,
    sent_token: Option<&str>,
) -> Result<(), SubmitError> {
    match flow_type {
        FlowType::Api => {
            if req.has_origin {
                return Err(ErrorObject::bad_request().with_reason("The HTTP Request Header included the \"Origin\" key, indicating that this request was made as part of an AJAX request in a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.").into());
            }
            let found: Vec<&String> = req
                .cookie_names
                .iter()
                .filter(|n| {
                    !(n.starts_with("__cf") || n.starts_with("_cf") || n.starts_with("cf_"))
                })
                .collect();
            if !found.is_empty() {
                return Err(ErrorObject::bad_request()
                    .with_reason("The HTTP Request Header included the \"Cookie\" key, indicating that this request was made by a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.")
                    .with_detail("found cookies", json!(found))
                    .into());
            }
            Ok(())
        }
        FlowType::Browser => {
            let ok = match (sent_token, req.csrf_cookie.as_ref()) {
                (Some(sent), Some(real)) => crate::x::csrf::verify(sent, real),
                _ => false,
            };
            if ok {
                Ok(())
            } else {
                Err(crate::flow::request::csrf_error(req, sent_token.is_some()).into())
            }
        }
    }
}
