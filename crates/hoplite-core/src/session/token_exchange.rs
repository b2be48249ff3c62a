//! Session token exchange codes (`ory/kratos: selfservice/sessiontokenexchange`, and
//! `exchangeCode` in `session/handler.go`): a native app that finishes an API flow in a browser
//! asks for an `init_code` when it creates the flow, receives a `return_to_code` on its return
//! URL, and trades the pair for the session token at `GET /sessions/token-exchange`.
//!
//! Kratos hands out the `return_to_code` only at the end of an OpenID Connect sign-in, which
//! hoplite does not have yet; until then an exchange finds its flow but no session, and answers
//! 422 with the flow, as Kratos does for a pair whose flow has not issued a session.

use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::registry::Registry;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// `GET /sessions/token-exchange`.
pub const ROUTE_EXCHANGE: &str = "/sessions/token-exchange";

/// One row of `session_token_exchanges`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchanger {
    pub id: Uuid,
    /// The flow the codes were issued with.
    pub flow_id: Uuid,
    /// Set once the flow issued a session.
    pub session_id: Option<Uuid>,
    /// 64 letters and digits, in the flow's create answer.
    pub init_code: String,
    /// 64 letters and digits, appended to the return URL when the flow ends in a browser.
    pub return_to_code: String,
    pub created_at: OffsetDateTime,
}

/// Issues the codes for `flow_id` (`CreateSessionTokenExchanger`) and returns the `init_code`.
pub async fn start(reg: &Registry, flow_id: Uuid) -> Result<String, ErrorObject> {
    let e = Exchanger {
        id: Uuid::new_v4(),
        flow_id,
        session_id: None,
        init_code: super::random_alphanumeric(64),
        return_to_code: super::random_alphanumeric(64),
        created_at: reg.now(),
    };
    reg.persister.create_session_token_exchanger(&e).await?;
    Ok(e.init_code)
}

fn no_session_yet() -> ErrorObject {
    ErrorObject::not_found().with_reason("no session yet for this \"code\"")
}

/// `GET /sessions/token-exchange?init_code=&return_to_code=` (`exchangeCode`): the session token
/// and session for a pair whose flow issued one; the flow itself (422) when it has not; 404 for
/// a pair that does not belong together.
pub async fn exchange_code(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let init = req.query_param("init_code").unwrap_or_default();
    let return_to = req.query_param("return_to_code").unwrap_or_default();
    if init.is_empty() || return_to.is_empty() {
        let err = ErrorObject::bad_request()
            .with_reason("\"init_code\" and \"return_to_code\" query params must be set");
        return Reply::error(&err, rid);
    }
    let found = match reg
        .persister
        .get_session_token_exchanger(init, return_to)
        .await
    {
        Ok(f) => f,
        Err(e) => return Reply::error(&e.into(), rid),
    };
    let Some(exchanger) = found else {
        return Reply::error(&no_session_yet(), rid);
    };
    let Some(session_id) = exchanger.session_id else {
        return pending_flow(reg, req, exchanger.flow_id).await;
    };
    let mut session = match reg.persister.get_session(session_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => return Reply::error(&e.into(), rid),
    };
    match reg.persister.get_identity(session.identity_id).await {
        Ok(i) => session.identity = i.map(|i| i.public_view()),
        Err(e) => return Reply::error(&e.into(), rid),
    }
    // The default expansion: the identity, not the devices.
    session.devices.clear();
    let token = session.token.clone();
    Reply::json(200, json!({"session_token": token, "session": session}))
}

/// The flow of a pair that has no session yet, registration flows first (`GetFlowForTokenExchange`).
async fn pending_flow(reg: &Registry, req: &RequestInfo, flow_id: Uuid) -> Reply {
    let rid = req.request_id.as_deref();
    match reg.persister.get_registration_flow(flow_id).await {
        Ok(Some(f)) => return Reply::json(422, f.to_json()),
        Ok(None) => {}
        Err(e) => return Reply::error(&e.into(), rid),
    }
    match reg.persister.get_login_flow(flow_id).await {
        Ok(Some(f)) => Reply::json(422, f.to_json()),
        Ok(None) => Reply::error(&no_session_yet(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}
