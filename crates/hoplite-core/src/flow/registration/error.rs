//! Answering failed registration submissions (`ory/kratos: selfservice/flow/registration/error.go`):
//! form errors go back into the flow, other errors to JSON or the error UI, expired flows get a
//! replacement.

use super::RegistrationFlow;
use crate::error::ErrorObject;
use crate::flow::errorx::expired_error;
use crate::flow::submit::{SubmitError, write_to_form};
use crate::flow::{FlowType, Reply, RequestInfo, with_query_param};
use crate::registry::Registry;
use crate::text::messages;

/// Spec §9.5: writes `err` into the flow and answers with it; non-form errors go to §9.6.
pub async fn write_flow_error(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: RegistrationFlow,
    err: SubmitError,
) -> Reply {
    flow.ui.reset_messages();
    if let Err(e) = write_to_form(&mut flow.ui, err) {
        return non_form_error(reg, req, Some(&flow), e).await;
    }
    if let Some(schema) = reg.schemas.get(flow.schema_id(&reg.schemas.default_id)) {
        crate::ui::sort::sort_registration_nodes_with_order(&mut flow.ui.nodes, &schema.key_order);
    }
    if let Err(e) = reg.persister.update_registration_flow(&flow).await {
        return non_form_error(reg, req, Some(&flow), ErrorObject::from(e)).await;
    }
    if flow.flow_type == FlowType::Browser && !req.is_json_request {
        return Reply::redirect(
            302,
            with_query_param(
                &reg.config.selfservice.registration.ui_url,
                "flow",
                &flow.id.to_string(),
            ),
        );
    }
    // Kratos answers with the flow re-read from the database, so in-memory-only fields such as
    // transient_payload disappear; everything else was just written.
    flow.transient_payload = None;
    Reply::json(400, flow.to_json())
}

/// Spec §9.6: errors that are not shown inside the form.
pub async fn non_form_error(
    reg: &Registry,
    req: &RequestInfo,
    flow: Option<&RegistrationFlow>,
    err: ErrorObject,
) -> Reply {
    crate::flow::errorx::non_form_error(reg, req, flow.map(|f| f.flow_type), err).await
}

/// Spec §9.7: a submission on an expired flow gets a replacement flow carrying message 4040001.
pub async fn handle_expired_submit(
    reg: &Registry,
    req: &RequestInfo,
    old: RegistrationFlow,
) -> Reply {
    let now = reg.now();
    let err = expired_error(old.expires_at, now);
    // Built from the submit request like any new flow; only the request URL (and so return_to)
    // and the identity schema carry over, as Kratos's `FromOldFlow` does.
    let replacement = super::handler::new_flow(reg, req, old.flow_type);
    let mut new_flow = match replacement {
        Ok(f) => f,
        Err(_) => return non_form_error(reg, req, Some(&old), err).await,
    };
    new_flow.request_url = old.request_url.clone();
    new_flow.return_to = old.return_to.clone();
    new_flow.identity_schema = old.identity_schema.clone();
    new_flow
        .ui
        .messages
        .push(messages::registration_flow_expired(old.expires_at, now));
    if let Err(e) = reg.persister.create_registration_flow(&new_flow).await {
        return non_form_error(reg, req, Some(&old), ErrorObject::from(e)).await;
    }
    if old.flow_type == FlowType::Api || req.is_json_request {
        return crate::flow::errorx::expired_reply(req, err, old.expires_at, now, new_flow.id);
    }
    Reply::redirect(
        303,
        with_query_param(
            &reg.config.selfservice.registration.ui_url,
            "flow",
            &new_flow.id.to_string(),
        ),
    )
}
