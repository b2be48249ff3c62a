//! The login endpoints' domain logic (`ory/kratos: selfservice/flow/login/handler.go`), one
//! function per OpenAPI operation.

use super::LoginFlow;
use super::error::{handle_expired_submit, write_flow_error};
use crate::error::ErrorObject;
use crate::flow::errorx::{forward, non_form_error};
use crate::flow::identity_schema::requested_identity_schema;
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::return_to_allow_list;
use crate::flow::submit::SubmitError;
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::session::Session;
use crate::session::manager::fetch_from_request;
use crate::ui::Container;
use serde_json::json;
use uuid::Uuid;

/// `session_already_available` for login (the reason points at `refresh`).
pub fn already_logged_in() -> ErrorObject {
    ErrorObject::bad_request()
        .with_id("session_already_available")
        .with_message("you are already logged in")
        .with_reason("A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?")
}

/// `session_aal1_required`: AAL2 asked for without a session.
pub fn session_required_for_higher_aal() -> ErrorObject {
    ErrorObject::unauthorized()
        .with_id("session_aal1_required")
        .with_message("aal2 and aal3 can only be requested if a session exists already")
        .with_reason("You can not requested a higher AAL (AAL2/AAL3) without an active session.")
}

/// Go's `strconv.ParseBool`; anything else is `false`, as Kratos ignores the parse error.
fn go_parse_bool(v: &str) -> bool {
    matches!(v, "1" | "t" | "T" | "TRUE" | "true" | "True")
}

/// Numeric rank of an AAL name (`aal1` < `aal2` < `aal3`); unknown names rank 0.
fn aal_rank(aal: &str) -> u8 {
    match aal {
        "aal1" => 1,
        "aal2" => 2,
        "aal3" => 3,
        _ => 0,
    }
}

/// Why no login flow was created.
pub enum InitError {
    /// The request already has a session that satisfies it.
    AlreadyLoggedIn,
    Other(ErrorObject),
}

impl From<ErrorObject> for InitError {
    fn from(e: ErrorObject) -> Self {
        InitError::Other(e)
    }
}

/// `login.NewFlow`: the flow object built from the request (not stored, no nodes).
fn build_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
) -> Result<LoginFlow, ErrorObject> {
    let request_url = req.url.clone();
    let return_to = LoginFlow::return_to_of(&request_url);
    secure_redirect_to(
        &reg.config.selfservice.default_browser_return_url,
        &return_to_allow_list(reg),
        return_to.as_deref(),
    )?;
    if req.query_param("login_challenge").is_some() {
        return Err(ErrorObject::misconfiguration(
            "refusing to parse login_challenge query parameter because oauth2_provider.url is invalid or unset",
        ));
    }
    let now = reg.now();
    let id = Uuid::new_v4();
    let lifespan =
        time::Duration::try_from(reg.config.selfservice.login.lifespan).map_err(|_| {
            ErrorObject::misconfiguration("selfservice.flows.login.lifespan is out of range")
        })?;
    let requested_aal = req
        .query_param("aal")
        .filter(|a| !a.is_empty())
        .unwrap_or("aal1")
        .to_lowercase();
    Ok(LoginFlow {
        id,
        organization_id: None,
        flow_type,
        expires_at: now + lifespan,
        issued_at: now,
        request_url,
        return_to,
        active: String::new(),
        ui: Container::new(with_query_param(
            &public_url(reg.public_base(), super::ROUTE_SUBMIT),
            "flow",
            &id.to_string(),
        )),
        created_at: now,
        updated_at: now,
        refresh: req.query_param("refresh").is_some_and(go_parse_bool),
        requested_aal,
        session_token_exchange_code: None,
        state: "choose_method".into(),
        transient_payload: None,
        identity_schema: None,
        csrf_token: req.masked_csrf_token(),
        internal_context: json!({}),
    })
}

