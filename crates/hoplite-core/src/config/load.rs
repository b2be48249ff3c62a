//! Reading `kratos.yml`, applying environment overrides the Kratos way, validating and typing it.
//!
//! The order follows ory/x `configx`: schema defaults, then the file, then the environment; the
//! merged document is validated against Kratos's config schema (`oryx/configx/provider.go`).
//! hoplite adds one step Kratos lacks: with `--dev`, required keys that are missing get working
//! local defaults (see [`fill_dev_defaults`]) so `hoplite serve --dev` runs without a config file.

use super::env::{self, Seg};
use super::{Config, DEFAULT_IDENTITY_SCHEMA};
use base64::Engine as _;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

/// A configuration error that names the offending key and why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The `dsn` used with `--dev` when none is configured: a SQLite file in the working directory.
pub const DEV_DSN: &str = "sqlite://hoplite.sqlite?_fk=true&mode=rwc";

/// Loads the configuration: the file at `path` (YAML or JSON; none = empty document), overridden by
/// `env` (Kratos's env mapping), validated against the embedded Kratos config schema, defaults filled.
/// With `dev`, missing required keys that the embedded default can supply are filled instead of
/// rejected (see README).
///
/// `dev` is also switched on by `dev: true` in the document (file or `DEV` variable), as in Kratos,
/// where the `--dev` flag is just another source of the `dev` key.
pub fn load(
    path: Option<&Path>,
    env: &HashMap<String, String>,
    dev: bool,
) -> Result<Config, ConfigError> {
    let mut explicit = match path {
        Some(path) => read_file(path)?,
        None => Value::Object(Map::new()),
    };
    env::apply_env(&mut explicit, env);

    let dev = dev || explicit.get("dev") == Some(&Value::Bool(true));
    if dev {
        fill_dev_defaults(&mut explicit);
        // The flag is part of the effective document in Kratos too.
        explicit["dev"] = Value::Bool(true);
    }

    let mut effective = schema_defaults().clone();
    env::merge(&mut effective, explicit.clone());
    validate(&effective)?;
    Config::from_document(effective, dev)
}

/// Parses a configuration document from text: JSON when `json` is true (or the text looks like
/// a JSON object), YAML otherwise. Empty documents are `{}`.
pub fn parse_document(text: &str, json: bool) -> Result<Value, String> {
    let value: Value = if json || text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?
    } else {
        serde_saphyr::from_str(text).map_err(|e| format!("invalid YAML: {e}"))?
    };
    match value {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::Object(_) => Ok(value),
        other => Err(format!(
            "expected a mapping of configuration keys at the top level, found {}",
            kind(&other)
        )),
    }
}

fn read_file(path: &Path) -> Result<Value, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "unable to read config file {}: {e}",
            path.display()
        ))
    })?;
    let json = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    parse_document(&text, json)
        .map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The schema's defaults as a document (Kratos's lowest configuration layer). Defaults inside
/// array items are not applied, as in Kratos.
fn schema_defaults() -> &'static Value {
    static DEFAULTS: OnceLock<Value> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let mut doc = Value::Object(Map::new());
        for path in env::schema_paths() {
            if let Some(default) = &path.default
                && !path.in_array()
            {
                let segs: Vec<Seg> = path.segments().iter().cloned().map(Seg::Key).collect();
                env::set_at(&mut doc, &segs, default.clone());
            }
        }
        doc
    })
}

fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |v, k| v.get(k))
}

