//! Return-URL validation (`ory/kratos: x/redir/secure_redirect.go`), on Go `net/url` semantics.

use crate::error::ErrorObject;
use crate::ui::gofmt::go_quote;
use crate::x::gostrings::go_to_lower;
use crate::x::gourl::{self, GoUrl};

/// Go's `url.Parse(s).String()`, or `s` itself when Go could not parse it.
pub fn go_url_string(s: &str) -> String {
    gourl::parse(s)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| s.to_string())
}

/// Picks the redirect target (`SecureRedirectTo`): `return_to` (if any) when an allow-list entry
/// matches it, else the default. A relative return_to borrows scheme and host (only those) from
/// the default; an entry matches on scheme, host (with port, case-insensitive; `*.example.com`
/// by suffix) and decoded-path prefix. A return_to that matches nothing is an error, as in
/// Kratos. The answer is Go's `URL.String()` of the chosen URL.
pub fn secure_redirect_to(
    default: &str,
    allow_list: &[String],
    return_to: Option<&str>,
) -> Result<String, ErrorObject> {
    let default_url = gourl::parse(default).ok();
    let default_string = || {
        default_url
            .as_ref()
            .map_or_else(|| default.to_string(), GoUrl::to_string)
    };
    if allow_list.is_empty() {
        return Ok(default_string());
    }
    let Some(raw) = return_to.filter(|r| !r.is_empty()) else {
        return Ok(default_string());
    };
    let mut target = gourl::parse(raw).map_err(|e| {
        ErrorObject::bad_request().with_reason(format!(
            "Unable to parse the return_to query parameter as an URL: {e}"
        ))
    })?;
    if let Some(d) = &default_url {
        if target.host.is_empty() {
            target.host = d.host.clone();
        }
        if target.scheme.is_empty() {
            target.scheme = d.scheme.clone();
        }
    }
    let allowed = allow_list
        .iter()
        .filter(|e| !e.is_empty())
        .filter_map(|e| gourl::parse_request_uri(e).ok())
        .any(|a| {
            a.scheme.eq_ignore_ascii_case(&target.scheme)
                && is_allowed_host(&target, &a)
                && or_root(&target.path).starts_with(or_root(&a.path))
        });
    let target_string = target.to_string();
    if allowed {
        return Ok(target_string);
    }
    Err(ErrorObject::bad_request()
        .with_id("self_service_flow_return_to_forbidden")
        .with_reason(format!(
            "Requested return_to URL {} is not allowed.",
            go_quote(&target_string)
        )))
}

/// `SecureRedirectToIsAllowedHost`: hosts include the port.
fn is_allowed_host(target: &GoUrl, allowed: &GoUrl) -> bool {
    if allowed.host.first() == Some(&b'*') {
        return go_lower(&target.host).ends_with(&go_lower(&allowed.host)[1..]);
    }
    go_lower(&allowed.host) == go_lower(&target.host)
}

/// Go's `strings.ToLower` on a host's bytes, ASCII-only on invalid UTF-8.
fn go_lower(b: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(b) {
        Ok(s) => go_to_lower(s).into_bytes(),
        Err(_) => b.to_ascii_lowercase(),
    }
}

