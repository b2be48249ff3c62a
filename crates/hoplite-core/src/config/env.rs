//! The embedded Kratos config schema, the key paths it defines, and environment overrides mapped
//! onto those paths the way Kratos does it (`oryx/configx/koanf_env.go`, `oryx/jsonschemax/keys.go`).
//!
//! Kratos does not map `FOO_BAR` to `foo.bar` blindly: it lists every key path of its config
//! schema (following `$ref`, `allOf`/`anyOf`/`oneOf`, `if`/`then`/`else`, `not`, and array `items`
//! as `#`), and an environment variable applies only when its lower-cased name with `_` read as
//! `.` equals such a path with `_` also read as `.` (`SERVE_PUBLIC_BASE_URL` → `serve.public.base_url`).
//! The value is then coerced to the schema type of that path.

use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Kratos's config schema (`embedx/config.schema.json`), verbatim.
pub const CONFIG_SCHEMA_SOURCE: &str = include_str!("config.schema.json");

/// The embedded config schema, ready to compile offline.
///
/// Its only remote reference, `tracing` → `ory://tracing-config` (ory/x's OpenTelemetry schema,
/// which Kratos registers in memory), is replaced by a small local description of the same keys so
/// that no retriever is needed and `TRACING_*` variables still map.
pub fn config_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema: Value = serde_json::from_str(CONFIG_SCHEMA_SOURCE)
            .expect("embedded config.schema.json is valid JSON");
        replace_remote_refs(&mut schema);
        schema["properties"]["hoplite"] = hoplite_schema();
        schema
    })
}

/// hoplite's own keys, under `hoplite` (Kratos has no equivalent; `HOPLITE_*` variables map to
/// them like every other key).
fn hoplite_schema() -> Value {
    serde_json::json!({
        "title": "hoplite extensions",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "accept_unsupported_features": {
                "description": "Start although the configuration enables features hoplite does not implement yet (recovery, verification, the courier, other methods and hooks); each such key is logged as a warning. Off by default: serve refuses such a configuration and lists the keys.",
                "type": "boolean",
                "default": false
            },
            "registration": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "enumeration_safe": {
                        "description": "Enumeration-safe sign-up: a registration with an identifier or address that is taken answers exactly as for a new account (nothing is stored) and the owner gets a mail saying someone tried to sign up with it. Cannot be combined with the session hook after registration. Off by default.",
                        "type": "boolean",
                        "default": false
                    }
                }
            },
            "hashing": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "pool_size": {
                        "description": "Password hashes and verifications running at once (default: the number of CPU cores).",
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 1024
                    },
                    "queue_size": {
                        "description": "Hash requests that may wait for a free slot; more are refused with 429 (default: 64 per pool slot).",
                        "type": "integer",
                        "minimum": 0,
                        "maximum": 1000000
                    }
                }
            },
            "bench": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "fixed_response_bytes": {
                        "description": "For the benchmark suite only: when above 0, GET /hoplite/bench/fixed on the public port answers a constant JSON body of exactly this many bytes (the baseline get-flow is compared with). Off by default.",
                        "type": "integer",
                        "minimum": 0,
                        "maximum": 10485760
                    },
                    "primary_key_lookup": {
                        "description": "For the benchmark suite only: when true, GET /hoplite/bench/primary-key on the public port reads one row by its primary key through the same connections as the other reads and answers a small JSON body (the baseline whoami and get-flow are compared with). Off by default.",
                        "type": "boolean"
                    }
                }
            }
        }
    })
}

/// Replaces every `$ref` that leaves the document. Only `ory://tracing-config` is known; any
/// other remote reference becomes an unconstrained schema rather than a load failure.
fn replace_remote_refs(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && !r.starts_with('#')
            {
                *node = if r == "ory://tracing-config" {
                    tracing_schema()
                } else {
                    Value::Object(Map::new())
                };
                return;
            }
            map.values_mut().for_each(replace_remote_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(replace_remote_refs),
        _ => {}
    }
}

