//! Building the domain's [`RequestInfo`] from an HTTP request, including Kratos's CSRF cookie
//! middleware (`ory/kratos: x/nosurfx`): a valid cookie is read on every path; on paths the
//! middleware does not ignore, a missing or invalid cookie is replaced by a fresh one.

use crate::negotiate::negotiate;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use hoplite_core::flow::RequestInfo;
use hoplite_core::registry::Registry;
use hoplite_core::x::csrf;
use std::net::SocketAddr;

/// What the CSRF middleware decided for this request.
pub struct Csrf {
    /// A new cookie value to set with the response.
    pub issue: Option<String>,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// All cookies as (name, value) pairs.
fn cookies(h: &HeaderMap) -> Vec<(String, String)> {
    h.get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            let (n, v) = c.trim().split_once('=')?;
            Some((n.trim().to_string(), v.trim().trim_matches('"').to_string()))
        })
        .collect()
}

/// Extracts the request. `csrf_ignored`: the path is on the CSRF middleware's ignore list.
pub fn request_info(
    reg: &Registry,
    parts: &Parts,
    peer: Option<SocketAddr>,
    csrf_ignored: bool,
) -> (RequestInfo, Csrf) {
    let h = &parts.headers;
    let cookie_list = cookies(h);
    let accept = header(h, "accept");
    let content_type = header(h, "content-type").map(str::to_string);
    let is_json_request = negotiate(
        accept,
        &["text/html", "text/*", "*/*", "application/json"],
        "text/html",
    ) == "application/json"
        || content_type.as_deref() == Some("application/json");
    let accepts_json =
        negotiate(accept, &["text/html", "application/json"], "text/html") == "application/json";

    let csrf_cookie = cookie_list
        .iter()
        .find(|(n, _)| *n == reg.csrf_cookie_name)
        .and_then(|(_, v)| csrf::decode_real(v));
    let mut issue = None;
    let csrf_real = match csrf_cookie {
        Some(real) => Some(real),
        None if csrf_ignored => None,
        None => {
            let fresh = csrf::generate_real_token();
            let real = csrf::decode_real(&fresh);
            issue = Some(fresh);
            real
        }
    };

    let session_cookie = cookie_list
        .iter()
        .find(|(n, _)| *n == reg.config.session.cookie_name)
        .map(|(_, v)| v.clone());
    let bearer = header(h, "authorization").and_then(|a| {
        let mut parts = a.split(' ');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(scheme), Some(token), None) if scheme.eq_ignore_ascii_case("bearer") => {
                Some(token.to_string())
            }
            _ => None,
        }
    });
    let session_token = header(h, "x-session-token")
        .map(str::to_string)
        .or(session_cookie)
        .or(bearer);

    let scheme = header(h, "x-forwarded-proto").unwrap_or("http");
    let host = parts
        .uri
        .host()
        .map(str::to_string)
        .or_else(|| header(h, "x-forwarded-host").map(str::to_string))
        .or_else(|| header(h, "host").map(str::to_string))
        .unwrap_or_default();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let url = format!("{scheme}://{host}{path_and_query}");
    let query = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();

    let client_ip = ["true-client-ip", "cf-connecting-ip", "x-real-ip"]
        .iter()
        .find_map(|n| header(h, n).map(str::to_string))
        .or_else(|| {
            header(h, "x-forwarded-for")
                .and_then(|v| v.split(',').next())
                .map(|v| v.trim().to_string())
        })
        .or_else(|| peer.map(|p| p.to_string()))
        .unwrap_or_default();
    let user_agent = h
        .get_all("user-agent")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(" ");
    let location = [header(h, "cf-ipcity"), header(h, "cf-ipcountry")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");

    let info = RequestInfo {
        method: parts.method.to_string(),
        url,
        query,
        is_json_request,
        accepts_json,
        csrf_cookie,
        csrf_real,
        has_cookie_header: h.contains_key("cookie"),
        cookie_names: cookie_list.iter().map(|(n, _)| n.clone()).collect(),
        session_token,
        has_origin: h.contains_key("origin"),
        is_ajax: matches!(
            header(h, "sec-fetch-mode"),
            Some("cors") | Some("same-origin")
        ),
        content_type,
        has_csrf_header: h.contains_key("x-csrf-token"),
        request_id: header(h, "x-request-id").map(str::to_string),
        client_ip,
        user_agent,
        location,
    };
    (info, Csrf { issue })
}

/// The `Set-Cookie` value for a CSRF token (spec §4.1).
pub fn csrf_cookie(reg: &Registry, value: &str) -> String {
    let c = &reg.config.cookies;
    let mut s = format!("{}={}; Path={}", reg.csrf_cookie_name, value, c.path);
    if let Some(d) = &c.domain {
        s.push_str(&format!("; Domain={d}"));
    }
    s.push_str("; Max-Age=31536000; HttpOnly");
    if c.secure {
        s.push_str("; Secure");
    }
    let same_site = if c.secure {
        c.same_site.as_str()
    } else {
        "Lax"
    };
    s.push_str(&format!("; SameSite={same_site}"));
    s
}
