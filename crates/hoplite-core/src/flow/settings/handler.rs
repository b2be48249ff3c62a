//! The settings endpoints' domain logic (`ory/kratos: selfservice/flow/settings/handler.go`), one
//! function per OpenAPI operation.

use super::SettingsFlow;
use super::error::{handle_expired_submit, non_form_error};
use crate::error::ErrorObject;
use crate::flow::errorx::forward;
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::{return_to_allow_list, return_to_of};
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::identity::Identity;
use crate::registry::Registry;
use crate::schema::IdentitySchema;
use crate::session::Session;
use crate::session::manager::fetch_from_request;
use crate::ui::Container;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// Which endpoint asks for the session: each answers a missing one differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// `GET /self-service/settings/browser`.
    BrowserInit,
    /// `GET /self-service/settings/api`.
    ApiInit,
    /// `GET /self-service/settings/flows` and the submit endpoint.
    Flow,
}

/// The signed-in session a settings endpoint needs (identity loaded, with credentials), or the
/// answer for a request without one (spec §2.2).
pub async fn require_session(
    reg: &Registry,
    req: &RequestInfo,
    guard: Guard,
) -> Result<Session, Reply> {
    let rid = req.request_id.as_deref();
    match fetch_from_request(reg, req).await {
        Err(e) => Err(Reply::error(&e, rid)),
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(match guard {
            Guard::BrowserInit if req.is_json_request => {
                let mut err = ErrorObject::unauthorized()
                    .with_id("session_inactive")
                    .with_message("request does not have a valid authentication session")
                    .with_reason("No active session was found in this request.");
                if let Some(id) = rid {
                    err.request = id.to_string();
                }
                // Kratos's error type leaks an untagged Go field into this body (always false
                // here, as Kratos answers).
                Reply::error_body(
                    401,
                    json!({ "error": err, "CredentialsMissing": false }),
                )
            }
            Guard::BrowserInit => {
                let mut to = public_url(reg.public_base(), super::LOGIN_INIT_BROWSER);
                if let Some(rt) = req.query_param("return_to") {
                    to = with_query_param(&to, "return_to", rt);
                }
                Reply::redirect(303, to)
            }
            Guard::ApiInit => Reply::error(
                &ErrorObject::unauthorized()
                    .with_id("session_inactive")
                    .with_message("request does not have a valid authentication session")
                    .with_reason("This endpoint can only be accessed with a valid session. Please log in and try again."),
                rid,
            ),
            Guard::Flow if req.is_json_request => Reply::error(
                &ErrorObject::unauthorized()
                    .with_reason("A valid Ory Session Cookie or Ory Session Token is missing."),
                rid,
            ),
            Guard::Flow => Reply::redirect(302, reg.config.selfservice.login.ui_url.clone()),
        }),
    }
}

/// The identity schema an identity uses.
pub fn identity_schema(
    reg: &Registry,
    identity: &Identity,
) -> Result<Arc<IdentitySchema>, ErrorObject> {
    reg.schemas.get(&identity.schema_id).ok_or_else(|| {
        ErrorObject::misconfiguration(format!(
            "The identity schema \"{}\" is not configured.",
            identity.schema_id
        ))
    })
}

/// The settings UI URL for a flow.
pub fn ui_url(reg: &Registry, flow_id: Uuid) -> String {
    with_query_param(
        &reg.config.selfservice.settings.ui_url,
        "flow",
        &flow_id.to_string(),
    )
}

/// Builds the form every enabled method contributes for `identity`, in Kratos's order: profile,
/// then password, then sorted.
pub fn populate(
    reg: &Registry,
    req: &RequestInfo,
    ui: &mut Container,
    identity: &Identity,
) -> Result<(), ErrorObject> {
    let schema = identity_schema(reg, identity)?;
    let csrf = req.masked_csrf_token();
    if reg.config.selfservice.profile_enabled {
        crate::strategy::profile::settings::populate(ui, &schema, &identity.traits, &csrf);
    }
    if reg.config.selfservice.password.enabled {
        crate::strategy::password::settings::populate(ui, &csrf);
    }
    crate::ui::sort::sort_settings_nodes(&mut ui.nodes, &schema.settings_key_order);
    Ok(())
}

