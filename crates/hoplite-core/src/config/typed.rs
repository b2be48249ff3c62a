//! Builds the typed [`Config`] from the validated document, applying the defaults and fallbacks
//! that Kratos computes in code rather than in its schema (`driver/config/config.go`).

use super::duration::{parse_byte_size, parse_duration};
use super::env::parse_go_bool;
use super::load::ConfigError;
use super::{
    AfterMethod, Config, Cookies, Courier, Hashers, HashingPool, IdentityConfig, Login,
    PasswordMethod, Recovery, Registration, RegistrationStyle, SchemaSource, Secrets, SelfService,
    Serve, Session, Settings, Verification,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Kratos's minimum bcrypt cost outside `--dev`, and the default.
const BCRYPT_DEFAULT_COST: u32 = 12;

/// Typed reads from the effective document, with errors that name the key.
struct Doc<'a> {
    effective: &'a Value,
}

fn lookup<'v>(doc: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(doc, |v, k| v.get(k))
        .filter(|v| !v.is_null())
}

fn wrong(path: &str, expected: &str, got: &Value) -> ConfigError {
    ConfigError(format!("{path}: expected {expected}, got {got}"))
}

impl Doc<'_> {
    fn get(&self, path: &str) -> Option<&Value> {
        lookup(self.effective, path)
    }

    fn opt_string(&self, path: &str) -> Result<Option<String>, ConfigError> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(wrong(path, "a string", other)),
        }
    }

    fn string(&self, path: &str, default: &str) -> Result<String, ConfigError> {
        Ok(self
            .opt_string(path)?
            .unwrap_or_else(|| default.to_string()))
    }

    fn bool(&self, path: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(path) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(wrong(path, "a boolean", other)),
        }
    }

    /// A flag the schema types as a string (`session.cookie.secure`, `cookies.secure`); Kratos
    /// reads it with Go's boolean parsing. Unset means `!dev`.
    fn string_bool(&self, path: &str, dev: bool) -> Result<bool, ConfigError> {
        match self.get(path) {
            None => Ok(!dev),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => parse_go_bool(s.trim()).ok_or_else(|| {
                ConfigError(format!("{path}: expected \"true\" or \"false\", got {s:?}"))
            }),
            Some(other) => Err(wrong(path, "\"true\" or \"false\"", other)),
        }
    }

    fn u64(&self, path: &str, default: u64) -> Result<u64, ConfigError> {
        match self.get(path) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| wrong(path, "a non-negative integer", v)),
        }
    }

    fn u32(&self, path: &str, default: u32) -> Result<u32, ConfigError> {
        let n = self.u64(path, u64::from(default))?;
        u32::try_from(n).map_err(|_| ConfigError(format!("{path}: {n} is too large")))
    }

    fn duration(&self, path: &str, default: Duration) -> Result<Duration, ConfigError> {
        match self.opt_string(path)? {
            None => Ok(default),
            Some(s) => parse_duration(&s).map_err(|e| ConfigError(format!("{path}: {e}"))),
        }
    }

    fn strings(&self, path: &str) -> Result<Vec<String>, ConfigError> {
        match self.get(path) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| wrong(&format!("{path}.{i}"), "a string", v))
                })
                .collect(),
            Some(other) => Err(wrong(path, "a list of strings", other)),
        }
    }

    /// Hook names from a list of `{hook: name, config?: ...}` (Kratos's `SelfServiceHook`).
    /// `<after_key>.<method>` blocks (every object key but `hooks` and
    /// `default_browser_return_url`), keyed by method id.
    fn after_methods(&self, after_key: &str) -> Result<BTreeMap<String, AfterMethod>, ConfigError> {
        let mut after_methods = BTreeMap::new();
        if let Some(Value::Object(after)) = self.get(after_key) {
            for (method, value) in after {
                if matches!(method.as_str(), "hooks" | "default_browser_return_url")
                    || !value.is_object()
                {
                    continue;
                }
                let key = format!("{after_key}.{method}");
                after_methods.insert(
                    method.clone(),
                    AfterMethod {
                        hooks: self.hook_names(&format!("{key}.hooks"))?,
                        default_browser_return_url: self
                            .opt_string(&format!("{key}.default_browser_return_url"))?,
                    },
                );
            }
        }
        Ok(after_methods)
    }

    /// The recipients of the first `notify_previous_addresses` hook in the list at `path`
    /// (the schema allows only Kratos's three values, `removed` by default).
    fn notify_recipients(&self, path: &str) -> Option<String> {
        let Some(Value::Array(items)) = self.get(path) else {
            return None;
        };
        items
            .iter()
            .find(|h| h.get("hook").and_then(Value::as_str) == Some("notify_previous_addresses"))
            .map(|h| {
                h.pointer("/config/recipients")
                    .and_then(Value::as_str)
                    .unwrap_or("removed")
                    .to_string()
            })
    }

    fn hook_names(&self, path: &str) -> Result<Vec<String>, ConfigError> {
        match self.get(path) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    item.get("hook")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .ok_or_else(|| wrong(&format!("{path}.{i}.hook"), "a hook name", item))
                })
                .collect(),
            Some(other) => Err(wrong(path, "a list of hooks", other)),
        }
    }
}

