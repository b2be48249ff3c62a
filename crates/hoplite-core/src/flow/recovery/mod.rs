//! Self-service recovery (`ory/kratos: selfservice/flow/recovery/`): a person who lost access
//! proves control of a recovery address with a code sent by the courier, gets a session and a
//! settings flow to set a new password. With `selfservice.flows.recovery.enabled: false` (Kratos's
//! default) every endpoint answers Kratos's "disabled" error, forwarded to the error UI for
//! browsers, so Ory's SDKs and UI show that message instead of a 404.

pub mod flow;
pub mod handler;
pub mod hook;

pub use flow::RecoveryFlow;

use super::errorx::forward;
use super::{Reply, RequestInfo};
use crate::error::ErrorObject;
use crate::registry::Registry;

pub const ROUTE_INIT_BROWSER: &str = "/self-service/recovery/browser";
pub const ROUTE_INIT_API: &str = "/self-service/recovery/api";
pub const ROUTE_GET_FLOW: &str = "/self-service/recovery/flows";
pub const ROUTE_SUBMIT: &str = "/self-service/recovery";
/// Admin: a recovery code for an identity.
pub const ROUTE_ADMIN_CODE: &str = "/admin/recovery/code";
/// Admin: a recovery link for an identity (the link method).
pub const ROUTE_ADMIN_LINK: &str = "/admin/recovery/link";

/// `createBrowserRecoveryFlow`, `createNativeRecoveryFlow` and `getRecoveryFlow` with recovery
/// disabled.
pub async fn recovery_disabled(reg: &Registry, req: &RequestInfo) -> Reply {
    let err =
        ErrorObject::bad_request().with_reason("Recovery is not allowed because it was disabled.");
    forward(reg, req, err).await
}
