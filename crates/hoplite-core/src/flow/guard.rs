//! The active-session guard of the flow endpoints (`ory/kratos: session/handler.go`
//! `IsNotAuthenticated`, which flow handlers wrap around routes only the signed-out may use).

use crate::error::ErrorObject;
use crate::flow::RequestInfo;
use crate::registry::Registry;
use crate::session::Session;

/// The active session a request carries, if any (identity not loaded, as Kratos's guards do).
pub async fn active_session(
    reg: &Registry,
    req: &RequestInfo,
) -> Result<Option<Session>, ErrorObject> {
    let Some(token) = req.session_token.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let session = reg.persister.get_session_by_token(token).await?;
    Ok(session.filter(|s| s.is_active(reg.now())))
}