/// Go's `os.Hostname` on Linux reads the kernel's hostname; `/etc/hostname` is the fallback and
/// `127.0.0.1` the last resort, as in ory/x when the hostname is unavailable.
fn os_hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "127.0.0.1".to_string())
}

/// `http(s)://<host>:<port>/` for an interface without a configured `base_url` (ory/x
/// `configx/serve.go`): https unless `--dev`; the OS hostname when the listen host is unset or
/// `0.0.0.0`.
///
/// Deviation: with `--dev`, hoplite uses `127.0.0.1` instead of the OS hostname, so the derived
/// URL (form actions, cookie domain) works from a browser on the same machine out of the box.
fn derive_base_url(host: &str, port: u16, dev: bool) -> String {
    let scheme = if dev { "http" } else { "https" };
    let host = match host {
        "" | "0.0.0.0" if dev => "127.0.0.1".to_string(),
        "" | "0.0.0.0" => os_hostname(),
        h => h.to_string(),
    };
    // Go prints `host:port` verbatim, which breaks for IPv6 literals; bracket them.
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    format!("{scheme}://{host}:{port}/")
}

impl Config {
    /// Types the validated `effective` document (schema defaults + file + env). The keys whose
    /// absence Kratos treats specially (`session.cookie.*`, `cookies.secure`, `base_url`) have no
    /// schema default, so "missing here" means "not configured".
    pub(crate) fn from_document(effective: Value, dev: bool) -> Result<Config, ConfigError> {
        let d = Doc {
            effective: &effective,
        };

        let serve = {
            let interface =
                |name: &str, default_port: u16| -> Result<(String, u16, String), ConfigError> {
                    let port_key = format!("serve.{name}.port");
                    let port = d.u64(&port_key, u64::from(default_port))?;
                    let port = u16::try_from(port)
                        .map_err(|_| ConfigError(format!("{port_key}: {port} is not a port")))?;
                    let host = d.string(&format!("serve.{name}.host"), "0.0.0.0")?;
                    let base_url = match d.opt_string(&format!("serve.{name}.base_url"))? {
                        // A configured base URL is used exactly as written, as Kratos does.
                        Some(url) => url,
                        None => derive_base_url(&host, port, dev),
                    };
                    Ok((host, port, base_url))
                };
            let (public_host, public_port, public_base_url) = interface("public", 4433)?;
            let (admin_host, admin_port, admin_base_url) = interface("admin", 4434)?;
            Serve {
                public_base_url,
                public_host,
                public_port,
                admin_base_url,
                admin_host,
                admin_port,
            }
        };

        let registration = {
            let base = "selfservice.flows.registration";
            // The deprecated one-step switch wins when true (Kratos warns and honours it).
            let legacy_one_step = d.bool(&format!("{base}.enable_legacy_one_step"), false)?;
            if legacy_one_step {
                tracing::warn!(
                    "{base}.enable_legacy_one_step is deprecated; use {base}.style: unified instead"
                );
            }
            let style = if !legacy_one_step
                && d.string(&format!("{base}.style"), "profile_first")? == "profile_first"
            {
                RegistrationStyle::ProfileFirst
            } else {
                RegistrationStyle::Unified
            };
            let after_key = format!("{base}.after");
            let after_methods = d.after_methods(&after_key)?;
            Registration {
                enabled: d.bool(&format!("{base}.enabled"), true)?,
                ui_url: d.string(
                    &format!("{base}.ui_url"),
                    "https://www.ory.com/kratos/docs/fallback/registration",
                )?,
                lifespan: d.duration(&format!("{base}.lifespan"), Duration::from_secs(3600))?,
                style,
                enable_legacy_one_step: legacy_one_step,
                login_hints: d.bool(&format!("{base}.login_hints"), false)?,
                after_default_browser_return_url: d
                    .opt_string(&format!("{after_key}.default_browser_return_url"))?,
                after_hooks: d.hook_names(&format!("{after_key}.hooks"))?,
                after_methods,
            }
        };

        let password = {
            let base = "selfservice.methods.password";
            let cfg = format!("{base}.config");
            let min_len = d.u64(&format!("{cfg}.min_password_length"), 8)?;
            PasswordMethod {
                enabled: d.bool(&format!("{base}.enabled"), true)?,
                min_password_length: usize::try_from(min_len).map_err(|_| {
                    ConfigError(format!("{cfg}.min_password_length: {min_len} is too large"))
                })?,
                identifier_similarity_check_enabled: d
                    .bool(&format!("{cfg}.identifier_similarity_check_enabled"), true)?,
                haveibeenpwned_enabled: d.bool(&format!("{cfg}.haveibeenpwned_enabled"), true)?,
                haveibeenpwned_host: d.string(
                    &format!("{cfg}.haveibeenpwned_host"),
                    "api.pwnedpasswords.com",
                )?,
                max_breaches: d.u64(&format!("{cfg}.max_breaches"), 0)?,
                ignore_network_errors: d.bool(&format!("{cfg}.ignore_network_errors"), true)?,
                // Kratos reads this key although its schema does not allow it, so it is always
                // `default` in practice; anything but `password` means `default`.
                profile_registration_node_group: match d
                    .string(
                        &format!("{cfg}.password_profile_registration_node_group"),
                        "default",
                    )?
                    .as_str()
                {
                    "password" => "password".to_string(),
                    _ => "default".to_string(),
                },
            }
        };

        let login = {
            let base = "selfservice.flows.login";
            let after_key = format!("{base}.after");
            Login {
                ui_url: d.string(
                    &format!("{base}.ui_url"),
                    "https://www.ory.com/kratos/docs/fallback/login",
                )?,
                lifespan: d.duration(&format!("{base}.lifespan"), Duration::from_secs(3600))?,
                after_default_browser_return_url: d
                    .opt_string(&format!("{after_key}.default_browser_return_url"))?,
                after_hooks: d.hook_names(&format!("{after_key}.hooks"))?,
                after_methods: d.after_methods(&after_key)?,
            }
        };
        let settings = {
            let base = "selfservice.flows.settings";
            let after_key = format!("{base}.after");
            Settings {
                ui_url: d.string(
                    &format!("{base}.ui_url"),
                    "https://www.ory.com/kratos/docs/fallback/settings",
                )?,
                lifespan: d.duration(&format!("{base}.lifespan"), Duration::from_secs(3600))?,
                privileged_session_max_age: d.duration(
                    &format!("{base}.privileged_session_max_age"),
                    Duration::from_secs(3600),
                )?,
                required_aal: d.string(&format!("{base}.required_aal"), "highest_available")?,
                after_default_browser_return_url: d
                    .opt_string(&format!("{after_key}.default_browser_return_url"))?,
                after_hooks: d.hook_names(&format!("{after_key}.hooks"))?,
                after_methods: d.after_methods(&after_key)?,
                notify_previous_addresses: d
                    .notify_recipients(&format!("{after_key}.profile.hooks")),
                verify_new_address: d
                    .hook_names(&format!("{after_key}.profile.hooks"))?
                    .iter()
                    .any(|h| h == "verify_new_address"),
            }
        };
        let logout_after_return_url =
            d.opt_string("selfservice.flows.logout.after.default_browser_return_url")?;

        let selfservice = SelfService {
            // Required by the schema, so present after validation.
            default_browser_return_url: d.string("selfservice.default_browser_return_url", "")?,
            allowed_return_urls: d.strings("selfservice.allowed_return_urls")?,
            registration,
            login,
            settings,
            logout_after_return_url,
            error_ui_url: d.string(
                "selfservice.flows.error.ui_url",
                "https://www.ory.com/kratos/docs/fallback/error",
            )?,
            password,
            profile_enabled: d.bool("selfservice.methods.profile.enabled", true)?,
            code_enabled: d.bool("selfservice.methods.code.enabled", true)?,
            code_passwordless_enabled: d
                .bool("selfservice.methods.code.passwordless_enabled", false)?,
            verification_enabled: d.bool("selfservice.flows.verification.enabled", false)?,
            verification: {
                let base = "selfservice.flows.verification";
                Verification {
                    strategy: d.string(&format!("{base}.use"), "code")?,
                    ui_url: d.string(
                        &format!("{base}.ui_url"),
                        "https://www.ory.com/kratos/docs/fallback/verification",
                    )?,
                    lifespan: d.duration(&format!("{base}.lifespan"), Duration::from_secs(3600))?,
                    after_default_browser_return_url: d
                        .opt_string(&format!("{base}.after.default_browser_return_url"))?,
                    notify_unknown_recipients: d
                        .bool(&format!("{base}.notify_unknown_recipients"), false)?,
                }
            },
            recovery: {
                let base = "selfservice.flows.recovery";
                Recovery {
                    enabled: d.bool(&format!("{base}.enabled"), false)?,
                    strategy: d.string(&format!("{base}.use"), "code")?,
                    ui_url: d.string(
                        &format!("{base}.ui_url"),
                        "https://www.ory.com/kratos/docs/fallback/recovery",
                    )?,
                    lifespan: d.duration(&format!("{base}.lifespan"), Duration::from_secs(3600))?,
                    after_default_browser_return_url: d
                        .opt_string(&format!("{base}.after.default_browser_return_url"))?,
                    after_hooks: d.hook_names(&format!("{base}.after.hooks"))?,
                    notify_unknown_recipients: d
                        .bool(&format!("{base}.notify_unknown_recipients"), false)?,
                }
            },
            continue_with_transitions: d
                .bool("feature_flags.use_continue_with_transitions", false)?,
            legacy_require_verified_login_error: d
                .bool("feature_flags.legacy_require_verified_login_error", false)?,
            code_lifespan: d.duration(
                "selfservice.methods.code.config.lifespan",
                Duration::from_secs(3600),
            )?,
            code_max_submissions: i64::try_from(
                d.u64("selfservice.methods.code.config.max_submissions", 5)?,
            )
            .unwrap_or(5),
            link_enabled: d.bool("selfservice.methods.link.enabled", false)?,
            link_lifespan: d.duration(
                "selfservice.methods.link.config.lifespan",
                Duration::from_secs(3600),
            )?,
        };

        let cookies = Cookies {
            domain: d.opt_string("cookies.domain")?.filter(|s| !s.is_empty()),
            path: d.string("cookies.path", "/")?,
            same_site: d.string("cookies.same_site", "Lax")?,
            secure: d.string_bool("cookies.secure", dev)?,
        };

        // session.cookie.{domain,path,same_site} fall back to cookies.*, but `secure` does not
        // (Kratos's SessionCookieSecure only looks at its own key).
        let session = Session {
            lifespan: d.duration("session.lifespan", Duration::from_secs(24 * 3600))?,
            cookie_name: d.string("session.cookie.name", "ory_kratos_session")?,
            cookie_persistent: d.bool("session.cookie.persistent", true)?,
            cookie_domain: match d.opt_string("session.cookie.domain")? {
                Some(domain) => Some(domain).filter(|s| !s.is_empty()),
                None => cookies.domain.clone(),
            },
            cookie_path: d
                .opt_string("session.cookie.path")?
                .unwrap_or_else(|| cookies.path.clone()),
            cookie_same_site: d
                .opt_string("session.cookie.same_site")?
                .unwrap_or_else(|| cookies.same_site.clone()),
            cookie_secure: d.string_bool("session.cookie.secure", dev)?,
            earliest_possible_extend: match d.get("session.earliest_possible_extend") {
                None => None,
                Some(_) => Some(d.duration("session.earliest_possible_extend", Duration::ZERO)?),
            },
        };

        let secrets = {
            let default = d.strings("secrets.default")?;
            let cookie = d.strings("secrets.cookie")?;
            Secrets {
                cookie: if cookie.is_empty() {
                    default.clone()
                } else {
                    cookie
                },
                default,
                cipher: d.strings("secrets.cipher")?,
                pagination: d.strings("secrets.pagination")?,
            }
        };

        let hashers = match d.string("hashers.algorithm", "bcrypt")?.as_str() {
            "argon2" => {
                let memory_key = "hashers.argon2.memory";
                let memory = d.string(memory_key, "128MB")?;
                let bytes = parse_byte_size(&memory)
                    .map_err(|e| ConfigError(format!("{memory_key}: {e}")))?;
                let memory_kib = u32::try_from(bytes / 1024)
                    .map_err(|_| ConfigError(format!("{memory_key}: {memory} is too large")))?;
                // Kratos's default is twice the CPU count (runtime.NumCPU() * 2).
                let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
                let default_parallelism = u32::try_from(cpus * 2).unwrap_or(u32::MAX);
                Hashers::Argon2 {
                    memory_kib,
                    iterations: d.u32("hashers.argon2.iterations", 1)?,
                    parallelism: d.u32("hashers.argon2.parallelism", default_parallelism)?,
                    salt_length: d.u32("hashers.argon2.salt_length", 16)?,
                    key_length: d.u32("hashers.argon2.key_length", 32)?,
                }
            }
            _ => {
                let cost = d.u32("hashers.bcrypt.cost", BCRYPT_DEFAULT_COST)?;
                // Kratos silently raises low costs outside --dev.
                let cost = if !dev && cost < BCRYPT_DEFAULT_COST {
                    BCRYPT_DEFAULT_COST
                } else {
                    cost
                };
                Hashers::Bcrypt { cost }
            }
        };

        let identity = {
            let default_schema_id = d.string("identity.default_schema_id", "default")?;
            let mut schemas = Vec::new();
            if let Some(Value::Array(items)) = d.get("identity.schemas") {
                for (i, item) in items.iter().enumerate() {
                    let key = format!("identity.schemas.{i}");
                    let field = |name: &str| {
                        item.get(name)
                            .and_then(Value::as_str)
                            .map(str::to_string)
                            .ok_or_else(|| {
                                wrong(
                                    &format!("{key}.{name}"),
                                    "a string",
                                    item.get(name).unwrap_or(&Value::Null),
                                )
                            })
                    };
                    schemas.push(SchemaSource {
                        id: field("id")?,
                        url: field("url")?,
                        selfservice_selectable: item
                            .get("selfservice_selectable")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    });
                }
            }
            // Kratos only notices this when a flow first needs the default schema; failing at
            // startup is kinder and changes no wire behaviour.
            if !schemas.iter().any(|s| s.id == default_schema_id) {
                return Err(ConfigError(format!(
                    "identity.default_schema_id: no schema with id {default_schema_id:?} in identity.schemas"
                )));
            }
            IdentityConfig {
                default_schema_id,
                schemas,
            }
        };

        let enumeration_safe_registration =
            d.bool("hoplite.registration.enumeration_safe", false)?;
        if enumeration_safe_registration {
            let methods = ["password", "profile", "code", "oidc", "webauthn", "passkey"];
            if methods.iter().any(|m| {
                selfservice
                    .registration
                    .after_hooks_for(m)
                    .iter()
                    .any(|h| h == "session")
            }) {
                return Err(ConfigError(
                    "hoplite.registration.enumeration_safe cannot be combined with the session hook after registration (selfservice.flows.registration.after.hooks): a new account would be signed in at once while a taken address cannot be, and that difference is what enumeration-safe sign-up hides. Remove the session hook (people then sign in after signing up) or the setting.".into(),
                ));
            }
        }

        let courier = Courier {
            smtp_connection_uri: d.string("courier.smtp.connection_uri", "")?,
            from_address: d.string("courier.smtp.from_address", "no-reply@ory.kratos.sh")?,
            from_name: d
                .opt_string("courier.smtp.from_name")?
                .filter(|n| !n.is_empty()),
            headers: match d.get("courier.smtp.headers") {
                Some(Value::Object(map)) => map
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect(),
                _ => Vec::new(),
            },
            local_name: d.string("courier.smtp.local_name", "localhost")?,
            message_retries: i64::try_from(d.u64("courier.message_retries", 5)?)
                .unwrap_or(i64::MAX),
            pull_count: u32::try_from(d.u64("courier.worker.pull_count", 10)?)
                .unwrap_or(u32::MAX)
                .max(1),
            pull_wait: d.duration("courier.worker.pull_wait", Duration::from_secs(1))?,
            delivery_strategy: d.string("courier.delivery_strategy", "smtp")?,
            http: match d.get("courier.http.request_config") {
                Some(Value::Object(rc)) => Some(http_request_config(rc)),
                _ => None,
            },
            channels: match d.get("courier.channels") {
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|c| {
                        let id = c.get("id").and_then(Value::as_str)?;
                        let Some(Value::Object(rc)) = c.get("request_config") else {
                            return None;
                        };
                        Some((id.to_string(), http_request_config(rc)))
                    })
                    .collect(),
                _ => Vec::new(),
            },
        };

