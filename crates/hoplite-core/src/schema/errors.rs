//! JSON-schema validation errors turned into UI messages on dotted field names
//! (`ory/kratos: ui/container/container.go` `ParseError`, `schema/errors.go`).
//!
//! Kratos validates with `ory/jsonschema`, whose error texts it then re-parses
//! (`translateValidationError`); hoplite validates with the `jsonschema` crate and rebuilds the
//! same texts from the structured errors.

use crate::text::{Message, MessageType};
use crate::ui::gofmt::{go_float, go_number, go_quote, go_sharp_v};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{JsonType, ValidationError};
use serde_json::{Value, json};
use std::cmp::Ordering;

/// A message for one form field; an empty `field` means a container-level message.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMessage {
    /// Dotted node name (`traits.email`), `#` for the document root.
    pub field: String,
    /// The UI message to append to that node.
    pub message: Message,
}

fn error(id: i64, text: impl Into<String>, context: Value) -> Message {
    Message::with_context(id, MessageType::Error, text, context)
}

/// 4000001 `NewValidationErrorGeneric` and 4000002 `NewValidationErrorRequired`, defined with the
/// other message constructors in `text::messages`.
pub use crate::text::messages::{validation_generic, validation_required};

/// 4000003 `NewErrorValidationMinLength`.
pub fn validation_min_length(min_length: i64, actual_length: i64) -> Message {
    error(
        4000003,
        format!("length must be >= {min_length}, but got {actual_length}"),
        json!({"min_length": min_length, "actual_length": actual_length}),
    )
}

/// 4000017 `NewErrorValidationMaxLength`.
pub fn validation_max_length(max_length: i64, actual_length: i64) -> Message {
    error(
        4000017,
        format!("length must be <= {max_length}, but got {actual_length}"),
        json!({"max_length": max_length, "actual_length": actual_length}),
    )
}

/// 4000004 `NewErrorValidationInvalidFormat` (a `pattern` mismatch).
pub fn validation_invalid_format(pattern: &str) -> Message {
    error(
        4000004,
        format!("does not match pattern {}", go_quote(pattern)),
        json!({"pattern": pattern}),
    )
}

fn numeric(id: i64, op: &str, key: &str, limit: f64, actual: f64) -> Message {
    error(
        id,
        format!(
            "must be {op} {} but found {}",
            go_float(limit),
            go_float(actual)
        ),
        json!({key: go_number(limit), "actual": go_number(actual)}),
    )
}

/// 4000018 `NewErrorValidationMinimum`.
pub fn validation_minimum(minimum: f64, actual: f64) -> Message {
    numeric(4000018, ">=", "minimum", minimum, actual)
}

/// 4000019 `NewErrorValidationExclusiveMinimum`.
pub fn validation_exclusive_minimum(minimum: f64, actual: f64) -> Message {
    numeric(4000019, ">", "minimum", minimum, actual)
}

/// 4000020 `NewErrorValidationMaximum`.
pub fn validation_maximum(maximum: f64, actual: f64) -> Message {
    numeric(4000020, "<=", "maximum", maximum, actual)
}

/// 4000021 `NewErrorValidationExclusiveMaximum`.
pub fn validation_exclusive_maximum(maximum: f64, actual: f64) -> Message {
    numeric(4000021, "<", "maximum", maximum, actual)
}

/// 4000022 `NewErrorValidationMultipleOf`.
pub fn validation_multiple_of(base: f64, actual: f64) -> Message {
    error(
        4000022,
        format!("{} not multipleOf {}", go_float(actual), go_float(base)),
        json!({"base": go_number(base), "actual": go_number(actual)}),
    )
}

/// 4000023 `NewErrorValidationMaxItems`.
pub fn validation_max_items(max_items: i64, actual_items: i64) -> Message {
    error(
        4000023,
        format!("maximum {max_items} items allowed, but found {actual_items} items"),
        json!({"max_items": max_items, "actual_items": actual_items}),
    )
}