/// Sets `path` to `value` if every parent is an object (or missing) and the key is missing. A
/// parent of the wrong type is left for validation to report.
fn fill_if_missing(doc: &mut Value, path: &str, value: Value) -> bool {
    let mut cur = doc;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let Value::Object(map) = cur else {
            return false;
        };
        if i == parts.len() - 1 {
            if map.contains_key(*part) {
                return false;
            }
            map.insert((*part).to_string(), value);
            return true;
        }
        cur = map
            .entry((*part).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    false
}

/// With `--dev`, supplies the keys Kratos requires but a local trial run cannot be expected to
/// have: a SQLite database, an email+password identity schema, and a return URL. The breached
/// password check is switched off unless configured, because it needs the network.
fn fill_dev_defaults(doc: &mut Value) {
    if fill_if_missing(doc, "dsn", Value::from(DEV_DSN)) {
        tracing::info!(
            dsn = DEV_DSN,
            "no dsn configured; --dev uses a SQLite file in the working directory"
        );
    }
    let schema_id = lookup(doc, "identity.default_schema_id")
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    let url = format!(
        "base64://{}",
        base64::engine::general_purpose::STANDARD.encode(DEFAULT_IDENTITY_SCHEMA)
    );
    if fill_if_missing(
        doc,
        "identity.schemas",
        serde_json::json!([{ "id": schema_id, "url": url }]),
    ) {
        tracing::info!(
            schema_id,
            "no identity schemas configured; --dev uses the built-in email+password schema"
        );
    }
    // The built-in UI (served by hoplite itself under /ui/) stands in for a separate one.
    let port = lookup(doc, "serve.public.port")
        .and_then(Value::as_u64)
        .unwrap_or(4433);
    fill_if_missing(
        doc,
        "selfservice.default_browser_return_url",
        Value::from(format!("http://127.0.0.1:{port}/ui/welcome")),
    );
    for (key, url) in [
        ("selfservice.flows.registration.ui_url", "/ui/registration"),
        ("selfservice.flows.login.ui_url", "/ui/login"),
        ("selfservice.flows.settings.ui_url", "/ui/settings"),
        ("selfservice.flows.verification.ui_url", "/ui/verification"),
        ("selfservice.flows.recovery.ui_url", "/ui/recovery"),
        ("selfservice.flows.error.ui_url", "/ui/error"),
    ] {
        if fill_if_missing(doc, key, Value::from(url)) {
            tracing::info!(key, url, "--dev: using the built-in UI");
        }
    }
    // A trial run should end a sign-up signed in, as Kratos's quickstart configures it.
    if fill_if_missing(
        doc,
        "selfservice.flows.registration.after",
        serde_json::json!({ "password": { "hooks": [{ "hook": "session" }] } }),
    ) {
        tracing::info!("--dev: registrations with a password get a session (the `session` hook)");
    }
    if fill_if_missing(
        doc,
        "selfservice.methods.password.config.haveibeenpwned_enabled",
        Value::Bool(false),
    ) {
        tracing::warn!(
            "--dev: the breached-password check (haveibeenpwned) is off; set \
             selfservice.methods.password.config.haveibeenpwned_enabled to turn it on"
        );
    }
}

/// Go's `net/url`-style checks for the schema's `uri` and `uri-reference` formats. Kratos's
/// validator accepts what Go's URL parser accepts, which is looser than RFC 3986 (for example
/// unencoded spaces in a path); the stricter built-in checks would reject valid Kratos configs.
fn go_uri(s: &str) -> bool {
    // Absolute: a scheme followed by ':'.
    url::Url::parse(s).is_ok() && !s.contains('\\')
}

fn go_uri_reference(s: &str) -> bool {
    static BASE: OnceLock<url::Url> = OnceLock::new();
    let base = BASE.get_or_init(|| url::Url::parse("http://base.invalid/").expect("static URL"));
    !s.contains('\\') && url::Url::options().base_url(Some(base)).parse(s).is_ok()
}

fn validator() -> Result<&'static jsonschema::Validator, ConfigError> {
    static VALIDATOR: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                // Kratos's validator asserts formats (a non-URL return URL is an error).
                .should_validate_formats(true)
                .with_format("uri", go_uri)
                .with_format("uri-reference", go_uri_reference)
                .build(env::config_schema())
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            ConfigError(format!(
                "the embedded Kratos config schema does not compile: {e}"
            ))
        })
}

/// Validates the merged document; the error lists every problem as `key.path: reason`.
fn validate(doc: &Value) -> Result<(), ConfigError> {
    let validator = validator()?;
    let mut problems: Vec<String> = Vec::new();
    for error in validator.iter_errors(doc) {
        describe(&error, &mut problems);
    }
    if problems.is_empty() {
        return Ok(());
    }
    problems.dedup();
    Err(ConfigError(format!(
        "invalid configuration: {}",
        problems.join("; ")
    )))
}

