//! The configured identity schemas, loaded and compiled once at startup (`ory/kratos:
//! schema/schema.go`, `schema/loader.go`, `driver/config/config.go` `validateIdentitySchemas`).

use super::errors::map_validation_errors;
use super::extension::{
    self, EXTENSION_NAME, KratosKeyword, KratosKeywordValidator, is_email, is_tel,
};
use super::{Extensions, FieldMessage};
use crate::config::IdentityConfig;
use crate::flow::decoder::{self, KnownPath};
use crate::ui::sort::{registration_key_order, settings_key_order};
use crate::ui::{Node, group, nodes::nodes_from_schema};
use crate::x::http_client::HttpFetcher;
use base64::Engine;
use jsonschema::{Draft, Retrieve, Uri, Validator};
use serde_json::{Value, json};
use std::sync::{Arc, LazyLock};

/// Kratos's identity meta-schema (`embedx/identity_meta.schema.json`), verbatim.
pub const IDENTITY_META_SCHEMA: &str = include_str!("identity_meta.schema.json");
/// Kratos's `ory.sh/kratos` keyword schema (`embedx/identity_extension.schema.json`), verbatim.
pub const IDENTITY_EXTENSION_SCHEMA: &str = include_str!("identity_extension.schema.json");
/// Kratos reads at most 1 MiB of a schema.
pub const MAX_SCHEMA_SIZE: usize = 1024 * 1024;

/// Serves the embedded extension schema and refuses every other remote reference: hoplite fetches
/// the configured schema documents themselves, but not the `$ref`s inside them (yet).
struct EmbeddedRetriever;

impl Retrieve for EmbeddedRetriever {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().trim_end_matches('#') == "ory://identity-extension" {
            return Ok(serde_json::from_str(IDENTITY_EXTENSION_SCHEMA)?);
        }
        Err(format!("remote $ref {:?} is not supported", uri.as_str()).into())
    }
}

static META_VALIDATOR: LazyLock<Result<Validator, String>> = LazyLock::new(|| {
    let meta: Value = serde_json::from_str(IDENTITY_META_SCHEMA).map_err(|e| e.to_string())?;
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .with_retriever(EmbeddedRetriever)
        .build(&meta)
        .map_err(|e| e.to_string())
});

/// One identity schema: its id, source URL, raw document (document order preserved), compiled
/// validator, and what the registration forms derive from it (computed once, so a schema the form
/// builder can not walk, e.g. one with a circular `$ref`, is refused at startup).
pub struct IdentitySchema {
    /// `identity.schemas[].id`.
    pub id: String,
    /// The configured source URL (`file://…`, `base64://…`, `http(s)://…`).
    pub url: String,
    /// The schema document as loaded, key order preserved (the node sort relies on it).
    pub raw: Value,
    /// `identity.schemas[].selfservice_selectable`.
    pub selfservice_selectable: bool,
    /// The typed `traits` paths the submission decoder knows (`decoder::known_paths` without any
    /// method fields).
    pub trait_paths: Vec<KnownPath>,
    /// The registration node order keys (`registration_key_order`).
    pub key_order: Vec<String>,
    /// The settings node order keys (`settings_key_order`).
    pub settings_key_order: Vec<String>,
    /// The label of the login form's `identifier` input: the title of the one trait that
    /// identifies a person (a password, WebAuthn or code identifier, passkey display name or TOTP
    /// account name), else `ID` (Kratos's `GetIdentifierLabelFromSchema`).
    pub identifier_label: crate::text::Message,
    /// The trait input nodes (`nodes_from_schema`) in group `default`; see
    /// [`IdentitySchema::trait_nodes`].
    trait_nodes_default: Vec<Node>,
    validator: Validator,
}

impl std::fmt::Debug for IdentitySchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySchema")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("selfservice_selectable", &self.selfservice_selectable)
            .finish_non_exhaustive()
    }
}

/// The draft a schema declares: draft-07 unless `$schema` names 2019-09 or 2020-12.
fn draft_of(raw: &Value) -> Draft {
    match raw.get("$schema").and_then(Value::as_str) {
        Some(s) if s.contains("2020-12") => Draft::Draft202012,
        Some(s) if s.contains("2019-09") => Draft::Draft201909,
        _ => Draft::Draft7,
    }
}

