//! hoplite's HTTP front-end: the public and admin routers (`ory/kratos: x/router.go`). Handlers are
//! thin: they turn a request into a [`hoplite_core::flow::RequestInfo`], call the domain, and render
//! the [`hoplite_core::flow::Reply`].

mod admin;
mod admin_sessions;
mod metrics_layer;
mod mux;
mod negotiate;
mod public;
mod render;
mod request;
mod ui;

pub use admin::admin_router;
pub use public::public_router;

/// Request bodies larger than this are refused with a 413 error envelope.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
