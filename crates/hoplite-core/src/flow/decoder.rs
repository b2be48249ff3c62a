//! Decoding a flow submission the way Kratos's `decoderx` does (`ory/x: decoderx/http.go`, as
//! every `ory/kratos: selfservice/strategy/*` calls it; spec §9.3): JSON bodies are decoded
//! "form-style", every known path is typed by the method schema, unknown keys are dropped and
//! empty strings count as absent. Shared by every flow and strategy.

use crate::error::ErrorObject;
use crate::flow::RequestInfo;
use crate::schema::IdentitySchema;
use serde_json::{Map, Value};

/// The type a known path has in the method schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathType {
    String,
    Number,
    Boolean,
    /// Objects and anything else decoded as raw JSON (Kratos's `JSON` type hint).
    Json,
    StringArray,
    NumberArray,
    BooleanArray,
}

/// A known path: dotted name, type, and whether its parent lists it as required.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownPath {
    pub name: String,
    pub kind: PathType,
    pub required: bool,
}

/// Known paths of a method schema: its own fields plus `traits.*` from the identity
/// schema, following local `$ref`s.
pub fn known_paths(method_fields: &[(&str, PathType)], identity_schema: &Value) -> Vec<KnownPath> {
    let mut paths: Vec<KnownPath> = method_fields
        .iter()
        .map(|(n, k)| KnownPath {
            name: (*n).to_string(),
            kind: *k,
            required: false,
        })
        .collect();
    paths.push(KnownPath {
        name: "traits".into(),
        kind: PathType::Json,
        required: false,
    });
    if let Some(traits) = identity_schema
        .get("properties")
        .and_then(|p| p.get("traits"))
    {
        walk(identity_schema, traits, "traits", &mut paths, 0);
    }
    paths
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) if r.starts_with('#') => root.pointer(&r[1..]).unwrap_or(schema),
        _ => schema,
    }
}

fn walk(root: &Value, schema: &Value, prefix: &str, out: &mut Vec<KnownPath>, depth: usize) {
    if depth > 16 {
        return;
    }
    let schema = resolve(root, schema);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, child) in props {
        let child = resolve(root, child);
        let name = format!("{prefix}.{key}");
        let kind = match type_of(child) {
            Some("string") => PathType::String,
            Some("number") | Some("integer") => PathType::Number,
            Some("boolean") => PathType::Boolean,
            Some("array") => match child
                .get("items")
                .map(|i| resolve(root, i))
                .and_then(type_of)
            {
                Some("string") => PathType::StringArray,
                Some("number") | Some("integer") => PathType::NumberArray,
                Some("boolean") => PathType::BooleanArray,
                _ => PathType::Json,
            },
            Some("object") => PathType::Json,
            _ => continue,
        };
        out.push(KnownPath {
            name: name.clone(),
            kind,
            required: required.contains(&key.as_str()),
        });
        if type_of(child) == Some("object") {
            walk(root, child, &name, out, depth + 1);
        }
    }
}

fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(s)) => Some(s.as_str()),
        // Kratos's path lister types a path only when it has exactly one type (two types without
        // a default make it unknown, so such form keys are ignored).
        Some(Value::Array(a)) if a.len() == 1 => a[0].as_str(),
        _ => None,
    }
}

/// A submitted field before typing: form values are text, JSON values keep their JSON form.
#[derive(Debug, Clone, PartialEq)]
enum Raw {
    Text(Vec<String>),
    Json(Value),
}

