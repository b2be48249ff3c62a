//! Everything a handler needs, built once by the binary (`ory/kratos: driver/registry_default.go`).

use crate::clock::Clock;
use crate::config::Config;
use crate::hash::PasswordHasher;
use crate::persistence::Persister;
use crate::schema::SchemaRegistry;
use crate::strategy::password::hibp::BreachChecker;
use crate::x::http_client::HttpFetcher;
use std::sync::Arc;

/// The dependency container handed to every handler.
pub struct Registry {
    pub config: Config,
    pub persister: Arc<dyn Persister>,
    pub schemas: SchemaRegistry,
    pub hasher: PasswordHasher,
    pub clock: Arc<dyn Clock>,
    /// The one outbound HTTP client.
    pub http: Arc<dyn HttpFetcher>,
    /// The breached-password check and its cache.
    pub breaches: BreachChecker,
    /// The CSRF cookie name for this public base URL.
    pub csrf_cookie_name: String,
}

impl Registry {
    pub fn new(
        config: Config,
        persister: Arc<dyn Persister>,
        schemas: SchemaRegistry,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        http: Arc<dyn HttpFetcher>,
    ) -> Registry {
        let csrf_cookie_name = crate::x::csrf::cookie_name(&config.serve.public_base_url);
        Registry {
            config,
            persister,
            schemas,
            hasher,
            clock,
            http,
            breaches: BreachChecker::new(),
            csrf_cookie_name,
        }
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// The public base URL as configured (or derived).
    pub fn public_base(&self) -> &str {
        &self.config.serve.public_base_url
    }
}
