//! Answering failed login submissions (`ory/kratos: selfservice/flow/login/error.go`): form
//! errors go back into the flow, other errors to JSON or the error UI, expired flows get a
//! replacement.

use super::LoginFlow;
use crate::error::ErrorObject;
use crate::flow::errorx::{expired_error, expired_reply, non_form_error};
use crate::flow::submit::{SubmitError, write_to_form};
use crate::flow::{FlowType, Reply, RequestInfo, with_query_param};
use crate::registry::Registry;
use crate::text::messages;

/// The login UI URL for a flow.
fn ui_url(reg: &Registry, flow_id: uuid::Uuid) -> String {
    with_query_param(
        &reg.config.selfservice.login.ui_url,
        "flow",
        &flow_id.to_string(),
    )
}

/// Writes `err` into the flow and answers with it (browser: 303 to the UI; otherwise the flow
/// with 400); errors that do not belong into a form go to [`non_form_error`].
pub async fn write_flow_error(
    reg: &Registry,
    req: &RequestInfo,
    mut flow: LoginFlow,
    err: SubmitError,
) -> Reply {
    flow.ui.reset_messages();
    if let Err(e) = write_to_form(&mut flow.ui, err) {
        return non_form_error(reg, req, Some(flow.flow_type), e).await;
    }
    crate::ui::sort::sort_login_nodes(&mut flow.ui.nodes);
    flow.updated_at = reg.now();
    if let Err(e) = reg.persister.update_login_flow(&flow).await {
        return non_form_error(reg, req, Some(flow.flow_type), ErrorObject::from(e)).await;
    }
    if flow.flow_type == FlowType::Browser && !req.is_json_request {
        return Reply::redirect(303, ui_url(reg, flow.id));
    }
    // Kratos answers with the flow re-read from the database: in-memory-only fields disappear.
    flow.transient_payload = None;
    Reply::json(400, flow.to_json())
}

/// A submission on an expired flow gets a replacement flow carrying message 4010001.
pub async fn handle_expired_submit(reg: &Registry, req: &RequestInfo, old: LoginFlow) -> Reply {
    let now = reg.now();
    let err = expired_error(old.expires_at, now);
    let replacement = super::handler::new_login_flow(reg, req, old.flow_type).await;
    let mut new_flow = match replacement {
        Ok((f, _)) => f,
        Err(_) => return non_form_error(reg, req, Some(old.flow_type), err).await,
    };
    new_flow.request_url = old.request_url.clone();
    new_flow.return_to = old.return_to.clone();
    new_flow
        .ui
        .messages
        .push(messages::login_flow_expired(old.expires_at, now));
    new_flow.updated_at = now;
    if let Err(e) = reg.persister.update_login_flow(&new_flow).await {
        return non_form_error(reg, req, Some(old.flow_type), ErrorObject::from(e)).await;
    }
    if old.flow_type == FlowType::Api || req.is_json_request {
        return expired_reply(req, err, old.expires_at, now, new_flow.id);
    }
    Reply::redirect(303, ui_url(reg, new_flow.id))
}