/// 4000024 `NewErrorValidationMinItems`.
pub fn validation_min_items(min_items: i64, actual_items: i64) -> Message {
    error(
        4000024,
        format!("minimum {min_items} items allowed, but found {actual_items} items"),
        json!({"min_items": min_items, "actual_items": actual_items}),
    )
}

/// 4000025 `NewErrorValidationUniqueItems`.
pub fn validation_unique_items(index_a: i64, index_b: i64) -> Message {
    error(
        4000025,
        format!("items at index {index_a} and {index_b} are equal"),
        json!({"index_a": index_a, "index_b": index_b}),
    )
}

/// 4000026 `NewErrorValidationWrongType`.
pub fn validation_wrong_type(allowed_types: &[String], actual_type: &str) -> Message {
    error(
        4000026,
        format!(
            "expected {}, but got {actual_type}",
            allowed_types.join(" or ")
        ),
        json!({"allowed_types": allowed_types, "actual_type": actual_type}),
    )
}

/// 4000029 `NewErrorValidationConst`; `expected` is Go's `%#v` of the constant.
pub fn validation_const(expected: &str) -> Message {
    error(
        4000029,
        format!("must be equal to constant {expected}"),
        json!({"expected": expected}),
    )
}

/// 4000030 `NewErrorValidationConstGeneric`.
pub fn validation_const_generic() -> Message {
    Message::new(4000030, MessageType::Error, "const failed")
}

/// 4000040 `NewErrorValidationEmail`.
pub fn validation_email(value: &str) -> Message {
    error(
        4000040,
        "Enter a valid email address",
        json!({"value": value}),
    )
}

/// 4000041 `NewErrorValidationPhone`.
pub fn validation_phone(value: &str) -> Message {
    error(
        4000041,
        "Enter a valid phone number",
        json!({"value": value}),
    )
}

/// Separates the Kratos keyword from the text in errors raised by the `ory.sh/kratos` keyword
/// (Kratos's extensions report them as `ctx.Error("format", …)`).
pub(crate) const EXTENSION_KEYWORD_SEPARATOR: char = '\u{1f}';

/// One leaf error before it is attached: its field, the schema path used to order messages of the
/// same field the way ory/jsonschema emits them, and the message.
struct Leaf {
    field: String,
    schema_path: Vec<String>,
    message: Message,
}

