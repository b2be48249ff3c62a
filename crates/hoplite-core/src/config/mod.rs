//! Kratos's `kratos.yml`: loading (YAML or JSON), environment overrides, validation against the
//! embedded Kratos config schema, defaults, and the typed view the rest of hoplite reads
//! (`ory/kratos: driver/config/config.go`).

pub mod dsn;
pub mod duration;
mod env;
pub mod load;
mod typed;
pub mod unsupported;

use std::time::Duration;

pub use dsn::{DatabaseKind, Dsn};
pub use env::{CONFIG_SCHEMA_SOURCE, config_schema};
pub use load::{ConfigError, DEV_DSN, load, parse_document};

/// The identity schema `--dev` uses when none is configured: email + password, the email being
/// the password identifier and the verification and recovery address (like Kratos's quickstart
/// schema, without the name traits). Referenced from config as `base64://<this, base64-encoded>`.
pub const DEFAULT_IDENTITY_SCHEMA: &str = include_str!("default-identity.schema.json");

/// Registration form style (`selfservice.flows.registration.style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStyle {
    /// Two steps: traits first, then the credential (Kratos's default).
    ProfileFirst,
    /// One step: traits and credential in one form.
    Unified,
}

/// The effective configuration. Every field has Kratos's default applied.
#[derive(Debug, Clone)]
pub struct Config {
    /// The effective configuration document (after env overrides), for keys not typed here.
    pub raw: serde_json::Value,
    /// `dsn`, in Kratos's form (`memory`, `sqlite://...`, `postgres://...`, `mysql://...`).
    pub dsn: String,
    /// `--dev` was given.
    pub dev: bool,
    /// `serve.public.*` and `serve.admin.*`.
    pub serve: Serve,
    /// `selfservice.*`.
    pub selfservice: SelfService,
    /// `session.*`.
    pub session: Session,
    /// `cookies.*` (CSRF cookie, and the session cookie's fallbacks).
    pub cookies: Cookies,
    /// `secrets.*`.
    pub secrets: Secrets,
    /// `hashers.*`: the algorithm in use and its parameters.
    pub hashers: Hashers,
    /// `hoplite.hashing.*`: how many hashes run at once and how many may wait.
    pub hashing: HashingPool,
    /// `hoplite.registration.enumeration_safe` (default false): a sign-up with a taken identifier
    /// or address answers as for a new account and mails the owner instead.
    pub enumeration_safe_registration: bool,
    /// `hoplite.bench.fixed_response_bytes`: the size of the benchmark baseline response, or 0
    /// when `/hoplite/bench/fixed` is not served (the default).
    pub bench_fixed_response_bytes: usize,
    /// `hoplite.bench.primary_key_lookup`: whether `/hoplite/bench/primary-key` is served (off by
    /// default).
    pub bench_primary_key_lookup: bool,
    /// `identity.*`.
    pub identity: IdentityConfig,
    /// `courier.*`.
    pub courier: Courier,
    /// `hoplite.accept_unsupported_features`: start although the configuration enables features
    /// hoplite does not implement yet (see [`unsupported`]).
    pub accept_unsupported_features: bool,
    /// `log.level` (default `info`).
    pub log_level: String,
    /// `log.leak_sensitive_values` (default false).
    pub leak_sensitive_values: bool,
}

/// Where the public and admin APIs listen and how they are reached.
#[derive(Debug, Clone)]
pub struct Serve {
    /// `serve.public.base_url` exactly as configured, or derived as Kratos does
    /// (`http(s)://<host>:<port>/`, always ending with `/`).
    pub public_base_url: String,
    /// `serve.public.host`, the listen address (default `0.0.0.0`).
    pub public_host: String,
    /// `serve.public.port` (default 4433).
    pub public_port: u16,
    /// `serve.admin.base_url`, or derived.
    pub admin_base_url: String,
    /// `serve.admin.host` (default `0.0.0.0`).
    pub admin_host: String,
    /// `serve.admin.port` (default 4434).
    pub admin_port: u16,
}

