//! End-to-end tests of `config::load`: files, environment overrides, validation errors, `--dev`
//! defaults. The environment is always passed as a map, never read from the process, so these
//! tests run in parallel.

use super::*;
use base64::Engine as _;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Kratos's quickstart `kratos.yml` (email-password), verbatim.
const EXAMPLE_KRATOS_YML: &str = include_str!("testdata/example-kratos.yml");

/// A config file that deletes itself when the test ends.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> TempFile {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "hoplite-config-{}-{seq}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, contents).unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load_yaml(yaml: &str, vars: &[(&str, &str)], dev: bool) -> Result<Config, ConfigError> {
    let file = TempFile::new("kratos.yml", yaml);
    load(Some(&file.0), &env(vars), dev)
}

/// The required keys except `selfservice`, for tests that write their own `selfservice` block.
const BASE: &str = "
dsn: memory
identity:
  schemas:
    - id: default
      url: file:///etc/config/kratos/identity.schema.json
";

/// The smallest document that passes validation without `--dev`.
const MINIMAL: &str = "
dsn: memory
identity:
  schemas:
    - id: default
      url: file:///etc/config/kratos/identity.schema.json
selfservice:
  default_browser_return_url: http://127.0.0.1:4455/
";

#[test]
fn example_kratos_yml_loads_unchanged() {
    let c = load_yaml(EXAMPLE_KRATOS_YML, &[], false).unwrap();
    assert_eq!(c.dsn, "memory");
    assert!(!c.dev);
    // Configured base URLs are kept exactly as written.
    assert_eq!(c.serve.public_base_url, "http://127.0.0.1:4433/");
    assert_eq!(c.serve.admin_base_url, "http://kratos:4434/");
    assert_eq!((c.serve.public_port, c.serve.admin_port), (4433, 4434));
    assert_eq!(
        c.selfservice.default_browser_return_url,
        "http://127.0.0.1:4455/welcome"
    );
    assert_eq!(c.selfservice.allowed_return_urls.len(), 3);
    assert_eq!(c.selfservice.error_ui_url, "http://127.0.0.1:4455/error");
    let r = &c.selfservice.registration;
    assert!(r.enabled);
    assert_eq!(r.ui_url, "http://127.0.0.1:4455/registration");
    assert_eq!(r.lifespan, Duration::from_secs(600));
    assert_eq!(r.style, RegistrationStyle::ProfileFirst);
    assert_eq!(
        r.after_hooks_for("password"),
        ["session", "show_verification_ui"]
    );
    assert!(r.after_hooks_for("oidc").is_empty());
    assert!(r.after_hooks.is_empty());
    assert!(c.selfservice.verification_enabled);
    assert!(c.selfservice.code_enabled);
    assert!(c.selfservice.password.enabled);
    assert!(c.selfservice.password.haveibeenpwned_enabled);
    assert_eq!(c.selfservice.password.min_password_length, 8);
    assert_eq!(c.identity.default_schema_id, "default");
    assert_eq!(c.identity.schemas.len(), 1);
    // Schema URLs are passed through untouched.
    assert_eq!(
        c.identity.schemas[0].url,
        "file:///etc/config/kratos/identity.schema.json"
    );
    assert_eq!(c.secrets.cookie, ["PLEASE-CHANGE-ME-I-AM-VERY-INSECURE"]);
    assert_eq!(c.secrets.cipher, ["32-LONG-SECRET-NOT-SECURE-AT-ALL"]);
    assert!(c.secrets.default.is_empty());
    assert_eq!(c.log_level, "debug");
    assert!(c.leak_sensitive_values);
    // The file says cost 8, which Kratos raises to 12 outside --dev.
    assert!(matches!(c.hashers, Hashers::Bcrypt { cost: 12 }));
    assert!(c.session.cookie_secure && c.cookies.secure);
    // Schema defaults are part of the effective document.
    assert_eq!(
        c.raw["courier"]["smtp"]["from_address"],
        "no-reply@ory.kratos.sh"
    );
    assert_eq!(
        c.raw["courier"]["smtp"]["connection_uri"],
        "smtps://test:test@mailslurper:1025/?skip_ssl_verify=true"
    );
}