impl IdentitySchema {
    /// Checks `raw` against Kratos's identity meta-schema and compiles it.
    pub fn new(
        id: &str,
        url: &str,
        raw: Value,
        selectable: bool,
    ) -> Result<IdentitySchema, String> {
        let meta = META_VALIDATOR
            .as_ref()
            .map_err(|e| format!("the identity meta-schema does not compile: {e}"))?;
        let problems: Vec<String> = meta
            .iter_errors(&raw)
            .map(|e| {
                let at = e.instance_path().as_str();
                format!("{}: {e}", if at.is_empty() { "/" } else { at })
            })
            .collect();
        if !problems.is_empty() {
            return Err(format!(
                "it does not satisfy the identity meta-schema: {}",
                problems.join("; ")
            ));
        }

        let validator = jsonschema::options()
            .with_draft(draft_of(&raw))
            .with_retriever(EmbeddedRetriever)
            .should_validate_formats(true)
            .with_format("email", is_email)
            .with_format("tel", is_tel)
            // Kratos registers `no-validate` so that verification can be enabled on free text.
            .with_format("no-validate", |_: &str| true)
            .with_keyword(EXTENSION_NAME, |parent, value, _| {
                Ok(Box::new(KratosKeywordValidator(
                    KratosKeyword::from_schema(parent, value),
                )))
            })
            .build(&raw)
            .map_err(|e| format!("it does not compile: {e}"))?;

        let trait_nodes_default = nodes_from_schema(&raw, group::DEFAULT)
            .map_err(|e| format!("its form fields can not be derived: {e}"))?;
        Ok(IdentitySchema {
            id: id.to_string(),
            url: url.to_string(),
            trait_paths: decoder::known_paths(&[], &raw),
            key_order: registration_key_order(&raw),
            settings_key_order: settings_key_order(&raw),
            identifier_label: identifier_label(&raw),
            trait_nodes_default,
            raw,
            selfservice_selectable: selectable,
            validator,
        })
    }

    /// The trait input nodes in `group`.
    pub fn trait_nodes(&self, group: &str) -> Vec<Node> {
        let mut nodes = self.trait_nodes_default.clone();
        if group != group::DEFAULT {
            for n in &mut nodes {
                n.group = group.to_string();
            }
        }
        nodes
    }

    /// Validates `{"traits": traits}` against the whole schema and runs the `ory.sh/kratos`
    /// extension. Errors are per-field UI messages (§12.5).
    pub fn validate_traits(&self, traits: &Value) -> Result<Extensions, Vec<FieldMessage>> {
        let instance = json!({ "traits": traits });
        let (messages, extensions) = extension::collect(|| {
            let errors: Vec<_> = self.validator.iter_errors(&instance).collect();
            if errors.is_empty() {
                Vec::new()
            } else {
                map_validation_errors(errors, &self.raw)
            }
        });
        if messages.is_empty() {
            Ok(extensions)
        } else {
            Err(messages)
        }
    }

    /// The reason the admin API gives for traits that do not validate. Kratos puts ory/jsonschema's
    /// error text there: a root line `I[#] S[#] doesn't validate with "<url>#"` and one indented
    /// `I[<instance>] S[<schema>] <message>` line per failure. The pointers are the same here; the
    /// messages are the `jsonschema` crate's, which word some failures differently.
    pub fn validation_reason(&self, traits: &Value) -> String {
        let instance = json!({ "traits": traits });
        let (lines, _) = extension::collect(|| {
            self.validator
                .iter_errors(&instance)
                .map(|e| {
                    format!(
                        "\n  I[#{}] S[#{}] {e}",
                        e.instance_path().as_str(),
                        e.schema_path().as_str()
                    )
                })
                .collect::<Vec<_>>()
        });
        format!(
            "I[#] S[#] doesn't validate with {:?}{}",
            format!("{}#", self.url),
            lines.concat()
        )
    }
}