/// The keys of ory/x's tracing configuration, with their types. Unknown keys stay allowed:
/// hoplite does not trace yet, so this only has to accept what Kratos accepts.
fn tracing_schema() -> Value {
    let string = || serde_json::json!({ "type": "string" });
    let number = || serde_json::json!({ "type": "number" });
    let object = |props: Value| serde_json::json!({ "type": "object", "properties": props });
    object(serde_json::json!({
        "provider": string(),
        "service_name": string(),
        "deployment_environment": string(),
        "providers": object(serde_json::json!({
            "jaeger": object(serde_json::json!({
                "local_agent_address": string(),
                "sampling": object(serde_json::json!({ "server_url": string(), "trace_id_ratio": number() })),
            })),
            "zipkin": object(serde_json::json!({
                "server_url": string(),
                "sampling": object(serde_json::json!({ "sampling_ratio": number() })),
            })),
            "otlp": object(serde_json::json!({
                "server_url": string(),
                "insecure": { "type": "boolean" },
                "authorization_header": string(),
                "sampling": object(serde_json::json!({ "sampling_ratio": number() })),
            })),
        })),
    }))
}

/// How an environment value is coerced, derived from the schema type at that path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeHint {
    /// No single type: the raw string is used.
    Raw,
    String,
    Int,
    Float,
    Bool,
    Null,
    /// An object, or several types: the value is JSON text.
    Json,
    StringSlice,
    IntSlice,
    FloatSlice,
    BoolSlice,
    /// An array whose item type is unknown or mixed: JSON text, else a comma-separated list.
    AnySlice,
}

/// One key path of the config schema.
#[derive(Debug, Clone)]
pub(crate) struct SchemaPath {
    /// Segments; `#` stands for "any array index".
    segments: Vec<String>,
    hint: TypeHint,
    /// The schema's `default` at this path, if any.
    pub(crate) default: Option<Value>,
}

impl SchemaPath {
    /// The dotted name, as Kratos prints it (`serve.public.port`, `identity.schemas.#.url`).
    pub(crate) fn name(&self) -> String {
        self.segments.join(".")
    }

    /// True when the path goes through an array item.
    pub(crate) fn in_array(&self) -> bool {
        self.segments.iter().any(|s| s == "#")
    }

    /// The segments, for building the defaults document.
    pub(crate) fn segments(&self) -> &[String] {
        &self.segments
    }
}

/// Every key path of the embedded schema, sorted by name, one entry per name.
pub(crate) fn schema_paths() -> &'static [SchemaPath] {
    static PATHS: OnceLock<Vec<SchemaPath>> = OnceLock::new();
    PATHS.get_or_init(|| {
        let schema = config_schema();
        let mut found = Vec::new();
        collect_paths(schema, schema, &mut Vec::new(), &mut Vec::new(), &mut found);
        dedupe(found)
    })
}

/// Kratos keeps, for a name listed several times (e.g. by two `oneOf` branches), the first entry
/// that carries a default, else the last one; the stable sort keeps discovery order among equals.
fn dedupe(mut found: Vec<SchemaPath>) -> Vec<SchemaPath> {
    found.sort_by_key(SchemaPath::name);
    let mut out: Vec<SchemaPath> = Vec::with_capacity(found.len());
    for path in found {
        match out.last_mut() {
            Some(last) if last.segments == path.segments => {
                if last.default.is_none() {
                    *last = path;
                }
            }
            _ => out.push(path),
        }
    }
    out
}

fn single_type(node: &Map<String, Value>) -> Option<&str> {
    match node.get("type") {
        Some(Value::String(t)) => Some(t),
        Some(Value::Array(ts)) if ts.len() == 1 => ts[0].as_str(),
        _ => None,
    }
}

fn resolve_local<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    root.pointer(reference.strip_prefix('#')?)
}

fn type_hint(root: &Value, node: &Map<String, Value>) -> Option<TypeHint> {
    if let Some(constant) = node.get("const") {
        return Some(match constant {
            Value::Number(_) => TypeHint::Float,
            Value::String(_) => TypeHint::String,
            Value::Bool(_) => TypeHint::Bool,
            _ => TypeHint::Json,
        });
    }
    if let Some(t) = single_type(node) {
        return Some(match t {
            "null" => TypeHint::Null,
            "boolean" => TypeHint::Bool,
            "number" => TypeHint::Float,
            "integer" => TypeHint::Int,
            "string" => TypeHint::String,
            "object" => TypeHint::Json,
            "array" => array_hint(root, node),
            _ => return None,
        });
    }
    match node.get("type") {
        Some(Value::Array(ts)) if ts.len() > 2 => Some(TypeHint::Json),
        _ => None,
    }
}

