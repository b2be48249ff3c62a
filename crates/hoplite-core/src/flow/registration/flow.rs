//! The registration flow object (`ory/kratos: selfservice/flow/registration/flow.go`).

use crate::flow::FlowType;
use crate::ui::Container;
use crate::x::timefmt::serde_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
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
    /// The session token exchange's `init_code`: only in the answer that created the flow (Kratos
    /// does not store it with the flow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token_exchange_code: Option<String>,
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

    /// The `return_to` query parameter of a request URL (the rule every flow shares).
    pub fn return_to_of(request_url: &str) -> Option<String> {
        crate::flow::return_to::return_to_of(request_url)
    }

    /// The flow as JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("flow serialises")
    }

    /// The flow as `GET /self-service/registration/flows` shows it.
    pub fn view(&self) -> RegistrationFlowView {
        let ui = serde_json::to_string(&self.ui).expect("ui serialises");
        RegistrationFlowView {
            id: self.id,
            flow_type: self.flow_type,
            expires_at: self.expires_at,
            issued_at: self.issued_at,
            request_url: self.request_url.clone(),
            return_to: self.return_to.clone(),
            active: self.active.clone(),
            ui: RawValue::from_string(ui).expect("ui serialises to JSON"),
            organization_id: self.organization_id,
            state: self.state.clone(),
            identity_schema: self.identity_schema.clone(),
            csrf_token: self.csrf_token.clone(),
            rendered: std::sync::OnceLock::new(),
        }
    }
}

/// A stored registration flow as the seed endpoint answers it: [`RegistrationFlow`]'s public
/// fields (same names, order and skips, so it serialises to the same bytes) with the UI container
/// kept as the JSON text it was stored as. Answering the seed endpoint, the hottest route, then
/// never parses and rebuilds the UI tree; the persister reads it straight from its column.
#[derive(Debug, Serialize)]
pub struct RegistrationFlowView {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub flow_type: FlowType,
    #[serde(with = "serde_rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub issued_at: OffsetDateTime,
    pub request_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_to: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub active: String,
    /// The stored `ui` container, verbatim.
    pub ui: Box<RawValue>,
    pub organization_id: Option<Uuid>,
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_schema: Option<String>,
    /// As [`RegistrationFlow::csrf_token`]; never serialised.
    #[serde(skip)]
    pub csrf_token: String,
    /// [`RegistrationFlowView::rendered`], once made.
    #[serde(skip)]
    pub rendered: std::sync::OnceLock<std::sync::Arc<[u8]>>,
}

impl RegistrationFlowView {
    /// Whether the flow can no longer be used at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at < now
    }

    /// About how many bytes the view holds: its text fields (the UI above all, which grows with
    /// what was submitted), its rendered answer once made (about as large again) and a fixed part.
    pub fn stored_len(&self) -> usize {
        std::mem::size_of::<Self>()
            + 2 * self.ui.get().len()
            + self.request_url.len()
            + self.return_to.as_ref().map_or(0, String::len)
            + self.active.len()
            + self.state.len()
            + self.identity_schema.as_ref().map_or(0, String::len)
            + self.csrf_token.len()
    }

    /// The flow as JSON text (before Go's HTML escaping, which rendering applies).
    pub fn to_json_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("flow serialises")
    }

    /// The seed endpoint's body for this view, as Go writes it (escaped, with the newline): made
    /// once per view, so a view a persister keeps is answered without serialising it again.
    pub fn rendered(&self) -> std::sync::Arc<[u8]> {
        self.rendered
            .get_or_init(|| crate::x::gojson::go_escape(self.to_json_bytes()).into())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flow() -> RegistrationFlow {
        let mut ui = Container::new("http://h/self-service/registration?flow=1".into());
        ui.messages.push(crate::text::Message::new(
            4000001,
            crate::text::MessageType::Error,
            "<b>&\u{2028}",
        ));
        RegistrationFlow {
            id: Uuid::nil(),
            flow_type: FlowType::Browser,
            expires_at: time::macros::datetime!(2026-01-02 03:04:05.5 UTC),
            issued_at: time::macros::datetime!(2026-01-02 02:04:05 UTC),
            request_url: "http://h/self-service/registration/browser?return_to=http://a/b".into(),
            return_to: Some("http://a/b".into()),
            active: "password".into(),
            ui,
            organization_id: Some(Uuid::max()),
            transient_payload: None,
            session_token_exchange_code: None,
            state: "choose_method".into(),
            identity_schema: Some("default".into()),
            csrf_token: "masked".into(),
            internal_context: json!({"k": 1}),
        }
    }

    #[test]
    fn the_view_serialises_exactly_as_the_flow() {
        let mut f = flow();
        assert_eq!(
            serde_json::to_string(&f.view()).unwrap(),
            serde_json::to_string(&f).unwrap()
        );
        // The fields it may skip, skipped alike.
        f.return_to = None;
        f.active = String::new();
        f.identity_schema = None;
        f.organization_id = None;
        f.ui.messages.clear();
        let view = f.view();
        assert_eq!(
            serde_json::to_string(&view).unwrap(),
            serde_json::to_string(&f).unwrap()
        );
        assert_eq!(view.csrf_token, "masked");
        assert!(
            !String::from_utf8(view.to_json_bytes())
                .unwrap()
                .contains("masked")
        );
    }
}
