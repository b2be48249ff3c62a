//! The session endpoints (`ory/kratos: session/handler.go`): `whoami`, the caller's own sessions,
//! and the admin session API.

use super::Session;
use super::manager::fetch_public_from_request;
use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::registry::Registry;
use serde_json::{Value, json};
use uuid::Uuid;

/// `ErrNoSessionFound`.
fn no_session_found() -> ErrorObject {
    ErrorObject::unauthorized().with_reason("No valid session credentials found in the request.")
}

/// The 401 of the endpoints that need the caller's session.
fn no_valid_cookie() -> ErrorObject {
    ErrorObject::unauthorized().with_reason("No valid session cookie found.")
}

/// A path id that is not a UUID (`could not parse UUID`).
fn bad_uuid() -> ErrorObject {
    ErrorObject::bad_request().with_message("could not parse UUID")
}

fn to_json(s: &Session) -> Value {
    serde_json::to_value(s).expect("session serialises")
}

/// `GET /sessions/whoami` (`toSession`): the request's session with its identity, or 401.
pub async fn whoami(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    match fetch_public_from_request(reg, req).await {
        Ok(Some(mut session)) => {
            let identity_id = session.identity_id.to_string();
            session.identity = session.identity.map(|i| i.public_view());
            Reply::json(200, to_json(&session))
                .with_header("x-kratos-authenticated-identity-id", identity_id)
        }
        Ok(None) => Reply::error(&no_session_found(), rid),
        Err(e) => Reply::error(&e, rid),
    }
}

/// Keyset pagination parameters: `page_size` (1–1000, default 250) and `page_token` (a session
/// id), as the identity list uses them.
fn page_params(req: &RequestInfo) -> Result<(u32, Option<Uuid>), ErrorObject> {
    let size = match req.query_param("page_size").map(str::parse::<u32>) {
        None => 250,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => {
            return Err(
                ErrorObject::bad_request().with_message("could not parse parameter page_size")
            );
        }
    };
    let after =
        match req.query_param("page_token").filter(|t| !t.is_empty()) {
            None => None,
            Some(t) => Some(Uuid::parse_str(t).map_err(|_| {
                ErrorObject::bad_request().with_reason("The page_token is invalid.")
            })?),
        };
    Ok((size, after))
}

/// The `active` filter (`true`/`false`, absent = all).
fn active_param(req: &RequestInfo) -> Result<Option<bool>, ErrorObject> {
    match req.query_param("active").filter(|a| !a.is_empty()) {
        None => Ok(None),
        Some(v) => match v {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(Some(true)),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(Some(false)),
            _ => Err(ErrorObject::bad_request().with_message("could not parse parameter active")),
        },
    }
}

/// What `expand` asks to include (`identity`, `devices`); Kratos rejects anything else.
fn expand_params(req: &RequestInfo) -> Result<(bool, bool), ErrorObject> {
    let (mut identity, mut devices) = (false, false);
    for (k, v) in &req.query {
        if k != "expand" {
            continue;
        }
        match v.as_str() {
            "identity" => identity = true,
            "devices" => devices = true,
            other => {
                return Err(ErrorObject::bad_request()
                    .with_reason(format!("Could not parse expand option: {other}")));
            }
        }
    }
    Ok((identity, devices))
}

/// A `Link: <...>; rel="next"` header for keyset pages.
fn next_link(base: &str, path: &str, size: u32, next: Option<Uuid>) -> Option<String> {
    next.map(|n| {
        format!(
            "<{}{path}?page_size={size}&page_token={n}>; rel=\"next\"",
            base.trim_end_matches('/')
        )
    })
}

/// Which view of a session's identity a response shows.
#[derive(Clone, Copy, PartialEq)]
enum IdentityView {
    /// Not loaded (`identity: null`).
    None,
    /// Self-service: no credentials, no admin metadata.
    Public,
    /// Admin: credential types and identifiers, admin metadata.
    Admin,
}