/// The element type of an array, from `items` (and the schema its `$ref` points to).
fn array_hint(root: &Value, node: &Map<String, Value>) -> TypeHint {
    let item_schemas: Vec<&Value> = match node.get("items") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item) => vec![item],
        None => Vec::new(),
    };
    let mut types: Vec<String> = Vec::new();
    for item in item_schemas.iter().filter_map(|i| i.as_object()) {
        let mut add = |m: &Map<String, Value>| match m.get("type") {
            Some(Value::String(t)) => types.push(t.clone()),
            Some(Value::Array(ts)) => {
                types.extend(ts.iter().filter_map(|t| t.as_str().map(String::from)))
            }
            _ => {}
        };
        add(item);
        if let Some(target) = item
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve_local(root, r))
            && let Some(target) = target.as_object()
        {
            add(target);
        }
    }
    types.dedup();
    match types.as_slice() {
        [t] => match t.as_str() {
            "boolean" => TypeHint::BoolSlice,
            "number" => TypeHint::FloatSlice,
            "integer" => TypeHint::IntSlice,
            "string" => TypeHint::StringSlice,
            _ => TypeHint::Json,
        },
        _ => TypeHint::AnySlice,
    }
}

/// Walks the schema like ory/x's `listPaths`. `refs` holds the definitions currently being
/// expanded, so a self-referencing definition stops instead of recursing forever.
fn collect_paths(
    root: &Value,
    node: &Value,
    parents: &mut Vec<String>,
    refs: &mut Vec<String>,
    out: &mut Vec<SchemaPath>,
) {
    let Some(map) = node.as_object() else { return };
    let hint = type_hint(root, map);
    let default = map.get("default").cloned();
    if !parents.is_empty() && (hint.is_some() || default.is_some()) {
        out.push(SchemaPath {
            segments: parents.clone(),
            hint: hint.unwrap_or(TypeHint::Raw),
            default,
        });
    }

    if let Some(reference) = map.get("$ref").and_then(Value::as_str)
        && !refs.iter().any(|r| r == reference)
        && let Some(target) = resolve_local(root, reference)
    {
        refs.push(reference.to_string());
        collect_paths(root, target, parents, refs, out);
        refs.pop();
    }
    for key in ["not", "if", "then", "else"] {
        if let Some(sub) = map.get(key) {
            collect_paths(root, sub, parents, refs, out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(subs)) = map.get(key) {
            for sub in subs {
                collect_paths(root, sub, parents, refs, out);
            }
        }
    }
    if let Some(Value::Object(props)) = map.get("properties") {
        for (name, sub) in props {
            parents.push(name.clone());
            collect_paths(root, sub, parents, refs, out);
            parents.pop();
        }
    }
    let items: Vec<&Value> = match map.get("items") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item) => vec![item],
        None => Vec::new(),
    };
    for item in items {
        parents.push("#".to_string());
        collect_paths(root, item, parents, refs, out);
        parents.pop();
    }
}

/// A step into a JSON document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Finds the schema path an environment variable names, with array indices filled in.
fn match_env_key(name: &str) -> Option<(Vec<Seg>, TypeHint)> {
    let key = name.to_lowercase().replace('_', ".");
    let key_parts: Vec<&str> = key.split('.').collect();
    for path in schema_paths() {
        // Normalise the path the same way: `base_url` reads as `base.url`, but remember which
        // original segment each part came from so the document keeps the real key names.
        let mut parts: Vec<(&str, usize)> = Vec::new();
        for (i, seg) in path.segments.iter().enumerate() {
            parts.extend(seg.split('_').map(|p| (p, i)));
        }
        if parts.len() != key_parts.len() {
            continue;
        }
        let mut indices = Vec::new();
        let matched = parts.iter().zip(&key_parts).all(|((part, _), key_part)| {
            if *part == "#" {
                match key_part.parse::<usize>() {
                    Ok(i) if key_part.bytes().all(|b| b.is_ascii_digit()) => {
                        indices.push(i);
                        true
                    }
                    _ => false,
                }
            } else {
                *part == *key_part
            }
        });
        if !matched {
            continue;
        }
        let mut indices = indices.into_iter();
        let segs = path
            .segments
            .iter()
            .map(|s| {
                if s == "#" {
                    Seg::Index(indices.next().unwrap_or(0))
                } else {
                    Seg::Key(s.clone())
                }
            })
            .collect();
        return Some((segs, path.hint));
    }
    None
}