/// Maps the errors of one validation run onto fields (§12.5 rule 3).
pub(crate) fn map_validation_errors(
    errors: Vec<ValidationError<'_>>,
    raw_schema: &Value,
) -> Vec<FieldMessage> {
    let flat = flatten_errors(errors);

    // ory/jsonschema returns only the type error when `type` fails; the `jsonschema` crate
    // reports every keyword of that schema object, so drop the siblings.
    let type_failures: Vec<(String, String)> = flat
        .iter()
        .filter(|e| matches!(e.kind(), ValidationErrorKind::Type { .. }))
        .map(|e| {
            (
                e.instance_path().as_str().to_string(),
                parent_pointer(e.schema_path().as_str()),
            )
        })
        .collect();
    let flat: Vec<&ValidationError<'_>> = flat
        .iter()
        .filter(|e| {
            if matches!(e.kind(), ValidationErrorKind::Type { .. }) {
                return true;
            }
            let inst = e.instance_path().as_str();
            let schema = e.schema_path().as_str();
            !type_failures
                .iter()
                .any(|(i, s)| inst.starts_with(i.as_str()) && schema.starts_with(&format!("{s}/")))
        })
        .collect();
    // Kratos's self-service decoders validate the submitted payload against the schema without
    // the identity extension, and only a payload that passes is validated again with it: the
    // extension's complaints (an address that can not be normalized, the recovery address's
    // format check) show only when nothing else in the document failed.
    let is_extension = |e: &ValidationError<'_>| {
        matches!(e.kind(), ValidationErrorKind::Custom { message, .. }
            if message.contains(EXTENSION_KEYWORD_SEPARATOR))
    };
    let plain_failed = flat.iter().any(|e| !is_extension(e));
    let flat: Vec<&ValidationError<'_>> = flat
        .into_iter()
        .filter(|e| !plain_failed || !is_extension(e))
        .collect();

    let mut leaves: Vec<Leaf> = Vec::new();
    for e in flat {
        let segments: Vec<String> = e.schema_path().segments().map(|s| s.to_string()).collect();
        let field = dotted(e.instance_path().segments());
        match e.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| property.to_string());
                let field = if field == "#" {
                    name.replace('.', "\\.")
                } else {
                    format!("{field}.{}", name.replace('.', "\\."))
                };
                leaves.push(Leaf {
                    field,
                    schema_path: segments,
                    message: validation_required(&name),
                });
            }
            ValidationErrorKind::UniqueItems => {
                // ory/jsonschema reports every equal pair, Kratos one message per pair. Equal
                // items are grouped by a canonical key (linear, not a pairwise scan of a large
                // array) and at most MAX_UNIQUE_PAIRS pairs are reported.
                if let Value::Array(items) = e.instance().as_ref() {
                    for (j, i) in equal_pairs(items, MAX_UNIQUE_PAIRS) {
                        leaves.push(Leaf {
                            field: field.clone(),
                            schema_path: segments.clone(),
                            message: validation_unique_items(j as i64, i as i64),
                        });
                    }
                }
            }
            _ => leaves.push(Leaf {
                field,
                schema_path: segments,
                message: translate(e, raw_schema),
            }),
        }
    }

    // Messages of one field come out in ory/jsonschema's keyword order; fields keep the order
    // in which they were first reported (Kratos's own order is Go-map random across fields).
    let mut order: Vec<&str> = Vec::new();
    let mut groups: std::collections::HashMap<&str, Vec<&Leaf>> = std::collections::HashMap::new();
    for l in &leaves {
        groups
            .entry(l.field.as_str())
            .or_insert_with(|| {
                order.push(l.field.as_str());
                Vec::new()
            })
            .push(l);
    }
    let mut out = Vec::new();
    for field in order {
        let mut group = groups.remove(field).unwrap_or_default();
        group.sort_by(|a, b| compare_schema_paths(&a.schema_path, &b.schema_path));
        out.extend(group.into_iter().map(|l| FieldMessage {
            field: l.field.clone(),
            message: l.message.clone(),
        }));
    }
    out
}

/// Recurses into `anyOf` / `oneOf` causes as Kratos's `ParseError` does.
fn flatten_errors<'a>(errors: Vec<ValidationError<'a>>) -> Vec<ValidationError<'a>> {
    let mut out = Vec::new();
    for e in errors {
        match e.kind() {
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. } => {
                let parts = e.into_parts();
                if let ValidationErrorKind::AnyOf { context }
                | ValidationErrorKind::OneOfNotValid { context } = parts.kind
                {
                    for branch in context {
                        out.extend(flatten_errors(branch));
                    }
                }
            }
            _ => out.push(e),
        }
    }
    out
}

/// ory/jsonschema's check order within one schema object (`Schema.validate`).
fn keyword_rank(keyword: &str) -> Option<u32> {
    Some(match keyword {
        "$ref" => 0,
        "type" => 1,
        "const" => 2,
        "enum" => 3,
        "format" => 4,
        "not" => 5,
        "allOf" => 6,
        "anyOf" => 7,
        "oneOf" => 8,
        "if" | "then" | "else" => 9,
        "minProperties" => 10,
        "maxProperties" => 11,
        "required" => 12,
        "properties" => 13,
        "propertyNames" => 14,
        "patternProperties" => 15,
        "additionalProperties" => 16,
        "dependencies" => 17,
        "minItems" => 20,
        "maxItems" => 21,
        "uniqueItems" => 22,
        "items" => 23,
        "additionalItems" => 24,
        "contains" => 25,
        "minLength" => 30,
        "maxLength" => 31,
        "pattern" => 32,
        "contentEncoding" => 33,
        "contentMediaType" => 34,
        "minimum" => 40,
        "exclusiveMinimum" => 41,
        "maximum" => 42,
        "exclusiveMaximum" => 43,
        "multipleOf" => 44,
        "ory.sh/kratos" => 50,
        _ => return None,
    })
}

