//! The registration flow object (`ory/kratos: selfservice/flow/registration/flow.go`).

use crate::flow::FlowType;
use crate::ui::Container;
use crate::x::timefmt::serde_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// `registrationFlow`, key order as Kratos serialises it (spec §10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistrationFlow {
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
    /// Always present; `null` when unset.
    pub organization_id: Option<Uuid>,
    /// Only in responses that still hold the submitted payload in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_payload: Option<Value>,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_schema: Option<String>,
    /// The masked CSRF token of the request that created the flow; never serialised.
    #[serde(skip)]
    pub csrf_token: String,
    /// Kratos's internal context; never serialised.
    #[serde(skip)]
    pub internal_context: Value,
}

impl RegistrationFlow {
    /// Whether the flow can no longer be used at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at < now
    }

    /// The id of the identity schema the flow uses: its own, else `default_id`
    /// (`identity.default_schema_id`).
    pub fn schema_id<'a>(&'a self, default_id: &'a str) -> &'a str {
        self.identity_schema.as_deref().unwrap_or(default_id)
    }

    /// The `return_to` query parameter of a request URL.
    pub fn return_to_of(request_url: &str) -> Option<String> {
        let query = request_url.split_once('?')?.1;
        let query = query.split('#').next().unwrap_or("");
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "return_to")
            .map(|(_, v)| v.into_owned())
            .filter(|v| !v.is_empty())
    }

    /// The flow as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("flow serialises")
    }
}
