//! The recovery flow object (`ory/kratos: selfservice/flow/recovery/flow.go`).

use crate::flow::FlowType;
use crate::ui::Container;
use crate::x::timefmt::serde_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// `recoveryFlow`, keys in Kratos's order. The CSRF token, the attempt count, the recovered
/// identity and the internal context are stored but never shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryFlow {
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
    /// Only in the answer that completed the flow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub continue_with: Vec<Value>,
    /// Only in responses that still hold the submitted payload in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    #[serde(skip)]
    pub csrf_token: String,
    /// Created by the admin API: no CSRF check.
    #[serde(skip)]
    pub skip_csrf_check: bool,
    #[serde(skip)]
    pub recovered_identity_id: Option<Uuid>,
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

impl RecoveryFlow {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at < now
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("flow serialises")
    }
}
