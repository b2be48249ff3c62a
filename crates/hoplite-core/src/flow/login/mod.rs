//! Self-service login (`ory/kratos: selfservice/flow/login/`).

pub mod error;
pub mod flow;
pub mod handler;
pub mod hook;

pub use flow::LoginFlow;

/// Route paths, as Kratos names them.
pub const ROUTE_INIT_BROWSER: &str = "/self-service/login/browser";
pub const ROUTE_INIT_API: &str = "/self-service/login/api";
pub const ROUTE_GET_FLOW: &str = "/self-service/login/flows";
pub const ROUTE_SUBMIT: &str = "/self-service/login";