/// `Handler.NewLoginFlow`: builds the flow, decides against the request's session, adds the
/// methods' nodes and stores it. Also returns the session the request carried.
pub async fn new_login_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
) -> Result<(LoginFlow, Option<Session>), InitError> {
    let mut flow = build_flow(reg, req, flow_type)?;
    match flow.requested_aal.as_str() {
        "aal1" => flow.identity_schema = requested_identity_schema(reg, req)?,
        "aal2" => {}
        other => {
            return Err(ErrorObject::bad_request()
                .with_reason(format!(
                    "Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got {other}"
                ))
                .into());
        }
    }
    let session = fetch_from_request(reg, req).await?;
    match &session {
        None => {
            if aal_rank(&flow.requested_aal) > 1 {
                return Err(session_required_for_higher_aal().into());
            }
            flow.refresh = false;
            if flow_type == FlowType::Api
                && req
                    .query_param("return_session_token_exchange_code")
                    .is_some_and(go_parse_bool)
            {
                let code = crate::session::token_exchange::start(reg, flow.id).await?;
                flow.session_token_exchange_code = Some(code);
            }
        }
        Some(s) => {
            if !flow.refresh
                && (flow.requested_aal == "aal1"
                    || aal_rank(&flow.requested_aal) <= aal_rank(&s.authenticator_assurance_level))
            {
                return Err(InitError::AlreadyLoggedIn);
            }
        }
    }

    let csrf = req.masked_csrf_token();
    if flow.requested_aal == "aal1" && reg.config.selfservice.password.enabled {
        match (&session, flow.refresh) {
            (Some(s), true) => {
                crate::strategy::password::login::populate_refresh(&mut flow, s, &csrf)
            }
            _ => {
                let schema = reg.schemas.get(
                    flow.identity_schema
                        .as_deref()
                        .unwrap_or(&reg.schemas.default_id),
                );
                crate::strategy::password::login::populate(&mut flow, schema.as_deref(), &csrf);
            }
        }
    }
    if flow.refresh {
        flow.ui.messages = vec![crate::text::messages::info_login_reauth()];
    }
    if let Some(s) = &session
        && aal_rank(&flow.requested_aal) > aal_rank(&s.authenticator_assurance_level)
        && aal_rank(&flow.requested_aal) > 1
    {
        flow.ui
            .messages
            .push(crate::text::messages::info_login_mfa());
    }
    crate::ui::sort::sort_login_nodes(&mut flow.ui.nodes);
    if flow_type == FlowType::Browser {
        flow.ui.set_csrf(&csrf);
    }
    reg.persister
        .create_login_flow(&flow)
        .await
        .map_err(ErrorObject::from)?;
    Ok((flow, session))
}

/// `GET /self-service/login/api` (`createNativeLoginFlow`).
pub async fn create_native_login_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    match new_login_flow(reg, req, FlowType::Api).await {
        Ok((flow, _)) => Reply::json(200, flow.to_json()),
        Err(InitError::AlreadyLoggedIn) => {
            Reply::error(&already_logged_in(), req.request_id.as_deref())
        }
        Err(InitError::Other(e)) => Reply::error(&e, req.request_id.as_deref()),
    }
}

/// `GET /self-service/login/browser` (`createBrowserLoginFlow`).
pub async fn create_browser_login_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    match new_login_flow(reg, req, FlowType::Browser).await {
        Ok((flow, _)) => {
            if req.accepts_json {
                return Reply::json(200, flow.to_json());
            }
            Reply::redirect(
                303,
                with_query_param(
                    &reg.config.selfservice.login.ui_url,
                    "flow",
                    &flow.id.to_string(),
                ),
            )
        }
        Err(InitError::AlreadyLoggedIn) => {
            // `SendFlowCompletedAsRedirectOrJSON` with the error: JSON callers get the error,
            // browsers go to the return URL.
            let to = match secure_redirect_to(
                &reg.config.selfservice.default_browser_return_url,
                &return_to_allow_list(reg),
                req.query_param("return_to"),
            ) {
                Ok(to) => to,
                Err(e) => return forward(reg, req, e).await,
            };
            if req.accepts_json {
                return Reply::error(&already_logged_in(), req.request_id.as_deref());
            }
            Reply::redirect(303, to)
        }
        Err(InitError::Other(e)) => forward(reg, req, e).await,
    }
}