/// Go's `strconv.ParseBool`, which Kratos uses for boolean values given as text.
pub(crate) fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// One record of comma-separated values with Go `encoding/csv` quoting (`"a,b",c` → `a,b` and `c`).
fn parse_csv_record(s: &str) -> Vec<String> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut at_field_start = true;
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            // Only the first line is a record, as with Go's csv.Reader.Read.
            '\n' | '\r' => break,
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    fields.push(field);
    fields
}

fn scalar(raw: &str, hint: TypeHint) -> Value {
    // Where Kratos's casts would silently turn bad text into 0/false, the text is kept instead,
    // so schema validation reports the key and the bad value.
    let text = || Value::String(raw.to_string());
    match hint {
        TypeHint::Int => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| text()),
        TypeHint::Float => raw
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(text),
        TypeHint::Bool => parse_go_bool(raw.trim())
            .map(Value::Bool)
            .unwrap_or_else(text),
        _ => text(),
    }
}

/// Coerces an environment value to the schema type of its key.
fn coerce(raw: &str, hint: TypeHint) -> Value {
    let json_container = || match serde_json::from_str::<Value>(raw) {
        Ok(v @ (Value::Array(_) | Value::Object(_))) => Some(v),
        _ => None,
    };
    let list = |element: TypeHint| {
        // Kratos takes JSON text when the value is valid JSON and otherwise splits a
        // comma-separated list; lists of numbers and booleans are split here too (Kratos would
        // produce an empty list), and a bare JSON scalar is read as a one-element list (Kratos
        // would produce null).
        json_container().unwrap_or_else(|| {
            Value::Array(
                parse_csv_record(raw)
                    .iter()
                    .map(|f| scalar(f, element))
                    .collect(),
            )
        })
    };
    match hint {
        TypeHint::Raw | TypeHint::String => Value::String(raw.to_string()),
        TypeHint::Int | TypeHint::Float | TypeHint::Bool => scalar(raw, hint),
        TypeHint::Null => Value::Null,
        TypeHint::Json => json_container().unwrap_or_else(|| Value::String(raw.to_string())),
        TypeHint::StringSlice | TypeHint::AnySlice => list(TypeHint::String),
        TypeHint::IntSlice => list(TypeHint::Int),
        TypeHint::FloatSlice => list(TypeHint::Float),
        TypeHint::BoolSlice => list(TypeHint::Bool),
    }
}

/// Deep-merges `value` into `target`: objects key by key, everything else replaced.
pub(crate) fn merge(target: &mut Value, value: Value) {
    match (target, value) {
        (Value::Object(t), Value::Object(v)) => {
            for (k, v) in v {
                match t.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        t.insert(k, v);
                    }
                }
            }
        }
        (t, v) => *t = v,
    }
}

/// Sets `value` at `segs`, creating objects and arrays on the way (array gaps become `null`,
/// which validation then reports).
pub(crate) fn set_at(doc: &mut Value, segs: &[Seg], value: Value) {
    let Some((first, rest)) = segs.split_first() else {
        merge(doc, value);
        return;
    };
    let child = match first {
        Seg::Key(k) => {
            if !doc.is_object() {
                *doc = Value::Object(Map::new());
            }
            let Value::Object(map) = doc else {
                unreachable!("just made an object")
            };
            map.entry(k.clone()).or_insert(Value::Null)
        }
        Seg::Index(i) => {
            if !doc.is_array() {
                *doc = Value::Array(Vec::new());
            }
            let Value::Array(items) = doc else {
                unreachable!("just made an array")
            };
            if items.len() <= *i {
                items.resize(*i + 1, Value::Null);
            }
            &mut items[*i]
        }
    };
    if rest.is_empty() {
        // A whole array given in the environment replaces the file's array. (Kratos merges it
        // element by element, so `SECRETS_COOKIE=new` over a file with two secrets would keep the
        // second; that leftover is surprising and, for secrets, unsafe.)
        match (&mut *child, value) {
            (c @ Value::Object(_), v @ Value::Object(_)) => merge(c, v),
            (c, v) => *c = v,
        }
    } else {
        set_at(child, rest, value);
    }
}

