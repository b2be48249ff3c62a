//! Return-URL validation (`ory/kratos: x/redir/secure_redirect.go`).

use crate::error::ErrorObject;
use url::Url;

/// Picks the redirect target: `return_to` (if any) when an allow-list entry matches it, else the
/// default. A return_to that matches nothing is an error, as in Kratos.
pub fn secure_redirect_to(
    default: &str,
    allow_list: &[String],
    return_to: Option<&str>,
) -> Result<String, ErrorObject> {
    let Some(return_to) = return_to.filter(|r| !r.is_empty()) else {
        return Ok(default.to_string());
    };
    if allow_list.is_empty() {
        return Ok(default.to_string());
    }
    let target = match Url::parse(return_to) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            // A relative return_to borrows scheme and host from the default URL.
            let base = Url::parse(default).map_err(|e| parse_error(&e.to_string()))?;
            base.join(return_to)
                .map_err(|e| parse_error(&e.to_string()))?
        }
        Err(e) => return Err(parse_error(&e.to_string())),
    };
    for entry in allow_list {
        let Ok(allowed) = Url::parse(entry) else {
            continue;
        };
        if allowed.scheme().eq_ignore_ascii_case(target.scheme())
            && host_matches(
                allowed.host_str().unwrap_or(""),
                &host_port(&target),
                &host_port(&allowed),
            )
            && path_or_root(target.path()).starts_with(path_or_root(allowed.path()))
        {
            return Ok(target.to_string());
        }
    }
    Err(ErrorObject::bad_request()
        .with_id("self_service_flow_return_to_forbidden")
        .with_reason(format!(
            "Requested return_to URL \"{return_to}\" is not allowed."
        )))
}

fn parse_error(e: &str) -> ErrorObject {
    ErrorObject::bad_request().with_reason(format!(
        "Unable to parse the return_to query parameter as an URL: {e}"
    ))
}

fn host_port(u: &Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

fn host_matches(allowed_host: &str, target: &str, allowed: &str) -> bool {
    if let Some(suffix) = allowed_host.strip_prefix('*') {
        let target_host = target.split(':').next().unwrap_or("");
        return target_host
            .to_ascii_lowercase()
            .ends_with(&suffix.to_ascii_lowercase());
    }
    target.eq_ignore_ascii_case(allowed)
}

fn path_or_root(p: &str) -> &str {
    if p.is_empty() { "/" } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow() -> Vec<String> {
        vec![
            "http://127.0.0.1:4455".into(),
            "https://*.example.com/app".into(),
        ]
    }

    #[test]
    fn allowed_return_to_is_used_and_others_rejected() {
        assert_eq!(
            secure_redirect_to("http://d/", &allow(), Some("http://127.0.0.1:4455/welcome"))
                .unwrap(),
            "http://127.0.0.1:4455/welcome"
        );
        assert_eq!(
            secure_redirect_to("http://d/", &allow(), Some("https://a.example.com/app/x")).unwrap(),
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
    }
}
