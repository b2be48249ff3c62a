//! Checks response bodies against `components.schemas` of Kratos' published OpenAPI document
//! (`shared/reference/kratos-openapi.json`), the wire contract that Ory's SDKs are generated from.
//!
//! The document is OpenAPI 3.0, whose schema dialect is close to, but not quite, JSON Schema.
//! It is converted once into a draft-07 document holding every component under `definitions`:
//!
//! * `$ref: #/components/schemas/X` becomes `#/definitions/X`. Draft 07 ignores the siblings of a
//!   `$ref`, as OpenAPI 3.0 does.
//! * `nullable: true` adds `"null"` to `type` (and to `enum`, if there is one).
//! * `discriminator` + `oneOf` becomes "the property must be one of the mapped values, and the
//!   mapped schema applies". The members' enums make the `oneOf` exclusive anyway; this form names
//!   the member that failed instead of "not valid under any of the schemas listed in 'oneOf'".
//! * OpenAPI-only keywords (`example`, `x-*`, `readOnly`, `xml`, ...) are dropped.
//! * `additionalProperties: false` on an object schema without `properties` is relaxed: that is how
//!   go-swagger renders a Go `map[string]interface{}` (`genericError.details`), and Kratos itself
//!   sends keys there (e.g. `docs`, `hint`, `reject_reason` on the 403 CSRF error).
//!
//! Formats: `date-time`, `uuid` and `uuid4` are checked; `int64`, `uint8`, ... are ignored.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use jsonschema::Validator;
use serde_json::{Map, Value, json};

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/kratos-openapi.json"
);
const OPENAPI_REF_PREFIX: &str = "#/components/schemas/";
const DEFINITIONS_REF_PREFIX: &str = "#/definitions/";

/// Asserts that `body` is a valid `components.schemas.<schema_name>`; on failure, panics listing
/// every validation error and the body.
#[track_caller]
pub fn assert_valid(schema_name: &str, body: &Value) {
    let errors = validation_errors(schema_name, body);
    if !errors.is_empty() {
        let pretty = serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string());
        panic!(
            "response body is not a valid `{schema_name}` (components.schemas.{schema_name} of \
             kratos-openapi.json), {count} error(s):\n  - {list}\nbody:\n{pretty}",
            count = errors.len(),
            list = errors.join("\n  - "),
        );
    }
}

/// Every way in which `body` violates `components.schemas.<schema_name>`, one line each
/// (`<instance path>: <message> (schema path <path>)`); empty when it is valid.
pub fn validation_errors(schema_name: &str, body: &Value) -> Vec<String> {
    let validator = validator(schema_name);
    validator
        .iter_errors(body)
        .map(|error| {
            let at = error.instance_path().as_str();
            format!(
                "{}: {error} (schema path {})",
                if at.is_empty() { "<root>" } else { at },
                error.schema_path().as_str(),
            )
        })
        .collect()
}

/// The compiled validator for one component, built on first use and cached for the process.
fn validator(schema_name: &str) -> Arc<Validator> {
    static CACHE: LazyLock<Mutex<HashMap<String, Arc<Validator>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));

    // A panic while compiling must not poison the cache for every later test.
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(validator) = cache.get(schema_name) {
        return Arc::clone(validator);
    }
    let validator = Arc::new(compile(schema_name));
    cache.insert(schema_name.to_owned(), Arc::clone(&validator));
    validator
}

fn compile(schema_name: &str) -> Validator {
    let definitions = &*DEFINITIONS;
    assert!(
        definitions.contains_key(schema_name),
        "kratos-openapi.json has no components.schemas.{schema_name}"
    );
    // The target is reached through a `$ref` so that the definitions stay addressable from
    // the document root, whatever the target schema looks like.
    let root = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": definitions,
        "allOf": [{ "$ref": format!("{DEFINITIONS_REF_PREFIX}{schema_name}") }],
    });
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        // Draft 07 has no built-in `uuid` format; `uuid4` is what go-swagger calls `uuid.UUID`.
        .with_format("uuid", is_uuid)
        .with_format("uuid4", is_uuid)
        .build(&root)
        .unwrap_or_else(|error| {
            panic!("components.schemas.{schema_name} does not compile: {error}")
        })
}

