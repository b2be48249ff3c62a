//! Turning a domain [`Reply`] into an HTTP response with Kratos's headers.

use crate::request::{Csrf, csrf_cookie};
use axum::body::Body as HttpBody;
use axum::http::{HeaderValue, Response, StatusCode, header};
use hoplite_core::flow::{Body, Reply};
use hoplite_core::registry::Registry;

/// Go's JSON encoder escapes `<`, `>` and `&` and ends with a newline; so do we.
fn go_json(v: &serde_json::Value) -> Vec<u8> {
    let s = serde_json::to_string(v).expect("json serialises");
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out.into_bytes()
}

/// Renders `reply`; `csrf` carries a cookie the middleware decided to issue (public routes only).
pub fn render(reg: &Registry, reply: Reply, csrf: Option<Csrf>) -> Response<HttpBody> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = Response::builder().status(status);
    let body = match &reply.body {
        Body::Json(v) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json; charset=utf-8");
            HttpBody::from(go_json(v))
        }
        Body::Error(v) => {
            let id = v
                .pointer("/error/id")
                .and_then(|i| i.as_str())
                .unwrap_or("");
            builder = builder
                .header(header::CONTENT_TYPE, "application/json")
                .header(
                    "ory-error-id",
                    HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("")),
                );
            HttpBody::from(go_json(v))
        }
        Body::Redirect(location) => {
            builder = builder.header(header::LOCATION, location.as_str());
            HttpBody::empty()
        }
    };
    let mut cookies: Vec<String> = reply.set_cookies.clone();
    let issued = csrf.and_then(|c| c.issue);
    if reply.rotate_csrf {
        cookies.push(csrf_cookie(
            reg,
            &hoplite_core::x::csrf::generate_real_token(),
        ));
    } else if let Some(token) = issued {
        cookies.push(csrf_cookie(reg, &token));
    }
    for c in cookies {
        builder = builder.header(header::SET_COOKIE, c);
    }
    builder.body(body).expect("valid response")
}