/// Self-service flows and methods.
#[derive(Debug, Clone)]
pub struct SelfService {
    /// `selfservice.default_browser_return_url`.
    pub default_browser_return_url: String,
    /// `selfservice.allowed_return_urls`.
    pub allowed_return_urls: Vec<String>,
    /// `selfservice.flows.registration.*`.
    pub registration: Registration,
    /// `selfservice.flows.login.*`.
    pub login: Login,
    /// `selfservice.flows.settings.*`.
    pub settings: Settings,
    /// `selfservice.flows.logout.after.default_browser_return_url`.
    pub logout_after_return_url: Option<String>,
    /// `selfservice.flows.error.ui_url`.
    pub error_ui_url: String,
    /// `selfservice.methods.password.*`.
    pub password: PasswordMethod,
    /// `selfservice.methods.profile.enabled` (default true).
    pub profile_enabled: bool,
    /// `selfservice.methods.code.enabled`.
    pub code_enabled: bool,
    /// `selfservice.methods.code.passwordless_enabled`.
    pub code_passwordless_enabled: bool,
    /// `selfservice.flows.verification.enabled`.
    pub verification_enabled: bool,
    /// `selfservice.flows.verification.*`.
    pub verification: Verification,
    /// `selfservice.flows.recovery.*`.
    pub recovery: Recovery,
    /// `feature_flags.legacy_require_verified_login_error` (default false): `require_verified_address`
    /// answers with form message 4000010 instead of starting a verification flow.
    pub legacy_require_verified_login_error: bool,
    /// `feature_flags.use_continue_with_transitions` (default false): a recovery by code answers
    /// JSON callers with the flow and `continue_with` instead of 422.
    pub continue_with_transitions: bool,
    /// `selfservice.methods.code.config.lifespan` (default 1h): how long a one-time code lives.
    pub code_lifespan: Duration,
    /// `selfservice.methods.code.config.max_submissions` (default 5): code attempts per flow.
    pub code_max_submissions: i64,
    /// `selfservice.methods.link.enabled` (default false): recovery and verification links.
    pub link_enabled: bool,
    /// `selfservice.methods.link.config.lifespan` (default 1h): how long a link token lives.
    pub link_lifespan: Duration,
}

/// The recovery flow's configuration.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// `enabled` (default false).
    pub enabled: bool,
    /// `use`: `code` (default) or `link`.
    pub strategy: String,
    /// `ui_url` (default Kratos's fallback page; may be relative).
    pub ui_url: String,
    /// `lifespan` (default 1h).
    pub lifespan: Duration,
    /// `after.default_browser_return_url`.
    pub after_default_browser_return_url: Option<String>,
    /// `after.hooks`, hook names.
    pub after_hooks: Vec<String>,
    /// `notify_unknown_recipients` (default false).
    pub notify_unknown_recipients: bool,
}

/// The verification flow's configuration.
#[derive(Debug, Clone)]
pub struct Verification {
    /// `use`: `code` (default) or `link`.
    pub strategy: String,
    /// `ui_url` (default Kratos's fallback page; may be relative).
    pub ui_url: String,
    /// `lifespan` (default 1h).
    pub lifespan: Duration,
    /// `after.default_browser_return_url`.
    pub after_default_browser_return_url: Option<String>,
    /// `notify_unknown_recipients` (default false): mail an address no account has.
    pub notify_unknown_recipients: bool,
}

impl SelfService {
    /// The default return URL after registering with `method`: the method's
    /// `after.<method>.default_browser_return_url`, else `after.default_browser_return_url`, else
    /// `selfservice.default_browser_return_url` (Kratos's `SelfServiceFlowRegistrationReturnTo`).
    pub fn registration_return_url_for(&self, method: &str) -> &str {
        self.registration
            .after_return_url_for(method)
            .unwrap_or(&self.default_browser_return_url)
    }
}

/// The registration flow's settings.
#[derive(Debug, Clone)]
pub struct Registration {
    /// `selfservice.flows.registration.enabled` (default true).
    pub enabled: bool,
    /// `selfservice.flows.registration.ui_url` (default Kratos's fallback page; may be relative).
    pub ui_url: String,
    /// `selfservice.flows.registration.lifespan` (default 1h).
    pub lifespan: Duration,
    /// `selfservice.flows.registration.style` (default `profile_first`); already `Unified` when
    /// the deprecated `enable_legacy_one_step` is true.
    pub style: RegistrationStyle,
    /// `selfservice.flows.registration.enable_legacy_one_step` (deprecated; true forces unified).
    pub enable_legacy_one_step: bool,
    /// `selfservice.flows.registration.login_hints` (default false).
    pub login_hints: bool,
    /// `selfservice.flows.registration.after.default_browser_return_url`.
    pub after_default_browser_return_url: Option<String>,
    /// `selfservice.flows.registration.after.hooks` (global post-persist fallback), hook names.
    pub after_hooks: Vec<String>,
    /// `selfservice.flows.registration.after.<method>`, keyed by method id; only methods that
    /// are configured appear.
    pub after_methods: std::collections::BTreeMap<String, AfterMethod>,
}

