//! hoplite's domain: Kratos's flows, strategies, identities, sessions and schemas, independent of
//! HTTP and SQL (those live in `hoplite-http` and `hoplite-sql`).

pub mod clock;
pub mod config;
pub mod continuity;
pub mod courier;
pub mod error;
pub mod flow;
pub mod hash;
pub mod hook;
pub mod identity;
pub mod metrics;
pub mod persistence;
pub mod registry;
pub mod schema;
pub mod session;
pub mod strategy;
pub mod text;
pub mod ui;
pub mod x;
