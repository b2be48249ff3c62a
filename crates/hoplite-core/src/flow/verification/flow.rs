//! The verification flow object (`ory/kratos: selfservice/flow/verification/flow.go`).

use crate::flow::FlowType;
use crate::ui::Container;
use crate::x::timefmt::serde_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// `verificationFlow`, keys in Kratos's order. The CSRF token, the attempt count and the internal
/// context are stored but never shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationFlow {
    pub id: Uuid,
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
    /// The strategy in use (`code`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub active: String,
    pub ui: Container,
    /// `choose_method`, `sent_email` or `passed_challenge`.
    pub state: String,
    /// Only in responses that still hold the submitted payload in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    /// The masked CSRF token of the request that created the flow.
    #[serde(skip)]
    pub csrf_token: String,
    #[serde(skip)]
    pub internal_context: Value,
    #[serde(skip, default = "epoch")]
    pub created_at: OffsetDateTime,
    #[serde(skip, default = "epoch")]
    pub updated_at: OffsetDateTime,
}

fn epoch() -> OffsetDateTime {
    OffsetDateTime::UNIX_EPOCH
}

impl VerificationFlow {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at < now
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("flow serialises")
    }
}