impl Registration {
    /// The post-persist hook names for `method`: the method's own list, else the global
    /// `after.hooks` (Kratos's `PostRegistrationPostPersistHooks`).
    pub fn after_hooks_for(&self, method: &str) -> &[String] {
        match self.after_methods.get(method) {
            Some(m) if !m.hooks.is_empty() => &m.hooks,
            _ => &self.after_hooks,
        }
    }

    /// The return URL after registering with `method`: the method's own, else the flow's, else
    /// `None` (see [`SelfService::registration_return_url_for`], which adds the global default).
    pub fn after_return_url_for(&self, method: &str) -> Option<&str> {
        self.after_methods
            .get(method)
            .and_then(|m| m.default_browser_return_url.as_deref())
            .or(self.after_default_browser_return_url.as_deref())
    }
}

/// The login flow's settings.
#[derive(Debug, Clone)]
pub struct Login {
    /// `selfservice.flows.login.ui_url` (default Kratos's fallback page; may be relative).
    pub ui_url: String,
    /// `selfservice.flows.login.lifespan` (default 1h).
    pub lifespan: Duration,
    /// `selfservice.flows.login.after.default_browser_return_url`.
    pub after_default_browser_return_url: Option<String>,
    /// `selfservice.flows.login.after.hooks`, hook names.
    pub after_hooks: Vec<String>,
    /// `selfservice.flows.login.after.<method>`, keyed by method id.
    pub after_methods: std::collections::BTreeMap<String, AfterMethod>,
}

impl Login {
    /// The hook names for `method`: the method's own list, else the global `after.hooks`.
    pub fn after_hooks_for(&self, method: &str) -> &[String] {
        match self.after_methods.get(method) {
            Some(m) if !m.hooks.is_empty() => &m.hooks,
            _ => &self.after_hooks,
        }
    }
}

impl SelfService {
    /// `code_lifespan` as a span to add to a time (an hour if it does not fit).
    pub fn code_span(&self) -> time::Duration {
        time::Duration::try_from(self.code_lifespan).unwrap_or(time::Duration::HOUR)
    }

    /// `link_lifespan` as a span to add to a time (an hour if it does not fit).
    pub fn link_span(&self) -> time::Duration {
        time::Duration::try_from(self.link_lifespan).unwrap_or(time::Duration::HOUR)
    }

    /// The default return URL after signing in with `method` (Kratos's
    /// `SelfServiceFlowLoginReturnTo`): the method's, else the flow's, else the global default.
    pub fn login_return_url_for(&self, method: &str) -> &str {
        self.login
            .after_methods
            .get(method)
            .and_then(|m| m.default_browser_return_url.as_deref())
            .or(self.login.after_default_browser_return_url.as_deref())
            .unwrap_or(&self.default_browser_return_url)
    }

    /// Where a browser goes after signing out (`SelfServiceFlowLogoutRedirectURL`).
    pub fn logout_return_url(&self) -> &str {
        self.logout_after_return_url
            .as_deref()
            .unwrap_or(&self.default_browser_return_url)
    }
}

/// The settings flow's configuration (`selfservice.flows.settings.*`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `ui_url` (default Kratos's fallback page; may be relative).
    pub ui_url: String,
    /// `lifespan` (default 1h).
    pub lifespan: Duration,
    /// `privileged_session_max_age` (default 1h): how long after signing in a session may change
    /// passwords and identifiers without signing in again. Zero: profile changes never need it,
    /// password changes always do (as in Kratos).
    pub privileged_session_max_age: Duration,
    /// `required_aal` (default `highest_available`).
    pub required_aal: String,
    /// `after.default_browser_return_url`.
    pub after_default_browser_return_url: Option<String>,
    /// `after.hooks`, hook names (the fallback when a method lists none).
    pub after_hooks: Vec<String>,
    /// `after.<method>`, keyed by method id.
    pub after_methods: std::collections::BTreeMap<String, AfterMethod>,
    /// The `config.recipients` of a `notify_previous_addresses` hook in
    /// `after.profile.hooks` (`removed`, the default, `all_verified` or `all`); `None` without
    /// that hook.
    pub notify_previous_addresses: Option<String>,
    /// A `verify_new_address` hook in `after.profile.hooks`: a profile change that adds an
    /// address waits until that address is verified.
    pub verify_new_address: bool,
}

