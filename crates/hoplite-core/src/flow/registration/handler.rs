//! The registration endpoints' domain logic (`ory/kratos: selfservice/flow/registration/handler.go`),
//! one function per OpenAPI operation; the HTTP layer only extracts a [`RequestInfo`] and renders
//! the [`Reply`].

use super::error::handle_expired_submit;
use super::{RegistrationFlow, populate};
use crate::error::ErrorObject;
use crate::flow::errorx::forward;
use crate::flow::guard::active_session;
use crate::flow::identity_schema::requested_identity_schema;
use crate::flow::redirect::secure_redirect_to;
use crate::flow::return_to::return_to_allow_list;
use crate::flow::{FlowType, Reply, RequestInfo, public_url, with_query_param};
use crate::registry::Registry;
use crate::schema::IdentitySchema;
use crate::ui::Container;
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

fn session_already_available() -> ErrorObject {
    ErrorObject::bad_request()
        .with_id("session_already_available")
        .with_message("you are already logged in")
        .with_reason("A valid session was detected and thus registration is not possible.")
}

fn registration_disabled() -> ErrorObject {
    ErrorObject::bad_request()
        .with_id("self_service_flow_disabled")
        .with_message("registration flow disabled")
        .with_reason("Registration is not allowed because it was disabled.")
}

/// The identity schema a flow uses.
pub fn flow_schema(
    reg: &Registry,
    flow: &RegistrationFlow,
) -> Result<Arc<IdentitySchema>, ErrorObject> {
    let id = flow.schema_id(&reg.schemas.default_id);
    reg.schemas.get(id).ok_or_else(|| {
        ErrorObject::misconfiguration(format!("The identity schema \"{id}\" is not configured."))
    })
}

/// Spec §5: builds (but does not store) a new flow from the request.
pub fn new_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
) -> Result<RegistrationFlow, ErrorObject> {
    let request_url = req.url.clone();
    let return_to = RegistrationFlow::return_to_of(&request_url);
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
    let identity_schema = requested_identity_schema(reg, req)?;
    let now = reg.now();
    let id = Uuid::new_v4();
    let csrf = req.masked_csrf_token();
    let lifespan =
        time::Duration::try_from(reg.config.selfservice.registration.lifespan).map_err(|_| {
            ErrorObject::misconfiguration("selfservice.flows.registration.lifespan is out of range")
        })?;
    let mut flow = RegistrationFlow {
        id,
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
        organization_id: None,
        transient_payload: None,
        session_token_exchange_code: None,
        state: "choose_method".into(),
        identity_schema,
        csrf_token: csrf.clone(),
        internal_context: json!({}),
    };
    if !reg.config.selfservice.registration.enabled {
        return Err(registration_disabled());
    }
    if let Some(org) = req
        .query_param("organization")
        .and_then(|o| Uuid::parse_str(o).ok())
    {
        // No open-source strategy supports organizations, so such a flow has no nodes (as Kratos).
        flow.organization_id = Some(org);
        return Ok(flow);
    }
    let schema = flow_schema(reg, &flow)?;
    populate::populate_initial(reg, &mut flow, &schema, &csrf, None);
    Ok(flow)
}

/// `GET /self-service/registration/browser` (`createBrowserRegistrationFlow`).
pub async fn create_browser_registration_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let flow = match new_flow(reg, req, FlowType::Browser) {
        Ok(f) => f,
        Err(e) => return forward(reg, req, e).await,
    };
    if let Err(e) = reg.persister.create_registration_flow(&flow).await {
        return forward(reg, req, ErrorObject::from(e)).await;
    }
    match active_session(reg, req).await {
        Err(e) => return forward(reg, req, e).await,
        Ok(Some(_)) => {
            if req.is_json_request {
                return Reply::error(&session_already_available(), req.request_id.as_deref());
            }
            return match secure_redirect_to(
                &reg.config.selfservice.default_browser_return_url,
                &return_to_allow_list(reg),
                req.query_param("return_to"),
            ) {
                Ok(to) => Reply::redirect(303, to),
                Err(e) => forward(reg, req, e).await,
            };
        }
        Ok(None) => {}
    }
    if req.accepts_json {
        return Reply::json(200, flow.to_json());
    }
    Reply::redirect(
        303,
        with_query_param(
            &reg.config.selfservice.registration.ui_url,
            "flow",
            &flow.id.to_string(),
        ),
    )
}

/// `GET /self-service/registration/api` (`createNativeRegistrationFlow`).
pub async fn create_native_registration_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    match active_session(reg, req).await {
        Err(e) => return Reply::error(&e, rid),
        Ok(Some(_)) => return Reply::error(&session_already_available(), rid),
        Ok(None) => {}
    }
    let mut flow = match new_flow(reg, req, FlowType::Api) {
        Ok(f) => f,
        Err(e) => return Reply::error(&e, rid),
    };
    // Registration asks for exactly `true` (login parses a boolean).
    if req.query_param("return_session_token_exchange_code") == Some("true") {
        match crate::session::token_exchange::start(reg, flow.id).await {
            Ok(code) => flow.session_token_exchange_code = Some(code),
            Err(e) => return Reply::error(&e, rid),
        }
    }
    if let Err(e) = reg.persister.create_registration_flow(&flow).await {
        return Reply::error(&e.into(), rid);
    }
    Reply::json(200, flow.to_json())
}