/// Parses the body by content type into (key, raw value) pairs. Errors are Kratos's 400s.
fn parse_body(
    method: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Vec<(String, Raw)>, ErrorObject> {
    let method = method.to_ascii_uppercase();
    if !matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
        return Err(ErrorObject::bad_request().with_reason(format!(
            "Unable to decode body because HTTP Request Method was \"{method}\" but only [POST PUT PATCH] are supported."
        )));
    }
    let media = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if body.is_empty() {
        return Err(ErrorObject::bad_request().with_reason(
            "Unable to decode HTTP Request Body because its HTTP Header \"Content-Length\" is zero.",
        ));
    }
    match media.as_str() {
        "application/json" => {
            let parsed: Value = serde_json::from_slice(body).map_err(|e| {
                ErrorObject::bad_request()
                    .with_reason("Unable to decode form as JSON.")
                    .with_message(e.to_string())
            })?;
            let Value::Object(map) = parsed else {
                let kind = match parsed {
                    Value::Number(_) => "Number",
                    Value::String(_) => "String",
                    Value::Bool(true) => "True",
                    Value::Bool(false) => "False",
                    Value::Null => "Null",
                    _ => "JSON",
                };
                return Err(ErrorObject::bad_request()
                    .with_reason(format!("Expected JSON sent in request body to be an object but got: {kind}")));
            };
            Ok(map.into_iter().map(|(k, v)| (k, Raw::Json(v))).collect())
        }
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(body).map_err(|_| {
                ErrorObject::bad_request().with_reason("Unable to decode the form body: it is not valid UTF-8.")
            })?;
            Ok(group_fields(
                form_urlencoded::parse(text.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())),
            ))
        }
        "multipart/form-data" => {
            let boundary = content_type
                .and_then(|c| {
                    c.split(';').skip(1).find_map(|p| {
                        let (k, v) = p.trim().split_once('=')?;
                        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
                    })
                })
                .filter(|b| !b.is_empty())
                .ok_or_else(|| ErrorObject::bad_request().with_reason("Unable to parse the multipart form: no boundary given."))?;
            Ok(group_fields(parse_multipart(body, &boundary)?))
        }
        _ => Err(ErrorObject::bad_request().with_reason(format!(
            "HTTP {method} Request used unknown HTTP Header \"Content-Type: {}\", only [multipart/form-data application/x-www-form-urlencoded application/json] are supported.",
            content_type.unwrap_or("")
        ))),
    }
}

/// Groups repeated form keys (in first-seen order) in linear time: a large body of distinct keys
/// must not cost a quadratic search.
fn group_fields(fields: impl IntoIterator<Item = (String, String)>) -> Vec<(String, Raw)> {
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<(String, Raw)> = Vec::new();
    for (k, v) in fields {
        match index.get(&k) {
            Some(&i) => {
                if let Raw::Text(values) = &mut out[i].1 {
                    values.push(v);
                }
            }
            None => {
                index.insert(k.clone(), out.len());
                out.push((k, Raw::Text(vec![v])));
            }
        }
    }
    out
}

/// The text fields of a `multipart/form-data` body (file parts are ignored, as Kratos's decoder
/// only reads form values).
fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<(String, String)>, ErrorObject> {
    let bad = |why: &str| {
        ErrorObject::bad_request()
            .with_reason(format!("Unable to parse the multipart form: {why}."))
    };
    let delimiter = format!("--{boundary}");
    let text = std::str::from_utf8(body).map_err(|_| bad("it is not valid UTF-8"))?;
    let mut fields = Vec::new();
    let mut sections = text.split(delimiter.as_str());
    sections.next(); // the preamble
    let mut closed = false;
    for section in sections {
        if section.starts_with("--") {
            closed = true;
            break;
        }
        let section = section
            .strip_prefix("\r\n")
            .ok_or_else(|| bad("a part does not start with a line break"))?;
        let (headers, value) = section
            .split_once("\r\n\r\n")
            .ok_or_else(|| bad("a part has no header end"))?;
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let disposition = headers
            .split("\r\n")
            .find(|h| h.to_ascii_lowercase().starts_with("content-disposition:"))
            .ok_or_else(|| bad("a part has no Content-Disposition"))?;
        let mut name = None;
        let mut is_file = false;
        for param in disposition.split(';').skip(1) {
            if let Some((k, v)) = param.trim().split_once('=') {
                match k.trim() {
                    "name" => name = Some(v.trim().trim_matches('"').to_string()),
                    "filename" => is_file = true,
                    _ => {}
                }
            }
        }
        if let (Some(n), false) = (name, is_file) {
            fields.push((n, value.to_string()));
        }
    }
    if !closed {
        return Err(bad("the closing boundary is missing"));
    }
    Ok(fields)
}

/// Kratos's `HTTPDecoderUseQueryAndBody` for the verification and recovery methods (their links
/// are GETs): the string `fields` from the query, then everything from the body (a GET has
/// none), the body winning.
pub fn decode_query_and_body(
    req: &RequestInfo,
    body: &[u8],
    fields: &[(&str, PathType)],
) -> Result<Value, ErrorObject> {
    let mut doc = Map::new();
    for (k, v) in &req.query {
        let wanted = fields
            .iter()
            .any(|(name, kind)| *name == k.as_str() && *kind == PathType::String);
        if wanted && !doc.contains_key(k) {
            doc.insert(k.clone(), Value::String(v.clone()));
        }
    }
    if req.method != "GET" {
        let paths: Vec<KnownPath> = fields
            .iter()
            .map(|(name, kind)| KnownPath {
                name: (*name).to_string(),
                kind: *kind,
                required: false,
            })
            .collect();
        if let Value::Object(from_body) =
            decode(&req.method, req.content_type.as_deref(), body, &paths)?
        {
            doc.extend(from_body);
        }
    }
    Ok(Value::Object(doc))
}

