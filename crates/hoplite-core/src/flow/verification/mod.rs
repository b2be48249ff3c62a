//! Self-service verification (`ory/kratos: selfservice/flow/verification/`): proving that an
//! address belongs to its owner with a code sent by the courier. With
//! `selfservice.flows.verification.enabled: false` every endpoint answers Kratos's "disabled"
//! error, forwarded to the error UI for browsers.

pub mod flow;
pub mod handler;

pub use flow::VerificationFlow;

use super::errorx::forward;
use super::{Reply, RequestInfo};
use crate::error::ErrorObject;
use crate::registry::Registry;

pub const ROUTE_INIT_BROWSER: &str = "/self-service/verification/browser";
pub const ROUTE_INIT_API: &str = "/self-service/verification/api";
pub const ROUTE_GET_FLOW: &str = "/self-service/verification/flows";
pub const ROUTE_SUBMIT: &str = "/self-service/verification";

/// `createBrowserVerificationFlow`, `createNativeVerificationFlow` and `getVerificationFlow`
/// with verification disabled.
pub async fn verification_disabled(reg: &Registry, req: &RequestInfo) -> Reply {
    let err = ErrorObject::bad_request()
        .with_reason("Verification is not allowed because it was disabled.");
    forward(reg, req, err).await
}
