//! The admin router (port 4434).

use crate::public::{health_routes, json_response};
use crate::render::render;
use crate::request::request_info;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Response};
use axum::routing::get;
use hoplite_core::error::ErrorObject;
use hoplite_core::flow::Reply;
use hoplite_core::registry::Registry;
use std::sync::Arc;

type Reg = State<Arc<Registry>>;

async fn get_identity(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply = hoplite_core::identity::handler::get_identity(&reg, &info, &id).await;
    render(&reg, reply, None)
}

async fn list_identities(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let (reply, link) = hoplite_core::identity::handler::list_identities(&reg, &info).await;
    let mut resp = render(&reg, reply, None);
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert("link", link);
    }
    resp
}

/// Self-service routes on the admin port answer 307 to the same path on the public URL.
async fn to_public(State(reg): Reg, req: Request) -> Response<Body> {
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let pq = pq.strip_prefix("/admin").unwrap_or(pq);
    let location = format!(
        "{}{}",
        reg.config.serve.public_base_url.trim_end_matches('/'),
        pq
    );
    Response::builder()
        .status(307)
        .header("location", location)
        .body(Body::empty())
        .expect("valid response")
}

async fn not_found(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    render(
        &reg,
        Reply::error(&ErrorObject::not_found(), info.request_id.as_deref()),
        None,
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
    for path in [
        "/self-service/registration/browser",
        "/self-service/registration/api",
        "/self-service/registration/flows",
        "/self-service/registration",
        "/self-service/errors",
    ] {
        r = r.route(path, get(to_public).post(to_public));
        r = r.route(&format!("/admin{path}"), get(to_public).post(to_public));
    }
    r.merge(health_routes()).fallback(not_found).with_state(reg)
}