/// Decodes a body into a JSON document typed by `paths`. Keys matching no path are ignored.
pub fn decode(
    method: &str,
    content_type: Option<&str>,
    body: &[u8],
    paths: &[KnownPath],
) -> Result<Value, ErrorObject> {
    let fields = parse_body(method, content_type, body)?;
    let mut doc = Value::Object(Map::new());
    for (key, raw) in fields {
        let Some(path) = paths.iter().find(|p| p.name == key) else {
            continue;
        };
        if let Some(v) = convert(&raw, path) {
            set_path(&mut doc, &path.name, v);
        }
    }
    for path in paths.iter().filter(|p| p.kind == PathType::Json) {
        if get_path(&doc, &path.name).is_none() {
            set_path(&mut doc, &path.name, Value::Object(Map::new()));
        }
    }
    Ok(doc)
}

fn texts(raw: &Raw) -> Vec<String> {
    match raw {
        Raw::Text(v) => v.clone(),
        Raw::Json(Value::String(s)) => vec![s.clone()],
        // gjson renders JSON null as "", so a null field counts as absent.
        Raw::Json(Value::Null) => vec![String::new()],
        Raw::Json(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect(),
        Raw::Json(other) => vec![other.to_string()],
    }
}

fn convert(raw: &Raw, path: &KnownPath) -> Option<Value> {
    let values = texts(raw);
    // Go's `url.Values.Get` takes the first value; only booleans read the last one.
    let first = values.first().cloned().unwrap_or_default();
    let last = values.last().cloned().unwrap_or_default();
    match path.kind {
        PathType::String => (!first.is_empty()).then_some(Value::String(first)),
        PathType::Number => {
            if first.is_empty() {
                return path.required.then(|| Value::from(0.0));
            }
            Some(parse_number(&first))
        }
        PathType::Boolean => {
            if last.is_empty() {
                return path.required.then_some(Value::Bool(false));
            }
            Some(
                parse_bool(&last)
                    .map(Value::Bool)
                    .unwrap_or(Value::String(last)),
            )
        }
        PathType::Json => match raw {
            Raw::Json(Value::Null) => None,
            Raw::Json(v) => Some(v.clone()),
            Raw::Text(_) if first.is_empty() => None,
            Raw::Text(_) => Some(serde_json::from_str(&first).unwrap_or(Value::String(first))),
        },
        PathType::StringArray => Some(Value::Array(
            values.into_iter().map(Value::String).collect(),
        )),
        PathType::NumberArray => Some(Value::Array(
            values.iter().map(|v| parse_number(v)).collect(),
        )),
        PathType::BooleanArray => Some(Value::Array(
            values
                .into_iter()
                .map(|v| parse_bool(&v).map(Value::Bool).unwrap_or(Value::String(v)))
                .collect(),
        )),
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn parse_number(s: &str) -> Value {
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Value::from(f as i64)
            } else {
                Value::from(f)
            }
        }
        _ => Value::String(s.to_string()),
    }
}

/// Reads a dotted path.
pub fn get_path<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |cur, seg| cur.get(seg))
}

/// Writes a dotted path, creating (or replacing non-object) parents.
pub fn set_path(doc: &mut Value, path: &str, value: Value) {
    let segments: Vec<&str> = path.split('.').collect();
    let mut cur = doc;
    for seg in &segments[..segments.len() - 1] {
        if !cur.get(*seg).is_some_and(Value::is_object) {
            cur.as_object_mut()
                .expect("object")
                .insert((*seg).to_string(), Value::Object(Map::new()));
        }
        cur = cur.get_mut(*seg).expect("just inserted");
    }
    if let Some(obj) = cur.as_object_mut() {
        obj.insert(segments[segments.len() - 1].to_string(), value);
    }
}