/// `GET /self-service/login/flows?id=` (`getLoginFlow`).
pub async fn get_login_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let id = req.query_param("id").and_then(|i| Uuid::parse_str(i).ok());
    let Some(id) = id else {
        return Reply::error(&ErrorObject::row_not_found(), rid);
    };
    let flow = match reg.persister.get_login_flow(id).await {
        Ok(Some(f)) => f,
        Ok(None) => return Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => return Reply::error(&e.into(), rid),
    };
    if flow.flow_type == FlowType::Browser {
        let ok = req
            .csrf_cookie
            .as_ref()
            .is_some_and(|real| crate::x::csrf::verify(&flow.csrf_token, real));
        if !ok {
            return Reply::error(&crate::flow::request::csrf_error(req, false), rid);
        }
    }
    if flow.is_expired(reg.now()) {
        let mut err = ErrorObject::gone().with_id("self_service_flow_expired");
        match flow.flow_type {
            FlowType::Browser => {
                let mut redirect_to = public_url(reg.public_base(), super::ROUTE_INIT_BROWSER);
                if let Some(rt) = &flow.return_to {
                    redirect_to = with_query_param(&redirect_to, "return_to", rt);
                }
                err = err
                    .with_reason("The login flow has expired. Redirect the user to the login flow init endpoint to initialize a new login flow.")
                    .with_detail("redirect_to", redirect_to)
                    .with_detail("return_to", flow.return_to.clone().unwrap_or_default());
            }
            FlowType::Api => {
                err = err
                    .with_reason("The login flow has expired. Call the login flow init API endpoint to initialize a new login flow.")
                    .with_detail("api", public_url(reg.public_base(), super::ROUTE_INIT_API));
            }
        }
        return Reply::error(&err, rid);
    }
    Reply::json(200, flow.to_json())
}

/// `POST /self-service/login?flow=` (`updateLoginFlow`).
pub async fn update_login_flow(reg: &Registry, req: &RequestInfo, body: &[u8]) -> Reply {
    let Some(id) = req
        .query_param("flow")
        .and_then(|f| Uuid::parse_str(f).ok())
    else {
        let err = ErrorObject::bad_request()
            .with_reason("The flow query parameter is missing or malformed.");
        return non_form_error(reg, req, None, err).await;
    };
    let flow = match reg.persister.get_login_flow(id).await {
        Ok(Some(f)) => f,
        Ok(None) => return non_form_error(reg, req, None, ErrorObject::row_not_found()).await,
        Err(e) => return non_form_error(reg, req, None, ErrorObject::from(e)).await,
    };
    let session = match fetch_from_request(reg, req).await {
        Ok(s) => s,
        Err(e) => return write_flow_error(reg, req, flow, SubmitError::Http(e)).await,
    };
    let session = match session {
        Some(s) => {
            if !flow.refresh
                && aal_rank(&flow.requested_aal) <= aal_rank(&s.authenticator_assurance_level)
            {
                if req.is_json_request || flow.flow_type == FlowType::Api {
                    return write_flow_error(
                        reg,
                        req,
                        flow,
                        SubmitError::Http(already_logged_in()),
                    )
                    .await;
                }
                return Reply::redirect(
                    303,
                    crate::flow::redirect::go_url_string(
                        &reg.config.selfservice.default_browser_return_url,
                    ),
                );
            }
            Some(s)
        }
        None => {
            if aal_rank(&flow.requested_aal) > 1 {
                return write_flow_error(
                    reg,
                    req,
                    flow,
                    SubmitError::Http(session_required_for_higher_aal()),
                )
                .await;
            }
            None
        }
    };
    if flow.is_expired(reg.now()) {
        return handle_expired_submit(reg, req, flow).await;
    }
    crate::strategy::dispatch_login(reg, req, flow, session, body).await
}