/// Renders sessions, loading identities when asked.
async fn render_sessions(
    reg: &Registry,
    sessions: Vec<Session>,
    view: IdentityView,
    with_devices: bool,
) -> Result<Value, ErrorObject> {
    let mut out = Vec::with_capacity(sessions.len());
    for mut s in sessions {
        if view != IdentityView::None {
            let identity = reg.persister.get_identity(s.identity_id).await?;
            s.identity = identity.map(|i| match view {
                IdentityView::Admin => i.admin_view(&[]),
                _ => i.public_view(),
            });
        }
        if !with_devices {
            s.devices.clear();
        }
        out.push(to_json(&s));
    }
    Ok(Value::Array(out))
}

fn admin_view(expand_identity: bool) -> IdentityView {
    if expand_identity {
        IdentityView::Admin
    } else {
        IdentityView::None
    }
}

/// `GET /sessions` (`listMySessions`): the caller's other active sessions.
pub async fn list_my_sessions(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let current = match fetch_public_from_request(reg, req).await {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::error(&no_valid_cookie(), rid),
        Err(e) => return Reply::error(&e, rid),
    };
    let (size, after) = match page_params(req) {
        Ok(p) => p,
        Err(e) => return Reply::error(&e, rid),
    };
    // One more than asked, because the current session is filtered out afterwards.
    let page = match reg
        .persister
        .list_sessions(Some(current.identity_id), Some(true), after, size)
        .await
    {
        Ok(p) => p,
        Err(e) => return Reply::error(&e.into(), rid),
    };
    let now = reg.now();
    let sessions: Vec<Session> = page
        .sessions
        .into_iter()
        .filter(|s| s.id != current.id && s.expires_at > now)
        .collect();
    // Kratos expands everything here: devices and the identity.
    let body = match render_sessions(reg, sessions, IdentityView::Public, true).await {
        Ok(b) => b,
        Err(e) => return Reply::error(&e, rid),
    };
    let mut reply = Reply::json(200, body);
    if let Some(link) = next_link(reg.public_base(), "/sessions", size, page.next) {
        reply = reply.with_header("link", link);
    }
    reply
}