#[test]
fn example_kratos_yml_in_dev_keeps_low_bcrypt_cost_and_insecure_cookies() {
    let c = load_yaml(EXAMPLE_KRATOS_YML, &[], true).unwrap();
    assert!(c.dev);
    assert!(matches!(c.hashers, Hashers::Bcrypt { cost: 8 }));
    assert!(!c.session.cookie_secure && !c.cookies.secure);
    // Configured keys are never replaced by dev defaults.
    assert_eq!(c.dsn, "memory");
    assert_eq!(
        c.identity.schemas[0].url,
        "file:///etc/config/kratos/identity.schema.json"
    );
}

#[test]
fn defaults_match_kratos() {
    let c = load_yaml(MINIMAL, &[], false).unwrap();
    let r = &c.selfservice.registration;
    assert_eq!(
        r.ui_url,
        "https://www.ory.com/kratos/docs/fallback/registration"
    );
    assert_eq!(r.lifespan, Duration::from_secs(3600));
    assert_eq!(r.style, RegistrationStyle::ProfileFirst);
    assert!(!r.login_hints && !r.enable_legacy_one_step);
    assert_eq!(
        c.selfservice.error_ui_url,
        "https://www.ory.com/kratos/docs/fallback/error"
    );
    let p = &c.selfservice.password;
    assert!(
        p.enabled
            && p.identifier_similarity_check_enabled
            && p.haveibeenpwned_enabled
            && p.ignore_network_errors
    );
    assert_eq!((p.min_password_length, p.max_breaches), (8, 0));
    assert_eq!(p.haveibeenpwned_host, "api.pwnedpasswords.com");
    assert_eq!(p.profile_registration_node_group, "default");
    assert!(c.selfservice.code_enabled && !c.selfservice.code_passwordless_enabled);
    assert!(!c.selfservice.verification_enabled);
    assert_eq!(c.session.lifespan, Duration::from_secs(86400));
    assert_eq!(c.session.cookie_name, "ory_kratos_session");
    assert!(c.session.cookie_persistent);
    assert_eq!(
        (
            c.session.cookie_path.as_str(),
            c.session.cookie_same_site.as_str()
        ),
        ("/", "Lax")
    );
    assert_eq!(c.session.cookie_domain, None);
    assert!(c.session.cookie_secure && c.cookies.secure);
    assert!(matches!(c.hashers, Hashers::Bcrypt { cost: 12 }));
    assert_eq!(c.log_level, "info");
    assert!(!c.leak_sensitive_values);
    assert_eq!(
        (c.serve.public_host.as_str(), c.serve.public_port),
        ("0.0.0.0", 4433)
    );
    // Derived outside --dev: https and the machine's hostname.
    let base = &c.serve.public_base_url;
    assert!(
        base.starts_with("https://") && base.ends_with(":4433/"),
        "{base}"
    );
    assert!(!base.contains("0.0.0.0"), "{base}");
    assert!(c.serve.admin_base_url.ends_with(":4434/"));
}

#[test]
fn argon2_defaults() {
    let c = load_yaml(
        &format!("{MINIMAL}\nhashers:\n  algorithm: argon2\n"),
        &[],
        false,
    )
    .unwrap();
    let cpus = std::thread::available_parallelism().unwrap().get() as u32;
    match c.hashers {
        Hashers::Argon2 {
            memory_kib,
            iterations,
            parallelism,
            salt_length,
            key_length,
        } => {
            assert_eq!(
                (memory_kib, iterations, parallelism, salt_length, key_length),
                (131072, 1, 2 * cpus, 16, 32)
            );
        }
        other => panic!("expected argon2, got {other:?}"),
    }
    let c = load_yaml(
        &format!("{MINIMAL}\nhashers:\n  algorithm: argon2\n  argon2:\n    memory: 64MB\n    parallelism: 3\n"),
        &[],
        false,
    )
    .unwrap();
    assert!(matches!(
        c.hashers,
        Hashers::Argon2 {
            memory_kib: 65536,
            parallelism: 3,
            ..
        }
    ));
}