/// `settings.NewFlow` up to storing it (spec §2.4): the flow for `identity`, with its form.
pub fn build_flow(
    reg: &Registry,
    req: &RequestInfo,
    identity: &Identity,
    flow_type: FlowType,
) -> Result<SettingsFlow, ErrorObject> {
    let request_url = req.url.clone();
    let return_to = return_to_of(&request_url);
    secure_redirect_to(
        &reg.config.selfservice.default_browser_return_url,
        &return_to_allow_list(reg),
        return_to.as_deref(),
    )?;
    let lifespan =
        time::Duration::try_from(reg.config.selfservice.settings.lifespan).map_err(|_| {
            ErrorObject::misconfiguration("selfservice.flows.settings.lifespan is out of range")
        })?;
    let now = reg.now();
    let id = Uuid::new_v4();
    let mut ui = Container::new(with_query_param(
        &public_url(reg.public_base(), super::ROUTE_SUBMIT),
        "flow",
        &id.to_string(),
    ));
    populate(reg, req, &mut ui, identity)?;
    Ok(SettingsFlow {
        id,
        flow_type,
        expires_at: now + lifespan,
        issued_at: now,
        request_url,
        return_to,
        active: String::new(),
        ui,
        identity: Some(identity.public_view()),
        state: "show_form".into(),
        organization_id: None,
        continue_with: Vec::new(),
        transient_payload: None,
        identity_id: identity.id,
        internal_context: json!({}),
        created_at: now,
        updated_at: now,
    })
}

/// Builds and stores a new flow for the session's identity.
pub async fn new_flow(
    reg: &Registry,
    req: &RequestInfo,
    session: &Session,
    flow_type: FlowType,
) -> Result<SettingsFlow, ErrorObject> {
    let identity = session
        .identity
        .as_ref()
        .ok_or_else(ErrorObject::internal)?;
    let flow = build_flow(reg, req, identity, flow_type)?;
    reg.persister.create_settings_flow(&flow).await?;
    Ok(flow)
}

/// A stored flow with its identity as currently stored; `None` when either is gone.
pub async fn load_flow(reg: &Registry, id: Uuid) -> Result<Option<SettingsFlow>, ErrorObject> {
    let Some(mut flow) = reg.persister.get_settings_flow(id).await? else {
        return Ok(None);
    };
    let Some(identity) = reg.persister.get_identity(flow.identity_id).await? else {
        return Ok(None);
    };
    flow.identity = Some(identity.public_view());
    Ok(Some(flow))
}

/// A new flow drops the changes paused for the settings methods (spec §2.4 step 6): the cookie
/// without their names, when it named any.
async fn discard_paused(reg: &Registry, req: &RequestInfo) -> Result<Option<String>, ErrorObject> {
    let mut values = crate::continuity::cookie_values(reg, req);
    let names = [
        ("profile", reg.config.selfservice.profile_enabled),
        ("password", reg.config.selfservice.password.enabled),
    ]
    .into_iter()
    .filter(|(_, enabled)| *enabled)
    .map(|(m, _)| super::error::continuity_name(m))
    .collect::<Vec<_>>();
    Ok(crate::continuity::abort(reg, &mut values, &names)
        .await?
        .then(|| crate::continuity::set_cookie(reg, &values)))
}

/// [`new_flow`] for the init endpoints, which also drop paused changes.
async fn init_flow(
    reg: &Registry,
    req: &RequestInfo,
    session: &Session,
    flow_type: FlowType,
) -> Result<(SettingsFlow, Option<String>), ErrorObject> {
    let cookie = discard_paused(reg, req).await?;
    Ok((new_flow(reg, req, session, flow_type).await?, cookie))
}

/// `GET /self-service/settings/browser` (`createBrowserSettingsFlow`).
pub async fn create_browser_settings_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let session = match require_session(reg, req, Guard::BrowserInit).await {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    // `required_aal`: every session hoplite issues is aal1 and no identity has a second factor
    // yet, so `aal1` and `highest_available` are both met.
    match init_flow(reg, req, &session, FlowType::Browser).await {
        Ok((flow, cookie)) => {
            let mut reply = if req.accepts_json {
                Reply::json(200, flow.to_json())
            } else {
                Reply::redirect(303, ui_url(reg, flow.id))
            };
            reply.set_cookies.extend(cookie);
            reply
        }
        Err(e) => forward(reg, req, e).await,
    }
}