/// `GET /self-service/registration/flows?id=` (`getRegistrationFlow`), checks in Kratos's order.
pub async fn get_registration_flow(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let enabled = reg.config.selfservice.registration.enabled;
    let id = req.query_param("id").and_then(|i| Uuid::parse_str(i).ok());
    let found = match id {
        None => None,
        Some(id) => match reg.persister.get_registration_flow_view(id).await {
            Ok(f) => f,
            Err(e) => return Reply::error(&e.into(), rid),
        },
    };
    // Disabled wins over "not found", but not over a failed lookup.
    if !enabled {
        return forward(reg, req, registration_disabled()).await;
    }
    let Some(flow) = found else {
        return Reply::error(&ErrorObject::row_not_found(), rid);
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
    let now = reg.now();
    if flow.is_expired(now) {
        let mut err = ErrorObject::gone().with_id("self_service_flow_expired");
        match flow.flow_type {
            FlowType::Browser => {
                let mut redirect_to = public_url(reg.public_base(), super::ROUTE_INIT_BROWSER);
                if let Some(rt) = &flow.return_to {
                    redirect_to = with_query_param(&redirect_to, "return_to", rt);
                }
                err = err
                    .with_reason("The registration flow has expired. Redirect the user to the registration flow init endpoint to initialize a new registration flow.")
                    .with_detail("redirect_to", redirect_to)
                    .with_detail("return_to", flow.return_to.clone().unwrap_or_default());
            }
            FlowType::Api => {
                err = err
                    .with_reason("The registration flow has expired. Call the registration flow init API endpoint to initialize a new registration flow.")
                    .with_detail("api", public_url(reg.public_base(), super::ROUTE_INIT_API));
            }
        }
        return Reply::error(&err, rid);
    }
    Reply::json_shared(200, flow.rendered())
}

/// `POST /self-service/registration?flow=` (`updateRegistrationFlow`), spec §9.1.
pub async fn update_registration_flow(reg: &Registry, req: &RequestInfo, body: &[u8]) -> Reply {
    let rid = req.request_id.as_deref();
    match active_session(reg, req).await {
        Err(e) => return Reply::error(&e, rid),
        Ok(Some(_)) => {
            if req.is_json_request {
                return Reply::error(&session_already_available(), rid);
            }
            // `session.RedirectOnAuthenticated`: only public /self-service URLs, else the default.
            let default = &reg.config.selfservice.default_browser_return_url;
            let to = secure_redirect_to(
                default,
                &[public_url(reg.public_base(), "/self-service")],
                req.query_param("return_to"),
            )
            .unwrap_or_else(|_| crate::flow::redirect::go_url_string(default));
            return Reply::redirect(302, to);
        }
        Ok(None) => {}
    }
    let Some(id) = req
        .query_param("flow")
        .and_then(|f| Uuid::parse_str(f).ok())
    else {
        let err = ErrorObject::bad_request()
            .with_reason("The flow query parameter is missing or malformed.");
        return non_form_error(reg, req, None, err).await;
    };
    let flow = match reg.persister.get_registration_flow(id).await {
        Ok(Some(f)) => f,
        Ok(None) => return non_form_error(reg, req, None, ErrorObject::row_not_found()).await,
        Err(e) => return non_form_error(reg, req, None, ErrorObject::from(e)).await,
    };
    if flow.is_expired(reg.now()) {
        return handle_expired_submit(reg, req, flow).await;
    }
    let schema = match flow_schema(reg, &flow) {
        Ok(s) => s,
        Err(e) => return non_form_error(reg, req, Some(&flow), e).await,
    };
    crate::strategy::dispatch_registration(reg, req, flow, &schema, body).await
}

/// Puts submitted trait values back into the form and refreshes the CSRF node (browser flows), as
/// every strategy does before reporting a decoding error.
pub fn restore_form(req: &RequestInfo, flow: &mut RegistrationFlow, traits: Option<&Value>) {
    if let Some(t) = traits {
        crate::ui::values::set_existing_values_from_traits(&mut flow.ui.nodes, t);
    }
    if flow.flow_type == FlowType::Browser {
        flow.ui.set_csrf(&req.masked_csrf_token());
    }
}

/// Answers a screen change of a multi-step form (profile → credentials, back): JSON callers get
/// 400 with the flow, browsers a 303 to the UI.
pub async fn answer_screen(reg: &Registry, req: &RequestInfo, flow: RegistrationFlow) -> Reply {
    if let Err(e) = reg.persister.update_registration_flow(&flow).await {
        return non_form_error(reg, req, Some(&flow), ErrorObject::from(e)).await;
    }
    if req.is_json_request {
        return Reply::json(400, flow.to_json());
    }
    Reply::redirect(
        303,
        with_query_param(
            &reg.config.selfservice.registration.ui_url,
            "flow",
            &flow.id.to_string(),
        ),
    )
}

pub use super::error::{non_form_error, write_flow_error as form_error};
