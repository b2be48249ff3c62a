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
    /// The session cookie's codecs, derived once from the secrets (the first seals).
    pub cookie_codecs: Vec<crate::x::securecookie::CodecKeys>,
    /// Counters for the metrics endpoint.
    pub metrics: crate::metrics::Metrics,
    /// Where the courier delivers email (SMTP in the binary; [`crate::courier::NoMailer`] until
    /// one is set).
    pub mailer: Arc<dyn crate::courier::Mailer>,
    /// A hash of a random password made with the configured hasher, verified against when a
    /// sign-in names an unknown identifier (made on first use).
    dummy_hash: tokio::sync::OnceCell<String>,
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
        let cookie_codecs = crate::session::cookie::session_codecs(&config);
        let hashing = hasher.stats();
        Registry {
            config,
            persister,
            schemas,
            hasher,
            clock,
            http,
            breaches: BreachChecker::new(),
            csrf_cookie_name,
            cookie_codecs,
            metrics: crate::metrics::Metrics::with_hashing(hashing),
            mailer: Arc::new(crate::courier::NoMailer),
            dummy_hash: tokio::sync::OnceCell::new(),
        }
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// See the `dummy_hash` field. Should hashing fail, a fixed bcrypt hash stands in.
    pub async fn dummy_password_hash(&self) -> String {
        self.dummy_hash
            .get_or_init(|| async {
                let random = crate::session::random_alphanumeric(32);
                match self.hasher.hash(random).await {
                    Ok(h) => h,
                    Err(e) => {
                        tracing::warn!(error = %e, "could not make the stand-in password hash");
                        // bcrypt cost 12 of a random password nobody knows.
                        "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW".to_string()
                    }
                }
            })
            .await
            .clone()
    }

    /// The public base URL as configured (or derived).
    pub fn public_base(&self) -> &str {
        &self.config.serve.public_base_url
    }
}