/// Lexicographic over segments, each keyed by (keyword rank, text): at the first segment where
/// two paths part, the keyword ory/jsonschema checks first wins.
fn compare_schema_paths(a: &[String], b: &[String]) -> Ordering {
    let key = |s: &String| (keyword_rank(s).unwrap_or(u32::MAX), s.clone());
    a.iter().map(key).cmp(b.iter().map(key))
}

fn parent_pointer(pointer: &str) -> String {
    pointer
        .rsplit_once('/')
        .map(|(p, _)| p.to_string())
        .unwrap_or_default()
}

/// `jsonschemax.JSONPointerToDotNotation`: segments joined by dots, dots inside escaped; the
/// document root stays `#` (Kratos attaches such messages to a node literally named `#`).
fn dotted<'a>(segments: impl Iterator<Item = LocationSegment<'a>>) -> String {
    let parts: Vec<String> = segments
        .map(|s| match s {
            LocationSegment::Property(p) => p.replace('.', "\\."),
            LocationSegment::Index(i) => i.to_string(),
        })
        .collect();
    if parts.is_empty() {
        "#".into()
    } else {
        parts.join(".")
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// At most this many `uniqueItems` pairs are reported for one array.
const MAX_UNIQUE_PAIRS: usize = 100;

/// The (earlier, later) index pairs of equal items in the order of a nested `for i { for j < i }`
/// scan, computed in linear time by grouping items under a canonical key.
fn equal_pairs(items: &[Value], max: usize) -> Vec<(usize, usize)> {
    let mut seen: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    let mut pairs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let earlier = seen.entry(canonical(item)).or_default();
        for &j in earlier.iter() {
            if pairs.len() == max {
                return pairs;
            }
            debug_assert!(json_equal(&items[j], item));
            pairs.push((j, i));
        }
        earlier.push(i);
    }
    pairs
}

/// A string equal for exactly the values [`json_equal`] calls equal.
fn canonical(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("n{:?}", n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        Value::Object(o) => {
            let mut entries: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{k:?}:{}", canonical(v)))
                .collect();
            entries.sort();
            format!("{{{}}}", entries.join(","))
        }
        other => other.to_string(),
    }
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn as_f64(v: &Value) -> f64 {
    v.as_f64().unwrap_or(-1.0)
}

/// `translateValidationError` applied to ory/jsonschema's text for this failure.
fn translate(e: &ValidationError<'_>, raw_schema: &Value) -> Message {
    let instance = e.instance().as_ref();
    match e.kind() {
        ValidationErrorKind::MinLength { limit } => validation_min_length(
            *limit as i64,
            instance.as_str().map_or(-1, |s| s.chars().count() as i64),
        ),
        ValidationErrorKind::MaxLength { limit } => validation_max_length(
            *limit as i64,
            instance.as_str().map_or(-1, |s| s.chars().count() as i64),
        ),
        ValidationErrorKind::Pattern { pattern } => validation_invalid_format(pattern),
        ValidationErrorKind::Minimum { limit } => {
            validation_minimum(as_f64(limit), as_f64(instance))
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            validation_exclusive_minimum(as_f64(limit), as_f64(instance))
        }
        ValidationErrorKind::Maximum { limit } => {
            validation_maximum(as_f64(limit), as_f64(instance))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            validation_exclusive_maximum(as_f64(limit), as_f64(instance))
        }
        ValidationErrorKind::MultipleOf { multiple_of } => {
            validation_multiple_of(*multiple_of, as_f64(instance))
        }
        ValidationErrorKind::MaxItems { limit } => validation_max_items(
            *limit as i64,
            instance.as_array().map_or(-1, |a| a.len() as i64),
        ),
        ValidationErrorKind::MinItems { limit } => validation_min_items(
            *limit as i64,
            instance.as_array().map_or(-1, |a| a.len() as i64),
        ),
        ValidationErrorKind::Type { kind } => {
            let allowed = declared_types(raw_schema, e.schema_path().as_str()).unwrap_or_else(
                || match kind {
                    TypeKind::Single(t) => vec![type_name(*t)],
                    TypeKind::Multiple(set) => set.iter().map(type_name).collect(),
                },
            );
            validation_wrong_type(&allowed, json_type(instance))
        }
        ValidationErrorKind::Constant { expected_value } => match expected_value.as_ref() {
            Value::Object(_) | Value::Array(_) => validation_const_generic(),
            v => validation_const(&go_sharp_v(v)),
        },
        ValidationErrorKind::Format { format } => format_message(instance, format),
        ValidationErrorKind::Enum { options } => validation_generic(&enum_error(options)),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let names: Vec<String> = unexpected.iter().map(|n| go_quote(n)).collect();
            validation_generic(&format!(
                "additionalProperties {} not allowed",
                names.join(", ")
            ))
        }
        ValidationErrorKind::FalseSchema => validation_generic("always fail"),
        ValidationErrorKind::Not { .. } => validation_generic("not failed"),
        ValidationErrorKind::OneOfMultipleValid { .. } => validation_generic("oneOf failed"),
        ValidationErrorKind::Contains => validation_generic("contains failed"),
        ValidationErrorKind::MinProperties { limit } => validation_generic(&format!(
            "minimum {limit} properties allowed, but found {} properties",
            instance.as_object().map_or(0, |o| o.len())
        )),
        ValidationErrorKind::MaxProperties { limit } => validation_generic(&format!(
            "maximum {limit} properties allowed, but found {} properties",
            instance.as_object().map_or(0, |o| o.len())
        )),
        ValidationErrorKind::AdditionalItems { limit } => validation_generic(&format!(
            "only {limit} items are allowed, but found {} items",
            instance.as_array().map_or(0, |a| a.len())
        )),
        ValidationErrorKind::ContentEncoding { content_encoding } => validation_generic(&format!(
            "{} is not {content_encoding} encoded",
            go_quote(instance.as_str().unwrap_or_default())
        )),
        ValidationErrorKind::ContentMediaType { content_media_type } => validation_generic(
            &format!("value is not of mediatype {}", go_quote(content_media_type)),
        ),
        ValidationErrorKind::Custom { message, .. } => {
            match message.split_once(EXTENSION_KEYWORD_SEPARATOR) {
                Some(("format", text)) => format_text_message(text),
                Some((_, text)) => validation_generic(text),
                None => validation_generic(message),
            }
        }
        _ => validation_generic(&e.to_string()),
    }
}

fn type_name(t: JsonType) -> String {
    t.to_string()
}

/// The `type` keyword as written in the schema (ory/jsonschema keeps the document's order).
fn declared_types(raw_schema: &Value, schema_path: &str) -> Option<Vec<String>> {
    match raw_schema.pointer(schema_path)? {
        Value::String(t) => Some(vec![t.clone()]),
        Value::Array(ts) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}

/// ory/jsonschema's `enumError`.
fn enum_error(options: &Value) -> String {
    let Value::Array(items) = options else {
        return "enum failed".into();
    };
    if items.iter().any(|i| i.is_object() || i.is_array()) {
        return "enum failed".into();
    }
    if items.len() == 1 {
        return format!("value must be {}", go_sharp_v(&items[0]));
    }
    let parts: Vec<String> = items.iter().map(go_sharp_v).collect();
    format!("value must be one of {}", parts.join(", "))
}

fn format_message(instance: &Value, format: &str) -> Message {
    let text = match instance {
        Value::String(s) => format!("{} is not valid {}", go_quote(s), go_quote(format)),
        other => format!("{other} is not valid {}", go_quote(format)),
    };
    format_text_message(&text)
}

/// Kratos's `formatErrorMatcher` (`"([^"]+)"\s+is not valid\s+"([^"]+)"`, unanchored) decides
/// whether a format failure becomes 4000040/4000041 or the generic message.
fn format_text_message(text: &str) -> Message {
    if let Some((value, format)) = match_format_error(text) {
        match format.as_str() {
            "email" | "email_loose" => return validation_email(&value),
            "tel" => return validation_phone(&value),
            _ => {}
        }
    }
    validation_generic(text)
}

fn match_format_error(text: &str) -> Option<(String, String)> {
    for start in text.match_indices('"').map(|(i, _)| i) {
        let rest = &text[start + 1..];
        let Some(close) = rest.find('"') else {
            continue;
        };
        if close == 0 {
            continue;
        }
        let value = &rest[..close];
        let after = &rest[close + 1..];
        let trimmed = after.trim_start_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}']);
        if trimmed.len() == after.len() {
            continue;
        }
        let Some(after_kw) = trimmed.strip_prefix("is not valid") else {
            continue;
        };
        let t2 = after_kw.trim_start_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}']);
        if t2.len() == after_kw.len() {
            continue;
        }
        let Some(fmt_rest) = t2.strip_prefix('"') else {
            continue;
        };
        let Some(end) = fmt_rest.find('"') else {
            continue;
        };
        if end == 0 {
            continue;
        }
        return Some((value.to_string(), fmt_rest[..end].to_string()));
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    #[test]
    fn equal_pairs_come_in_nested_scan_order_and_are_capped() {
        use serde_json::json;
        let items = vec![
            json!("a"),
            json!("b"),
            json!("a"),
            json!("a"),
            json!(1),
            json!(1.0),
        ];
        assert_eq!(
            super::equal_pairs(&items, 100),
            vec![(0, 2), (0, 3), (2, 3), (4, 5)]
        );
        assert_eq!(super::equal_pairs(&items, 2), vec![(0, 2), (0, 3)]);
        // A large array with one duplicate at the end is handled without a pairwise scan.
        let mut big: Vec<serde_json::Value> = (0..200_000).map(|i| json!(i)).collect();
        big.push(json!(199_999));
        assert_eq!(super::equal_pairs(&big, 100), vec![(199_999, 200_000)]);
        let objects = vec![json!({"a": 1, "b": [1]}), json!({"b": [1.0], "a": 1.0})];
        assert_eq!(super::equal_pairs(&objects, 100), vec![(0, 1)]);
    }

    use super::*;

    #[test]
    fn format_matcher_follows_kratos_regex() {
        assert_eq!(
            match_format_error(r#""foo" is not valid "email""#),
            Some(("foo".into(), "email".into()))
        );
        assert_eq!(
            match_format_error(r#""foo" can not be normalized for format "email""#),
            None
        );
        assert_eq!(
            format_text_message(r#""+1" is not valid "tel""#).id,
            4000041
        );
        assert_eq!(
            format_text_message(r#""x" is not valid "date""#).id,
            4000001
        );
    }

    #[test]
    fn enum_errors_match_ory() {
        assert_eq!(enum_error(&json!(["a"])), r#"value must be "a""#);
        assert_eq!(
            enum_error(&json!(["a", 1, true])),
            r#"value must be one of "a", "1", true"#
        );
        assert_eq!(enum_error(&json!([{"a": 1}])), "enum failed");
    }
}