/// Every `components.schemas` entry, converted to draft-07 JSON Schema.
static DEFINITIONS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    let text = std::fs::read_to_string(SPEC_PATH)
        .unwrap_or_else(|error| panic!("cannot read {SPEC_PATH}: {error}"));
    let spec: Value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{SPEC_PATH} is not JSON: {error}"));
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("{SPEC_PATH} has no components.schemas"));
    schemas
        .iter()
        .map(|(name, schema)| (name.clone(), convert_schema(schema)))
        .collect()
});

/// Converts one OpenAPI 3.0 schema object (see the module docs for the rules).
fn convert_schema(schema: &Value) -> Value {
    let Value::Object(object) = schema else {
        // `true`/`false` schemas (e.g. `additionalProperties: false`) pass through.
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in object {
        match key.as_str() {
            "$ref" => {
                let target = value.as_str().unwrap_or_default();
                let name = target.strip_prefix(OPENAPI_REF_PREFIX).unwrap_or_else(|| {
                    panic!("unsupported $ref {target:?} in kratos-openapi.json")
                });
                out.insert(
                    key.clone(),
                    json!(format!("{DEFINITIONS_REF_PREFIX}{name}")),
                );
            }
            // Maps from a property name to a schema: the names are data, never keywords.
            "properties" | "patternProperties" => {
                let converted = value
                    .as_object()
                    .map(|properties| {
                        properties
                            .iter()
                            .map(|(name, schema)| (name.clone(), convert_schema(schema)))
                            .collect::<Map<_, _>>()
                    })
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(converted));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), convert_schema(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let converted = value
                    .as_array()
                    .map(|schemas| schemas.iter().map(convert_schema).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(converted));
            }
            // Handled below, once the rest of the object is known.
            "nullable" | "discriminator" => {}
            // OpenAPI-only annotations; they constrain nothing in a response.
            "example" | "readOnly" | "writeOnly" | "xml" | "externalDocs" | "deprecated" => {}
            _ if key.starts_with("x-") => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }

    if object.get("nullable") == Some(&Value::Bool(true)) {
        // Without a `type`, the schema already admits null.
        if let Some(Value::String(kind)) = out.get("type") {
            let kinds = json!([kind, "null"]);
            out.insert("type".to_owned(), kinds);
        }
        if let Some(Value::Array(values)) = out.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }

    if out.get("additionalProperties") == Some(&Value::Bool(false))
        && !out.contains_key("properties")
        && !out.contains_key("patternProperties")
    {
        out.remove("additionalProperties");
    }

    if let Some(discriminator) = object.get("discriminator") {
        apply_discriminator(&mut out, discriminator);
    }

    Value::Object(out)
}

/// Replaces `oneOf` by `if <property> == <value> then <mapped schema>` for each mapping entry.
fn apply_discriminator(out: &mut Map<String, Value>, discriminator: &Value) {
    let property = discriminator.get("propertyName").and_then(Value::as_str);
    let mapping = discriminator.get("mapping").and_then(Value::as_object);
    let (Some(property), Some(mapping)) = (property, mapping) else {
        // No explicit mapping: keep the plain `oneOf`, which is still correct.
        return;
    };
    let branches: Vec<Value> = mapping
        .iter()
        .map(|(value, target)| {
            let target = target.as_str().unwrap_or_default();
            let name = target.strip_prefix(OPENAPI_REF_PREFIX).unwrap_or_else(|| {
                panic!("unsupported discriminator mapping {target:?} in kratos-openapi.json")
            });
            json!({
                "if": { "properties": { property: { "const": value } }, "required": [property] },
                "then": { "$ref": format!("{DEFINITIONS_REF_PREFIX}{name}") },
            })
        })
        .collect();
    let values: Vec<&String> = mapping.keys().collect();
    out.remove("oneOf");
    out.insert("required".to_owned(), json!([property]));
    out.insert(
        "properties".to_owned(),
        json!({ property: { "type": "string", "enum": values } }),
    );
    out.insert("allOf".to_owned(), Value::Array(branches));
}

/// The hyphenated 8-4-4-4-12 form Kratos (Go's `uuid.UUID`) always writes.
fn is_uuid(value: &str) -> bool {
    value.len() == 36
        && value.char_indices().all(|(index, c)| match index {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csrf_error() -> Value {
        json!({
            "error": {
                "id": "security_csrf_violation",
                "code": 403,
                "status": "Forbidden",
                "request": "d7ef54b1-ec15-46e6-bccb-524b82c035e6",
                "reason": "Please retry the flow and optionally clear your cookies.",
                "details": {
                    "docs": "https://www.ory.com/docs/troubleshooting/csrf",
                    "hint": "We detected a regular browser or server-side call.",
                    "reject_reason": "The HTTP Cookie Header is empty or not set."
                },
                "message": "the request was rejected to protect you from Cross-Site-Request-Forgery"
            }
        })
    }

    /// The api flow of registration-spec.md §23 step 1 (unified style), trimmed to two nodes.
    fn registration_flow() -> Value {
        json!({
            "id": "0b5d2a8c-8a4e-4c1c-9d7b-3f2f8b1e6a10",
            "type": "api",
            "expires_at": "2025-01-01T11:00:00.123456789Z",
            "issued_at": "2025-01-01T10:00:00.123456789Z",
            "request_url": "http://127.0.0.1:4433/self-service/registration/api",
            "ui": {
                "action": "http://127.0.0.1:4433/self-service/registration?flow=0b5d2a8c-8a4e-4c1c-9d7b-3f2f8b1e6a10",
                "method": "POST",
                "nodes": [
                    {
                        "type": "input",
                        "group": "default",
                        "attributes": {
                            "name": "csrf_token", "type": "hidden", "value": "",
                            "required": true, "disabled": false, "node_type": "input"
                        },
                        "messages": [],
                        "meta": {}
                    },
                    {
                        "type": "input",
                        "group": "password",
                        "attributes": {
                            "name": "method", "type": "submit", "value": "password",
                            "disabled": false, "node_type": "input"
                        },
                        "messages": [],
                        "meta": {
                            "label": { "id": 1040001, "text": "Sign up", "type": "info" }
                        }
                    }
                ]
            },
            "organization_id": null,
            "state": "choose_method"
        })
    }

    fn successful_native_registration() -> Value {
        let identity = json!({
            "id": "5a0e2f1c-7b1d-4f55-9a51-2d0c8f3b9e77",
            "schema_id": "default",
            "schema_url": "http://127.0.0.1:4433/schemas/ZGVmYXVsdA",
            "state": "active",
            "state_changed_at": "2025-01-01T10:00:01.5Z",
            "traits": { "email": "Foo@Example.com" },
            "verifiable_addresses": [{
                "id": "8a1a3c0e-55e4-4d0b-8f7e-0f3b5c1d2e4f",
                "value": "foo@example.com",
                "verified": false,
                "via": "email",
                "status": "pending",
                "created_at": "2025-01-01T10:00:01.5Z",
                "updated_at": "2025-01-01T10:00:01.5Z"
            }],
            "recovery_addresses": [{
                "id": "c3e0f7d2-1b9a-4e5c-8d6f-7a2b4c6d8e0f",
                "value": "foo@example.com",
                "via": "email",
                "created_at": "2025-01-01T10:00:01.5Z",
                "updated_at": "2025-01-01T10:00:01.5Z"
            }],
            "metadata_public": null,
            "created_at": "2025-01-01T10:00:01.5Z",
            "updated_at": "2025-01-01T10:00:01.5Z",
            "organization_id": null
        });
        json!({
            "session_token": "ory_st_abc",
            "session": {
                "id": "e6f1d0c9-3b2a-4f8e-9d7c-6b5a4f3e2d1c",
                "active": true,
                "expires_at": "2025-01-02T10:00:01.5Z",
                "authenticated_at": "2025-01-01T10:00:01.5Z",
                "authenticator_assurance_level": "aal1",
                "authentication_methods": [
                    { "method": "password", "aal": "aal1", "completed_at": "2025-01-01T10:00:01.5Z" }
                ],
                "issued_at": "2025-01-01T10:00:01.5Z",
                "identity": identity,
                "devices": [{
                    "id": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
                    "ip_address": "127.0.0.1",
                    "user_agent": "python-requests/2.32",
                    "location": ""
                }]
            },
            "identity": identity,
            "continue_with": [
                { "action": "set_ory_session_token", "ory_session_token": "ory_st_abc" }
            ]
        })
    }

    fn errors_at(schema_name: &str, body: &Value, instance_path: &str) -> Vec<String> {
        validation_errors(schema_name, body)
            .into_iter()
            .filter(|error| error.starts_with(&format!("{instance_path}: ")))
            .collect()
    }

    #[test]
    fn error_generic_accepts_a_csrf_error_with_details() {
        assert_valid("errorGeneric", &csrf_error());
    }

    #[test]
    fn error_generic_rejects_a_string_code() {
        let mut body = csrf_error();
        body["error"]["code"] = json!("403");
        assert_eq!(errors_at("errorGeneric", &body, "/error/code").len(), 1);
    }

    #[test]
    #[should_panic(expected = "not a valid `errorGeneric`")]
    fn assert_valid_panics_on_an_error_without_message() {
        let mut body = csrf_error();
        body["error"].as_object_mut().unwrap().remove("message");
        assert_valid("errorGeneric", &body);
    }

    #[test]
    fn registration_flow_accepts_the_api_flow_of_the_spec() {
        assert_valid("registrationFlow", &registration_flow());
    }

    #[test]
    fn registration_flow_rejects_missing_state_and_bad_formats() {
        let mut body = registration_flow();
        body.as_object_mut().unwrap().remove("state");
        body["id"] = json!("not-a-uuid");
        body["issued_at"] = json!("2025-01-01 10:00:00");
        let errors = validation_errors("registrationFlow", &body);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert_eq!(errors_at("registrationFlow", &body, "<root>").len(), 1);
        assert_eq!(errors_at("registrationFlow", &body, "/id").len(), 1);
        assert_eq!(errors_at("registrationFlow", &body, "/issued_at").len(), 1);
    }

    #[test]
    fn registration_flow_rejects_a_node_by_its_discriminated_attributes() {
        let mut body = registration_flow();
        body["ui"]["nodes"][0]["attributes"]
            .as_object_mut()
            .unwrap()
            .remove("name");
        let errors = errors_at("registrationFlow", &body, "/ui/nodes/0/attributes");
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains("\"name\" is a required property"),
            "{errors:#?}"
        );

        let mut body = registration_flow();
        body["ui"]["nodes"][1]["attributes"]["node_type"] = json!("button");
        assert!(
            !errors_at(
                "registrationFlow",
                &body,
                "/ui/nodes/1/attributes/node_type"
            )
            .is_empty()
        );
    }

    #[test]
    fn registration_flow_rejects_a_null_where_openapi_has_no_nullable() {
        let mut body = registration_flow();
        body["request_url"] = Value::Null;
        assert_eq!(
            errors_at("registrationFlow", &body, "/request_url").len(),
            1
        );
    }

    #[test]
    fn successful_native_registration_accepts_the_spec_example() {
        assert_valid(
            "successfulNativeRegistration",
            &successful_native_registration(),
        );
    }

    #[test]
    fn successful_native_registration_checks_continue_with_and_nullable_uuids() {
        let mut body = successful_native_registration();
        body["continue_with"][0]
            .as_object_mut()
            .unwrap()
            .remove("ory_session_token");
        body["identity"]["organization_id"] = json!("not-a-uuid");
        let errors = validation_errors("successfulNativeRegistration", &body);
        assert_eq!(errors.len(), 2, "{errors:#?}");
        let missing_token = errors_at("successfulNativeRegistration", &body, "/continue_with/0");
        assert_eq!(missing_token.len(), 1, "{errors:#?}");
        let bad_uuid = errors_at(
            "successfulNativeRegistration",
            &body,
            "/identity/organization_id",
        );
        assert_eq!(bad_uuid.len(), 1, "{errors:#?}");
    }

    #[test]
    #[should_panic(expected = "has no components.schemas.noSuchSchema")]
    fn unknown_schema_names_are_reported() {
        assert_valid("noSuchSchema", &json!({}));
    }

    #[test]
    fn every_component_compiles() {
        for name in DEFINITIONS.keys() {
            validator(name);
        }
    }

    #[test]
    fn uuid_format_is_the_hyphenated_form() {
        assert!(is_uuid("0b5d2a8c-8a4e-4c1c-9d7b-3f2f8b1e6a10"));
        assert!(is_uuid("00000000-0000-0000-0000-000000000000"));
        assert!(!is_uuid("0b5d2a8c8a4e4c1c9d7b3f2f8b1e6a10"));
        assert!(!is_uuid("0b5d2a8c-8a4e-4c1c-9d7b-3f2f8b1e6a1g"));
        assert!(!is_uuid("{0b5d2a8c-8a4e-4c1c-9d7b-3f2f8b1e6a10}"));
    }
}
