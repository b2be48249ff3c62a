//! The public router (port 4433).

use crate::render::render;
use crate::request::request_info;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderValue, Response};
use axum::routing::get;
use hoplite_core::error::ErrorObject;
use hoplite_core::flow::Reply;
use hoplite_core::flow::registration::{
    ROUTE_GET_FLOW, ROUTE_INIT_API, ROUTE_INIT_BROWSER, ROUTE_SUBMIT, handler,
};
use hoplite_core::flow::settings::handler as settings;
use hoplite_core::flow::{login::handler as login, logout, recovery, verification};
use hoplite_core::registry::Registry;
use hoplite_core::session::handler as sessions;
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::Arc;

type Reg = State<Arc<Registry>>;

/// Paths Kratos's CSRF middleware ignores (no cookie is issued there).
const CSRF_IGNORED: &[&str] = &[
    ROUTE_INIT_API,
    ROUTE_SUBMIT,
    hoplite_core::flow::login::ROUTE_INIT_API,
    hoplite_core::flow::login::ROUTE_SUBMIT,
    hoplite_core::flow::settings::ROUTE_INIT_API,
    hoplite_core::flow::settings::ROUTE_SUBMIT,
    verification::ROUTE_INIT_API,
    verification::ROUTE_SUBMIT,
    recovery::ROUTE_INIT_API,
    recovery::ROUTE_SUBMIT,
    logout::ROUTE_API,
    "/sessions",
    "/sessions/whoami",
    "/health/alive",
    "/health/ready",
    "/version",
];

/// Whether Kratos's CSRF middleware leaves `path` alone (no cookie issued there).
fn csrf_ignored(path: &str) -> bool {
    CSRF_IGNORED.contains(&path) || path.starts_with("/sessions/")
}

fn peer(req: &Request) -> Option<SocketAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

/// Runs a domain handler on a bodiless request and renders its reply, with the CSRF middleware.
async fn run<F, Fut>(reg: Arc<Registry>, req: Request, f: F) -> Response<Body>
where
    F: FnOnce(Arc<Registry>, hoplite_core::flow::RequestInfo) -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let peer = peer(&req);
    let (parts, _) = req.into_parts();
    let (info, csrf) = request_info(&reg, &parts, peer, csrf_ignored(parts.uri.path()));
    let reply = f(reg.clone(), info).await;
    with_vary(render(&reg, reply, Some(csrf), &parts))
}

fn with_vary(mut resp: Response<Body>) -> Response<Body> {
    resp.headers_mut()
        .insert("vary", HeaderValue::from_static("Cookie"));
    resp
}

async fn init_browser(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        handler::create_browser_registration_flow(&reg, &info).await
    })
    .await
}

async fn init_api(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        handler::create_native_registration_flow(&reg, &info).await
    })
    .await
}

async fn get_flow(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        handler::get_registration_flow(&reg, &info).await
    })
    .await
}

/// Runs a domain handler that reads the request body (at most [`crate::MAX_BODY_BYTES`]; more is
/// a 413) and renders its reply. The CSRF middleware is skipped: the handlers check the token.
async fn run_with_body<F, Fut>(reg: Arc<Registry>, req: Request, f: F) -> Response<Body>
where
    F: FnOnce(Arc<Registry>, hoplite_core::flow::RequestInfo, Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let peer = peer(&req);
    let (parts, body) = req.into_parts();
    let (info, csrf) = request_info(&reg, &parts, peer, true);
    let bytes = match read_body(body).await {
        Some(b) => b,
        None => {
            let err = ErrorObject::payload_too_large().with_reason(format!(
                "The request body exceeds the limit of {} bytes.",
                crate::MAX_BODY_BYTES
            ));
            return with_vary(render(
                &reg,
                Reply::error(&err, info.request_id.as_deref()),
                Some(csrf),
                &parts,
            ));
        }
    };
    let reply = f(reg.clone(), info, bytes).await;
    with_vary(render(&reg, reply, Some(csrf), &parts))
}

async fn submit(State(reg): Reg, req: Request) -> Response<Body> {
    run_with_body(reg, req, |reg, info, body| async move {
        handler::update_registration_flow(&reg, &info, &body).await
    })
    .await
}

async fn login_init_browser(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        login::create_browser_login_flow(&reg, &info).await
    })
    .await
}

