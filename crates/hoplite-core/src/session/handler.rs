//! `GET /sessions/whoami` (`toSession`, `ory/kratos: session/handler.go`).

use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::registry::Registry;

/// Returns the request's session with its identity, or 401 as Kratos does.
pub async fn whoami(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let unauthorized = || {
        ErrorObject::unauthorized()
            .with_reason("No valid session credentials found in the request.")
    };
    let Some(token) = req.session_token.as_deref().filter(|t| !t.is_empty()) else {
        return Reply::error(&unauthorized(), rid);
    };
    let mut session = match reg.persister.get_session_by_token(token).await {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::error(&unauthorized(), rid),
        Err(e) => return Reply::error(&e.into(), rid),
    };
    match reg.persister.get_identity(session.identity_id).await {
        Ok(Some(identity)) => session.identity = Some(identity.public_view()),
        Ok(None) => return Reply::error(&unauthorized(), rid),
        Err(e) => return Reply::error(&e.into(), rid),
    }
    if !session.is_active(reg.now()) {
        return Reply::error(&unauthorized(), rid);
    }
    Reply::json(
        200,
        serde_json::to_value(&session).expect("session serialises"),
    )
}