/// Decodes a submission for a method with the given extra fields.
pub fn decode_body(
    req: &RequestInfo,
    schema: &IdentitySchema,
    fields: &[(&str, PathType)],
    body: &[u8],
) -> Result<Value, ErrorObject> {
    // The method's own fields first, then the schema's `traits` paths, as `known_paths` lists them.
    let paths: Vec<KnownPath> = fields
        .iter()
        .map(|(name, kind)| KnownPath {
            name: (*name).to_string(),
            kind: *kind,
            required: false,
        })
        .chain(schema.trait_paths.iter().cloned())
        .collect();
    decode(&req.method, req.content_type.as_deref(), body, &paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"properties": {"traits": {"type": "object", "properties": {
            "email": {"type": "string"},
            "age": {"type": "integer"},
            "name": {"type": "object", "properties": {"first": {"type": "string"}}}
        }, "required": ["email"]}}})
    }

    fn paths() -> Vec<KnownPath> {
        known_paths(
            &[("method", PathType::String), ("password", PathType::String)],
            &schema(),
        )
    }

    #[test]
    fn json_bodies_are_decoded_form_style() {
        let doc = decode("POST", Some("application/json"),
            br#"{"method":"password","password":"","traits":{"email":"a@b.c"},"traits.age":"42","foo":1}"#,
            &paths(),
        )
        .unwrap();
        assert_eq!(doc["method"], "password");
        assert!(
            doc.get("password").is_none(),
            "empty strings count as absent"
        );
        assert!(doc.get("foo").is_none(), "unknown keys are dropped");
        assert_eq!(doc["traits"]["email"], "a@b.c");
        assert_eq!(doc["traits"]["age"], 42);
        assert_eq!(doc["traits"]["name"], json!({}));
    }

    #[test]
    fn nulls_are_absent_and_first_values_win() {
        let doc = decode(
            "POST",
            Some("application/json"),
            br#"{"method":"password","password":null,"traits":null}"#,
            &paths(),
        )
        .unwrap();
        assert!(doc.get("password").is_none());
        assert_eq!(doc["traits"], json!({"name": {}}));
        let doc = decode(
            "POST",
            Some("application/x-www-form-urlencoded"),
            b"method=a&method=b",
            &paths(),
        )
        .unwrap();
        assert_eq!(doc["method"], "a");
    }

    #[test]
    fn forms_use_dotted_names() {
        let doc = decode(
            "POST",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"traits.email=x%40y.z&method=password&traits.age=abc",
            &paths(),
        )
        .unwrap();
        assert_eq!(doc["traits"]["email"], "x@y.z");
        assert_eq!(
            doc["traits"]["age"], "abc",
            "unparsable numbers stay strings and fail validation"
        );
    }

    #[test]
    fn multipart_forms_are_read_like_url_encoded_ones() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"traits.email\"\r\n\r\nm@x.io\r\n--XyZ\r\nContent-Disposition: form-data; name=\"method\"\r\n\r\npassword\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nignored\r\n--XyZ--\r\n";
        let doc = decode(
            "POST",
            Some("multipart/form-data; boundary=XyZ"),
            body.as_bytes(),
            &paths(),
        )
        .unwrap();
        assert_eq!(doc["traits"]["email"], "m@x.io");
        assert_eq!(doc["method"], "password");
        let e = decode(
            "POST",
            Some("multipart/form-data; boundary=XyZ"),
            b"--XyZ\r\nbroken",
            &paths(),
        )
        .unwrap_err();
        assert_eq!(e.code, 400);
        let e = decode("POST", Some("multipart/form-data"), b"x", &paths()).unwrap_err();
        assert!(e.reason.contains("boundary"));
    }

    #[test]
    fn bad_bodies_get_kratos_reasons() {
        let e = decode("POST", Some("application/json"), b"1", &paths()).unwrap_err();
        assert_eq!(
            e.reason,
            "Expected JSON sent in request body to be an object but got: Number"
        );
        let e = decode("POST", Some("application/json"), b"[]", &paths()).unwrap_err();
        assert_eq!(
            e.reason,
            "Expected JSON sent in request body to be an object but got: JSON"
        );
        let e = decode("POST", Some("text/plain"), b"x", &paths()).unwrap_err();
        assert!(e.reason.contains("Content-Type: text/plain"));
        let e = decode("POST", Some("application/json"), b"", &paths()).unwrap_err();
        assert!(e.reason.contains("Content-Length"));
        let e = decode("GET", None, b"", &paths()).unwrap_err();
        assert_eq!(
            e.reason,
            "Unable to decode body because HTTP Request Method was \"GET\" but only [POST PUT PATCH] are supported."
        );
    }
}