async fn login_init_api(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        login::create_native_login_flow(&reg, &info).await
    })
    .await
}

async fn login_get_flow(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        login::get_login_flow(&reg, &info).await
    })
    .await
}

async fn login_submit(State(reg): Reg, req: Request) -> Response<Body> {
    run_with_body(reg, req, |reg, info, body| async move {
        login::update_login_flow(&reg, &info, &body).await
    })
    .await
}

async fn settings_init_browser(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        settings::create_browser_settings_flow(&reg, &info).await
    })
    .await
}

async fn settings_init_api(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        settings::create_native_settings_flow(&reg, &info).await
    })
    .await
}

async fn settings_get_flow(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        settings::get_settings_flow(&reg, &info).await
    })
    .await
}

async fn settings_submit(State(reg): Reg, req: Request) -> Response<Body> {
    run_with_body(reg, req, |reg, info, body| async move {
        settings::update_settings_flow(&reg, &info, &body).await
    })
    .await
}

async fn well_known_change_password(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, _info| async move {
        settings::well_known_change_password(&reg)
    })
    .await
}

async fn logout_browser(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        logout::create_browser_logout_flow(&reg, &info).await
    })
    .await
}

async fn logout_submit(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        logout::update_logout_flow(&reg, &info).await
    })
    .await
}

async fn logout_api(State(reg): Reg, req: Request) -> Response<Body> {
    run_with_body(reg, req, |reg, info, body| async move {
        logout::perform_native_logout(&reg, &info, &body).await
    })
    .await
}

async fn recovery_init_browser(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        recovery::handler::create_browser_recovery_flow(&reg, &info).await
    })
    .await
}

async fn recovery_init_api(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        recovery::handler::create_native_recovery_flow(&reg, &info).await
    })
    .await
}

async fn recovery_get_flow(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        recovery::handler::get_recovery_flow(&reg, &info).await
    })
    .await
}

async fn recovery_submit(State(reg): Reg, req: Request) -> Response<Body> {
    run_with_body(reg, req, |reg, info, body| async move {
        recovery::handler::update_recovery_flow(&reg, &info, &body).await
    })
    .await
}

async fn verification_init_browser(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        verification::handler::create_browser_verification_flow(&reg, &info).await
    })
    .await
}

async fn verification_init_api(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        verification::handler::create_native_verification_flow(&reg, &info).await
    })
    .await
}

async fn verification_get_flow(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        verification::handler::get_verification_flow(&reg, &info).await
    })
    .await
}

async fn verification_submit(State(reg): Reg, req: Request) -> Response<Body> {
    run_with_body(reg, req, |reg, info, body| async move {
        verification::handler::update_verification_flow(&reg, &info, &body).await
    })
    .await
}

async fn token_exchange(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        hoplite_core::session::token_exchange::exchange_code(&reg, &info).await
    })
    .await
}

async fn my_sessions(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::list_my_sessions(&reg, &info).await
    })
    .await
}

async fn delete_my_sessions(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::delete_my_sessions(&reg, &info).await
    })
    .await
}

async fn delete_my_session(
    State(reg): Reg,
    Path(id): Path<String>,
    req: Request,
) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        sessions::delete_my_session(&reg, &info, &id).await
    })
    .await
}

/// Reads at most [`crate::MAX_BODY_BYTES`]; `None` when the body is larger. The rest of a
/// too-large body (up to [`DRAIN_LIMIT`]) is read and dropped, so the client gets its 413 on a
/// healthy connection instead of a reset while it is still sending.
pub(crate) async fn read_body(mut body: Body) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else { return None };
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen <= crate::MAX_BODY_BYTES {
                buf.extend_from_slice(&data);
            } else if seen > DRAIN_LIMIT {
                return None;
            }
        }
    }
    (seen <= crate::MAX_BODY_BYTES).then_some(buf)
}

/// How much of an oversized body is drained before the connection is given up.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

async fn errors(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        hoplite_core::flow::errorx::get_flow_error(&reg, &info).await
    })
    .await
}

async fn whoami(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        hoplite_core::session::handler::whoami(&reg, &info).await
    })
    .await
}

async fn schemas(State(reg): Reg, req: Request) -> Response<Body> {
    run(reg, req, |reg, _| async move {
        hoplite_core::schema::handler::list_identity_schemas(&reg)
    })
    .await
}

