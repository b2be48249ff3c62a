//! The login flow object (`ory/kratos: selfservice/flow/login/flow.go`).

use crate::flow::FlowType;
use crate::ui::Container;
use crate::x::timefmt::serde_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// `loginFlow`, keys in the order Kratos writes them. Unlike registration, a login flow shows its
/// `created_at`/`updated_at`, whether it re-authenticates (`refresh`) and the AAL it asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginFlow {
    pub id: Uuid,
    /// Always present; `null` when unset.
    pub organization_id: Option<Uuid>,
    #[serde(rename = "type")]
    pub flow_type: FlowType,
    #[serde(with = "serde_rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub issued_at: OffsetDateTime,
    pub request_url: String,
    /// Derived from `request_url`'s `return_to` parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub active: String,
    pub ui: Container,
    #[serde(with = "serde_rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub updated_at: OffsetDateTime,
    /// `refresh=true`: the person must authenticate again although a session exists.
    pub refresh: bool,
    /// `aal1` or `aal2`.
    pub requested_aal: String,
    /// The session token exchange's `init_code`: only in the answer that created the flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token_exchange_code: Option<String>,
    pub state: String,
    /// Only in responses that still hold the submitted payload in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_schema: Option<String>,
    /// The masked CSRF token of the request that created the flow; never serialised.
    #[serde(skip)]
    pub csrf_token: String,
    /// Kratos's internal context; never serialised.
    #[serde(skip)]
    pub internal_context: Value,
}

impl LoginFlow {
    /// Whether the flow can no longer be used at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at < now
    }

    /// The `return_to` query parameter of a request URL (the rule every flow shares).
    pub fn return_to_of(request_url: &str) -> Option<String> {
        crate::flow::return_to::return_to_of(request_url)
    }

    /// The flow as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("flow serialises")
    }
}