/// `/serve/public/port` → `serve.public.port`; the root is `(root)`.
fn dotted(pointer: &str) -> String {
    if pointer.is_empty() {
        return "(root)".to_string();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

fn join_key(parent: &str, key: &str) -> String {
    if parent == "(root)" {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn shorten(s: String) -> String {
    const MAX: usize = 300;
    if s.chars().count() <= MAX {
        return s;
    }
    let cut: String = s.chars().take(MAX).collect();
    format!("{cut}…")
}

fn describe(error: &jsonschema::ValidationError<'_>, out: &mut Vec<String>) {
    use jsonschema::error::ValidationErrorKind as K;
    let path = dotted(error.instance_path().as_str());
    match error.kind() {
        K::Required { property } => {
            let key = property
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| property.to_string());
            out.push(format!(
                "{}: required key is missing",
                join_key(&path, &key)
            ));
        }
        K::AdditionalProperties { unexpected } => {
            for key in unexpected {
                out.push(format!(
                    "{}: unknown key (not in the Kratos config schema)",
                    join_key(&path, key)
                ));
            }
        }
        // "Not valid under any of ..." says little; the branch that got furthest into the value
        // (deepest instance path) usually names the real mistake.
        K::AnyOf { context } | K::OneOfNotValid { context } if !context.is_empty() => {
            let depth = |e: &jsonschema::ValidationError<'_>| e.instance_path().as_str().len();
            let deepest = context.iter().flatten().map(depth).max().unwrap_or(0);
            if deepest <= depth(error) {
                out.push(format!("{path}: does not match any of the allowed forms"));
                return;
            }
            let inner: Vec<_> = context
                .iter()
                .flatten()
                .filter(|e| depth(e) == deepest)
                .collect();
            // Each branch of a hook list accepts one hook name; list them all instead of
            // reporting only the last branch's choices.
            let mut allowed: Vec<String> = Vec::new();
            for e in &inner {
                match e.kind() {
                    K::Enum { options } => {
                        allowed.extend(
                            options
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(Value::to_string),
                        );
                    }
                    K::Constant { expected_value } => allowed.push(expected_value.to_string()),
                    _ => {}
                }
            }
            if !allowed.is_empty() && allowed.len() >= inner.len() {
                allowed.dedup();
                let at = dotted(inner[0].instance_path().as_str());
                out.push(format!(
                    "{at}: {} is not allowed here (expected one of {})",
                    inner[0].instance(),
                    allowed.join(", ")
                ));
            } else {
                describe(inner[0], out);
            }
        }
        _ => out.push(format!("{path}: {}", shorten(error.to_string()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_compiles_offline() {
        validator().unwrap();
    }

    #[test]
    fn parses_yaml_json_and_empty_documents() {
        assert_eq!(
            parse_document("dsn: memory\n", false).unwrap()["dsn"],
            "memory"
        );
        assert_eq!(
            parse_document("{\"dsn\": \"memory\"}", false).unwrap()["dsn"],
            "memory"
        );
        assert_eq!(parse_document("", false).unwrap(), serde_json::json!({}));
        assert_eq!(
            parse_document("# only a comment\n", false).unwrap(),
            serde_json::json!({})
        );
        assert!(
            parse_document("- a\n- b\n", false)
                .unwrap_err()
                .contains("mapping")
        );
        assert!(
            parse_document("a: [\n", false)
                .unwrap_err()
                .contains("YAML")
        );
    }

    #[test]
    fn pointers_become_dotted_keys() {
        assert_eq!(dotted("/serve/public/port"), "serve.public.port");
        assert_eq!(dotted("/identity/schemas/0/url"), "identity.schemas.0.url");
        assert_eq!(dotted(""), "(root)");
    }

    #[test]
    fn uri_formats_follow_go() {
        assert!(go_uri("http://127.0.0.1:4455/welcome"));
        assert!(go_uri("exp://localhost:8081/--/Callback"));
        assert!(!go_uri("/relative"));
        assert!(go_uri_reference("/relative"));
        assert!(go_uri_reference("https://x.example/"));
    }
}