/// See [`IdentitySchema::identifier_label`].
fn identifier_label(raw: &Value) -> crate::text::Message {
    fn is_identifier(ext: &Value) -> bool {
        let flag = |path: &str| ext.pointer(path).and_then(Value::as_bool) == Some(true);
        flag("/credentials/password/identifier")
            || flag("/credentials/webauthn/identifier")
            || flag("/credentials/passkey/display_name")
            || flag("/credentials/totp/account_name")
            || flag("/credentials/code/identifier")
    }
    fn walk<'a>(
        root: &'a Value,
        node: &'a Value,
        name: &str,
        depth: usize,
        found: &mut Vec<(String, String)>,
    ) {
        if depth > 32 {
            return;
        }
        let node = match node.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with('#') => match root.pointer(&r[1..]) {
                Some(target) => target,
                None => return,
            },
            _ => node,
        };
        if let Some(ext) = node.get(EXTENSION_NAME)
            && is_identifier(ext)
        {
            let title = node.get("title").and_then(Value::as_str).unwrap_or("");
            found.push((name.to_string(), title.to_string()));
        }
        if let Some(Value::Object(props)) = node.get("properties") {
            for (key, child) in props {
                let child_name = if name.is_empty() {
                    key.clone()
                } else {
                    format!("{name}.{key}")
                };
                walk(root, child, &child_name, depth + 1, found);
            }
        }
    }
    let mut found = Vec::new();
    walk(raw, raw, "", 0, &mut found);
    match found.as_slice() {
        [(name, title)] if !title.is_empty() => crate::ui::nodes::label_generated(title, name),
        _ => crate::text::messages::info_node_label_id(),
    }
}

/// All configured schemas.
#[derive(Debug)]
pub struct SchemaRegistry {
    /// `identity.default_schema_id`.
    pub default_id: String,
    /// Every configured schema, in configuration order.
    pub schemas: Vec<Arc<IdentitySchema>>,
}

impl SchemaRegistry {
    /// Loads every schema of `identity.schemas` that is not remote (`file://`, `base64://`); an
    /// `http(s)://` source is an error here (see [`SchemaRegistry::load_with`]). An error names
    /// the schema.
    pub fn load(cfg: &IdentityConfig) -> Result<SchemaRegistry, String> {
        let documents = cfg
            .schemas
            .iter()
            .map(|source| read_schema_url(&source.url))
            .collect();
        Self::compile(cfg, documents)
    }

    /// Loads every schema of `identity.schemas`, fetching `http(s)://` sources with `http` (no
    /// redirects; a status other than 200 is an error). An error names the schema and its URL.
    pub async fn load_with(
        cfg: &IdentityConfig,
        http: &dyn HttpFetcher,
    ) -> Result<SchemaRegistry, String> {
        let mut documents = Vec::with_capacity(cfg.schemas.len());
        for source in &cfg.schemas {
            documents.push(if is_remote(&source.url) {
                fetch_schema_url(http, &source.url).await
            } else {
                read_schema_url(&source.url)
            });
        }
        Self::compile(cfg, documents)
    }

    /// Parses and compiles the documents read for `cfg.schemas` (same order).
    fn compile(
        cfg: &IdentityConfig,
        documents: Vec<Result<Vec<u8>, String>>,
    ) -> Result<SchemaRegistry, String> {
        let mut schemas = Vec::with_capacity(cfg.schemas.len());
        for (source, bytes) in cfg.schemas.iter().zip(documents) {
            let fail = |why: String| {
                format!(
                    "identity schema {:?} ({}) can not be loaded: {why}",
                    source.id, source.url
                )
            };
            let bytes = bytes.map_err(fail)?;
            if bytes.len() > MAX_SCHEMA_SIZE {
                return Err(fail(format!("it is larger than {MAX_SCHEMA_SIZE} bytes")));
            }
            let raw: Value = serde_json::from_slice(&bytes)
                .map_err(|e| fail(format!("it is not valid JSON: {e}")))?;
            let schema =
                IdentitySchema::new(&source.id, &source.url, raw, source.selfservice_selectable)
                    .map_err(fail)?;
            schemas.push(Arc::new(schema));
        }
        Ok(SchemaRegistry {
            default_id: cfg.default_schema_id.clone(),
            schemas,
        })
    }

