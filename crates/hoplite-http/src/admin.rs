//! The admin router (port 4434).

use crate::public::health_routes;
use crate::render::{redirect_response, render};
use crate::request::request_info;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Response};
use axum::routing::{delete, get};
use hoplite_core::error::ErrorObject;
use hoplite_core::flow::Reply;
use hoplite_core::registry::Registry;
use hoplite_core::x::gourl;
use std::sync::Arc;

type Reg = State<Arc<Registry>>;

async fn get_identity(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply = hoplite_core::identity::handler::get_identity(&reg, &info, &id).await;
    render(&reg, reply, None, &parts)
}

async fn list_identities(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let (reply, link) = hoplite_core::identity::handler::list_identities(&reg, &info).await;
    let mut resp = render(&reg, reply, None, &parts);
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert("link", link);
    }
    resp
}

/// Renders a reply to an admin write: no body for 204, and `header` (e.g. `Location`) when given.
fn render_write(
    reg: &Registry,
    reply: Reply,
    parts: &axum::http::request::Parts,
    header: Option<(&'static str, String)>,
) -> Response<Body> {
    if reply.status == 204 {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = axum::http::StatusCode::NO_CONTENT;
        return resp;
    }
    let mut resp = render(reg, reply, None, parts);
    if let Some((name, value)) = header
        && let Ok(v) = HeaderValue::from_str(&value)
    {
        resp.headers_mut().insert(name, v);
    }
    resp
}

/// Reads the body of an admin write, or answers the 413 the public routes give.
pub(crate) async fn body_or_413(
    reg: &Registry,
    parts: &axum::http::request::Parts,
    body: Body,
    request_id: Option<&str>,
) -> Result<Vec<u8>, Response<Body>> {
    match crate::public::read_body(body).await {
        Some(b) => Ok(b),
        None => {
            let err = ErrorObject::payload_too_large().with_reason(format!(
                "The request body exceeds the limit of {} bytes.",
                crate::MAX_BODY_BYTES
            ));
            Err(render(reg, Reply::error(&err, request_id), None, parts))
        }
    }
}

async fn create_identity(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let bytes = match body_or_413(&reg, &parts, body, info.request_id.as_deref()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let (reply, location) =
        hoplite_core::identity::admin::create_identity(&reg, &info, &bytes).await;
    render_write(&reg, reply, &parts, location.map(|l| ("location", l)))
}

async fn batch_patch_identities(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let bytes = match body_or_413(&reg, &parts, body, info.request_id.as_deref()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let reply = hoplite_core::identity::admin::batch_patch_identities(&reg, &info, &bytes).await;
    render_write(&reg, reply, &parts, None)
}

async fn update_identity(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let bytes = match body_or_413(&reg, &parts, body, info.request_id.as_deref()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let reply = hoplite_core::identity::admin::update_identity(&reg, &info, &id, &bytes).await;
    render_write(&reg, reply, &parts, None)
}

async fn patch_identity(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let bytes = match body_or_413(&reg, &parts, body, info.request_id.as_deref()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let reply = hoplite_core::identity::admin::patch_identity(&reg, &info, &id, &bytes).await;
    render_write(&reg, reply, &parts, None)
}

async fn delete_identity(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply = hoplite_core::identity::admin::delete_identity(&reg, &info, &id).await;
    render_write(&reg, reply, &parts, None)
}

async fn delete_identity_credentials(
    State(reg): Reg,
    Path((id, kind)): Path<(String, String)>,
    req: Request,
) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply =
        hoplite_core::identity::admin::delete_identity_credentials(&reg, &info, &id, &kind).await;
    render_write(&reg, reply, &parts, None)
}

async fn list_courier_messages(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply = hoplite_core::courier::handler::list_courier_messages(&reg, &info).await;
    render_write(&reg, reply, &parts, None)
}

async fn get_courier_message(
    State(reg): Reg,
    Path(id): Path<String>,
    req: Request,
) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply = hoplite_core::courier::handler::get_courier_message(&reg, &info, &id).await;
    render_write(&reg, reply, &parts, None)
}

async fn create_recovery_code(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let bytes = match body_or_413(&reg, &parts, body, info.request_id.as_deref()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let reply = hoplite_core::strategy::code::recovery::create_recovery_code_for_identity(
        &reg, &info, &bytes,
    )
    .await;
    render_write(&reg, reply, &parts, None)
}

async fn create_recovery_link(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let bytes = match body_or_413(&reg, &parts, body, info.request_id.as_deref()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let reply = hoplite_core::strategy::link::recovery::create_recovery_link_for_identity(
        &reg, &info, &bytes,
    )
    .await;
    render_write(&reg, reply, &parts, None)
}

/// Self-service routes on the admin port answer 307 to the same path on the public URL
/// (`redir.RedirectToPublicRoute`): the request URL with the public scheme and host, its path
/// without `/admin` joined to the public URL's path (`path.Join`), then `http.Redirect`.
pub(crate) async fn to_public(State(reg): Reg, req: Request) -> Response<Body> {
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let public_base = &reg.config.serve.public_base_url;
    let location = match (gourl::parse_request_uri(pq), gourl::parse(public_base)) {
        (Ok(mut dest), Ok(public)) => {
            dest.host = public.host;
            dest.scheme = public.scheme;
            let path = dest.path.strip_prefix(b"/admin").unwrap_or(&dest.path);
            dest.path = gourl::path_join_bytes(&[&public.path, path]);
            dest.to_string()
        }
        _ => {
            let pq = pq.strip_prefix("/admin").unwrap_or(pq);
            format!("{}{}", public_base.trim_end_matches('/'), pq)
        }
    };
    redirect_response(req.method(), req.uri().path(), &location, 307)
}

/// The admin API. Paths without the `/admin` prefix are served as if they had it (Kratos's
/// `AddAdminPrefixIfNotPresentNegroni`), which also matters for `createIdentity`'s `Location`.
pub fn admin_router(reg: Arc<Registry>) -> Router {
    let mut r = Router::new()
        .route(
            "/admin/identities",
            get(list_identities)
                .post(create_identity)
                .patch(batch_patch_identities),
        )
        .route(
            "/admin/identities/{id}",
            get(get_identity)
                .put(update_identity)
                .patch(patch_identity)
                .delete(delete_identity),
        )
        .route(
            "/admin/identities/{id}/credentials/{type}",
            delete(delete_identity_credentials),
        )
        .route(
            hoplite_core::courier::handler::ROUTE_MESSAGES,
            get(list_courier_messages),
        )
        .route("/admin/courier/messages/{id}", get(get_courier_message))
        .route(
            hoplite_core::flow::recovery::ROUTE_ADMIN_CODE,
            axum::routing::post(create_recovery_code),
        )
        .route(
            hoplite_core::flow::recovery::ROUTE_ADMIN_LINK,
            axum::routing::post(create_recovery_link),
        )
        .route("/admin/version", get(crate::public::version));
    // Kratos's admin redirects to the public port (`RegisterAdminRoutes` of each flow, errorx,
    // schemas and sessions): (path, methods).
    for (path, methods) in ADMIN_TO_PUBLIC {
        let mut route = axum::routing::MethodRouter::new();
        for m in *methods {
            route = match *m {
                "GET" => route.get(to_public),
                "POST" => route.post(to_public),
                "DELETE" => route.delete(to_public),
                _ => route,
            };
        }
        r = r.route(&format!("/admin{path}"), route);
    }
    let inner = r
        .merge(health_routes("/admin"))
        .merge(crate::admin_sessions::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            reg.clone(),
            crate::metrics_layer::track,
        ))
        .fallback(|| async { crate::mux::go_not_found() })
        .with_state(reg);
    // The prefix is added before routing, so the rewritten path picks the route.
    crate::mux::around(
        Router::new().fallback_service(tower::ServiceExt::map_request(
            inner,
            crate::mux::add_admin_prefix,
        )),
    )
}

/// The public routes Kratos mirrors on the admin port as 307 redirects, with their methods.
const ADMIN_TO_PUBLIC: &[(&str, &[&str])] = &[
    ("/self-service/registration/browser", &["GET"]),
    ("/self-service/registration/api", &["GET"]),
    ("/self-service/registration/flows", &["GET"]),
    ("/self-service/registration", &["GET", "POST"]),
    ("/self-service/login/browser", &["GET"]),
    ("/self-service/login/api", &["GET"]),
    ("/self-service/login/flows", &["GET"]),
    ("/self-service/login", &["GET", "POST"]),
    ("/self-service/settings/browser", &["GET"]),
    ("/self-service/settings/api", &["GET"]),
    ("/self-service/settings/flows", &["GET"]),
    ("/self-service/settings", &["GET", "POST"]),
    ("/self-service/recovery/browser", &["GET"]),
    ("/self-service/recovery/api", &["GET"]),
    ("/self-service/recovery/flows", &["GET"]),
    ("/self-service/recovery", &["GET", "POST"]),
    ("/self-service/verification/browser", &["GET"]),
    ("/self-service/verification/api", &["GET"]),
    ("/self-service/verification/flows", &["GET"]),
    ("/self-service/verification", &["GET", "POST"]),
    ("/self-service/logout/browser", &["GET"]),
    ("/self-service/logout/api", &["DELETE"]),
    ("/self-service/logout", &["GET"]),
    ("/self-service/errors", &["GET"]),
    ("/schemas", &["GET"]),
    ("/schemas/{id}", &["GET"]),
    ("/sessions/whoami", &["GET"]),
];