        Ok(Config {
            dsn: d.string("dsn", "")?,
            dev,
            serve,
            selfservice,
            session,
            cookies,
            secrets,
            hashers,
            hashing: {
                let cores = std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2) as u64;
                let pool = d.u64("hoplite.hashing.pool_size", cores)?;
                let queue = d.u64("hoplite.hashing.queue_size", pool.saturating_mul(64))?;
                HashingPool {
                    pool_size: usize::try_from(pool).unwrap_or(usize::MAX),
                    queue_size: usize::try_from(queue).unwrap_or(usize::MAX),
                }
            },
            enumeration_safe_registration,
            bench_fixed_response_bytes: usize::try_from(
                d.u64("hoplite.bench.fixed_response_bytes", 0)?,
            )
            .unwrap_or(usize::MAX),
            bench_primary_key_lookup: d.bool("hoplite.bench.primary_key_lookup", false)?,
            identity,
            courier,
            accept_unsupported_features: d.bool("hoplite.accept_unsupported_features", false)?,
            log_level: d.string("log.level", "info")?,
            leak_sensitive_values: d.bool("log.leak_sensitive_values", false)?,
            raw: effective,
        })
    }
}

/// A `httpRequestConfig` object (the courier's HTTP delivery and its channels).
fn http_request_config(rc: &serde_json::Map<String, Value>) -> super::HttpRequestConfig {
    let text = |k: &str| rc.get(k).and_then(Value::as_str).map(str::to_string);
    super::HttpRequestConfig {
        url: text("url").unwrap_or_default(),
        method: text("method").unwrap_or_else(|| "POST".into()),
        headers: match rc.get("headers") {
            Some(Value::Object(h)) => h
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            _ => Vec::new(),
        },
        // Kratos's schema default: a template with the message's main fields.
        body: text("body").unwrap_or_else(|| {
            super::config_schema()["definitions"]["httpRequestConfig"]["properties"]["body"]
                ["default"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }),
        auth: rc.get("auth").cloned(),
    }
}
