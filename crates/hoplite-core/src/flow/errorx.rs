//! `GET /self-service/errors?id=` (`getFlowError`, `ory/kratos: selfservice/errorx/handler.go`).

use crate::error::ErrorObject;
use crate::flow::{FlowType, Reply, RequestInfo, with_query_param};
use crate::registry::Registry;
use crate::x::timefmt::rfc3339_nano;
use serde_json::json;

/// Returns a stored error and marks it seen; `id=stub:500` returns Kratos's stub error.
pub async fn get_flow_error(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let id = req
        .query_param("id")
        .or_else(|| req.query_param("error"))
        .unwrap_or("");
    if id == "stub:500" {
        return Reply::json(
            200,
            json!({
                "id": uuid::Uuid::new_v4(),
                "error": {
                    "code": 500,
                    "status": "Internal Server Error",
                    "reason": "This is a stub error.",
                    "message": "An internal server error occurred, please contact the system administrator"
                }
            }),
        );
    }
    let Ok(uuid) = uuid::Uuid::parse_str(id) else {
        return Reply::error(&ErrorObject::row_not_found(), rid);
    };
    match reg.persister.read_error(uuid, reg.now()).await {
        Ok(Some(e)) => Reply::json(
            200,
            json!({
                "id": e.id,
                "error": e.error,
                "created_at": rfc3339_nano(e.created_at),
                "updated_at": rfc3339_nano(e.updated_at),
            }),
        ),
        Ok(None) => Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// Errors a flow does not show inside its form: api flows answer with the error (400 when it has
/// no status of its own); browser flows, and requests without a flow, are [`forward`]ed.
pub async fn non_form_error(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: Option<FlowType>,
    err: ErrorObject,
) -> Reply {
    match flow_type {
        Some(FlowType::Api) => {
            let status = if err.code == 0 { 400 } else { err.code };
            Reply::error_with_status(&err, status, req.request_id.as_deref())
        }
        _ => forward(reg, req, err).await,
    }
}

/// Spec §3.4: JSON callers get the error; browsers are sent to the error UI with a stored copy.
pub async fn forward(reg: &Registry, req: &RequestInfo, err: ErrorObject) -> Reply {
    if req.is_json_request {
        return Reply::error(&err, req.request_id.as_deref());
    }
    let now = reg.now();
    let stored = crate::persistence::StoredError {
        id: uuid::Uuid::new_v4(),
        error: serde_json::to_value(&err).expect("error serialises"),
        csrf_token: req.masked_csrf_token(),
        was_seen: false,
        seen_at: None,
        created_at: now,
        updated_at: now,
    };
    if reg.persister.create_error(&stored).await.is_err() || req.accepts_json {
        return Reply::error(&err, req.request_id.as_deref());
    }
    Reply::redirect(
        303,
        with_query_param(
            &reg.config.selfservice.error_ui_url,
            "id",
            &stored.id.to_string(),
        ),
    )
}

/// `self_service_flow_expired` (410) for a flow that expired at `expires_at`.
pub fn expired_error(expires_at: time::OffsetDateTime, now: time::OffsetDateTime) -> ErrorObject {
    let minutes = (now - expires_at).as_seconds_f64() / 60.0;
    ErrorObject::gone()
        .with_id("self_service_flow_expired")
        .with_message("self-service flow expired")
        .with_reason(format!(
            "The self-service flow expired {minutes:.2} minutes ago, initialize a new one."
        ))
}

/// The 410 body of a submission on an expired flow (api flows and JSON requests): the error plus
/// `expired_at`, `since` (nanoseconds) and `use_flow_id`, the replacement flow.
pub fn expired_reply(
    req: &RequestInfo,
    mut err: ErrorObject,
    expired_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
    use_flow_id: uuid::Uuid,
) -> Reply {
    if let Some(id) = &req.request_id {
        err.request = id.clone();
    }
    let since = (now - expired_at).whole_nanoseconds() as i64;
    Reply::error_body(
        410,
        json!({
            "error": err,
            "expired_at": rfc3339_nano(expired_at),
            "since": since,
            "use_flow_id": use_flow_id,
        }),
    )
}