/// `DELETE /sessions` (`disableMyOtherSessions`): revokes every other session of the caller.
pub async fn delete_my_sessions(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let current = match fetch_public_from_request(reg, req).await {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::error(&no_valid_cookie(), rid),
        Err(e) => return Reply::error(&e, rid),
    };
    match reg
        .persister
        .revoke_sessions_of_identity(current.identity_id, Some(current.id))
        .await
    {
        Ok(n) => Reply::json(200, json!({ "count": n })),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// `DELETE /sessions/{id}` (`disableMySession`): revokes one other session of the caller.
pub async fn delete_my_session(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    if id == "whoami" {
        return whoami(reg, req).await;
    }
    let current = match fetch_public_from_request(reg, req).await {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::error(&no_valid_cookie(), rid),
        Err(e) => return Reply::error(&e, rid),
    };
    let Ok(id) = Uuid::parse_str(id) else {
        return Reply::error(&bad_uuid(), rid);
    };
    if id == current.id {
        let err = ErrorObject::bad_request().with_message("cannot revoke current session");
        return Reply::error(&err, rid);
    }
    match reg
        .persister
        .revoke_session(id, Some(current.identity_id))
        .await
    {
        Ok(_) => Reply::empty(204),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// `GET /admin/sessions` (`listSessions`).
pub async fn admin_list_sessions(reg: &Registry, req: &RequestInfo) -> Reply {
    admin_list(reg, req, None, "/admin/sessions").await
}

/// `GET /admin/identities/{id}/sessions` (`listIdentitySessions`).
pub async fn admin_list_identity_sessions(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let Ok(identity_id) = Uuid::parse_str(id) else {
        return Reply::error(&bad_uuid(), req.request_id.as_deref());
    };
    match reg.persister.get_identity(identity_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return Reply::error(&ErrorObject::row_not_found(), req.request_id.as_deref()),
        Err(e) => return Reply::error(&e.into(), req.request_id.as_deref()),
    }
    let path = format!("/admin/identities/{identity_id}/sessions");
    admin_list(reg, req, Some(identity_id), &path).await
}

async fn admin_list(
    reg: &Registry,
    req: &RequestInfo,
    identity_id: Option<Uuid>,
    path: &str,
) -> Reply {
    let rid = req.request_id.as_deref();
    let parsed = active_param(req).and_then(|active| {
        let (size, after) = page_params(req)?;
        // The per-identity list always shows devices and identity, like Kratos's expand-all.
        let expand = if identity_id.is_some() {
            (true, true)
        } else {
            expand_params(req)?
        };
        Ok((active, size, after, expand))
    });
    let (active, size, after, (with_identity, with_devices)) = match parsed {
        Ok(p) => p,
        Err(e) => return Reply::error(&e, rid),
    };
    let page = match reg
        .persister
        .list_sessions(identity_id, active, after, size)
        .await
    {
        Ok(p) => p,
        Err(e) => return Reply::error(&e.into(), rid),
    };
    let body =
        match render_sessions(reg, page.sessions, admin_view(with_identity), with_devices).await {
            Ok(b) => b,
            Err(e) => return Reply::error(&e, rid),
        };
    let mut reply = Reply::json(200, body);
    if let Some(link) = next_link(&reg.config.serve.admin_base_url, path, size, page.next) {
        reply = reply.with_header("link", link);
    }
    reply
}

/// `GET /admin/sessions/{id}` (`getSession`).
pub async fn admin_get_session(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let Ok(id) = Uuid::parse_str(id) else {
        return Reply::error(&bad_uuid(), rid);
    };
    let (with_identity, with_devices) = match expand_params(req) {
        Ok(e) => e,
        Err(e) => return Reply::error(&e, rid),
    };
    match reg.persister.get_session(id).await {
        Ok(Some(s)) => {
            match render_sessions(reg, vec![s], admin_view(with_identity), with_devices).await {
                Ok(Value::Array(mut v)) => Reply::json(200, v.remove(0)),
                Ok(_) => Reply::error(&ErrorObject::internal(), rid),
                Err(e) => Reply::error(&e, rid),
            }
        }
        Ok(None) => Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// `PATCH /admin/sessions/{id}/extend` (`extendSession`): a fresh lifespan from now, unless
/// `session.earliest_possible_extend` says it is too early (then the session is unchanged).
pub async fn admin_extend_session(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let Ok(id) = Uuid::parse_str(id) else {
        return Reply::error(&bad_uuid(), rid);
    };
    let mut session = match reg.persister.get_session(id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => return Reply::error(&e.into(), rid),
    };
    let now = reg.now();
    let may_extend = match reg.config.session.earliest_possible_extend {
        None => true,
        Some(window) => match time::Duration::try_from(window) {
            Ok(w) => session.expires_at - now <= w,
            Err(_) => true,
        },
    };
    if may_extend && session.active {
        let lifespan = time::Duration::try_from(reg.config.session.lifespan)
            .unwrap_or(time::Duration::days(1));
        session.expires_at = now + lifespan;
        if let Err(e) = reg.persister.update_session(&session).await {
            return Reply::error(&e.into(), rid);
        }
    }
    Reply::json(200, to_json(&session))
}

/// `DELETE /admin/sessions/{id}` (`disableSession`): revokes the session.
pub async fn admin_disable_session(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let Ok(id) = Uuid::parse_str(id) else {
        return Reply::error(&bad_uuid(), rid);
    };
    match reg.persister.revoke_session(id, None).await {
        Ok(true) => Reply::empty(204),
        Ok(false) => Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// `DELETE /admin/identities/{id}/sessions` (`deleteIdentitySessions`).
pub async fn admin_delete_identity_sessions(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let Ok(identity_id) = Uuid::parse_str(id) else {
        return Reply::error(&bad_uuid(), rid);
    };
    match reg.persister.get_identity(identity_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => return Reply::error(&e.into(), rid),
    }
    match reg.persister.delete_sessions_of_identity(identity_id).await {
        Ok(_) => Reply::empty(204),
        Err(e) => Reply::error(&e.into(), rid),
    }
}