impl Settings {
    /// The post-persist hook names for `method`: the method's own list, else `after.hooks`.
    pub fn after_hooks_for(&self, method: &str) -> &[String] {
        match self.after_methods.get(method) {
            Some(m) if !m.hooks.is_empty() => &m.hooks,
            _ => &self.after_hooks,
        }
    }

    /// The configured return URL after a change by `method`: the method's, else the flow's
    /// (`None`: the caller falls back to the settings UI itself).
    pub fn after_return_url_for(&self, method: &str) -> Option<&str> {
        self.after_methods
            .get(method)
            .and_then(|m| m.default_browser_return_url.as_deref())
            .or(self.after_default_browser_return_url.as_deref())
    }
}

/// Post-registration settings of one method.
#[derive(Debug, Clone, Default)]
pub struct AfterMethod {
    /// Hook names in order (`session`, `show_verification_ui`, `web_hook`, ...).
    pub hooks: Vec<String>,
    /// `...after.<method>.default_browser_return_url`.
    pub default_browser_return_url: Option<String>,
}

/// The password method and its policy.
#[derive(Debug, Clone)]
pub struct PasswordMethod {
    /// `selfservice.methods.password.enabled` (default true).
    pub enabled: bool,
    /// `...password.config.min_password_length` (default 8).
    pub min_password_length: usize,
    /// `...password.config.identifier_similarity_check_enabled` (default true).
    pub identifier_similarity_check_enabled: bool,
    /// `...password.config.haveibeenpwned_enabled` (default true; false under `--dev` unless set).
    pub haveibeenpwned_enabled: bool,
    /// `...password.config.haveibeenpwned_host` (default `api.pwnedpasswords.com`). Hoplite
    /// extension: a value starting with `http://` or `https://` is the range API base URL itself.
    pub haveibeenpwned_host: String,
    /// `...password.config.max_breaches` (default 0).
    pub max_breaches: u64,
    /// `...password.config.ignore_network_errors` (default true).
    pub ignore_network_errors: bool,
    /// `selfservice.methods.password.config.password_profile_registration_node_group`.
    pub profile_registration_node_group: String,
}

/// Sessions and the session cookie.
#[derive(Debug, Clone)]
pub struct Session {
    /// `session.lifespan` (default 24h).
    pub lifespan: Duration,
    /// `session.cookie.name` (default `ory_kratos_session`).
    pub cookie_name: String,
    /// `session.cookie.persistent` (default true).
    pub cookie_persistent: bool,
    /// `session.cookie.domain`, else `cookies.domain`; `None` when unset or empty.
    pub cookie_domain: Option<String>,
    /// `session.cookie.path`, else `cookies.path` (default `/`).
    pub cookie_path: String,
    /// `session.cookie.same_site`, else `cookies.same_site` (default `Lax`).
    pub cookie_same_site: String,
    /// `session.cookie.secure`, else `!dev` (Kratos ignores `cookies.secure` here).
    pub cookie_secure: bool,
    /// `session.earliest_possible_extend`: how long before expiry a session may be extended;
    /// `None` (unset) allows it at any time.
    pub earliest_possible_extend: Option<Duration>,
}

/// Cookie settings shared by the CSRF and session cookies.
#[derive(Debug, Clone)]
pub struct Cookies {
    /// `cookies.domain`; `None` when unset or empty.
    pub domain: Option<String>,
    /// `cookies.path` (default `/`).
    pub path: String,
    /// `Lax`, `Strict` or `None`.
    pub same_site: String,
    /// `cookies.secure`, else `!dev`.
    pub secure: bool,
}

/// Signing and encryption secrets.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// `secrets.cookie`, falling back to `secrets.default`; may be empty (then the binary generates
    /// and persists one).
    pub cookie: Vec<String>,
    /// `secrets.default`.
    pub default: Vec<String>,
    /// `secrets.cipher` (32 characters each).
    pub cipher: Vec<String>,
    /// `secrets.pagination`: the keys of the courier list's page tokens (none: a well-known key).
    pub pagination: Vec<String>,
}

