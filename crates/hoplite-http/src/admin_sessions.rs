//! Admin session routes (`ory/kratos: session/handler.go` `RegisterAdminRoutes`) and the metrics
//! endpoint.

use crate::render::render;
use crate::request::request_info;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::Response;
use axum::routing::{get, patch};
use hoplite_core::flow::{Reply, RequestInfo};
use hoplite_core::registry::Registry;
use hoplite_core::session::handler as sessions;
use std::sync::Arc;

type Reg = State<Arc<Registry>>;

async fn run<F, Fut>(reg: Arc<Registry>, req: Request, f: F) -> Response<Body>
where
    F: FnOnce(Arc<Registry>, RequestInfo) -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply = f(reg.clone(), info).await;
    render(&reg, reply, None, &parts)
}

async fn list(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::admin_list_sessions(&reg, &info).await
    })
    .await
}

/// `POST /admin/sessions` (`manageSessions`).
async fn manage(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let bytes =
        match crate::admin::body_or_413(&reg, &parts, body, info.request_id.as_deref()).await {
            Ok(b) => b,
            Err(resp) => return resp,
        };
    let reply = sessions::admin_manage_sessions(&reg, &info, &bytes).await;
    render(&reg, reply, None, &parts)
}

async fn get_one(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::admin_get_session(&reg, &info, &id).await
    })
    .await
}

async fn disable(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::admin_disable_session(&reg, &info, &id).await
    })
    .await
}

async fn extend(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::admin_extend_session(&reg, &info, &id).await
    })
    .await
}

async fn identity_sessions(
    State(reg): Reg,
    Path(id): Path<String>,
    req: Request,
) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::admin_list_identity_sessions(&reg, &info, &id).await
    })
    .await
}

async fn delete_identity_sessions(
    State(reg): Reg,
    Path(id): Path<String>,
    req: Request,
) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::admin_delete_identity_sessions(&reg, &info, &id).await
    })
    .await
}

async fn metrics(State(reg): Reg) -> Response<Body> {
    Response::builder()
        .status(200)
        .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .body(Body::from(reg.metrics.prometheus_text()))
        .expect("valid response")
}

/// `/admin/sessions...`, `/admin/identities/{id}/sessions` and `/admin/metrics/prometheus`.
pub fn routes() -> Router<Arc<Registry>> {
    Router::new()
        // `DELETE /admin/sessions` is the public `DELETE /sessions`, redirected.
        .route(
            "/admin/sessions",
            get(list).delete(crate::admin::to_public).post(manage),
        )
        .route("/admin/sessions/{id}", get(get_one).delete(disable))
        .route("/admin/sessions/{id}/extend", patch(extend))
        .route(
            "/admin/identities/{id}/sessions",
            get(identity_sessions).delete(delete_identity_sessions),
        )
        .route("/admin/metrics/prometheus", get(metrics))
}