#[test]
fn environment_overrides_the_file() {
    let c = load_yaml(
        EXAMPLE_KRATOS_YML,
        &[
            (
                "DSN",
                "postgres://kratos:secret@db:5432/kratos?sslmode=disable",
            ),
            ("SERVE_PUBLIC_PORT", "4500"),
            ("SERVE_ADMIN_BASE_URL", "http://admin.internal:4434/"),
            ("SELFSERVICE_FLOWS_REGISTRATION_LIFESPAN", "1h30m"),
            ("SECRETS_COOKIE", "0123456789abcdef,fedcba9876543210"),
            (
                "SELFSERVICE_METHODS_PASSWORD_CONFIG_MIN_PASSWORD_LENGTH",
                "12",
            ),
            (
                "SELFSERVICE_METHODS_PASSWORD_CONFIG_HAVEIBEENPWNED_ENABLED",
                "false",
            ),
            ("SESSION_COOKIE_SECURE", "false"),
            ("LOG_LEVEL", "warning"),
            ("IDENTITY_SCHEMAS_0_URL", "base64://e30="),
            ("SOME_UNRELATED_VARIABLE", "ignored"),
        ],
        false,
    )
    .unwrap();
    assert_eq!(
        c.dsn,
        "postgres://kratos:secret@db:5432/kratos?sslmode=disable"
    );
    assert_eq!(c.serve.public_port, 4500);
    // base_url from the file is still used as is.
    assert_eq!(c.serve.public_base_url, "http://127.0.0.1:4433/");
    assert_eq!(c.serve.admin_base_url, "http://admin.internal:4434/");
    assert_eq!(
        c.selfservice.registration.lifespan,
        Duration::from_secs(5400)
    );
    assert_eq!(c.secrets.cookie, ["0123456789abcdef", "fedcba9876543210"]);
    assert_eq!(c.selfservice.password.min_password_length, 12);
    assert!(!c.selfservice.password.haveibeenpwned_enabled);
    assert!(!c.session.cookie_secure);
    assert!(c.cookies.secure);
    assert_eq!(c.log_level, "warning");
    assert_eq!(c.identity.schemas[0].url, "base64://e30=");
    assert_eq!(c.identity.schemas[0].id, "default");
    assert_eq!(c.raw["serve"]["public"]["port"], 4500);
}