/// Applies Kratos-style environment overrides to `doc`. Variables that name no schema key are
/// ignored. Variables are applied in name order so the result does not depend on map order.
pub(crate) fn apply_env(doc: &mut Value, env: &HashMap<String, String>) {
    let mut names: Vec<&String> = env.keys().collect();
    names.sort();
    for name in names {
        if let Some((segs, hint)) = match_env_key(name) {
            set_at(doc, &segs, coerce(&env[name], hint));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hint_of(name: &str) -> Option<TypeHint> {
        schema_paths()
            .iter()
            .find(|p| p.name() == name)
            .map(|p| p.hint)
    }

    #[test]
    fn schema_paths_follow_refs_and_carry_types() {
        assert_eq!(hint_of("dsn"), Some(TypeHint::String));
        assert_eq!(hint_of("serve.public.port"), Some(TypeHint::Int));
        // serve.public.base_url is only typed through `$ref: #/definitions/baseUrl`.
        assert_eq!(hint_of("serve.public.base_url"), Some(TypeHint::String));
        assert_eq!(hint_of("secrets.cookie"), Some(TypeHint::StringSlice));
        assert_eq!(hint_of("identity.schemas"), Some(TypeHint::Json));
        assert_eq!(hint_of("identity.schemas.#.url"), Some(TypeHint::String));
        assert_eq!(
            hint_of("selfservice.methods.password.config.min_password_length"),
            Some(TypeHint::Int)
        );
        assert_eq!(hint_of("tracing.provider"), Some(TypeHint::String));
    }

    #[test]
    fn schema_has_no_remote_refs_left() {
        let text = config_schema().to_string();
        assert!(!text.contains("ory://"));
    }

    #[test]
    fn env_names_map_onto_schema_paths() {
        let env: HashMap<String, String> = [
            ("DSN", "postgres://x@y/z"),
            ("SERVE_PUBLIC_PORT", "4500"),
            ("SERVE_PUBLIC_BASE_URL", "https://id.example.com/"),
            ("SECRETS_COOKIE", "aaaaaaaaaaaaaaaa,\"b,bbbbbbbbbbbbbbb\""),
            ("SECRETS_DEFAULT", "[\"cccccccccccccccc\"]"),
            (
                "SELFSERVICE_METHODS_PASSWORD_CONFIG_HAVEIBEENPWNED_ENABLED",
                "false",
            ),
            ("SELFSERVICE_FLOWS_REGISTRATION_LIFESPAN", "15m"),
            ("IDENTITY_SCHEMAS_0_URL", "file:///x.json"),
            ("PATH", "/usr/bin"),
            ("HOME", "/root"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut doc =
            json!({ "identity": { "schemas": [{ "id": "default", "url": "file:///old.json" }] } });
        apply_env(&mut doc, &env);
        assert_eq!(doc["dsn"], "postgres://x@y/z");
        assert_eq!(doc["serve"]["public"]["port"], 4500);
        assert_eq!(
            doc["serve"]["public"]["base_url"],
            "https://id.example.com/"
        );
        assert_eq!(
            doc["secrets"]["cookie"],
            json!(["aaaaaaaaaaaaaaaa", "b,bbbbbbbbbbbbbbb"])
        );
        assert_eq!(doc["secrets"]["default"], json!(["cccccccccccccccc"]));
        assert_eq!(
            doc["selfservice"]["methods"]["password"]["config"]["haveibeenpwned_enabled"],
            false
        );
        assert_eq!(
            doc["selfservice"]["flows"]["registration"]["lifespan"],
            "15m"
        );
        assert_eq!(
            doc["identity"]["schemas"],
            json!([{ "id": "default", "url": "file:///x.json" }])
        );
        assert!(doc.get("path").is_none() && doc.get("home").is_none());
    }

    #[test]
    fn uncoercible_values_stay_text_for_validation_to_report() {
        assert_eq!(coerce("abc", TypeHint::Int), json!("abc"));
        assert_eq!(coerce("yes", TypeHint::Bool), json!("yes"));
        assert_eq!(coerce("1.5", TypeHint::Float), json!(1.5));
        assert_eq!(coerce("T", TypeHint::Bool), json!(true));
        assert_eq!(coerce("1,2", TypeHint::IntSlice), json!([1, 2]));
        assert_eq!(coerce("", TypeHint::StringSlice), json!([]));
        assert_eq!(coerce("{\"a\":1}", TypeHint::Json), json!({ "a": 1 }));
        assert_eq!(coerce("nope", TypeHint::Json), json!("nope"));
    }
}