/// `GET /self-service/settings/api` (`createNativeSettingsFlow`).
pub async fn create_native_settings_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let session = match require_session(reg, req, Guard::ApiInit).await {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    match init_flow(reg, req, &session, FlowType::Api).await {
        Ok((flow, cookie)) => {
            let mut reply = Reply::json(200, flow.to_json());
            reply.set_cookies.extend(cookie);
            reply
        }
        Err(e) => Reply::error(&e, req.request_id.as_deref()),
    }
}

/// `GET /self-service/settings/flows?id=` (`getSettingsFlow`), spec §2.7: no CSRF check, the
/// session's identity must own the flow.
pub async fn get_settings_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let session = match require_session(reg, req, Guard::Flow).await {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let id = req.query_param("id").and_then(|i| Uuid::parse_str(i).ok());
    let Some(id) = id else {
        return Reply::error(&ErrorObject::row_not_found(), rid);
    };
    let flow = match load_flow(reg, id).await {
        Ok(Some(f)) => f,
        Ok(None) => return Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => return Reply::error(&e, rid),
    };
    if flow.identity_id != session.identity_id {
        let err = ErrorObject::forbidden()
            .with_id("security_identity_mismatch")
            .with_reason(
                "The request was made for another identity and has been blocked for security reasons.",
            );
        return Reply::error(&err, rid);
    }
    if flow.is_expired(reg.now()) {
        // Unlike registration and login, this 410 carries no error id.
        let mut err = ErrorObject::gone();
        match flow.flow_type {
            FlowType::Browser => {
                let mut redirect_to = public_url(reg.public_base(), super::ROUTE_INIT_BROWSER);
                if let Some(rt) = &flow.return_to {
                    redirect_to = with_query_param(&redirect_to, "return_to", rt);
                }
                err = err
                    .with_reason("The settings flow has expired. Redirect the user to the settings flow init endpoint to initialize a new settings flow.")
                    .with_detail("redirect_to", redirect_to)
                    .with_detail("return_to", flow.return_to.clone().unwrap_or_default());
            }
            FlowType::Api => {
                err = err
                    .with_reason("The settings flow has expired. Call the settings flow init API endpoint to initialize a new settings flow.")
                    .with_detail("api", public_url(reg.public_base(), super::ROUTE_INIT_API));
            }
        }
        return Reply::error(&err, rid);
    }
    Reply::json(200, flow.to_json())
}

/// `POST|GET /self-service/settings?flow=` (`updateSettingsFlow`), spec §2.9.
pub async fn update_settings_flow(reg: &Registry, req: &RequestInfo, body: &[u8]) -> Reply {
    let session = match require_session(reg, req, Guard::Flow).await {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    // Kratos reads the nil UUID as no id at all.
    let Some(id) = req
        .query_param("flow")
        .and_then(|f| Uuid::parse_str(f).ok())
        .filter(|id| !id.is_nil())
    else {
        let err = ErrorObject::bad_request()
            .with_reason("The flow query parameter is missing or malformed.");
        return non_form_error(reg, req, None, err).await;
    };
    let flow = match load_flow(reg, id).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            let err = ErrorObject::not_found()
                .with_reason("The settings request could not be found. Please restart the flow.");
            return non_form_error(reg, req, None, err).await;
        }
        Err(e) => return non_form_error(reg, req, None, e).await,
    };
    if flow.is_expired(reg.now()) {
        return handle_expired_submit(reg, req, flow, &session).await;
    }
    if flow.identity_id != session.identity_id {
        let err = ErrorObject::forbidden()
            .with_id("security_identity_mismatch")
            .with_reason("The request was initiated by someone else and has been blocked for security reasons. Please go back and try again.");
        return non_form_error(reg, req, Some(flow.flow_type), err).await;
    }
    crate::strategy::dispatch_settings(reg, req, flow, session, body).await
}

/// `GET /.well-known/change-password`: the settings UI (W3C "change password URL").
pub fn well_known_change_password(reg: &Registry) -> Reply {
    Reply::redirect(303, reg.config.selfservice.settings.ui_url.clone())
}
