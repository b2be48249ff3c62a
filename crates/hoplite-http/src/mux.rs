//! What Kratos's router answers by itself, around every handler (`ory/x: httprouterx/router.go`
//! over Go's `net/http.ServeMux`): `Cache-Control` on every GET, Go's plain-text 404 and 405, and
//! the admin port's `/admin` prefix for paths given without it.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, Response, StatusCode, header};
use axum::middleware::Next;

/// `NoCacheNegroni`: every response to a GET (whatever its status, redirects and errors included)
/// must not be kept by a cache, since flows carry CSRF tokens and sessions.
pub const NO_CACHE: &str = "private, no-cache, no-store, must-revalidate";

/// Go's `http.Error(w, text, code)`: plain text with a newline, `nosniff`.
pub fn go_plain_error(status: StatusCode, text: &str) -> Response<Body> {
    let mut resp = Response::new(Body::from(format!("{text}\n")));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// `http.NotFound`: what `ServeMux` answers for a path no route has.
pub fn go_not_found() -> Response<Body> {
    go_plain_error(StatusCode::NOT_FOUND, "404 page not found")
}

/// `ServeMux`'s `Allow` header: the methods sorted and joined by `", "`, HEAD added with GET.
fn go_allow(axum_allow: &str) -> String {
    let mut methods: Vec<&str> = axum_allow
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    if methods.contains(&"GET") && !methods.contains(&"HEAD") {
        methods.push("HEAD");
    }
    methods.sort_unstable();
    methods.dedup();
    methods.join(", ")
}

/// The middleware on both routers: `Cache-Control` on GET responses, and axum's bodiless 405
/// turned into Go's (`Method Not Allowed` with a sorted `Allow`).
pub async fn kratos_mux(req: Request, next: Next) -> Response<Body> {
    let get = req.method() == Method::GET;
    let mut resp = next.run(req).await;
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = resp.headers().get(header::ALLOW)
    {
        let allow = go_allow(allow.to_str().unwrap_or_default());
        let mut go = go_plain_error(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
        if let Ok(v) = HeaderValue::from_str(&allow) {
            go.headers_mut().insert(header::ALLOW, v);
        }
        resp = go;
    }
    if get {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    }
    resp
}

/// Wraps a whole router in [`kratos_mux`], so that it also sees the answers axum gives before any
/// route runs (the 405 of a path served for other methods).
pub fn around(router: axum::Router) -> axum::Router {
    axum::Router::new()
        .fallback_service(router)
        .layer(axum::middleware::from_fn(kratos_mux))
}

/// Go's `path.Join("/admin", p)`: the admin port serves every route with or without the prefix
/// (`AddAdminPrefixIfNotPresentNegroni`); a path without it is also cleaned (trailing and double
/// slashes, dot segments), as `path.Join` does.
pub fn with_admin_prefix(path: &str) -> Option<String> {
    if path.starts_with("/admin") {
        return None;
    }
    let joined = hoplite_core::x::gourl::path_clean(&format!("/admin/{path}"));
    Some(joined)
}

/// Rewrites the request's path with [`with_admin_prefix`] (query kept), before routing.
pub fn add_admin_prefix(mut req: Request) -> Request {
    let uri = req.uri();
    let Some(path) = with_admin_prefix(uri.path()) else {
        return req;
    };
    let pq = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    if let Ok(new) = pq.parse() {
        *req.uri_mut() = new;
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_is_sorted_with_head_as_go_writes_it() {
        assert_eq!(go_allow("GET,POST"), "GET, HEAD, POST");
        assert_eq!(go_allow("DELETE"), "DELETE");
        assert_eq!(go_allow("PATCH,GET,HEAD"), "GET, HEAD, PATCH");
    }

    #[test]
    fn the_admin_prefix_is_joined_and_cleaned() {
        assert_eq!(with_admin_prefix("/admin/identities"), None);
        assert_eq!(
            with_admin_prefix("/identities").as_deref(),
            Some("/admin/identities")
        );
        assert_eq!(
            with_admin_prefix("/sessions/whoami/").as_deref(),
            Some("/admin/sessions/whoami")
        );
        assert_eq!(with_admin_prefix("//a/../b").as_deref(), Some("/admin/b"));
        assert_eq!(with_admin_prefix("/").as_deref(), Some("/admin"));
    }
}