#[test]
fn environment_arrays_accept_json() {
    let c = load_yaml(
        MINIMAL,
        &[("SECRETS_COOKIE", r#"["0123456789abcdef"]"#)],
        false,
    )
    .unwrap();
    assert_eq!(c.secrets.cookie, ["0123456789abcdef"]);
}

#[test]
fn environment_alone_can_configure_everything() {
    let c = load(
        None,
        &env(&[
            ("DSN", "memory"),
            (
                "SELFSERVICE_DEFAULT_BROWSER_RETURN_URL",
                "https://app.example.com/",
            ),
            (
                "IDENTITY_SCHEMAS",
                r#"[{"id":"default","url":"file:///schema.json"}]"#,
            ),
            ("SERVE_PUBLIC_HOST", "id.example.com"),
        ]),
        false,
    )
    .unwrap();
    assert_eq!(c.identity.schemas[0].url, "file:///schema.json");
    assert_eq!(c.serve.public_base_url, "https://id.example.com:4433/");
}

#[test]
fn a_bad_value_names_its_key() {
    let err = load_yaml(
        &format!("{MINIMAL}\nserve:\n  public:\n    port: abc\n"),
        &[],
        false,
    )
    .unwrap_err();
    assert!(err.0.contains("serve.public.port"), "{err}");
    assert!(err.0.contains("integer"), "{err}");

    let err = load_yaml(MINIMAL, &[("SERVE_PUBLIC_PORT", "abc")], false).unwrap_err();
    assert!(err.0.contains("serve.public.port"), "{err}");

    let err = load_yaml(
        &format!("{MINIMAL}\nserve:\n  public:\n    port: 70000\n"),
        &[],
        false,
    )
    .unwrap_err();
    assert!(err.0.contains("serve.public.port"), "{err}");

    let err = load_yaml(
        &format!("{MINIMAL}\nsession:\n  lifespan: forever\n"),
        &[],
        false,
    )
    .unwrap_err();
    assert!(err.0.contains("session.lifespan"), "{err}");

    let err = load_yaml(
        &format!("{MINIMAL}\nhashers:\n  bcrypt:\n    cost: 2\n"),
        &[],
        false,
    )
    .unwrap_err();
    assert!(err.0.contains("hashers.bcrypt.cost"), "{err}");
}

#[test]
fn an_unknown_key_is_named() {
    let err = load_yaml(
        &format!("{MINIMAL}\nserve:\n  public:\n    prot: 1\n"),
        &[],
        false,
    )
    .unwrap_err();
    assert!(err.0.contains("serve.public.prot: unknown key"), "{err}");
}

#[test]
fn a_bad_url_is_named() {
    // Go's URL parser (and so Kratos) rejects a space in a host name.
    let yaml = MINIMAL.replace("http://127.0.0.1:4455/", "http://exa mple.com/");
    let err = load_yaml(&yaml, &[], false).unwrap_err();
    assert!(
        err.0.contains("selfservice.default_browser_return_url"),
        "{err}"
    );
}

#[test]
fn missing_required_keys_are_named_without_dev() {
    let err = load(None, &HashMap::new(), false).unwrap_err();
    for key in [
        "dsn",
        "identity.schemas",
        "selfservice.default_browser_return_url",
    ] {
        assert!(
            err.0.contains(&format!("{key}: required key is missing")),
            "{key} not in: {err}"
        );
    }
}

#[test]
fn dev_fills_required_keys() {
    let c = load(None, &HashMap::new(), true).unwrap();
    assert!(c.dev);
    assert_eq!(c.dsn, DEV_DSN);
    assert_eq!(c.dsn, "sqlite://hoplite.sqlite?_fk=true&mode=rwc");
    assert_eq!(
        c.selfservice.default_browser_return_url,
        "http://127.0.0.1:4433/ui/welcome"
    );
    assert_eq!(c.identity.default_schema_id, "default");
    assert_eq!(c.identity.schemas.len(), 1);
    assert_eq!(c.identity.schemas[0].id, "default");
    let encoded = c.identity.schemas[0].url.strip_prefix("base64://").unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(decoded, DEFAULT_IDENTITY_SCHEMA.as_bytes());
    assert!(!c.selfservice.password.haveibeenpwned_enabled);
    // Derived URLs in dev: http and loopback, with the trailing slash.
    assert_eq!(c.serve.public_base_url, "http://127.0.0.1:4433/");
    assert_eq!(c.serve.admin_base_url, "http://127.0.0.1:4434/");
    assert!(!c.session.cookie_secure && !c.cookies.secure);
    assert_eq!(c.raw["dev"], true);
}

#[test]
fn dev_keeps_what_is_configured() {
    let c = load(
        None,
        &env(&[
            (
                "SELFSERVICE_METHODS_PASSWORD_CONFIG_HAVEIBEENPWNED_ENABLED",
                "true",
            ),
            ("IDENTITY_DEFAULT_SCHEMA_ID", "customer"),
            ("SERVE_PUBLIC_HOST", "localhost"),
            ("SERVE_PUBLIC_PORT", "8080"),
        ]),
        true,
    )
    .unwrap();
    assert!(c.selfservice.password.haveibeenpwned_enabled);
    // The built-in schema takes the configured default id.
    assert_eq!(c.identity.schemas[0].id, "customer");
    assert_eq!(c.serve.public_base_url, "http://localhost:8080/");
}

#[test]
fn dev_key_in_the_document_enables_dev() {
    let c = load_yaml("dev: true\n", &[], false).unwrap();
    assert!(c.dev);
    let c = load(None, &env(&[("DEV", "true")]), false).unwrap();
    assert!(c.dev);
}

#[test]
fn default_schema_id_must_exist() {
    let yaml = format!(
        "{BASE}  default_schema_id: other\nselfservice:\n  default_browser_return_url: http://x.example/\n"
    );
    let err = load_yaml(&yaml, &[], false).unwrap_err();
    assert!(err.0.contains("identity.default_schema_id"), "{err}");
}

#[test]
fn json_files_and_unreadable_files() {
    let json = r#"{"dsn":"memory","selfservice":{"default_browser_return_url":"http://x.example/"},
        "identity":{"schemas":[{"id":"default","url":"file:///s.json"}]}}"#;
    let file = TempFile::new("kratos.json", json);
    let c = load(Some(&file.0), &HashMap::new(), false).unwrap();
    assert_eq!(
        c.selfservice.default_browser_return_url,
        "http://x.example/"
    );

    let missing = std::env::temp_dir().join("hoplite-config-does-not-exist.yml");
    let err = load(Some(&missing), &HashMap::new(), false).unwrap_err();
    assert!(err.0.contains("unable to read config file"), "{err}");

    let err = load_yaml("dsn: [unclosed\n", &[], false).unwrap_err();
    assert!(err.0.contains("YAML"), "{err}");
}

#[test]
fn session_cookie_settings_fall_back_to_cookies_except_secure() {
    let yaml = format!(
        "{MINIMAL}\ncookies:\n  domain: example.com\n  path: /app\n  same_site: Strict\n  secure: \"false\"\n\
         session:\n  cookie:\n    same_site: None\n"
    );
    let c = load_yaml(&yaml, &[], false).unwrap();
    assert_eq!(c.cookies.domain.as_deref(), Some("example.com"));
    assert!(!c.cookies.secure);
    assert_eq!(c.session.cookie_domain.as_deref(), Some("example.com"));
    assert_eq!(c.session.cookie_path, "/app");
    assert_eq!(c.session.cookie_same_site, "None");
    // Kratos's SessionCookieSecure does not look at cookies.secure.
    assert!(c.session.cookie_secure);
}

#[test]
fn registration_style_and_hooks() {
    let yaml = format!(
        "{BASE}\nselfservice:\n  default_browser_return_url: http://127.0.0.1:4455/\n  flows:\n    registration:\n      \
         style: unified\n      after:\n        default_browser_return_url: http://127.0.0.1:4455/after\n        \
         hooks:\n          - hook: web_hook\n            config:\n              url: http://hook.example/\n              \
         method: POST\n              body: base64://e30=\n        code:\n          hooks:\n            - hook: session\n"
    );
    let c = load_yaml(&yaml, &[], false).unwrap();
    let r = &c.selfservice.registration;
    assert_eq!(r.style, RegistrationStyle::Unified);
    assert_eq!(r.after_hooks, ["web_hook"]);
    assert_eq!(r.after_hooks_for("code"), ["session"]);
    // Methods without their own hooks fall back to the global post-persist list.
    assert_eq!(r.after_hooks_for("password"), ["web_hook"]);
    assert_eq!(
        r.after_return_url_for("code"),
        Some("http://127.0.0.1:4455/after")
    );
    assert_eq!(
        c.selfservice.registration_return_url_for("password"),
        "http://127.0.0.1:4455/after"
    );

    let yaml = format!(
        "{BASE}\nselfservice:\n  default_browser_return_url: http://127.0.0.1:4455/\n  flows:\n    registration:\n      \
         enable_legacy_one_step: true\n"
    );
    let c = load_yaml(&yaml, &[], false).unwrap();
    assert_eq!(c.selfservice.registration.style, RegistrationStyle::Unified);
    assert!(c.selfservice.registration.enable_legacy_one_step);
}

#[test]
fn an_unknown_hook_lists_the_allowed_ones() {
    let yaml = format!(
        "{BASE}\nselfservice:\n  default_browser_return_url: http://x.example/\n  flows:\n    registration:\n      \
         after:\n        password:\n          hooks:\n            - hook: bogus\n"
    );
    let err = load_yaml(&yaml, &[], false).unwrap_err();
    assert!(
        err.0
            .contains("selfservice.flows.registration.after.password.hooks.0.hook"),
        "{err}"
    );
    assert!(
        err.0.contains("\"session\"") && err.0.contains("\"web_hook\""),
        "{err}"
    );
}

#[test]
fn every_problem_is_reported() {
    let yaml = format!("{MINIMAL}\nhashers:\n  bcrypt:\n    cost: 2\n");
    let err = load_yaml(&yaml, &[("SECRETS_COOKIE", "short")], false).unwrap_err();
    assert!(err.0.contains("hashers.bcrypt.cost"), "{err}");
    assert!(err.0.contains("secrets.cookie.0"), "{err}");
}

#[test]
fn enumeration_safe_sign_up_refuses_the_session_hook() {
    // The example configuration signs people in after a sign-up with a password.
    let err = load_yaml(
        EXAMPLE_KRATOS_YML,
        &[("HOPLITE_REGISTRATION_ENUMERATION_SAFE", "true")],
        false,
    )
    .unwrap_err();
    assert!(
        err.0.contains("hoplite.registration.enumeration_safe") && err.0.contains("session hook"),
        "{}",
        err.0
    );
    let ok = load_yaml(
        EXAMPLE_KRATOS_YML,
        &[
            ("HOPLITE_REGISTRATION_ENUMERATION_SAFE", "true"),
            ("SELFSERVICE_FLOWS_REGISTRATION_AFTER_PASSWORD_HOOKS", "[]"),
        ],
        false,
    )
    .unwrap();
    assert!(ok.enumeration_safe_registration);
    assert!(
        !load_yaml(EXAMPLE_KRATOS_YML, &[], false)
            .unwrap()
            .enumeration_safe_registration
    );
}
