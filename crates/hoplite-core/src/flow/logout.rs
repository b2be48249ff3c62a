//! Logout (`ory/kratos: selfservice/flow/logout/handler.go`): a browser asks for a logout URL and
//! opens it; a native app deletes its session token.

use crate::error::ErrorObject;
use crate::flow::errorx::forward;
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::return_to_allow_list;
use crate::flow::{Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::session::manager::fetch_public_from_request;
use serde_json::{Value, json};

pub const ROUTE_INIT_BROWSER: &str = "/self-service/logout/browser";
pub const ROUTE_API: &str = "/self-service/logout/api";
pub const ROUTE_SUBMIT: &str = "/self-service/logout";

/// `ErrNoActiveSessionFound`.
pub fn no_active_session() -> ErrorObject {
    ErrorObject::unauthorized()
        .with_id("session_inactive")
        .with_message("request does not have a valid authentication session")
        .with_reason("No active session was found in this request.")
}

/// `GET /self-service/logout/browser` (`createBrowserLogoutFlow`): the URL that signs the
/// caller's session out, and its token.
pub async fn create_browser_logout_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let session = match fetch_public_from_request(reg, req).await {
        Ok(Some(s)) => s,
        Ok(None) => return forward(reg, req, no_active_session()).await,
        Err(e) => return forward(reg, req, e).await,
    };
    let mut url = with_query_param(
        &public_url(reg.public_base(), ROUTE_SUBMIT),
        "token",
        &session.logout_token,
    );
    if let Some(rt) = req.query_param("return_to").filter(|r| !r.is_empty()) {
        match secure_redirect_to(
            reg.config.selfservice.logout_return_url(),
            &return_to_allow_list(reg),
            Some(rt),
        ) {
            Ok(to) => url = with_query_param(&url, "return_to", &to),
            Err(e) => return forward(reg, req, e).await,
        }
    }
    Reply::json(
        200,
        json!({ "logout_token": session.logout_token, "logout_url": url }),
    )
}

/// `GET /self-service/logout?token=` (`updateLogoutFlow`): revokes the session the cookie names
/// when the token is its logout token, clears the cookie and sends the browser on.
pub async fn update_logout_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let Some(expected) = req.query_param("token").filter(|t| !t.is_empty()) else {
        let err =
            ErrorObject::bad_request().with_reason("Please include a token in the URL query.");
        return forward(reg, req, err).await;
    };
    let session = match fetch_public_from_request(reg, req).await {
        Ok(Some(s)) => s,
        Ok(None) => return forward(reg, req, no_active_session()).await,
        Err(e) => return forward(reg, req, e).await,
    };
    if session.logout_token != expected {
        let err = ErrorObject::forbidden().with_reason(
            "Unable to log out because the logout token in the URL query does not match the session cookie.",
        );
        return forward(reg, req, err).await;
    }
    if let Err(e) = reg
        .persister
        .revoke_session(session.id, Some(session.identity_id))
        .await
    {
        return forward(reg, req, e.into()).await;
    }
    tracing::info!(session_id = %session.id, "session signed out");
    let to = match secure_redirect_to(
        reg.config.selfservice.logout_return_url(),
        &return_to_allow_list(reg),
        req.query_param("return_to"),
    ) {
        Ok(to) => to,
        Err(e) => return forward(reg, req, e).await,
    };
    let mut reply = if req.is_json_request {
        Reply::empty(204)
    } else {
        Reply::redirect(303, to)
    };
    reply
        .set_cookies
        .push(crate::session::cookie::clear_session_cookie(&reg.config));
    reply.rotate_csrf = true;
    reply
}

/// `DELETE /self-service/logout/api` (`performNativeLogout`): `{"session_token": "..."}`.
pub async fn perform_native_logout(reg: &Registry, req: &RequestInfo, body: &[u8]) -> Reply {
    let rid = req.request_id.as_deref();
    let json_body = req.content_type.as_deref().is_some_and(|c| {
        c.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    if !json_body {
        let err = ErrorObject::bad_request()
            .with_reason("Content-Type must be application/json for this request.");
        return Reply::error(&err, rid);
    }
    let token = match serde_json::from_slice::<Value>(body) {
        Ok(v) => v
            .get("session_token")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        Err(e) => {
            let err = ErrorObject::bad_request()
                .with_reason(format!("Unable to decode JSON payload: {e}"));
            return Reply::error(&err, rid);
        }
    };
    let not_found = || {
        ErrorObject::forbidden().with_reason(
            "The provided Ory Session Token could not be found, is invalid, or otherwise malformed.",
        )
    };
    if token.is_empty() {
        return Reply::error(&not_found(), rid);
    }
    match reg.persister.get_session_by_token(&token).await {
        Ok(Some(s)) => match reg.persister.revoke_session(s.id, None).await {
            Ok(_) => Reply::empty(204),
            Err(e) => Reply::error(&e.into(), rid),
        },
        Ok(None) => Reply::error(&not_found(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}