    /// The schema with this id.
    pub fn get(&self, id: &str) -> Option<Arc<IdentitySchema>> {
        self.schemas.iter().find(|s| s.id == id).cloned()
    }

    /// The schema named by `identity.default_schema_id`.
    pub fn default_schema(&self) -> Option<Arc<IdentitySchema>> {
        self.get(&self.default_id)
    }
}

fn is_remote(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

/// How long fetching one remote schema may take.
const SCHEMA_FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Fetches an `http(s)://` schema: at most [`MAX_SCHEMA_SIZE`] bytes, status 200 only.
async fn fetch_schema_url(http: &dyn HttpFetcher, url: &str) -> Result<Vec<u8>, String> {
    // One byte more than allowed, so that "too large" gets its own message in `compile`.
    let response = http
        .get(url, SCHEMA_FETCH_TIMEOUT, MAX_SCHEMA_SIZE + 1)
        .await
        .map_err(|e| format!("fetching it failed: {e}"))?;
    if response.status != 200 {
        return Err(format!(
            "fetching it answered HTTP status {} instead of 200",
            response.status
        ));
    }
    Ok(response.body)
}

/// Reads a local schema URL: `file://<absolute path>` (or a plain path) and `base64://<data>`;
/// `http(s)://` needs a client ([`SchemaRegistry::load_with`]).
pub fn read_schema_url(url: &str) -> Result<Vec<u8>, String> {
    if let Some(data) = url.strip_prefix("base64://") {
        let engines = [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        return engines
            .iter()
            .find_map(|e| e.decode(data.trim()).ok())
            .ok_or_else(|| "the base64:// payload is not valid base64".to_string());
    }
    if is_remote(url) {
        return Err("loading identity schemas over http(s) is not supported here".into());
    }
    let path = url.strip_prefix("file://").unwrap_or(url);
    if path.contains("://") {
        return Err(format!(
            "the URL scheme of {url:?} is not supported (use file:// or base64://)"
        ));
    }
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SchemaSource;
    use crate::text::Message;

    pub(crate) fn quickstart_raw() -> Value {
        serde_json::from_str(include_str!(
            "../../../../../shared/reference/example-identity.schema.json"
        ))
        .unwrap()
    }

    fn quickstart() -> IdentitySchema {
        IdentitySchema::new("default", "file:///x", quickstart_raw(), false).unwrap()
    }

    fn schema_with(props: Value) -> IdentitySchema {
        let raw = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"traits": {"type": "object", "properties": props}}
        });
        IdentitySchema::new("t", "base64://", raw, false).unwrap()
    }

    fn errors(schema: &IdentitySchema, traits: Value) -> Vec<(String, Message)> {
        schema
            .validate_traits(&traits)
            .unwrap_err()
            .into_iter()
            .map(|m| (m.field, m.message))
            .collect()
    }

    fn one(schema: &IdentitySchema, traits: Value) -> (String, i64, String, Option<Value>) {
        let errs = errors(schema, traits);
        assert_eq!(errs.len(), 1, "{errs:?}");
        let (f, m) = errs.into_iter().next().unwrap();
        (f, m.id, m.text, m.context.map(Value::Object))
    }

    #[test]
    fn quickstart_valid_traits_give_extensions() {
        let ext = quickstart()
            .validate_traits(&json!({"email": "  Foo@Example.COM"}))
            .unwrap();
        assert_eq!(ext.password_identifiers, vec!["foo@example.com"]);
        assert_eq!(
            ext.verifiable_addresses,
            vec![("email".to_string(), "foo@example.com".to_string())]
        );
        assert_eq!(
            ext.recovery_addresses,
            vec![("email".to_string(), "foo@example.com".to_string())]
        );
    }

    #[test]
    fn identifiers_are_deduplicated() {
        let mark = json!({"credentials": {"password": {"identifier": true}}, "verification": {"via": "email"}});
        let s = schema_with(json!({
            "a": {"type": "string", "format": "email", "ory.sh/kratos": mark},
            "b": {"type": "string", "format": "email", "ory.sh/kratos": mark},
            "u": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}
        }));
        let ext = s
            .validate_traits(&json!({"a": "X@Y.z", "b": "x@y.Z", "u": "ＵＳＥＲ"}))
            .unwrap();
        assert_eq!(ext.password_identifiers, vec!["x@y.z", "user"]);
        assert_eq!(ext.verifiable_addresses.len(), 1);
        assert!(ext.recovery_addresses.is_empty());
    }

    #[test]
    fn missing_email_is_required_error() {
        let (f, id, text, ctx) = one(&quickstart(), json!({}));
        assert_eq!(
            (f.as_str(), id, text.as_str()),
            ("traits.email", 4000002, "Property email is missing.")
        );
        assert_eq!(ctx, Some(json!({"property": "email"})));
    }

    #[test]
    fn invalid_quickstart_email_gets_kratos_messages() {
        let errs = errors(&quickstart(), json!({"email": "ab"}));
        let ids: Vec<(String, i64, String)> =
            errs.into_iter().map(|(f, m)| (f, m.id, m.text)).collect();
        assert_eq!(
            ids,
            vec![
                (
                    "traits.email".into(),
                    4000040,
                    "Enter a valid email address".into()
                ),
                (
                    "traits.email".into(),
                    4000003,
                    "length must be >= 3, but got 2".into()
                ),
            ]
        );
    }

    #[test]
    fn additional_properties_and_root_errors() {
        let (f, id, text, _) = one(&quickstart(), json!({"email": "a@b.cd", "foo": 1}));
        assert_eq!(
            (f.as_str(), id, text.as_str()),
            (
                "traits",
                4000001,
                "additionalProperties \"foo\" not allowed"
            )
        );
        // A failure on the document root lands on a field literally named `#`.
        let raw = json!({"type": "object", "minProperties": 2, "properties": {"traits": {"type": "object", "properties": {"a": {"type": "string"}}}}});
        let s = IdentitySchema::new("r", "base64://", raw, false).unwrap();
        let (f, id, text, _) = one(&s, json!({}));
        assert_eq!(
            (f.as_str(), id, text.as_str()),
            (
                "#",
                4000001,
                "minimum 2 properties allowed, but found 1 properties"
            )
        );
    }

    pub(crate) fn message_battery() -> Vec<Message> {
        let s = schema_with(json!({
            "min": {"type": "string", "minLength": 5},
            "max": {"type": "string", "maxLength": 5},
            "pat": {"type": "string", "pattern": "^[a-z]*$"},
            "mini": {"type": "number", "minimum": 5},
            "emin": {"type": "number", "exclusiveMinimum": 5},
            "maxi": {"type": "number", "maximum": 5},
            "emax": {"type": "number", "exclusiveMaximum": 5},
            "mul": {"type": "number", "multipleOf": 3},
            "maxit": {"type": "array", "maxItems": 3},
            "minit": {"type": "array", "minItems": 3},
            "uniq": {"type": "array", "uniqueItems": true},
            "typ": {"type": "number"},
            "cst": {"const": "foo"},
            "csto": {"const": {"a": 1}},
            "mail": {"type": "string", "format": "email"},
            "tel": {"type": "string", "format": "tel"},
            "en": {"type": "string", "enum": ["a", "b"]},
            "date": {"type": "string", "format": "date"},
            "req": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}
        }));
        let cases = [
            ("min", json!("abc")),
            ("max", json!("abcdef")),
            ("pat", json!("ABC")),
            ("mini", json!(3)),
            ("emin", json!(5)),
            ("maxi", json!(6)),
            ("emax", json!(5)),
            ("mul", json!(7)),
            ("maxit", json!([1, 2, 3, 4])),
            ("minit", json!([1, 2])),
            ("uniq", json!([1, 2, 1])),
            ("typ", json!("x")),
            ("cst", json!("bar")),
            ("csto", json!("bar")),
            ("mail", json!("nope")),
            ("tel", json!("123")),
            ("en", json!("c")),
            ("date", json!("x")),
            ("req", json!({})),
        ];
        let mut out = Vec::new();
        for (k, v) in cases {
            for (_, m) in errors(&s, json!({ k: v })) {
                out.push(m);
            }
        }
        out
    }

    #[test]
    fn each_keyword_maps_to_its_message() {
        let got: Vec<(i64, String, Value)> = message_battery()
            .into_iter()
            .map(|m| {
                (
                    m.id,
                    m.text,
                    m.context.map(Value::Object).unwrap_or(Value::Null),
                )
            })
            .collect();
        let want = vec![
            (
                4000003,
                "length must be >= 5, but got 3",
                json!({"actual_length": 3, "min_length": 5}),
            ),
            (
                4000017,
                "length must be <= 5, but got 6",
                json!({"actual_length": 6, "max_length": 5}),
            ),
            (
                4000004,
                "does not match pattern \"^[a-z]*$\"",
                json!({"pattern": "^[a-z]*$"}),
            ),
            (
                4000018,
                "must be >= 5 but found 3",
                json!({"actual": 3, "minimum": 5}),
            ),
            (
                4000019,
                "must be > 5 but found 5",
                json!({"actual": 5, "minimum": 5}),
            ),
            (
                4000020,
                "must be <= 5 but found 6",
                json!({"actual": 6, "maximum": 5}),
            ),
            (
                4000021,
                "must be < 5 but found 5",
                json!({"actual": 5, "maximum": 5}),
            ),
            (
                4000022,
                "7 not multipleOf 3",
                json!({"actual": 7, "base": 3}),
            ),
            (
                4000023,
                "maximum 3 items allowed, but found 4 items",
                json!({"actual_items": 4, "max_items": 3}),
            ),
            (
                4000024,
                "minimum 3 items allowed, but found 2 items",
                json!({"actual_items": 2, "min_items": 3}),
            ),
            (
                4000025,
                "items at index 0 and 2 are equal",
                json!({"index_a": 0, "index_b": 2}),
            ),
            (
                4000026,
                "expected number, but got string",
                json!({"actual_type": "string", "allowed_types": ["number"]}),
            ),
            (
                4000029,
                "must be equal to constant \"foo\"",
                json!({"expected": "\"foo\""}),
            ),
            (4000030, "const failed", Value::Null),
            (
                4000040,
                "Enter a valid email address",
                json!({"value": "nope"}),
            ),
            (
                4000041,
                "Enter a valid phone number",
                json!({"value": "123"}),
            ),
            (
                4000001,
                "value must be one of \"a\", \"b\"",
                json!({"reason": "value must be one of \"a\", \"b\""}),
            ),
            (
                4000001,
                "\"x\" is not valid \"date\"",
                json!({"reason": "\"x\" is not valid \"date\""}),
            ),
            (4000002, "Property x is missing.", json!({"property": "x"})),
        ];
        let want: Vec<(i64, String, Value)> = want
            .into_iter()
            .map(|(i, t, c)| (i, t.to_string(), c))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn nested_fields_use_dotted_paths() {
        let s = schema_with(
            json!({"name": {"type": "object", "properties": {"first": {"type": "string", "minLength": 2}}},
                                   "list": {"type": "array", "items": {"type": "string"}}}),
        );
        let errs = errors(&s, json!({"name": {"first": "a"}, "list": ["x", 1]}));
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec!["traits.name.first", "traits.list.1"]);
        assert_eq!(errs[1].1.text, "expected string, but got number");
    }

    #[test]
    fn type_failure_hides_other_keywords_of_that_schema() {
        let s = schema_with(json!({"e": {"type": "string", "enum": ["a"], "format": "email"}}));
        let (_, id, ..) = one(&s, json!({"e": 5}));
        assert_eq!(id, 4000026);
    }

    #[test]
    fn verification_without_format() {
        let s = schema_with(
            json!({"e": {"type": "string", "ory.sh/kratos": {"verification": {"via": "email"}}}}),
        );
        let (f, id, ..) = one(&s, json!({"e": "nope"}));
        assert_eq!((f.as_str(), id), ("traits.e", 4000040));
        let ext = s.validate_traits(&json!({"e": "A@B.cd"})).unwrap();
        assert_eq!(
            ext.verifiable_addresses,
            vec![("email".into(), "a@b.cd".into())]
        );
    }

    #[test]
    fn no_validate_and_tel_formats() {
        let s = schema_with(
            json!({"a": {"type": "string", "format": "no-validate"}, "p": {"type": "string", "format": "tel"}}),
        );
        assert!(
            s.validate_traits(&json!({"a": "anything", "p": "+4917612345678"}))
                .is_ok()
        );
    }

    #[test]
    fn draft_2020_12_is_honoured() {
        let raw = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"s": {"type": "string", "minLength": 2}},
            "type": "object",
            "properties": {"traits": {"type": "object", "properties": {"a": {"$ref": "#/$defs/s"}}}}
        });
        let s = IdentitySchema::new("x", "base64://", raw, false).unwrap();
        let (f, id, ..) = one(&s, json!({"a": "x"}));
        assert_eq!((f.as_str(), id), ("traits.a", 4000003));
    }

    #[test]
    fn meta_schema_rejects_bad_schemas() {
        let no_traits = json!({"type": "object", "properties": {"foo": {"type": "string"}}});
        assert!(IdentitySchema::new("x", "u", no_traits, false).is_err());
        let bad_ext = json!({"type": "object", "properties": {"traits": {"type": "object", "properties": {
            "a": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": "yes"}}}}}}}});
        assert!(IdentitySchema::new("x", "u", bad_ext, false).is_err());
        let bad_format = json!({"type": "object", "properties": {"traits": {"type": "object", "properties": {
            "a": {"type": "string", "format": "uri", "ory.sh/kratos": {"verification": {"via": "email"}}}}}}});
        assert!(IdentitySchema::new("x", "u", bad_format, false).is_err());
    }

    #[test]
    fn schema_derived_form_data_is_computed_once_and_refuses_circular_refs() {
        let s = quickstart();
        assert_eq!(s.key_order[..3], ["csrf_token", "traits.email", "password"]);
        assert_eq!(s.trait_paths[0].name, "traits");
        let password_nodes = s.trait_nodes(crate::ui::group::PASSWORD);
        assert_eq!(password_nodes.len(), 3);
        assert!(password_nodes.iter().all(|n| n.group == "password"));

        let circular = json!({
            "type": "object",
            "properties": {"traits": {"type": "object", "properties": {
                "child": {"$ref": "#/properties/traits"}
            }}}
        });
        let err = IdentitySchema::new("c", "base64://", circular, false).unwrap_err();
        assert!(err.contains("circular"), "{err}");
    }

    #[test]
    fn registry_loads_file_and_base64() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/reference/example-identity.schema.json"
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).unwrap());
        let cfg = IdentityConfig {
            default_schema_id: "default".into(),
            schemas: vec![
                SchemaSource {
                    id: "default".into(),
                    url: format!("file://{path}"),
                    selfservice_selectable: true,
                },
                SchemaSource {
                    id: "b64".into(),
                    url: format!("base64://{b64}"),
                    selfservice_selectable: false,
                },
                SchemaSource {
                    id: "plain".into(),
                    url: path.to_string(),
                    selfservice_selectable: false,
                },
            ],
        };
        let reg = SchemaRegistry::load(&cfg).unwrap();
        assert_eq!(reg.default_schema().unwrap().id, "default");
        assert!(reg.get("b64").is_some());

        let bad = IdentityConfig {
            default_schema_id: "default".into(),
            schemas: vec![SchemaSource {
                id: "remote".into(),
                url: "https://example.com/s.json".into(),
                selfservice_selectable: false,
            }],
        };
        let err = SchemaRegistry::load(&bad).unwrap_err();
        assert!(
            err.contains("\"remote\"") && err.contains("not supported"),
            "{err}"
        );
    }

    /// Serves one fixed answer for every URL (the port's other side, not hoplite code).
    struct FixedHttp(u16, Vec<u8>);

    #[async_trait::async_trait]
    impl HttpFetcher for FixedHttp {
        async fn get(
            &self,
            _url: &str,
            _timeout: std::time::Duration,
            max_body: usize,
        ) -> Result<crate::x::http_client::HttpResponse, String> {
            if self.1.len() > max_body {
                return Err("the body is too large".into());
            }
            Ok(crate::x::http_client::HttpResponse {
                status: self.0,
                body: self.1.clone(),
            })
        }
    }

    #[tokio::test]
    async fn registry_loads_http_schemas_through_the_client() {
        let cfg = IdentityConfig {
            default_schema_id: "default".into(),
            schemas: vec![SchemaSource {
                id: "default".into(),
                url: "https://schemas.example.com/identity.json".into(),
                selfservice_selectable: false,
            }],
        };
        let doc = serde_json::to_vec(&quickstart_raw()).unwrap();
        let reg = SchemaRegistry::load_with(&cfg, &FixedHttp(200, doc.clone()))
            .await
            .unwrap();
        let schema = reg.default_schema().unwrap();
        assert_eq!(schema.url, "https://schemas.example.com/identity.json");
        assert_eq!(schema.raw, quickstart_raw());

        let err = SchemaRegistry::load_with(&cfg, &FixedHttp(404, doc))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            "identity schema \"default\" (https://schemas.example.com/identity.json) can not be \
             loaded: fetching it answered HTTP status 404 instead of 200"
        );
        let huge = FixedHttp(200, vec![b' '; MAX_SCHEMA_SIZE + 2]);
        let err = SchemaRegistry::load_with(&cfg, &huge).await.unwrap_err();
        assert!(
            err.contains("\"default\"") && err.contains("too large"),
            "{err}"
        );
        let just_over = FixedHttp(200, vec![b' '; MAX_SCHEMA_SIZE + 1]);
        let err = SchemaRegistry::load_with(&cfg, &just_over)
            .await
            .unwrap_err();
        assert!(err.ends_with("it is larger than 1048576 bytes"), "{err}");
    }

    /// Renders a messages.tsv template with a message's context (spec §0 conventions).
    fn render_template(template: &str, context: &serde_json::Map<String, Value>) -> String {
        let mut out = template.replace(
            "{allowed_types joined with \" or \"}",
            &context
                .get("allowed_types")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" or ")
                })
                .unwrap_or_default(),
        );
        for (k, v) in context {
            let rendered = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => crate::ui::gofmt::go_float(n.as_f64().unwrap_or_default()),
                other => other.to_string(),
            };
            out = out.replace(&format!("{{{k}}}"), &rendered);
        }
        out
    }

    #[test]
    fn emitted_messages_match_messages_tsv() {
        let mut emitted = message_battery();
        emitted.extend(
            errors(&quickstart(), json!({"email": "ab"}))
                .into_iter()
                .map(|(_, m)| m),
        );
        emitted.push(crate::ui::nodes::label_generated("E-Mail", "traits.email"));
        emitted.push(crate::text::messages::validation_generic("some reason"));
        let mut ids = std::collections::BTreeSet::new();
        for m in emitted {
            let row = crate::text::tsv::row(m.id);
            assert_eq!(
                &serde_json::to_value(m.kind).unwrap(),
                &json!(row.kind),
                "type of {}",
                m.id
            );
            let ctx = m.context.clone().unwrap_or_default();
            let mut want_keys: Vec<&str> = row.keys.iter().map(String::as_str).collect();
            want_keys.sort();
            let got_keys: Vec<&str> = ctx.keys().map(String::as_str).collect();
            assert_eq!(got_keys, want_keys, "context keys of {}", m.id);
            assert_eq!(
                render_template(&row.template, &ctx),
                m.text,
                "text of {}",
                m.id
            );
            ids.insert(m.id);
        }
        // Every constructor in schema::errors is covered.
        for id in [
            4000001, 4000002, 4000003, 4000004, 4000017, 4000018, 4000019, 4000020, 4000021,
            4000022, 4000023, 4000024, 4000025, 4000026, 4000029, 4000030, 4000040, 4000041,
            1070002,
        ] {
            assert!(ids.contains(&id), "{id} not exercised");
        }
    }
}