async fn schema(State(reg): Reg, Path(id): Path<String>, req: Request) -> Response<Body> {
    run(reg, req, |reg, info| async move {
        hoplite_core::schema::handler::get_identity_schema(&reg, &info, &id)
    })
    .await
}

/// A path no route serves: Go's plain-text 404 (`ServeMux`), with the CSRF cookie Kratos's
/// middleware issues before routing.
async fn not_found(State(reg): Reg, req: Request) -> Response<Body> {
    let peer = peer(&req);
    let (parts, _) = req.into_parts();
    let (_, csrf) = request_info(&reg, &parts, peer, csrf_ignored(parts.uri.path()));
    let mut resp = crate::mux::go_not_found();
    if let Some(token) = csrf.issue
        && let Ok(v) = HeaderValue::from_str(&crate::request::csrf_cookie(&reg, &token))
    {
        resp.headers_mut().append("set-cookie", v);
    }
    with_vary(resp)
}

/// Health routes, served on both ports (on the admin port under `/admin`, with `/admin/version`).
pub fn health_routes(prefix: &str) -> Router<Arc<Registry>> {
    // The admin port shares why it is not ready; the public one does not (`healthx.Ready`).
    let share = !prefix.is_empty();
    Router::new()
        .route(&format!("{prefix}/health/alive"), get(alive))
        .route(
            &format!("{prefix}/health/ready"),
            get(move |reg: Reg| ready(reg, share)),
        )
}

async fn alive() -> Response<Body> {
    json_response(200, serde_json::json!({"status": "ok"}))
}

/// `GET /health/ready`: 200, or 503 with what herodot makes of `healthNotReadyStatus` (its
/// messages joined; the body's code is 500, as Kratos writes it).
async fn ready(State(reg): Reg, share: bool) -> Response<Body> {
    match reg.persister.ping().await {
        Ok(()) => json_response(200, serde_json::json!({"status": "ok"})),
        Err(e) => {
            let message = if share {
                e.to_string()
            } else {
                "error may contain sensitive information and was obfuscated".to_string()
            };
            let body = serde_json::json!({"error": {
                "code": 500,
                "status": "Internal Server Error",
                "message": message,
            }});
            let mut resp = json_response(503, body);
            resp.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            resp
        }
    }
}

/// `GET /admin/version` (Kratos serves it on the admin port only).
pub(crate) async fn version() -> Response<Body> {
    json_response(
        200,
        serde_json::json!({"version": env!("CARGO_PKG_VERSION")}),
    )
}

pub(crate) fn json_response(status: u16, v: serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(format!("{v}\n")))
        .expect("valid response")
}

/// The benchmark suite's baseline route (only with `hoplite.bench.fixed_response_bytes` > 0).
pub const ROUTE_BENCH_FIXED: &str = "/hoplite/bench/fixed";

/// The benchmark suite's other baseline (only with `hoplite.bench.primary_key_lookup`).
pub const ROUTE_BENCH_PRIMARY_KEY: &str = "/hoplite/bench/primary-key";

/// One primary-key read through the database connections every other read uses, and a small
/// JSON answer: what whoami and the seed endpoint cost at the least.
async fn bench_primary_key(State(reg): Reg) -> Response<Body> {
    match reg.persister.read_network().await {
        Ok(()) => json_response(200, serde_json::json!({"found": true})),
        Err(e) => {
            let e = ErrorObject::from(e);
            json_response(e.code, serde_json::json!({ "error": e }))
        }
    }
}