fn or_root(p: &[u8]) -> &[u8] {
    if p.is_empty() { b"/" } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow() -> Vec<String> {
        vec![
            "http://127.0.0.1:4455".into(),
            "https://*.example.com/app".into(),
            "http://127.0.0.1:4433/self-service".into(),
        ]
    }

    fn ok(ret: &str) -> String {
        secure_redirect_to("http://127.0.0.1:4455/default", &allow(), Some(ret)).unwrap()
    }

    fn reason(ret: &str) -> String {
        secure_redirect_to("http://127.0.0.1:4455/default", &allow(), Some(ret))
            .unwrap_err()
            .reason
    }

    #[test]
    fn allowed_return_to_is_used_and_others_rejected() {
        assert_eq!(
            ok("http://127.0.0.1:4455/welcome"),
            "http://127.0.0.1:4455/welcome"
        );
        assert_eq!(
            ok("https://a.example.com/app/x"),
            "https://a.example.com/app/x"
        );
        let err = secure_redirect_to("http://d/", &allow(), Some("https://evil.com/")).unwrap_err();
        assert_eq!(err.id, "self_service_flow_return_to_forbidden");
        assert_eq!(
            err.reason,
            "Requested return_to URL \"https://evil.com/\" is not allowed."
        );
        assert_eq!(
            secure_redirect_to("http://d/", &allow(), None).unwrap(),
            "http://d/"
        );
        assert_eq!(
            secure_redirect_to("http://d/", &allow(), Some("")).unwrap(),
            "http://d/"
        );
        // No allow-list: always the default, whatever return_to says.
        assert_eq!(
            secure_redirect_to("http://d", &[], Some("https://evil.com/")).unwrap(),
            "http://d"
        );
    }

    #[test]
    fn urls_are_kept_as_given_like_go() {
        // No trailing slash added, raw query and escapes kept, scheme lower-cased.
        assert_eq!(ok("http://127.0.0.1:4455"), "http://127.0.0.1:4455");
        assert_eq!(
            ok("HTTP://127.0.0.1:4455?b=%zz&a=*"),
            "http://127.0.0.1:4455?b=%zz&a=*"
        );
        assert_eq!(
            ok("http://127.0.0.1:4433/self-service/%C3%BC"),
            "http://127.0.0.1:4433/self-service/%C3%BC"
        );
        assert_eq!(
            ok("http://127.0.0.1:4433/self-service/ü"),
            "http://127.0.0.1:4433/self-service/%C3%BC"
        );
        assert_eq!(
            ok("http://127.0.0.1:4433/self-service/a%2fb"),
            "http://127.0.0.1:4433/self-service/a%2fb"
        );
    }

    #[test]
    fn relative_return_to_takes_scheme_and_host_only() {
        assert_eq!(ok("/welcome?x=1"), "http://127.0.0.1:4455/welcome?x=1");
        // Go sets Host, it does not resolve the path: "welcome" stays rootless and fails the
        // path-prefix check, though it prints with a slash.
        assert_eq!(
            reason("welcome"),
            "Requested return_to URL \"http://127.0.0.1:4455/welcome\" is not allowed."
        );
        assert_eq!(
            reason("//evil.com/x"),
            "Requested return_to URL \"http://evil.com/x\" is not allowed."
        );
    }

    #[test]
    fn host_comparison_includes_the_port() {
        assert_eq!(ok("http://127.0.0.1:4455/x"), "http://127.0.0.1:4455/x");
        assert_eq!(
            reason("http://127.0.0.1:9999/x"),
            "Requested return_to URL \"http://127.0.0.1:9999/x\" is not allowed."
        );
        assert_eq!(
            reason("http://127.0.0.1/x"),
            "Requested return_to URL \"http://127.0.0.1/x\" is not allowed."
        );
        let list = vec!["https://Example.COM:8443/".to_string()];
        assert_eq!(
            secure_redirect_to("http://d", &list, Some("https://example.com:8443/a")).unwrap(),
            "https://example.com:8443/a"
        );
        // Wildcards match by suffix of the host, which includes the port.
        assert_eq!(ok("https://A.Example.com/app"), "https://A.Example.com/app");
        assert!(
            secure_redirect_to("http://d", &allow(), Some("https://a.example.com:444/app"))
                .is_err()
        );
        assert!(secure_redirect_to("http://d", &allow(), Some("https://example.com/app")).is_err());
        // Scheme must match.
        assert!(
            secure_redirect_to("http://d", &allow(), Some("http://a.example.com/app")).is_err()
        );
    }

    #[test]
    fn path_prefix_uses_the_decoded_path() {
        assert_eq!(
            ok("https://a.example.com/%61pp/x"),
            "https://a.example.com/%61pp/x"
        );
        assert_eq!(
            reason("https://a.example.com/ap"),
            "Requested return_to URL \"https://a.example.com/ap\" is not allowed."
        );
        // An allow-list entry without a path allows every path.
        assert_eq!(ok("http://127.0.0.1:4455/"), "http://127.0.0.1:4455/");
    }

    #[test]
    fn errors_quote_the_resolved_url_like_go() {
        assert_eq!(
            reason("https://evil.com/?q=\"ü\""),
            "Requested return_to URL \"https://evil.com/?q=\\\"ü\\\"\" is not allowed."
        );
        assert_eq!(
            secure_redirect_to("http://d:1/", &allow(), Some("/x/ü#f g"))
                .unwrap_err()
                .reason,
            "Requested return_to URL \"http://d:1/x/%C3%BC#f%20g\" is not allowed."
        );
        let err = secure_redirect_to("http://d", &allow(), Some("http://[::1")).unwrap_err();
        assert_eq!(
            err.reason,
            "Unable to parse the return_to query parameter as an URL: parse \"http://[::1\": missing ']' in host"
        );
    }
}
