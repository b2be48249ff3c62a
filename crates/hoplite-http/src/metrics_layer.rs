//! Request metrics: every routed request is counted by route pattern, method and status, with its
//! latency (`hoplite_http_request_duration_seconds` on `/admin/metrics/prometheus`).

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Response;
use axum::middleware::Next;
use hoplite_core::registry::Registry;
use std::sync::Arc;
use std::time::Instant;

/// The middleware (installed with `route_layer`, so the matched route is known).
pub async fn track(State(reg): State<Arc<Registry>>, req: Request, next: Next) -> Response<Body> {
    let started = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let method = req.method().as_str().to_string();
    let resp = next.run(req).await;
    reg.metrics
        .observe_request(&route, &method, resp.status().as_u16(), started.elapsed());
    resp
}