/// A JSON object of exactly `size` bytes (at least `{}` and a newline): the body the benchmark
/// suite compares a flow of the same size with, so that the ratio shows what hoplite adds to
/// the HTTP stack's own cost.
fn fixed_body(size: usize) -> axum::body::Bytes {
    const FRAME: usize = r#"{"padding":""}"#.len() + 1;
    let mut out = String::with_capacity(size.max(FRAME));
    out.push_str(r#"{"padding":""#);
    out.push_str(&"x".repeat(size.saturating_sub(FRAME)));
    out.push_str("\"}\n");
    axum::body::Bytes::from(out)
}

/// The public API.
pub fn public_router(reg: Arc<Registry>) -> Router {
    let mut router = Router::new();
    let fixed = reg.config.bench_fixed_response_bytes;
    if fixed > 0 {
        let body = fixed_body(fixed);
        router = router.route(
            ROUTE_BENCH_FIXED,
            get(move || {
                let body = body.clone();
                async move {
                    Response::builder()
                        .header("content-type", "application/json; charset=utf-8")
                        .body(Body::from(body))
                        .expect("valid response")
                }
            }),
        );
    }
    if reg.config.bench_primary_key_lookup {
        router = router.route(ROUTE_BENCH_PRIMARY_KEY, get(bench_primary_key));
    }
    let inner = router
        .route(ROUTE_INIT_BROWSER, get(init_browser))
        .route(ROUTE_INIT_API, get(init_api))
        .route(ROUTE_GET_FLOW, get(get_flow))
        .route(ROUTE_SUBMIT, get(submit).post(submit))
        .route(
            hoplite_core::flow::login::ROUTE_INIT_BROWSER,
            get(login_init_browser),
        )
        .route(
            hoplite_core::flow::login::ROUTE_INIT_API,
            get(login_init_api),
        )
        .route(
            hoplite_core::flow::login::ROUTE_GET_FLOW,
            get(login_get_flow),
        )
        .route(
            hoplite_core::flow::login::ROUTE_SUBMIT,
            get(login_submit).post(login_submit),
        )
        .route(
            hoplite_core::flow::settings::ROUTE_INIT_BROWSER,
            get(settings_init_browser),
        )
        .route(
            hoplite_core::flow::settings::ROUTE_INIT_API,
            get(settings_init_api),
        )
        .route(
            hoplite_core::flow::settings::ROUTE_GET_FLOW,
            get(settings_get_flow),
        )
        .route(
            hoplite_core::flow::settings::ROUTE_SUBMIT,
            get(settings_submit).post(settings_submit),
        )
        .route(
            hoplite_core::flow::settings::ROUTE_WELL_KNOWN_CHANGE_PASSWORD,
            get(well_known_change_password),
        )
        .route(logout::ROUTE_INIT_BROWSER, get(logout_browser))
        .route(logout::ROUTE_SUBMIT, get(logout_submit))
        .route(logout::ROUTE_API, axum::routing::delete(logout_api))
        .route("/self-service/errors", get(errors))
        .route(recovery::ROUTE_INIT_BROWSER, get(recovery_init_browser))
        .route(recovery::ROUTE_INIT_API, get(recovery_init_api))
        .route(recovery::ROUTE_GET_FLOW, get(recovery_get_flow))
        .route(
            recovery::ROUTE_SUBMIT,
            get(recovery_submit).post(recovery_submit),
        )
        .route(
            verification::ROUTE_INIT_BROWSER,
            get(verification_init_browser),
        )
        .route(verification::ROUTE_INIT_API, get(verification_init_api))
        .route(verification::ROUTE_GET_FLOW, get(verification_get_flow))
        .route(
            verification::ROUTE_SUBMIT,
            get(verification_submit).post(verification_submit),
        )
        // Every method reaches whoami (`session/handler.go` registers it for each).
        .route("/sessions/whoami", axum::routing::any(whoami))
        .route("/sessions", get(my_sessions).delete(delete_my_sessions))
        .route(
            hoplite_core::session::token_exchange::ROUTE_EXCHANGE,
            get(token_exchange),
        )
        .route("/sessions/{id}", axum::routing::delete(delete_my_session))
        .route("/schemas", get(schemas))
        .route("/schemas/{id}", get(schema))
        .route("/ui/registration", get(crate::ui::registration))
        .route("/ui/login", get(crate::ui::login))
        .route("/ui/settings", get(crate::ui::settings))
        .route("/ui/verification", get(crate::ui::verification))
        .route("/ui/recovery", get(crate::ui::recovery))
        .route("/ui/error", get(crate::ui::error))
        .route("/ui/welcome", get(crate::ui::welcome))
        .merge(health_routes(""))
        .route_layer(axum::middleware::from_fn_with_state(
            reg.clone(),
            crate::metrics_layer::track,
        ))
        .fallback(not_found)
        .with_state(reg);
    crate::mux::around(inner)
}

#[cfg(test)]
mod bench_tests {
    #[test]
    fn the_fixed_body_has_the_asked_size_and_is_json() {
        for size in [0, 14, 15, 16, 100, 2700] {
            let body = super::fixed_body(size);
            assert_eq!(body.len(), size.max(15), "size {size}");
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(v["padding"].is_string());
        }
    }
}
