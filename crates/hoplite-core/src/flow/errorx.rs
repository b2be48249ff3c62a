//! `GET /self-service/errors?id=` (`getFlowError`, `ory/kratos: selfservice/errorx/handler.go`).

use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
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
