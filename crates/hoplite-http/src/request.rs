//! Building the domain's [`RequestInfo`] from an HTTP request, including Kratos's CSRF cookie
//! middleware (`ory/kratos: x/nosurfx`): a valid cookie is read on every path; on paths the
//! middleware does not ignore, a missing or invalid cookie is replaced by a fresh one.

use crate::negotiate::negotiate;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use hoplite_core::flow::RequestInfo;
use hoplite_core::registry::Registry;
use hoplite_core::session::cookie::SetCookie;
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

/// Go's `r.Header.Get(name)`: the first value, as text (bytes that are not UTF-8 become U+FFFD,
/// as they would when Kratos JSON-encodes the string); "" when absent.
fn header_get(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// Go's `r.Header.Get(name) != ""`.
fn header_non_empty(h: &HeaderMap, name: &str) -> bool {
    h.get(name).is_some_and(|v| !v.is_empty())
}

/// Go's `textproto.TrimString`.
fn trim_ascii_space(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r'])
}

/// Go's `http.isToken` (`httpguts.ValidHeaderFieldName`).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// All cookies as (name, value) pairs, parsed as Go's `r.Cookies()` does (`readCookies`): parts
/// split at `;` and trimmed, empty parts skipped, a part without `=` is a cookie with an empty
/// value, names must be tokens, values lose one pair of surrounding quotes and must consist of
/// valid cookie-value bytes; more than 3000 cookies in all yields none.
fn cookies(h: &HeaderMap) -> Vec<(String, String)> {
    let lines: Vec<String> = h
        .get_all("cookie")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let count: usize = lines.iter().map(|l| l.matches(';').count() + 1).sum();
    if count > 3000 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for line in &lines {
        for part in trim_ascii_space(line).split(';') {
            let part = trim_ascii_space(part);
            if part.is_empty() {
                continue;
            }
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            let name = trim_ascii_space(name);
            if !is_token(name) {
                continue;
            }
            let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                Some(unquoted) if value.len() > 1 => unquoted,
                _ => value,
            };
            if !value
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b';' | b'\\'))
            {
                continue;
            }
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

/// Whether `ip` is private as Go's `net.IP.IsPrivate` decides: 10/8, 172.16/12, 192.168/16 (also
/// IPv4-mapped IPv6), fc00::/7. Loopback and link-local addresses are not private. A string Go's
/// `net.ParseIP` rejects is not private either.
fn is_private(ip: &str) -> bool {
    let v4 = |o: [u8; 4]| {
        o[0] == 10 || (o[0] == 172 && o[1] & 0xf0 == 16) || (o[0] == 192 && o[1] == 168)
    };
    match parse_go_ip(ip) {
        Some(std::net::IpAddr::V4(a)) => v4(a.octets()),
        Some(std::net::IpAddr::V6(a)) => match a.to_ipv4_mapped() {
            Some(m) => v4(m.octets()),
            None => a.octets()[0] & 0xfe == 0xfc,
        },
        None => false,
    }
}

/// Go's `net.ParseIP`: dotted-decimal IPv4 or IPv6 text without a zone.
fn parse_go_ip(s: &str) -> Option<std::net::IpAddr> {
    if s.contains('%') {
        return None;
    }
    s.parse().ok()
}

/// The client address as Kratos's `httpx.ClientIP` picks it: the first non-empty of
/// `True-Client-IP`, `Cf-Connecting-IP`, `X-Real-IP`; else, when `X-Forwarded-For` is non-empty,
/// its entries walked from the right, taking the first (trimmed) one that is not a private
/// address — "" when all are private; else the peer address with port.
fn client_ip(h: &HeaderMap, peer: Option<SocketAddr>) -> String {
    for name in ["true-client-ip", "cf-connecting-ip", "x-real-ip"] {
        let v = header_get(h, name);
        if !v.is_empty() {
            return v;
        }
    }
    let forwarded = header_get(h, "x-forwarded-for");
    if !forwarded.is_empty() {
        return forwarded
            .split(',')
            .rev()
            .map(|ip| ip.trim())
            .find(|ip| !is_private(ip))
            .unwrap_or_default()
            .to_string();
    }
    peer.map(|p| p.to_string()).unwrap_or_default()
}

/// The session token as Kratos's `extractToken` finds it: a non-empty `X-Session-Token`, else the
/// session cookie (an empty one cannot decode, so it falls through), else `Authorization: Bearer`.
fn session_token(
    h: &HeaderMap,
    cookie_list: &[(String, String)],
    cookie_name: &str,
    unseal: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let header_token = header_get(h, "x-session-token");
    if !header_token.is_empty() {
        return Some(header_token);
    }
    let cookie = cookie_list
        .iter()
        .find(|(n, _)| n == cookie_name)
        .filter(|(_, v)| !v.is_empty())
        .and_then(|(_, v)| unseal(v));
    cookie.or_else(|| {
        let a = header(h, "authorization")?;
        let mut parts = a.split(' ');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(scheme), Some(token), None) if scheme.eq_ignore_ascii_case("bearer") => {
                Some(token.to_string())
            }
            _ => None,
        }
    })
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

    let session_token = session_token(h, &cookie_list, &reg.config.session.cookie_name, |v| {
        hoplite_core::session::cookie::token_from_cookie(
            &reg.config,
            &reg.cookie_codecs,
            v,
            reg.now(),
        )
    });

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

    let client_ip = client_ip(h, peer);
    // Kratos's `SetSessionDeviceInformation`: every `User-Agent` value joined by spaces, `None`
    // (JSON `null`) when the request had none; the location joins the non-empty `Cf-Ipcity` and
    // `Cf-Ipcountry`.
    let agents: Vec<String> = h
        .get_all("user-agent")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let user_agent = (!agents.is_empty()).then(|| agents.join(" "));
    let location = [header_get(h, "cf-ipcity"), header_get(h, "cf-ipcountry")]
        .into_iter()
        .filter(|v| !v.is_empty())
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
        has_cookie_header: header_non_empty(h, "cookie"),
        cookie_names: cookie_list.iter().map(|(n, _)| n.clone()).collect(),
        continuity_cookie: cookie_list
            .iter()
            .find(|(n, _)| n == hoplite_core::continuity::COOKIE_NAME)
            .map(|(_, v)| v.clone()),
        session_token,
        has_origin: header_non_empty(h, "origin"),
        is_ajax: matches!(
            header(h, "sec-fetch-mode"),
            Some("cors") | Some("same-origin")
        ),
        content_type,
        has_csrf_header: header_non_empty(h, "x-csrf-token"),
        request_id: header(h, "x-request-id").map(str::to_string),
        client_ip,
        user_agent,
        location,
    };
    (info, Csrf { issue })
}

