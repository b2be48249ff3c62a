//! The session endpoints (`ory/kratos: session/handler.go`): `whoami`, the caller's own sessions,
//! and the admin session API.

use super::Session;
use super::manager::{fetch_public_from_request, fetch_whoami_view};
use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::persistence::{SessionCursor, SessionFilter};
use crate::registry::Registry;
use crate::x::pagination;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
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
    // The hottest read: the answer is rendered once per version of the rows and shared.
    match fetch_whoami_view(reg, req).await {
        Ok(Some(view)) => Reply::json_shared(200, view.body.clone()).with_header(
            "x-kratos-authenticated-identity-id",
            view.identity_id.to_string(),
        ),
        Ok(None) => Reply::error(&no_session_found(), rid),
        Err(e) => Reply::error(&e, rid),
    }
}

/// The first page's token of the admin session list (`MapPageToken` with Kratos's defaults).
const FIRST_SESSION_TOKEN: &str =
    "id=00000000-0000-0000-0000-000000000000/created_at=2200-12-31 23:59:59";

fn encode_session_token(raw: &str) -> String {
    STANDARD_NO_PAD.encode(raw)
}

/// A cursor as a page token: `created_at` as `2006-01-02 15:04:05.999999` (UTC; stored times
/// have microseconds) and the id.
pub(crate) fn cursor_token(c: &SessionCursor) -> String {
    let at = crate::x::timefmt::rfc3339_nano(c.created_at).replacen('T', " ", 1);
    let at = at.trim_end_matches('Z');
    encode_session_token(&format!("id={}/created_at={at}", c.id))
}

/// Reads a token of the admin session list: base64 (standard alphabet, no padding) of
/// `key=value` pairs joined by `/`, in any order. `Ok(None)` is the first page.
pub(crate) fn parse_cursor_token(token: &str) -> Result<Option<SessionCursor>, ErrorObject> {
    let invalid = || {
        ErrorObject::bad_request()
            .with_reason("The page token is invalid, do not craft your own page tokens")
    };
    let raw = STANDARD_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let raw = String::from_utf8(raw).map_err(|_| invalid())?;
    let (mut id, mut created_at) = (None, None);
    for pair in raw.split('/') {
        match pair.split_once('=') {
            Some(("id", v)) => id = Some(Uuid::parse_str(v).map_err(|_| invalid())?),
            Some(("created_at", v)) => created_at = Some(v.to_string()),
            _ => {}
        }
    }
    let id = id.ok_or_else(invalid)?;
    let Some(created_at) = created_at else {
        return Ok(Some(SessionCursor {
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            id,
        }));
    };
    if id.is_nil() && created_at.starts_with("2200-") {
        return Ok(None);
    }
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    let at = time::PrimitiveDateTime::parse(&created_at, &format)
        .map_err(|_| invalid())?
        .assume_utc();
    Ok(Some(SessionCursor { created_at: at, id }))
}

fn page_size_error() -> ErrorObject {
    ErrorObject::bad_request().with_message("could not parse parameter page_size")
}

