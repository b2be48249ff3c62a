//! The admin router (port 4434).

use crate::public::{health_routes, json_response};
use crate::render::{redirect_response, render};
use crate::request::request_info;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Response};
use axum::routing::get;
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

/// Self-service routes on the admin port answer 307 to the same path on the public URL
/// (`redir.RedirectToPublicRoute`): the request URL with the public scheme and host, its path
/// without `/admin` joined to the public URL's path (`path.Join`), then `http.Redirect`.
async fn to_public(State(reg): Reg, req: Request) -> Response<Body> {
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

async fn not_found(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    render(
        &reg,
        Reply::error(&ErrorObject::not_found(), info.request_id.as_deref()),
        None,
        &parts,
    )
}

/// The admin API.
pub fn admin_router(reg: Arc<Registry>) -> Router {
    let mut r = Router::new()
        .route("/admin/identities", get(list_identities))
        .route("/admin/identities/{id}", get(get_identity))
        .route(
            "/admin/health/alive",
            get(|| async { json_response(200, serde_json::json!({"status": "ok"})) }),
        );
    // Kratos's admin redirects (`RegisterAdminRoutes` of registration and errorx): GET only, except
    // the submit route, which also takes POST.
    for (path, post) in [
        ("/self-service/registration/browser", false),
        ("/self-service/registration/api", false),
        ("/self-service/registration/flows", false),
        ("/self-service/registration", true),
        ("/self-service/errors", false),
    ] {
        for path in [path.to_string(), format!("/admin{path}")] {
            let method = if post {
                get(to_public).post(to_public)
            } else {
                get(to_public)
            };
            r = r.route(&path, method);
        }
    }
    r.merge(health_routes())
        .merge(crate::admin_sessions::routes())
        .fallback(not_found)
        .with_state(reg)
}
