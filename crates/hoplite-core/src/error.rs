//! The Kratos-shaped error (`herodot.DefaultError`) every failure is reported as.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `{"error": {id, code, status, request, reason, details, message}}`'s inner object. Key order and
/// omission rules follow herodot: everything but `message` is omitted when empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub code: u16,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub request: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub details: Map<String, Value>,
    pub message: String,
}

fn is_zero(c: &u16) -> bool {
    *c == 0
}

/// The HTTP reason phrase Go's `http.StatusText` gives for a code.
pub fn status_text(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

impl ErrorObject {
    fn base(code: u16, message: &str) -> Self {
        ErrorObject {
            id: String::new(),
            code,
            status: status_text(code).into(),
            request: String::new(),
            reason: String::new(),
            details: Map::new(),
            message: message.into(),
        }
    }
    pub fn bad_request() -> Self {
        Self::base(
            400,
            "The request was malformed or contained invalid parameters",
        )
    }
    pub fn unauthorized() -> Self {
        Self::base(401, "The request could not be authorized")
    }
    pub fn forbidden() -> Self {
        Self::base(403, "The requested action was forbidden")
    }
    pub fn not_found() -> Self {
        Self::base(404, "The requested resource could not be found")
    }
    pub fn unprocessable() -> Self {
        Self::base(
            422,
            "The request was well-formed but contained semantic errors",
        )
    }
    pub fn gone() -> Self {
        Self::base(
            410,
            "The requested resource is no longer available because it has expired or is otherwise invalid.",
        )
    }
    pub fn conflict() -> Self {
        Self::base(
            409,
            "Unable to insert or update resource because a resource with that value exists already",
        )
    }
    /// herodot's `ErrConflict` (the admin API's "identity exists already"), as opposed to
    /// [`Self::conflict`], the SQL layer's unique violation.
    pub fn resource_conflict() -> Self {
        Self::base(409, "The resource could not be created due to a conflict")
    }
    pub fn payload_too_large() -> Self {
        Self::base(413, "The request payload is too large")
    }
    pub fn too_many_requests() -> Self {
        Self::base(429, "The request was rate limited")
    }
    pub fn internal() -> Self {
        Self::base(
            500,
            "An internal server error occurred, please contact the system administrator",
        )
    }
    pub fn misconfiguration(reason: impl Into<String>) -> Self {
        Self::base(500, "Invalid configuration")
            .with_id("invalid_configuration")
            .with_reason(reason)
    }
    /// herodot's `ErrUpstreamError`: a server hoplite depends on failed or answered nonsense.
    pub fn upstream_error() -> Self {
        Self::base(502, "Upstream error")
            .with_id("upstream_error")
            .with_reason(
                "An upstream server encountered an error or returned a malformed or unexpected response.",
            )
    }
    /// The "row not found" error of Kratos's SQL layer.
    pub fn row_not_found() -> Self {
        Self::base(404, "Unable to locate the resource")
    }
    pub fn with_id(mut self, id: &str) -> Self {
        self.id = id.into();
        self
    }
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }
    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }
}

impl std::fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.message, self.code, self.reason)
    }
}

impl std::error::Error for ErrorObject {}