/// The password hasher for new hashes.
#[derive(Debug, Clone)]
pub enum Hashers {
    /// `hashers.algorithm: bcrypt`; cost already raised to 12 outside `--dev`.
    Bcrypt {
        /// `hashers.bcrypt.cost` (default 12).
        cost: u32,
    },
    /// `hashers.algorithm: argon2`.
    Argon2 {
        /// `hashers.argon2.memory` in KiB (default `128MB` = 131072).
        memory_kib: u32,
        /// `hashers.argon2.iterations` (default 1).
        iterations: u32,
        /// `hashers.argon2.parallelism` (default 2 × CPU count).
        parallelism: u32,
        /// `hashers.argon2.salt_length` in bytes (default 16).
        salt_length: u32,
        /// `hashers.argon2.key_length` in bytes (default 32).
        key_length: u32,
    },
}

/// The password-hashing pool (`hoplite.hashing.*`, a hoplite extension).
#[derive(Debug, Clone, Copy)]
pub struct HashingPool {
    /// `pool_size` (default: the number of CPU cores).
    pub pool_size: usize,
    /// `queue_size` (default: 64 × `pool_size`).
    pub queue_size: usize,
}

/// The courier (`courier.*`).
#[derive(Debug, Clone)]
pub struct Courier {
    /// `courier.smtp.connection_uri` (`smtp://` with mandatory STARTTLS unless
    /// `?disable_starttls=true`, `smtps://` for implicit TLS; `skip_ssl_verify`, `server_name`).
    pub smtp_connection_uri: String,
    /// `courier.smtp.from_address` (default `no-reply@ory.kratos.sh`).
    pub from_address: String,
    /// `courier.smtp.from_name`.
    pub from_name: Option<String>,
    /// `courier.smtp.headers`, added to every mail.
    pub headers: Vec<(String, String)>,
    /// `courier.smtp.local_name`, the HELO/EHLO name (default `localhost`).
    pub local_name: String,
    /// `courier.message_retries` (default 5): attempts after the first.
    pub message_retries: i64,
    /// `courier.worker.pull_count` (default 10): messages per batch.
    pub pull_count: u32,
    /// `courier.worker.pull_wait` (default 1s): the pause between batches.
    pub pull_wait: Duration,
    /// `courier.delivery_strategy`: `smtp` (default) or `http`.
    pub delivery_strategy: String,
    /// `courier.http.request_config`, for the `http` delivery strategy.
    pub http: Option<HttpRequestConfig>,
    /// `courier.channels`: (channel id, its HTTP request); Kratos's schema allows only `sms`.
    pub channels: Vec<(String, HttpRequestConfig)>,
}

impl Courier {
    /// The HTTP request of the channel `id`.
    pub fn channel(&self, id: &str) -> Option<&HttpRequestConfig> {
        self.channels.iter().find(|(c, _)| c == id).map(|(_, r)| r)
    }
}

/// An outgoing HTTP request's configuration (`httpRequestConfig`).
#[derive(Debug, Clone)]
pub struct HttpRequestConfig {
    /// `url`.
    pub url: String,
    /// `method` (default `POST`).
    pub method: String,
    /// `headers`.
    pub headers: Vec<(String, String)>,
    /// `body`: the Jsonnet template's URI (Kratos's default template when unset).
    pub body: String,
    /// `auth`: `{"type": "api_key"|"basic_auth", "config": {...}}`.
    pub auth: Option<serde_json::Value>,
}

/// Identity schema configuration.
#[derive(Debug, Clone)]
pub struct IdentityConfig {
    /// `identity.default_schema_id` (default `default`); always one of `schemas`.
    pub default_schema_id: String,
    /// `identity.schemas`, in order.
    pub schemas: Vec<SchemaSource>,
}

/// One entry of `identity.schemas`. The URL is passed through untouched; loading it is the
/// schema module's job.
#[derive(Debug, Clone)]
pub struct SchemaSource {
    /// `id`.
    pub id: String,
    /// `file://`, `base64://` or `http(s)://` URL.
    pub url: String,
    /// `selfservice_selectable` (default false).
    pub selfservice_selectable: bool,
}

#[cfg(test)]
mod tests;