/// Keyset parameters of the admin session list: `page_size` (default 250, at most 1000) and
/// `page_token`.
fn keyset_params(req: &RequestInfo) -> Result<(u32, Option<SessionCursor>), ErrorObject> {
    let size = match req.query_param("page_size").filter(|s| !s.is_empty()) {
        None => 250,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n <= 0 => 250,
            Ok(n) => n.min(1000) as u32,
            Err(_) => return Err(page_size_error()),
        },
    };
    let after = match req
        .query
        .iter()
        .find(|(k, v)| k == "page_token" && !v.is_empty())
    {
        None => None,
        Some((_, t)) => parse_cursor_token(t)?,
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
        match v.to_ascii_lowercase().as_str() {
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

/// How a response shows sessions.
#[derive(Clone, Copy, PartialEq)]
struct SessionView {
    /// Load the identity (else `identity: null`); never with credentials.
    identity: bool,
    /// With its addresses: `GetSession` loads them, the lists preload the identity row only.
    addresses: bool,
    /// An admin answer (`AdminSession`): the identity keeps `metadata_admin`, and `identity`
    /// comes after `devices` (Go puts the outer struct's field last).
    admin: bool,
    /// Keep the devices (else `devices: []`).
    devices: bool,
}

/// Renders sessions, loading identities when asked.
async fn render_sessions(
    reg: &Registry,
    sessions: Vec<Session>,
    view: SessionView,
) -> Result<Value, ErrorObject> {
    let now = reg.now();
    let mut out = Vec::with_capacity(sessions.len());
    for mut s in sessions {
        if view.identity {
            let identity = reg.persister.get_identity(s.identity_id).await?;
            s.identity = identity.map(|i| {
                let mut shown = i.public_view();
                if view.admin {
                    shown.metadata_admin = i.metadata_admin.clone();
                }
                if !view.addresses {
                    shown.verifiable_addresses.clear();
                    shown.recovery_addresses.clear();
                }
                shown
            });
        }
        if !view.devices {
            s.devices.clear();
        }
        // Kratos shows `active` as "usable now": the flag, not expired, the identity active.
        s.active = s.is_active(now);
        let mut json = to_json(&s);
        if view.admin
            && let Value::Object(m) = &mut json
            && let Some(identity) = m.shift_remove("identity")
        {
            m.insert("identity".into(), identity);
        }
        out.push(json);
    }
    Ok(Value::Array(out))
}

/// An offset-paginated session list (`GET /sessions`, the per-identity admin list):
/// `X-Total-Count` and Kratos's `Link`. Pages are read at `page × size`, so following `next`
/// never repeats a row (Kratos reads page N at (N−1) × size, repeating the first page).
async fn offset_list(
    reg: &Registry,
    req: &RequestInfo,
    filter: SessionFilter,
    view: SessionView,
) -> Reply {
    let rid = req.request_id.as_deref();
    let page = pagination::parse_offset_page(req);
    let limit = u32::try_from(page.per_page).unwrap_or(1000);
    let (sessions, total) = match reg
        .persister
        .list_sessions_at(&filter, page.offset(), limit)
        .await
    {
        Ok(p) => p,
        Err(e) => return Reply::error(&e.into(), rid),
    };
    let body = match render_sessions(reg, sessions, view).await {
        Ok(b) => b,
        Err(e) => return Reply::error(&e, rid),
    };
    Reply::json(200, body)
        .with_header("x-total-count", total.to_string())
        .with_header("link", pagination::offset_link(req, page, total))
}

/// `GET /sessions` (`listMySessions`): the caller's other active sessions, newest first.
pub async fn list_my_sessions(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let current = match fetch_public_from_request(reg, req).await {
        Ok(Some(s)) => s,
        Ok(None) => return Reply::error(&no_valid_cookie(), rid),
        Err(e) => return Reply::error(&e, rid),
    };
    let filter = SessionFilter {
        identity_id: Some(current.identity_id),
        active: Some(true),
        except: Some(current.id),
        now: reg.now(),
    };
    // Kratos expands everything here: devices and the identity (its row).
    let view = SessionView {
        identity: true,
        addresses: false,
        admin: false,
        devices: true,
    };
    offset_list(reg, req, filter, view).await
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

/// `GET /admin/sessions` (`listSessions`): keyset pages, newest first.
pub async fn admin_list_sessions(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let parsed = active_param(req).and_then(|active| {
        let (size, after) = keyset_params(req)?;
        Ok((active, size, after, expand_params(req)?))
    });
    let (active, size, after, (with_identity, with_devices)) = match parsed {
        Ok(p) => p,
        Err(e) => return Reply::error(&e, rid),
    };
    let filter = SessionFilter {
        identity_id: None,
        active,
        except: None,
        now: reg.now(),
    };
    let page = match reg.persister.list_sessions(&filter, after, size).await {
        Ok(p) => p,
        Err(e) => return Reply::error(&e.into(), rid),
    };
    let view = SessionView {
        identity: with_identity,
        addresses: false,
        admin: true,
        devices: with_devices,
    };
    let body = match render_sessions(reg, page.sessions, view).await {
        Ok(b) => b,
        Err(e) => return Reply::error(&e, rid),
    };
    let next = page.next.as_ref().map(cursor_token);
    let link = pagination::keyset_link(
        req,
        size,
        &encode_session_token(FIRST_SESSION_TOKEN),
        next.as_deref(),
    );
    Reply::json(200, body).with_header("link", link)
}

/// `GET /admin/identities/{id}/sessions` (`listIdentitySessions`): like `GET /sessions` for any
/// identity (an unknown one has none), with the `active` filter.
pub async fn admin_list_identity_sessions(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let Ok(identity_id) = Uuid::parse_str(id) else {
        return Reply::error(&bad_uuid(), rid);
    };
    let active = match active_param(req) {
        Ok(a) => a,
        Err(e) => return Reply::error(&e, rid),
    };
    let filter = SessionFilter {
        identity_id: Some(identity_id),
        active,
        except: None,
        now: reg.now(),
    };
    let view = SessionView {
        identity: true,
        addresses: false,
        admin: true,
        devices: true,
    };
    offset_list(reg, req, filter, view).await
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
            let view = SessionView {
                identity: with_identity,
                addresses: true,
                admin: true,
                devices: with_devices,
            };
            match render_sessions(reg, vec![s], view).await {
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
    // Kratos extends revoked and expired sessions too (the `active` flag is left as it is).
    if may_extend {
        let lifespan = time::Duration::try_from(reg.config.session.lifespan)
            .unwrap_or(time::Duration::days(1));
        session.expires_at = now + lifespan;
        if let Err(e) = reg.persister.update_session(&session).await {
            return Reply::error(&e.into(), rid);
        }
    }
    // The legacy answer (`faster_session_extend` off): the session with its identity (the
    // self-service view) and no devices.
    let view = SessionView {
        identity: true,
        addresses: true,
        admin: false,
        devices: false,
    };
    match render_sessions(reg, vec![session], view).await {
        Ok(Value::Array(mut v)) if !v.is_empty() => Reply::json(200, v.remove(0)),
        Ok(_) => Reply::error(&ErrorObject::internal(), rid),
        Err(e) => Reply::error(&e, rid),
    }
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

/// At most this many explicit ids per bulk call (`ManageSessionsMaxIDs`).
const MANAGE_MAX_IDS: usize = 500;
/// Sessions one wildcard call processes (`manageSessionsWildcardBatchSize`).
const MANAGE_WILDCARD_BATCH: u32 = 5000;

/// `ManageSessionsBody`: Go's decoder ignores unknown fields and takes `null` for absent.
#[derive(serde::Deserialize)]
struct ManageSessionsBody {
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    identities: Option<Vec<String>>,
    #[serde(default)]
    sessions: Option<Vec<String>>,
}

/// gofrs/uuid's `FromString` error, for the reasons Kratos writes.
fn go_uuid_error(s: &str) -> String {
    match s.len() {
        32 | 36 | 38 | 41 | 45 => format!("uuid: incorrect UUID format in string {s:?}"),
        n => format!("uuid: incorrect UUID length {n} in string {s:?}"),
    }
}

/// `parseManageSessionsIDs`.
fn manage_ids(raw: &[String]) -> Result<Vec<Uuid>, String> {
    if raw.is_empty() {
        return Err("array must not be empty".into());
    }
    if raw.len() > MANAGE_MAX_IDS {
        return Err(format!(
            "at most {MANAGE_MAX_IDS} IDs may be provided per call"
        ));
    }
    raw.iter()
        .map(|s| {
            if s == "*" {
                return Err("the wildcard '*' is not accepted here".to_string());
            }
            Uuid::parse_str(s)
                .map_err(|_| format!("could not parse {s:?} as UUID: {}", go_uuid_error(s)))
        })
        .collect()
}

/// `POST /admin/sessions` (`manageSessions`): disables or deletes the sessions of some identities
/// (or of all, `["*"]`, a batch per call) or some sessions; `{processed, more}`.
pub async fn admin_manage_sessions(reg: &Registry, req: &RequestInfo, body: &[u8]) -> Reply {
    use crate::persistence::SessionTarget;
    let rid = req.request_id.as_deref();
    let bad = |reason: String| Reply::error(&ErrorObject::bad_request().with_reason(reason), rid);
    let body: ManageSessionsBody = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => {
            let err = ErrorObject::bad_request()
                .with_reason("Invalid JSON body.")
                .with_message(e.to_string());
            return Reply::error(&err, rid);
        }
    };
    let delete = match body.action.as_deref() {
        Some("disable") => false,
        Some("delete") => true,
        _ => return bad("The 'action' field must be one of 'disable' or 'delete'.".into()),
    };
    let identities = body.identities.unwrap_or_default();
    let sessions = body.sessions.unwrap_or_default();
    if identities.is_empty() == sessions.is_empty() {
        return bad("Exactly one of 'identities' or 'sessions' must be a non-empty array.".into());
    }
    let (target, wildcard) = if !identities.is_empty() {
        if identities.len() == 1 && identities[0] == "*" {
            (SessionTarget::All, true)
        } else {
            match manage_ids(&identities) {
                Ok(ids) => (SessionTarget::Identities(ids), false),
                Err(e) => return bad(format!("Could not parse 'identities' field: {e}")),
            }
        }
    } else {
        match manage_ids(&sessions) {
            Ok(ids) => (SessionTarget::Sessions(ids), false),
            Err(e) => return bad(format!("Could not parse 'sessions' field: {e}")),
        }
    };
    match reg
        .persister
        .manage_sessions(target, delete, MANAGE_WILDCARD_BATCH)
        .await
    {
        // A wildcard call that filled its batch may have left more (Kratos says so even when
        // the batch was exactly the rest).
        Ok(n) => Reply::json(
            200,
            json!({"processed": n, "more": wildcard && n == u64::from(MANAGE_WILDCARD_BATCH)}),
        ),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// `DELETE /admin/identities/{id}/sessions` (`deleteIdentitySessions`).
pub async fn admin_delete_identity_sessions(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let Ok(identity_id) = Uuid::parse_str(id) else {
        return Reply::error(&bad_uuid(), rid);
    };
    // No sessions to delete is "not found", whether the identity exists or not (Kratos).
    match reg.persister.delete_sessions_of_identity(identity_id).await {
        Ok(0) => Reply::error(&ErrorObject::row_not_found(), rid),
        Ok(_) => Reply::empty(204),
        Err(e) => Reply::error(&e.into(), rid),
    }
}
