//! `GET /schemas` and `GET /schemas/{id}` (`ory/kratos: schema/handler.go`).

use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::registry::Registry;
use base64::Engine;
use serde_json::json;

/// `listIdentitySchemas`: `[{"id", "schema"}]`.
pub fn list_identity_schemas(reg: &Registry) -> Reply {
    let items: Vec<_> = reg
        .schemas
        .schemas
        .iter()
        .map(|s| json!({ "id": s.id, "schema": s.raw }))
        .collect();
    Reply::json(200, json!(items))
}

/// `getIdentitySchema`: the raw schema; the id may be given plain or base64url-encoded.
pub fn get_identity_schema(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let schema = reg
        .schemas
        .get(id)
        .or_else(|| decoded.and_then(|d| reg.schemas.get(&d)));
    match schema {
        Some(s) => Reply::json(200, s.raw.clone()),
        None => Reply::error(
            &ErrorObject::not_found()
                .with_reason(format!("Identity schema `{id}` could not be found.")),
            req.request_id.as_deref(),
        ),
    }
}
