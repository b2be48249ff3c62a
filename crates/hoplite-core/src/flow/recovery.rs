//! The recovery flow's endpoints while hoplite has no recovery flow (`ory/kratos:
//! selfservice/flow/recovery/handler.go` with `selfservice.flows.recovery.enabled: false`):
//! creating or fetching a flow answers Kratos's "disabled" error, forwarded to the error UI for
//! browsers, so Ory's SDKs and UI show that message instead of a 404.

use super::errorx::forward;
use super::{Reply, RequestInfo};
use crate::error::ErrorObject;
use crate::registry::Registry;

pub const ROUTE_INIT_BROWSER: &str = "/self-service/recovery/browser";
pub const ROUTE_INIT_API: &str = "/self-service/recovery/api";
pub const ROUTE_GET_FLOW: &str = "/self-service/recovery/flows";

/// `createBrowserRecoveryFlow`, `createNativeRecoveryFlow` and `getRecoveryFlow` with recovery
/// disabled.
pub async fn recovery_disabled(reg: &Registry, req: &RequestInfo) -> Reply {
    let err =
        ErrorObject::bad_request().with_reason("Recovery is not allowed because it was disabled.");
    forward(reg, req, err).await
}