/// The `Set-Cookie` value for a CSRF token (spec §4.1), as Kratos's nosurf base cookie is written by
/// Go's `http.SetCookie`: `Max-Age` one year and no `Expires`; `SameSite` forced to `Lax` when the
/// cookie is not `Secure`.
pub fn csrf_cookie(reg: &Registry, value: &str) -> String {
    csrf_set_cookie(&reg.config.cookies, &reg.csrf_cookie_name, value)
}

fn csrf_set_cookie(c: &hoplite_core::config::Cookies, name: &str, value: &str) -> String {
    SetCookie {
        name: name.to_string(),
        value: value.to_string(),
        path: c.path.clone(),
        domain: c.domain.clone().unwrap_or_default(),
        expires: None,
        max_age: 31_536_000,
        http_only: true,
        secure: c.secure,
        same_site: if c.secure {
            c.same_site.clone()
        } else {
            "Lax".into()
        },
    }
    .to_header()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn peer() -> Option<SocketAddr> {
        Some("203.0.113.9:54321".parse().unwrap())
    }

    #[test]
    fn client_ip_prefers_non_empty_single_value_headers() {
        let h = headers(&[
            ("true-client-ip", ""),
            ("cf-connecting-ip", ""),
            ("x-real-ip", "198.51.100.7"),
            ("x-forwarded-for", "192.0.2.1"),
        ]);
        assert_eq!(client_ip(&h, peer()), "198.51.100.7");
        let h = headers(&[("true-client-ip", "a"), ("cf-connecting-ip", "b")]);
        assert_eq!(client_ip(&h, peer()), "a");
        let h = headers(&[("true-client-ip", ""), ("cf-connecting-ip", "b")]);
        assert_eq!(client_ip(&h, peer()), "b");
    }

    #[test]
    fn client_ip_walks_x_forwarded_for_from_the_right_skipping_private() {
        let h = headers(&[(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.5 , 10.0.0.1,172.16.3.4, 192.168.1.1, fd00::1",
        )]);
        assert_eq!(client_ip(&h, peer()), "203.0.113.5");
        // Loopback and link-local are not private for Go's IsPrivate; 172.32/12 is outside 172.16/12.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 127.0.0.1, 10.1.1.1")]);
        assert_eq!(client_ip(&h, peer()), "127.0.0.1");
        let h = headers(&[("x-forwarded-for", "198.51.100.1, ::1")]);
        assert_eq!(client_ip(&h, peer()), "::1");
        let h = headers(&[("x-forwarded-for", "172.32.0.1, 172.31.0.1")]);
        assert_eq!(client_ip(&h, peer()), "172.32.0.1");
        // IPv4-mapped IPv6 is judged as IPv4.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, ::ffff:10.0.0.1")]);
        assert_eq!(client_ip(&h, peer()), "198.51.100.1");
        // All private: Kratos returns "" (not the peer address).
        let h = headers(&[("x-forwarded-for", "10.0.0.1, 192.168.0.1, fc00::2")]);
        assert_eq!(client_ip(&h, peer()), "");
        // Unparsable entries, including an empty one, are "not private" and win.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, 10.0.0.1,")]);
        assert_eq!(client_ip(&h, peer()), "");
        let h = headers(&[("x-forwarded-for", "unknown, 10.0.0.1")]);
        assert_eq!(client_ip(&h, peer()), "unknown");
    }

    #[test]
    fn client_ip_falls_back_to_peer_with_port() {
        let h = headers(&[("x-forwarded-for", ""), ("x-real-ip", "")]);
        assert_eq!(client_ip(&h, peer()), "203.0.113.9:54321");
        let v6: SocketAddr = "[2001:db8::1]:8080".parse().unwrap();
        assert_eq!(client_ip(&HeaderMap::new(), Some(v6)), "[2001:db8::1]:8080");
        assert_eq!(client_ip(&HeaderMap::new(), None), "");
    }

    #[test]
    fn go_is_private() {
        for ip in [
            "10.0.0.0",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "fc00::",
            "fdff::1",
            "::ffff:192.168.1.1",
        ] {
            assert!(is_private(ip), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "169.254.0.1",
            "172.15.0.1",
            "172.32.0.1",
            "192.169.0.1",
            "::1",
            "fe80::1",
            "fe80::1%eth0",
            "",
            "x",
            "010.0.0.1",
        ] {
            assert!(!is_private(ip), "{ip}");
        }
    }

    #[test]
    fn empty_session_token_header_does_not_hide_cookie_or_bearer() {
        let name = "ory_kratos_session";
        let cookies = vec![(name.to_string(), "from-cookie".to_string())];
        let h = headers(&[
            ("x-session-token", ""),
            ("authorization", "Bearer from-bearer"),
        ]);
        let raw = |v: &str| Some(v.to_string());
        assert_eq!(
            session_token(&h, &cookies, name, raw).as_deref(),
            Some("from-cookie")
        );
        assert_eq!(
            session_token(&h, &[], name, raw).as_deref(),
            Some("from-bearer")
        );
        let empty_cookie = vec![(name.to_string(), String::new())];
        assert_eq!(
            session_token(&h, &empty_cookie, name, raw).as_deref(),
            Some("from-bearer")
        );
        // A cookie that does not unseal falls through to the bearer token, as in Kratos.
        assert_eq!(
            session_token(&h, &cookies, name, |_| None).as_deref(),
            Some("from-bearer")
        );
        let h = headers(&[
            ("x-session-token", "from-header"),
            ("authorization", "Bearer b"),
        ]);
        assert_eq!(
            session_token(&h, &cookies, name, raw).as_deref(),
            Some("from-header")
        );
        assert_eq!(session_token(&HeaderMap::new(), &[], name, raw), None);
    }

    #[test]
    fn presence_flags_need_a_non_empty_value() {
        let h = headers(&[("cookie", ""), ("origin", ""), ("x-csrf-token", "t")]);
        assert!(!header_non_empty(&h, "cookie"));
        assert!(!header_non_empty(&h, "origin"));
        assert!(header_non_empty(&h, "x-csrf-token"));
        assert!(!header_non_empty(&h, "missing"));
        // Go's Header.Get looks at the first value only.
        let h = headers(&[("origin", ""), ("origin", "https://a.example")]);
        assert!(!header_non_empty(&h, "origin"));
    }

    #[test]
    fn cookies_parse_like_go() {
        let h = headers(&[
            (
                "cookie",
                " a=1; flag ;b=\"quoted\"; ;  c = x y ; bad name=1; d=\"; e=in\\valid",
            ),
            ("cookie", "f=; g"),
        ]);
        let got = cookies(&h);
        let pairs: Vec<(&str, &str)> = got.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("a", "1"),
                ("flag", ""),
                ("b", "quoted"),
                ("c", " x y"),
                ("f", ""),
                ("g", ""),
            ]
        );
    }

    #[test]
    fn csrf_cookie_in_go_order_lax_unless_secure() {
        let mut c = hoplite_core::config::Cookies {
            domain: Some(".example.org".into()),
            path: "/".into(),
            same_site: "None".into(),
            secure: false,
        };
        assert_eq!(
            csrf_set_cookie(&c, "csrf_token_x", "dG9r+/=="),
            "csrf_token_x=dG9r+/==; Path=/; Domain=example.org; Max-Age=31536000; HttpOnly; SameSite=Lax"
        );
        c.secure = true;
        c.domain = None;
        assert_eq!(
            csrf_set_cookie(&c, "csrf_token_x", "v"),
            "csrf_token_x=v; Path=/; Max-Age=31536000; HttpOnly; Secure; SameSite=None"
        );
    }

    #[test]
    fn too_many_cookies_yield_none() {
        let line = vec!["a=1"; 3001].join(";");
        assert!(cookies(&headers(&[("cookie", &line)])).is_empty());
        let line = vec!["a=1"; 3000].join(";");
        assert_eq!(cookies(&headers(&[("cookie", &line)])).len(), 3000);
    }
}
