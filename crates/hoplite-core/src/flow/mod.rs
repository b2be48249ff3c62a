//! Machinery shared by every self-service flow (`ory/kratos: selfservice/flow/`): flow types, the
//! request as the domain sees it, outcomes the HTTP layer renders, return-URL checks, error UI,
//! and what every submission goes through (body decoding, CSRF check, form errors).

pub mod csrf;
pub mod decoder;
pub mod errorx;
pub mod guard;
pub mod identity_schema;
pub mod login;
pub mod logout;
pub mod recovery;
pub mod redirect;
pub mod registration;
pub mod request;
pub mod return_to;
pub mod settings;
pub mod submit;
pub mod verification;

pub use request::RequestInfo;

use crate::error::ErrorObject;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// `api` (native apps: no cookies, no CSRF) or `browser`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowType {
    Api,
    Browser,
}

impl FlowType {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowType::Api => "api",
            FlowType::Browser => "browser",
        }
    }
}

/// What a handler answers; `hoplite-http` turns it into an HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A success body (`application/json; charset=utf-8`).
    Json(Value),
    /// A success body serialised already (as [`Body::Json`] once rendered).
    JsonText(Vec<u8>),
    /// A success body rendered already, Go's escaping and newline included, shared with a cache
    /// (the seed endpoint's flow views).
    JsonShared(std::sync::Arc<[u8]>),
    /// A success value written without Go's HTML escaping (herodot's `UnescapedHTML`, for
    /// bodies carrying URLs with `&`).
    JsonUnescaped(Value),
    /// An error body (`application/json`, plus `Ory-Error-Id` from `error.id`).
    Error(Value),
    /// No body: a redirect to `location`.
    Redirect(String),
    /// No body at all (e.g. `204 No Content`).
    Empty,
}

/// A complete answer: status, body, cookies to set, and whether to rotate the CSRF cookie.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Body,
    /// Complete `Set-Cookie` header values.
    pub set_cookies: Vec<String>,
    /// Issue a fresh CSRF cookie with this reply (after a session was issued).
    pub rotate_csrf: bool,
    /// Further response headers (e.g. `Link` for pagination).
    pub headers: Vec<(String, String)>,
    /// Issue a CSRF cookie with this real token (standard base64), chosen by the handler because
    /// the flow stores a token masked from it.
    pub issue_csrf: Option<String>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Body::Json(body),
            set_cookies: Vec::new(),
            rotate_csrf: false,
            headers: Vec::new(),
            issue_csrf: None,
        }
    }
    /// A success reply whose body is JSON text serialised already.
    pub fn json_shared(status: u16, body: std::sync::Arc<[u8]>) -> Reply {
        Reply {
            status,
            body: Body::JsonShared(body),
            set_cookies: Vec::new(),
            rotate_csrf: false,
            headers: Vec::new(),
            issue_csrf: None,
        }
    }

    pub fn json_text(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            body: Body::JsonText(body),
            set_cookies: Vec::new(),
            rotate_csrf: false,
            headers: Vec::new(),
            issue_csrf: None,
        }
    }
    /// A reply without a body (`204 No Content` and the like).
    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: Body::Empty,
            set_cookies: Vec::new(),
            rotate_csrf: false,
            headers: Vec::new(),
            issue_csrf: None,
        }
    }
    /// Adds a response header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
    pub fn redirect(status: u16, location: impl Into<String>) -> Reply {
        Reply {
            status,
            body: Body::Redirect(location.into()),
            set_cookies: Vec::new(),
            rotate_csrf: false,
            headers: Vec::new(),
            issue_csrf: None,
        }
    }
    /// The generic error body `{"error": {...}}` with the error's own status (500 when it has none).
    pub fn error(err: &ErrorObject, request_id: Option<&str>) -> Reply {
        let status = if err.code == 0 { 500 } else { err.code };
        Reply::error_with_status(err, status, request_id)
    }
    /// The generic error body written with an explicit HTTP status.
    pub fn error_with_status(err: &ErrorObject, status: u16, request_id: Option<&str>) -> Reply {
        let mut err = err.clone();
        if err.code == 0 {
            err.code = 500;
            err.status = crate::error::status_text(500).into();
        }
        if let Some(id) = request_id {
            err.request = id.to_string();
        }
        // A refusal for load (the hashing queue) says when to come back.
        let headers = match err.details.get("retry_after_seconds") {
            Some(v) if status == 429 => vec![("retry-after".to_string(), v.to_string())],
            _ => Vec::new(),
        };
        Reply {
            status,
            body: Body::Error(json!({ "error": err })),
            set_cookies: Vec::new(),
            rotate_csrf: false,
            headers,
            issue_csrf: None,
        }
    }
    /// A self-describing error body (e.g. the expired-flow error) with the given status.
    pub fn error_body(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Body::Error(body),
            set_cookies: Vec::new(),
            rotate_csrf: false,
            headers: Vec::new(),
            issue_csrf: None,
        }
    }
}

/// Sets (replaces) query parameter `key` on `url` as Kratos's `urlx.CopyWithQuery` does: the
/// query is decoded with Go's `ParseQuery` (invalid pairs dropped), re-encoded with
/// `url.Values.Encode` (keys sorted, `QueryEscape`: spaces as `+`, only `A-Za-z0-9-_.~` kept) and
/// the URL printed with Go's `URL.String`. Relative URLs stay relative.
pub fn with_query_param(url: &str, key: &str, value: &str) -> String {
    use crate::x::gourl;
    let set = |raw_query: &str| {
        let mut q = gourl::parse_query(raw_query);
        q.insert(key.as_bytes().to_vec(), vec![value.as_bytes().to_vec()]);
        gourl::encode_values(&q)
    };
    match gourl::parse(url) {
        Ok(mut u) => {
            u.raw_query = set(&u.raw_query);
            u.to_string()
        }
        // Not a URL Go could parse: splice the query in textually.
        Err(_) => {
            let (rest, fragment) = match url.split_once('#') {
                Some((r, f)) => (r, format!("#{f}")),
                None => (url, String::new()),
            };
            let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
            format!("{base}?{}{fragment}", set(query))
        }
    }
}

/// Joins the public base URL and an absolute path (`/self-service/...`).
pub fn public_url(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_replaced_and_sorted() {
        assert_eq!(
            with_query_param("http://a/b?z=1&flow=x", "flow", "y"),
            "http://a/b?flow=y&z=1"
        );
        assert_eq!(
            with_query_param("/registration", "flow", "1"),
            "/registration?flow=1"
        );
    }

    #[test]
    fn query_params_encode_like_go_values() {
        // Expected values printed by Go: u.Query(); q.Set(k, v); u.RawQuery = q.Encode().
        assert_eq!(
            with_query_param("http://a/b", "return_to", "http://x/y?a=b c*~"),
            "http://a/b?return_to=http%3A%2F%2Fx%2Fy%3Fa%3Db+c%2A~"
        );
        assert_eq!(
            with_query_param("http://a/b?b=1+2&a=%7E&a=x&bad=%zz&s;x=1#frag", "flow", "f"),
            "http://a/b?a=~&a=x&b=1+2&flow=f#frag"
        );
        assert_eq!(
            with_query_param("http://127.0.0.1:4455", "flow", "1"),
            "http://127.0.0.1:4455?flow=1"
        );
        assert_eq!(
            with_query_param("http://a/?", "flow", "1"),
            "http://a/?flow=1"
        );
        assert_eq!(
            with_query_param("http://a/p#x?y", "flow", "1"),
            "http://a/p?flow=1#x?y"
        );
    }
}
