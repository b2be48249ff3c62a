//! Self-service registration (`ory/kratos: selfservice/flow/registration/`).

pub mod error;
pub mod flow;
pub mod handler;
pub mod hook;
pub mod populate;
pub mod taken;

pub use flow::{RegistrationFlow, RegistrationFlowView};

/// Route paths, as Kratos names them.
pub const ROUTE_INIT_BROWSER: &str = "/self-service/registration/browser";
pub const ROUTE_INIT_API: &str = "/self-service/registration/api";
pub const ROUTE_GET_FLOW: &str = "/self-service/registration/flows";
pub const ROUTE_SUBMIT: &str = "/self-service/registration";
