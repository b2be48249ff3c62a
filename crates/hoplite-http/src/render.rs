//! Turning a domain [`Reply`] into an HTTP response with Kratos's headers.

use crate::request::{Csrf, csrf_cookie};
use axum::body::Body as HttpBody;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use hoplite_core::flow::{Body, Reply};
use hoplite_core::registry::Registry;
use hoplite_core::x::gojson::go_escape;
use hoplite_core::x::gourl;

/// Go's JSON encoder escapes `<`, `>` and `&` and ends with a newline; so do we.
fn go_json(v: &serde_json::Value) -> Vec<u8> {
    go_escape(serde_json::to_vec(v).expect("json serialises"))
}

/// Go's `http.StatusText` for the redirect codes.
fn redirect_status_text(code: u16) -> &'static str {
    match code {
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        _ => hoplite_core::error::status_text(code),
    }
}

/// Go's `htmlEscape` (`http.Redirect`'s body); also used by the built-in UI pages.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `path.Split` directory part: everything up to and including the last `/`.
fn dir_of(p: &str) -> &str {
    p.rfind('/').map_or("", |i| &p[..=i])
}

/// `http.Redirect`'s target: a URL without scheme and host is made absolute against the request
/// path and cleaned (trailing slash and query kept); anything else is used as given.
fn resolve_location(location: &str, request_path: &str) -> String {
    let Ok(u) = gourl::parse(location) else {
        return location.to_string();
    };
    if !u.scheme.is_empty() || !u.host.is_empty() {
        return location.to_string();
    }
    let mut url = location.to_string();
    if !url.starts_with('/') {
        let old = gourl::parse_request_uri(request_path)
            .map(|u| u.escaped_path())
            .unwrap_or_else(|_| request_path.to_string());
        let old = if old.is_empty() { "/".to_string() } else { old };
        url = format!("{}{url}", dir_of(&old));
    }
    let (path, query) = match url.find('?') {
        Some(i) => (url[..i].to_string(), url[i..].to_string()),
        None => (url, String::new()),
    };
    let mut cleaned = gourl::path_clean(&path);
    if path.ends_with('/') && !cleaned.ends_with('/') {
        cleaned.push('/');
    }
    cleaned + &query
}

/// The `Location` header value: Go's `hexEscapeNonASCII` (lower-case hex), then what Go's
/// header writer does (CR/LF to spaces, surrounding whitespace trimmed). Go would send any other
/// control byte raw, which an HTTP header here cannot hold: those are percent-escaped.
pub(crate) fn location_header(url: &str) -> HeaderValue {
    let mut escaped = String::with_capacity(url.len());
    for &b in url.as_bytes() {
        match b {
            0x80.. => escaped.push_str(&format!("%{b:x}")),
            b'\r' | b'\n' => escaped.push(' '),
            _ => escaped.push(b as char),
        }
    }
    let trimmed = escaped.trim_matches([' ', '\t', '\r', '\n']);
    let mut out = String::with_capacity(trimmed.len());
    for b in trimmed.bytes() {
        if (b < 0x20 && b != b'\t') || b == 0x7f {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push(b as char);
        }
    }
    HeaderValue::from_str(&out).unwrap_or_else(|_| HeaderValue::from_static("/"))
}

/// Go's `http.Redirect(w, r, location, code)`: `Location`, and for GET/HEAD requests
/// `Content-Type: text/html; charset=utf-8` with (GET only) the `<a href>` body.
pub(crate) fn redirect_parts(
    method: &Method,
    request_path: &str,
    location: &str,
    code: u16,
) -> (HeaderMap, HttpBody) {
    let url = resolve_location(location, request_path);
    let mut headers = HeaderMap::new();
    headers.insert(header::LOCATION, location_header(&url));
    let get = method == Method::GET;
    if get || method == Method::HEAD {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    let body = if get {
        HttpBody::from(format!(
            "<a href=\"{}\">{}</a>.\n\n",
            html_escape(&url),
            redirect_status_text(code)
        ))
    } else {
        HttpBody::empty()
    };
    (headers, body)
}

/// A complete `http.Redirect` response.
pub(crate) fn redirect_response(
    method: &Method,
    request_path: &str,
    location: &str,
    code: u16,
) -> Response<HttpBody> {
    let (headers, body) = redirect_parts(method, request_path, location, code);
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::FOUND);
    *resp.headers_mut() = headers;
    resp
}

