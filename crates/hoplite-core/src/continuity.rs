//! Pausing a request to resume it after a detour (`ory/kratos: continuity/`): the settings flow
//! keeps a change that needs a fresh sign-in in a container row (`continuity_containers`) and
//! names it in the `ory_kratos_continuity` cookie (gorilla/securecookie, like the session cookie),
//! so the change applies when the browser comes back.

use crate::error::ErrorObject;
use crate::flow::RequestInfo;
use crate::registry::Registry;
use crate::session::cookie::SetCookie;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// The cookie that names paused containers, one value per container name.
pub const COOKIE_NAME: &str = "ory_kratos_continuity";
/// gorilla/sessions' default cookie age, which Kratos's continuity store keeps.
const COOKIE_MAX_AGE: i64 = 86400 * 30;

/// A paused request (`continuity.Container`).
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub id: Uuid,
    /// The identity that paused it; only it may resume.
    pub identity_id: Option<Uuid>,
    /// What was paused, e.g. `ory_kratos_settings_profile`.
    pub name: String,
    /// The request's decoded payload.
    pub payload: Option<Value>,
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The name → container id pairs the request's continuity cookie holds (none when it is missing,
/// forged or older than the cookie's age).
pub fn cookie_values(reg: &Registry, req: &RequestInfo) -> Vec<(String, String)> {
    let Some(raw) = req.continuity_cookie.as_deref() else {
        return Vec::new();
    };
    crate::x::securecookie::decode(
        &reg.cookie_codecs,
        COOKIE_NAME,
        raw,
        reg.now().unix_timestamp(),
        COOKIE_MAX_AGE,
    )
    .unwrap_or_default()
}

/// The `Set-Cookie` value for a continuity cookie holding `values`, as gorilla's cookie store writes
/// it for Kratos: path `/`, 30 days, HTTP only, `SameSite=Lax`, secure as `cookies.secure`.
pub fn set_cookie(reg: &Registry, values: &[(String, String)]) -> String {
    let now = reg.now();
    let value = match reg.cookie_codecs.first() {
        Some(codec) => {
            let pairs: Vec<(&str, &str)> = values
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            crate::x::securecookie::encode(
                codec,
                COOKIE_NAME,
                &pairs,
                now.unix_timestamp(),
                rand::random(),
            )
        }
        None => String::new(),
    };
    SetCookie {
        name: COOKIE_NAME.into(),
        value,
        path: "/".into(),
        domain: String::new(),
        expires: Some(now + time::Duration::seconds(COOKIE_MAX_AGE)),
        max_age: COOKIE_MAX_AGE,
        http_only: true,
        secure: reg.config.cookies.secure,
        same_site: "Lax".into(),
    }
    .to_header()
}

/// `Manager.Pause`: stores `payload` for `identity_id` under `name` for `lifespan` and names it in
/// `values` (the cookie's pairs; write them back with [`set_cookie`]).
pub async fn pause(
    reg: &Registry,
    values: &mut Vec<(String, String)>,
    name: &str,
    identity_id: Uuid,
    payload: Value,
    lifespan: time::Duration,
) -> Result<(), ErrorObject> {
    let now = reg.now();
    let container = Container {
        id: Uuid::new_v4(),
        identity_id: Some(identity_id),
        name: name.to_string(),
        payload: Some(payload),
        expires_at: now + lifespan,
        created_at: now,
        updated_at: now,
    };
    reg.persister
        .create_continuity_container(&container)
        .await?;
    values.retain(|(k, _)| k != name);
    values.push((name.to_string(), container.id.to_string()));
    Ok(())
}

/// `Manager.Continue`: takes (deletes) the container `values` name under `name` and drops the
/// name. `None` when there is none, or it is gone or expired; a container another identity paused
/// is refused with 403, as Kratos does.
pub async fn resume(
    reg: &Registry,
    values: &mut Vec<(String, String)>,
    name: &str,
    identity_id: Uuid,
) -> Result<Option<Value>, ErrorObject> {
    let Some(pos) = values.iter().position(|(k, _)| k == name) else {
        return Ok(None);
    };
    let (_, id) = values.remove(pos);
    let Ok(id) = Uuid::parse_str(&id) else {
        return Ok(None);
    };
    let Some(container) = reg.persister.take_continuity_container(id).await? else {
        return Ok(None);
    };
    if container.expires_at < reg.now() {
        return Ok(None);
    }
    if container.identity_id.is_some_and(|i| i != identity_id) {
        return Err(ErrorObject::forbidden().with_reason(
            "The flow has been blocked for security reasons because it was initiated by another person..",
        ));
    }
    Ok(container.payload)
}

/// `Manager.Abort` for each of `names`: deletes the containers `values` name and drops the names.
/// Whether any was named.
pub async fn abort(
    reg: &Registry,
    values: &mut Vec<(String, String)>,
    names: &[String],
) -> Result<bool, ErrorObject> {
    let mut any = false;
    for name in names {
        if let Some(pos) = values.iter().position(|(k, _)| k == name) {
            let (_, id) = values.remove(pos);
            if let Ok(id) = Uuid::parse_str(&id) {
                reg.persister.delete_continuity_container(id).await?;
            }
            any = true;
        }
    }
    Ok(any)
}
