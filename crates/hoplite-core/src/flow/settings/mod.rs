//! Self-service settings (`ory/kratos: selfservice/flow/settings/`): a signed-in person changes
//! their profile and password.

pub mod error;
pub mod flow;
pub mod handler;
pub mod hook;

pub use flow::SettingsFlow;

/// Route paths, as Kratos names them.
pub const ROUTE_INIT_BROWSER: &str = "/self-service/settings/browser";
pub const ROUTE_INIT_API: &str = "/self-service/settings/api";
pub const ROUTE_GET_FLOW: &str = "/self-service/settings/flows";
pub const ROUTE_SUBMIT: &str = "/self-service/settings";
/// The W3C change-password URL; redirects to the settings UI.
pub const ROUTE_WELL_KNOWN_CHANGE_PASSWORD: &str = "/.well-known/change-password";
/// Where a person without a session, or with one too old for a change, signs in (the login
/// flow's browser init endpoint; named here so that no flow module imports another).
pub(crate) const LOGIN_INIT_BROWSER: &str = "/self-service/login/browser";