/// Renders `reply` for the request `req` (its method and path shape redirects, as Go's
/// `http.Redirect` does); `csrf` carries a cookie the middleware decided to issue (public routes
/// only). Never panics: header values that cannot be sent are escaped or left out.
pub fn render(
    reg: &Registry,
    mut reply: Reply,
    csrf: Option<Csrf>,
    req: &Parts,
) -> Response<HttpBody> {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let success = |json: Vec<u8>| {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        (h, HttpBody::from(json))
    };
    let (mut headers, body) = match std::mem::replace(&mut reply.body, Body::Empty) {
        Body::Json(v) => success(go_json(&v)),
        Body::JsonText(bytes) => success(go_escape(bytes)),
        Body::JsonShared(bytes) => {
            let (h, _) = success(Vec::new());
            (h, HttpBody::from(axum::body::Bytes::from_owner(bytes)))
        }
        Body::JsonUnescaped(v) => {
            let mut json = serde_json::to_vec(&v).expect("json serialises");
            json.push(b'\n');
            success(json)
        }
        Body::Error(v) => {
            let id = v
                .pointer("/error/id")
                .and_then(|i| i.as_str())
                .unwrap_or("");
            let mut h = HeaderMap::new();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert(
                "ory-error-id",
                HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("")),
            );
            (h, HttpBody::from(go_json(&v)))
        }
        Body::Redirect(location) => {
            redirect_parts(&req.method, req.uri.path(), &location, reply.status)
        }
        Body::Empty => (HeaderMap::new(), HttpBody::empty()),
    };
    for (name, value) in &reply.headers {
        if let (Ok(n), Ok(v)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    let mut cookies: Vec<String> = reply.set_cookies.clone();
    let issued = csrf.and_then(|c| c.issue);
    if let Some(token) = &reply.issue_csrf {
        cookies.push(csrf_cookie(reg, token));
    } else if reply.rotate_csrf {
        cookies.push(csrf_cookie(
            reg,
            &hoplite_core::x::csrf::generate_real_token(),
        ));
    } else if let Some(token) = issued {
        cookies.push(csrf_cookie(reg, &token));
    }
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            headers.append(header::SET_COOKIE, v);
        }
    }
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(b: HttpBody) -> String {
        let bytes = axum::body::to_bytes(b, 1 << 20).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn json_is_escaped_as_go_encodes_it() {
        // Go: json.NewEncoder(w).Encode(map[string]string{"a": "<b>&\u2028\u2029 é ⁂"}).
        let v = serde_json::json!({"a": "<b>&\u{2028}\u{2029} é ⁂"});
        assert_eq!(
            String::from_utf8(go_json(&v)).unwrap(),
            "{\"a\":\"\\u003cb\\u003e\\u0026\\u2028\\u2029 é ⁂\"}\n"
        );
        // Nothing to escape: the bytes as serialised, plus the newline.
        assert_eq!(go_escape(b"{\"a\":1}".to_vec()), b"{\"a\":1}\n");
        // A lone 0xE2 lead byte of another character is left alone (⁂ is E2 81 82).
        assert_eq!(go_escape("\"⁂\"".as_bytes().to_vec()), "\"⁂\"\n".as_bytes());
    }

    #[test]
    fn location_hex_escapes_non_ascii_like_go() {
        // Go: hexEscapeNonASCII("http://h/self-service/ü?x=é") (lower-case hex).
        assert_eq!(
            location_header("http://h/self-service/ü?x=é"),
            "http://h/self-service/%c3%bc?x=%c3%a9"
        );
        // CR/LF become spaces and the value is trimmed, as Go's header writer does; other
        // control bytes are escaped instead of breaking the response.
        assert_eq!(location_header(" http://h/a\r\nb \n"), "http://h/a  b");
        assert_eq!(
            location_header("http://h/\u{0}\u{7f}\tx"),
            "http://h/%00%7f\tx"
        );
        assert_eq!(location_header("http://h/ok"), "http://h/ok");
    }

    #[test]
    fn relative_locations_resolve_like_go() {
        assert_eq!(
            resolve_location("/ui/registration?flow=1", "/x"),
            "/ui/registration?flow=1"
        );
        assert_eq!(resolve_location("/a/../b/?q=/../", "/x"), "/b/?q=/../");
        assert_eq!(resolve_location("c?d", "/a/b"), "/a/c?d");
        assert_eq!(resolve_location("../c", "/a/b/"), "/a/c");
        assert_eq!(resolve_location("http://h/a/../b", "/"), "http://h/a/../b");
        assert_eq!(resolve_location("//h/a/../b", "/"), "//h/a/../b");
    }

    #[tokio::test]
    async fn get_redirects_carry_gos_html_body() {
        let (h, b) = redirect_parts(&Method::GET, "/", "http://h/?a=1&b=\"<ü>'", 303);
        assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(h[header::LOCATION], "http://h/?a=1&b=\"<%c3%bc>'");
        assert_eq!(
            body_of(b).await,
            "<a href=\"http://h/?a=1&amp;b=&#34;&lt;ü&gt;&#39;\">See Other</a>.\n\n"
        );
        let (_, b) = redirect_parts(&Method::GET, "/", "http://h/", 302);
        assert_eq!(body_of(b).await, "<a href=\"http://h/\">Found</a>.\n\n");
        let (_, b) = redirect_parts(&Method::GET, "/", "http://h/", 307);
        assert_eq!(
            body_of(b).await,
            "<a href=\"http://h/\">Temporary Redirect</a>.\n\n"
        );
    }

    #[tokio::test]
    async fn other_methods_get_no_body() {
        let (h, b) = redirect_parts(&Method::HEAD, "/", "http://h/", 303);
        assert_eq!(h[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(body_of(b).await, "");
        let (h, b) = redirect_parts(&Method::POST, "/", "http://h/", 302);
        assert!(h.get(header::CONTENT_TYPE).is_none());
        assert_eq!(h[header::LOCATION], "http://h/");
        assert_eq!(body_of(b).await, "");
    }
}
