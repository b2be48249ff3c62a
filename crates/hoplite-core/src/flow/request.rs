//! The parts of an HTTP request the flows look at, extracted once by the HTTP layer.

/// A request as the domain sees it. `hoplite-http` fills it; domain code never sees headers.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The full request URL, reconstructed as Kratos does (`X-Forwarded-Proto`, host, path, query).
    pub url: String,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    /// Kratos's "JSON request": `Accept` negotiates to JSON or `Content-Type` is exactly
    /// `application/json`.
    pub is_json_request: bool,
    /// `Accept` negotiates to JSON against `text/html, application/json`.
    pub accepts_json: bool,
    /// The real CSRF token from a valid cookie, if the request carried one.
    pub csrf_cookie: Option<[u8; 32]>,
    /// The real CSRF token this request works with: the cookie's, or one freshly issued by the
    /// middleware (`None` on paths the middleware ignores when no valid cookie came in).
    pub csrf_real: Option<[u8; 32]>,
    /// The request had a `Cookie` header.
    pub has_cookie_header: bool,
    /// Names of every cookie sent.
    pub cookie_names: Vec<String>,
    /// The raw `ory_kratos_continuity` cookie, if the request carried one.
    pub continuity_cookie: Option<String>,
    /// Session token from `X-Session-Token`, the session cookie, or `Authorization: Bearer`.
    pub session_token: Option<String>,
    /// The request had an `Origin` header.
    pub has_origin: bool,
    /// `Sec-Fetch-Mode` is `cors` or `same-origin`.
    pub is_ajax: bool,
    /// The raw `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The request had an `X-CSRF-Token` header.
    pub has_csrf_header: bool,
    /// `X-Request-ID`, echoed in error bodies.
    pub request_id: Option<String>,
    /// Client address as Kratos picks it (forwarding headers, else the peer address with port).
    pub client_ip: String,
    /// Every `User-Agent` value joined by spaces; `None` when the request had no `User-Agent`.
    pub user_agent: Option<String>,
    /// The non-empty `Cf-Ipcity` and `Cf-Ipcountry` joined by `, `.
    pub location: String,
}

impl RequestInfo {
    /// The first value of query parameter `key`.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the query has `key` at all (even with an empty value), as Go's `Values.Has`.
    pub fn has_query_param(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }

    /// The current masked CSRF token ("" when there is none), new on every call.
    pub fn masked_csrf_token(&self) -> String {
        self.csrf_real
            .as_ref()
            .map(crate::x::csrf::mask)
            .unwrap_or_default()
    }
}

/// The 403 `security_csrf_violation` error with Kratos's hint and reject reason (spec §4.4).
/// `form_has_token`: the request body carried a `csrf_token` field.
pub fn csrf_error(req: &RequestInfo, form_has_token: bool) -> crate::error::ErrorObject {
    let mut err = crate::error::ErrorObject::forbidden()
        .with_id("security_csrf_violation")
        .with_message("the request was rejected to protect you from Cross-Site-Request-Forgery")
        .with_reason("Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.")
        .with_detail("docs", "https://www.ory.com/docs/troubleshooting/csrf");
    let is_json = req
        .content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("application/json"));
    let reject = if !req.has_cookie_header {
        Some("The HTTP Cookie Header is empty or not set.")
    } else if req.csrf_cookie.is_none() {
        Some("The HTTP Cookie Header was set but did not include the anti-CSRF cookie.")
    } else if !is_json && !form_has_token && !req.has_csrf_header {
        None
    } else {
        Some(
            "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow.",
        )
    };
    match reject {
        None => {
            err = err.with_detail("hint", "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token).");
        }
        Some(reason) => {
            let hint = if req.is_ajax {
                "We detected an AJAX call, please ensure that CORS is enabled and configured correctly, and that your AJAX code sends cookies and has credentials enabled. For further debugging, check your Browser's Network Tab to see what cookies are included or excluded."
            } else {
                "We detected a regular browser or server-side call. To debug browser calls check your Browser's Network Tab to see what cookies are included or excluded. If you are calling from a server ensure that the appropriate cookies are being forwarded and that the SDK method is called correctly."
            };
            err = err
                .with_detail("hint", hint)
                .with_detail("reject_reason", reason);
        }
    }
    err
}
