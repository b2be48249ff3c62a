//! The `verification` hook (`ory/kratos: selfservice/hook/verification.go`, spec §5.1): with
//! `selfservice.flows.verification.enabled`, a registration sends a code to the identity's first
//! address that is not verified yet, in a verification flow of the registration's type.

use crate::error::ErrorObject;
use crate::flow::verification::VerificationFlow;
use crate::flow::verification::handler::build_flow;
use crate::flow::{FlowType, RequestInfo};
use crate::identity::Identity;
use crate::registry::Registry;
use crate::strategy::code::verification::{send_code_to, to_sent_state};
use serde_json::Value;

/// The verification flow the hook started, and for browser flows the new CSRF cookie's real
/// token its form was masked from (the caller issues that cookie).
pub struct Started {
    pub flow: VerificationFlow,
    pub csrf_real: Option<String>,
    /// The address the code went to (its status is `sent` now).
    pub address_id: uuid::Uuid,
    /// Its value.
    pub address: String,
}

impl Started {
    /// The verification UI for this flow.
    pub fn ui_url(&self, reg: &Registry) -> String {
        crate::flow::verification::handler::ui_url(reg, self.flow.id)
    }

    /// The `show_verification_ui` continue-with item for this flow (the `url` only for browser
    /// flows, as Kratos writes it).
    pub fn continue_with_item(&self, reg: &Registry) -> Value {
        let mut flow = serde_json::json!({
            "id": self.flow.id,
            "verifiable_address": self.address,
        });
        if self.flow.flow_type == FlowType::Browser {
            flow["url"] = Value::String(crate::flow::verification::handler::ui_url(
                reg,
                self.flow.id,
            ));
        }
        serde_json::json!({"action": "show_verification_ui", "flow": flow})
    }
}

/// What the hook runs after; it decides which address gets a code and whether a browser gets a
/// fresh CSRF cookie (spec §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A registration, or the `verification` hook after a sign-in: the first address not
    /// verified yet; browser flows get a fresh CSRF cookie.
    RegistrationOrLogin,
    /// An enumeration-safe sign-up whose identifier or address is taken: as a registration,
    /// but nothing is sent (the identity does not exist; the caller mails the owner instead).
    TakenRegistration,
    /// A settings change: the first address no code went to yet (`pending`: new or changed),
    /// so a password change sends nothing; the request's CSRF token stays.
    Settings,
    /// `require_verified_address` (spec §5.3): the identity's first address; the request's CSRF
    /// token stays.
    RequireVerifiedAddress,
}

/// Runs the hook for `identity`: a verification flow of `flow_type` for the address `trigger`
/// picks, its code or link sent; `None` when no address qualifies.
pub async fn run(
    reg: &Registry,
    req: &RequestInfo,
    trigger: Trigger,
    flow_type: FlowType,
    request_url: &str,
    identity: &Identity,
    transient_payload: Option<Value>,
) -> Result<Option<Started>, ErrorObject> {
    let Some(address) = identity.verifiable_addresses.iter().find(|a| {
        !a.value.is_empty()
            && match trigger {
                Trigger::RegistrationOrLogin | Trigger::TakenRegistration => !a.verified,
                Trigger::Settings => a.status == "pending",
                Trigger::RequireVerifiedAddress => true,
            }
    }) else {
        return Ok(None);
    };
    start(
        reg,
        req,
        flow_type,
        request_url,
        (address, identity.id),
        transient_payload,
        trigger,
    )
    .await
}

/// A new verification flow of `flow_type` in its "sent" state for the address `(value, via)`,
/// as the hooks start one (not stored yet): it remembers where the caller's flow started (and so
/// its `return_to`) and its transient payload, and shows the primary method's sent form with a
/// resend button named after the channel. The link method's form is populated a second time (its
/// submit button twice) without a message, as Kratos does.
pub(crate) fn sent_flow(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    request_url: &str,
    transient_payload: Option<Value>,
    csrf: &str,
    (value, via): (&str, &str),
) -> Result<VerificationFlow, ErrorObject> {
    let mut flow = build_flow(reg, req, flow_type)?;
    flow.request_url = request_url.to_string();
    flow.return_to = crate::flow::return_to::return_to_of(request_url);
    flow.transient_payload = transient_payload;
    flow.csrf_token = csrf.to_string();
    if flow.active == "link" {
        flow.state = "sent_email".into();
        crate::strategy::link::verification::populate(&mut flow, csrf);
        flow.ui.nodes.push(crate::ui::container::nodes::submit(
            crate::ui::group::CODE,
            via,
            value,
            crate::text::messages::info_node_resend_code(),
        ));
    } else {
        to_sent_state(&mut flow, csrf, value, via);
    }
    Ok(flow)
}

async fn start(
    reg: &Registry,
    req: &RequestInfo,
    flow_type: FlowType,
    request_url: &str,
    (address, identity_id): (&crate::identity::VerifiableAddress, uuid::Uuid),
    transient_payload: Option<Value>,
    trigger: Trigger,
) -> Result<Option<Started>, ErrorObject> {
    let fresh_csrf = matches!(
        trigger,
        Trigger::RegistrationOrLogin | Trigger::TakenRegistration
    );
    let send = trigger != Trigger::TakenRegistration;
    // Browser flows after registration get a fresh CSRF token, as Kratos regenerates the cookie.
    let (csrf, csrf_real) = match flow_type {
        FlowType::Browser if !fresh_csrf => (req.masked_csrf_token(), None),
        FlowType::Browser => {
            let (real, masked) = crate::x::csrf::fresh_token();
            (masked, Some(real))
        }
        FlowType::Api => (String::new(), None),
    };
    let to = (address.value.as_str(), address.via.as_str());
    let mut flow = sent_flow(
        reg,
        req,
        flow_type,
        request_url,
        transient_payload,
        &csrf,
        to,
    )?;
    reg.persister.create_verification_flow(&flow).await?;
    if send {
        let identity = crate::courier::template_identity(reg, identity_id).await?;
        if flow.active == "link" {
            crate::strategy::link::verification::send_token(
                reg,
                &flow,
                &address.value,
                Some(address.id),
                identity,
            )
            .await?;
            reg.persister
                .update_verifiable_address_status(address.id, "sent", None, reg.now())
                .await?;
        } else {
            send_code_to(reg, &flow, &address.value, Some(address.id), identity).await?;
        }
    }
    flow.transient_payload = None;
    Ok(Some(Started {
        flow,
        csrf_real,
        address_id: address.id,
        address: address.value.clone(),
    }))
}
