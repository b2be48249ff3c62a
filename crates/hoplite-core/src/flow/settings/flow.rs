//! The settings flow object (`ory/kratos: selfservice/flow/settings/flow.go`).

use crate::flow::FlowType;
use crate::identity::Identity;
use crate::ui::Container;
use crate::x::timefmt::serde_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// `settingsFlow`, keys in the order Kratos writes them. A settings flow belongs to one identity
/// and shows it as currently stored; it keeps no CSRF token of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsFlow {
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
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub active: String,
    pub ui: Container,
    /// The flow's identity without credentials; `None` only between reading the row and loading
    /// the identity.
    pub identity: Option<Identity>,
    /// `show_form` or `success`.
    pub state: String,
    /// Always present; `null` when unset.
    pub organization_id: Option<Uuid>,
    /// Only in the answer to a successful update; never stored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub continue_with: Vec<Value>,
    /// Only in responses that still hold the submitted payload in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    #[serde(skip)]
    pub identity_id: Uuid,
    /// Kratos's internal context; never serialised.
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

impl SettingsFlow {
    /// Whether the flow can no longer be used at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at < now
    }

    /// The flow as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("flow serialises")
    }
}
