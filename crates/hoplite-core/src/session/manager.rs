//! Finding the session a request carries and activating new ones (`ory/kratos:
//! session/manager_http.go`).

use super::{AuthenticationMethod, Device, Session, new_logout_token, new_session_token};
use crate::error::ErrorObject;
use crate::flow::RequestInfo;
use crate::identity::Identity;
use crate::registry::Registry;
use time::OffsetDateTime;
use uuid::Uuid;

/// The token a request presents, if any.
pub fn token_of(req: &RequestInfo) -> Option<&str> {
    req.session_token.as_deref().filter(|t| !t.is_empty())
}

/// The active session a request carries, with its identity loaded; `None` when there is none, it
/// expired or was revoked, or its identity is gone or not active.
pub async fn fetch_from_request(
    reg: &Registry,
    req: &RequestInfo,
) -> Result<Option<Session>, ErrorObject> {
    let Some(token) = token_of(req) else {
        return Ok(None);
    };
    let Some(mut session) = reg.persister.get_session_by_token(token).await? else {
        return Ok(None);
    };
    if !session.active || session.expires_at <= reg.now() {
        return Ok(None);
    }
    let Some(identity) = reg.persister.get_identity(session.identity_id).await? else {
        return Ok(None);
    };
    session.identity = Some(identity);
    Ok(Some(session).filter(|s| s.is_active(reg.now())))
}

/// [`fetch_from_request`] for callers that never look at the identity's credentials (whoami,
/// session lists, logout): session, devices and identity in as few reads as the storage allows
/// (the hottest lookup: every page of a UI asks whoami).
pub async fn fetch_public_from_request(
    reg: &Registry,
    req: &RequestInfo,
) -> Result<Option<Session>, ErrorObject> {
    let Some(token) = token_of(req) else {
        return Ok(None);
    };
    let session = reg.persister.get_session_with_identity(token).await?;
    Ok(session.filter(|s| s.is_active(reg.now())))
}

/// [`fetch_public_from_request`] as whoami answers it (see [`super::WhoamiView`]).
pub async fn fetch_whoami_view(
    reg: &Registry,
    req: &RequestInfo,
) -> Result<Option<std::sync::Arc<super::WhoamiView>>, ErrorObject> {
    let Some(token) = token_of(req) else {
        return Ok(None);
    };
    let view = reg.persister.get_whoami_view(token).await?;
    Ok(view.filter(|v| v.is_active(reg.now())))
}

/// The error an inactive identity gets when a session would be issued (`ErrIdentityDisabled`).
pub fn identity_disabled(identity_id: Uuid) -> ErrorObject {
    ErrorObject::bad_request()
        .with_id("identity_disabled")
        .with_message("identity is disabled")
        .with_reason("This account was disabled.")
        .with_detail("identity_id", identity_id.to_string())
}

/// A new, not yet stored, active session for `identity`, authenticated now by `method`
/// (`NewActiveSession` / `ActivateSession`). Tokens are fresh.
pub fn new_active_session(
    reg: &Registry,
    req: &RequestInfo,
    identity: &Identity,
    method: &str,
) -> Session {
    let now = reg.now();
    let mut session = Session {
        id: Uuid::new_v4(),
        active: true,
        expires_at: now,
        authenticated_at: now,
        authenticator_assurance_level: "aal1".into(),
        authentication_methods: Vec::new(),
        issued_at: now,
        identity: None,
        devices: Vec::new(),
        identity_id: identity.id,
        token: new_session_token(),
        logout_token: new_logout_token(),
    };
    complete_method(&mut session, method, now);
    activate(reg, req, &mut session, now);
    session
}

/// Records a completed first-factor method (`CompletedLoginForMethod`).
pub fn complete_method(session: &mut Session, method: &str, now: OffsetDateTime) {
    session.authentication_methods.push(AuthenticationMethod {
        method: method.into(),
        aal: "aal1".into(),
        completed_at: now,
    });
}

/// `ActivateSession`: active again, issued and authenticated now, a fresh lifespan, and this
/// request's device appended.
pub fn activate(reg: &Registry, req: &RequestInfo, session: &mut Session, now: OffsetDateTime) {
    reauthenticate(reg, session, now);
    session.issued_at = now;
    session.devices.push(Device {
        id: Uuid::new_v4(),
        ip_address: req.client_ip.clone(),
        user_agent: req.user_agent.clone(),
        location: req.location.clone(),
    });
}

/// What [`activate`] changes on a session that is stored already (a refresh): active again,
/// authenticated now, a fresh lifespan. Kratos's `UpsertSession` writes neither `issued_at` nor
/// new devices for an existing session, so a refresh keeps both.
pub fn reauthenticate(reg: &Registry, session: &mut Session, now: OffsetDateTime) {
    let lifespan =
        time::Duration::try_from(reg.config.session.lifespan).unwrap_or(time::Duration::days(1));
    session.active = true;
    session.authenticated_at = now;
    session.expires_at = now + lifespan;
    // Only first factors exist in hoplite so far, so every session is aal1.
    session.authenticator_assurance_level = "aal1".into();
}
