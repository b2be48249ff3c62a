//! Input nodes generated from an identity JSON schema (`NodesFromJSONSchema`, which walks the
//! schema with `oryx/jsonschemax.ListPaths`).

use super::Node;
use crate::text::{Message, MessageType};
use serde_json::{Value, json};

/// Kratos caps enum options so a pathological schema cannot inflate every flow (`maxEnumOptions`).
pub const MAX_ENUM_OPTIONS: usize = 500;

/// `text.InfoNodeLabelGenerated`: the label of a node whose schema has a `title`.
pub fn label_generated(title: &str, name: &str) -> Message {
    Message::with_context(
        1070002,
        MessageType::Info,
        title,
        json!({"title": title, "name": name}),
    )
}

/// The value type an input type depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FormValueKind {
    Number,
    Bool,
    Other,
}

/// Kratos's `toFormType`: the node name wins over the value's type.
pub(crate) fn to_form_type(name: &str, kind: FormValueKind) -> &'static str {
    match (name, kind) {
        ("csrf_token", _) => "hidden",
        ("password", _) => "password",
        (_, FormValueKind::Number) => "number",
        (_, FormValueKind::Bool) => "checkbox",
        _ => "text",
    }
}

/// One input node per leaf property path of `schema` (dotted names from the root, e.g.
/// `traits.email`), in `group`, sorted by name, as spec §11.1 describes.
pub fn nodes_from_schema(schema: &Value, group: &str) -> Result<Vec<Node>, String> {
    let mut walker = Walker {
        root: schema,
        paths: Vec::new(),
    };
    walker.walk(schema, "", None, &mut Vec::new(), &mut Vec::new())?;

    // `ListPaths`: stable sort by name, then merge duplicates (the first one with a default wins,
    // otherwise the last one).
    let mut paths = walker.paths;
    paths.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let mut unique: Vec<SchemaPath> = Vec::with_capacity(paths.len());
    for p in paths {
        match unique.last_mut() {
            Some(last) if last.name == p.name => {
                if last.default.is_none() {
                    *last = p;
                }
            }
            _ => unique.push(p),
        }
    }

    Ok(unique
        .into_iter()
        .filter(|p| p.hint != Hint::Json)
        .map(|p| p.into_node(group))
        .collect())
}

/// What `ListPaths` calls the path's Go type; it decides the input type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum GoType {
    Absent,
    Number,
    Bool,
    String,
    Other,
}

/// The subset of `jsonschemax.TypeHint` that matters: JSON-hinted paths never become nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hint {
    Json,
    Other,
}

#[derive(Debug, Clone)]
struct SchemaPath {
    name: String,
    go_type: GoType,
    hint: Hint,
    default: Option<Value>,
    format: Option<String>,
    pattern: Option<String>,
    options: Option<Vec<Value>>,
    title: Option<String>,
    required: bool,
}

impl SchemaPath {
    fn into_node(self, group: &str) -> Node {
        let kind = match self.go_type {
            GoType::Number => FormValueKind::Number,
            GoType::Bool => FormValueKind::Bool,
            _ => FormValueKind::Other,
        };
        let mut input_type = to_form_type(&self.name, kind);
        let mut autocomplete = None;
        match self.format.as_deref() {
            Some("date-time") => input_type = "datetime-local",
            Some("email") => {
                input_type = "email";
                autocomplete = Some("email");
            }
            Some("tel") => {
                input_type = "tel";
                autocomplete = Some("tel");
            }
            Some("date") => input_type = "date",
            Some("uri") => {
                input_type = "url";
                autocomplete = Some("url");
            }
            Some("regex") => input_type = "text",
            _ => {}
        }
        let mut node = Node::input(group, &self.name, input_type);
        node.attributes.required = self.required;
        node.attributes.autocomplete = autocomplete.map(str::to_string);
        node.attributes.pattern = self.pattern;
        node.attributes.options = self.options.map(|values| {
            values
                .into_iter()
                .take(MAX_ENUM_OPTIONS)
                .map(|value| super::NodeOption { value })
                .collect()
        });
        if let Some(title) = self.title.filter(|t| !t.is_empty()) {
            node.meta.label = Some(label_generated(&title, &self.name));
        }
        node
    }
}

struct Walker<'a> {
    root: &'a Value,
    paths: Vec<SchemaPath>,
}

impl<'a> Walker<'a> {
    /// `listPaths`: `location` identifies the schema (its JSON pointer in the document) for the
    /// circular-reference check; `ancestors` holds the locations of the schemas above it.
    fn walk(
        &mut self,
        schema: &'a Value,
        location: &str,
        parent: Option<&'a Value>,
        parents: &mut Vec<String>,
        ancestors: &mut Vec<String>,
    ) -> Result<(), String> {
        let Value::Object(m) = schema else {
            // Boolean schemas have no type, const or default.
            return Ok(());
        };

        // ory/jsonschema ignores every sibling of `$ref` when compiling.
        let reference = m.get("$ref").and_then(Value::as_str);
        let (go_type, hint) = if reference.is_some() {
            (GoType::Absent, Hint::Other)
        } else {
            path_type(self.root, m)
        };
        let default = if reference.is_some() {
            None
        } else {
            m.get("default").filter(|d| !d.is_null()).cloned()
        };

        if (go_type != GoType::Absent || default.is_some()) && !parents.is_empty() {
            let name = parents.last().cloned().unwrap_or_default();
            let required = parent
                .and_then(|p| p.get("required"))
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(name.as_str())));
            self.paths.push(SchemaPath {
                name: parents.join("."),
                go_type,
                hint,
                default: default.clone(),
                format: m.get("format").and_then(Value::as_str).map(str::to_string),
                pattern: m.get("pattern").and_then(Value::as_str).map(str::to_string),
                options: m
                    .get("enum")
                    .and_then(Value::as_array)
                    .filter(|e| !e.is_empty())
                    .cloned(),
                title: m.get("title").and_then(Value::as_str).map(str::to_string),
                required,
            });
        }

        if ancestors.iter().any(|a| a == location) {
            return Err(format!(
                "detected circular dependency in schema path: {}",
                parents.join(".")
            ));
        }
        ancestors.push(location.to_string());
        let result = self.walk_children(schema, m, location, reference, parents, ancestors);
        ancestors.pop();
        result
    }

    fn walk_children(
        &mut self,
        schema: &'a Value,
        m: &'a serde_json::Map<String, Value>,
        location: &str,
        reference: Option<&str>,
        parents: &mut Vec<String>,
        ancestors: &mut Vec<String>,
    ) -> Result<(), String> {
        if let Some(r) = reference {
            let (target_loc, target) = resolve_ref(self.root, r)?;
            return self.walk(target, &target_loc, Some(schema), parents, ancestors);
        }
        let has_if = m.get("if").is_some() && (m.get("then").is_some() || m.get("else").is_some());
        for key in ["not", "if", "then", "else"] {
            if key != "not" && !has_if {
                continue;
            }
            if let Some(sub) = m.get(key) {
                let loc = format!("{location}/{key}");
                self.walk(sub, &loc, Some(schema), parents, ancestors)?;
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(subs)) = m.get(key) {
                for (i, sub) in subs.iter().enumerate() {
                    let loc = format!("{location}/{key}/{i}");
                    self.walk(sub, &loc, Some(schema), parents, ancestors)?;
                }
            }
        }
        if let Some(Value::Object(props)) = m.get("properties") {
            for (name, sub) in props {
                let loc = format!("{location}/properties/{}", escape_pointer(name));
                parents.push(name.clone());
                let r = self.walk(sub, &loc, Some(schema), parents, ancestors);
                parents.pop();
                r?;
            }
        }
        Ok(())
    }
}

/// The Go type and hint `listPaths` derives from `const` / `type`.
fn path_type(root: &Value, m: &serde_json::Map<String, Value>) -> (GoType, Hint) {
    if let Some(c) = m.get("const") {
        return match c {
            Value::Number(_) => (GoType::Number, Hint::Other),
            Value::String(_) => (GoType::String, Hint::Other),
            Value::Bool(_) => (GoType::Bool, Hint::Other),
            Value::Null => (GoType::Absent, Hint::Json),
            _ => (GoType::Other, Hint::Json),
        };
    }
    let types = types_of(m);
    match types.len() {
        1 => match types[0].as_str() {
            "boolean" => (GoType::Bool, Hint::Other),
            "number" | "integer" => (GoType::Number, Hint::Other),
            "string" => (GoType::String, Hint::Other),
            "object" => (GoType::Other, Hint::Json),
            "array" => (GoType::Other, array_hint(root, m)),
            // `null` and unknown names have no Go type.
            _ => (GoType::Absent, Hint::Other),
        },
        n if n > 2 => (GoType::Absent, Hint::Json),
        _ => (GoType::Absent, Hint::Other),
    }
}

fn types_of(m: &serde_json::Map<String, Value>) -> Vec<String> {
    match m.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Arrays are skipped only when their item schemas together declare exactly one type (adjacent
/// repeats collapsed, one level of `$ref` followed) and it is not a scalar type.
fn array_hint(root: &Value, m: &serde_json::Map<String, Value>) -> Hint {
    let items: Vec<&Value> = match m.get("items") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(item) => vec![item],
        None => return Hint::Other,
    };
    let mut types: Vec<String> = Vec::new();
    for item in items {
        let Value::Object(im) = item else { continue };
        if let Some(r) = im.get("$ref").and_then(Value::as_str) {
            if let Ok((_, Value::Object(target))) = resolve_ref(root, r) {
                types.extend(types_of(target));
            }
        } else {
            types.extend(types_of(im));
        }
    }
    types.dedup();
    if types.len() == 1
        && !matches!(
            types[0].as_str(),
            "boolean" | "number" | "integer" | "string"
        )
    {
        Hint::Json
    } else {
        Hint::Other
    }
}

/// Resolves a local `$ref` (`#`, `#/definitions/x`, `#/$defs/x`, any JSON pointer fragment).
pub(crate) fn resolve_ref<'a>(
    root: &'a Value,
    reference: &str,
) -> Result<(String, &'a Value), String> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(format!(
            "$ref {reference:?} is not supported: only local references (#/...) are"
        ));
    };
    let pointer = percent_decode(fragment);
    root.pointer(&pointer)
        .map(|v| (pointer.clone(), v))
        .ok_or_else(|| format!("$ref {reference:?} can not be resolved"))
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if let (b'%', Some(Ok(b))) = (bytes[i], hex.map(|h| u8::from_str_radix(h, 16))) {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn quickstart() -> Value {
        serde_json::from_str(include_str!(
            "../../../../../shared/reference/example-identity.schema.json"
        ))
        .unwrap()
    }

    #[test]
    fn quickstart_schema_gives_three_trait_nodes() {
        let nodes = nodes_from_schema(&quickstart(), "default").unwrap();
        let got = serde_json::to_value(&nodes).unwrap();
        assert_eq!(
            got,
            json!([
                {"type": "input", "group": "default", "attributes": {"name": "traits.email", "type": "email", "required": true, "autocomplete": "email", "disabled": false, "node_type": "input"}, "messages": [], "meta": {"label": {"id": 1070002, "text": "E-Mail", "type": "info", "context": {"name": "traits.email", "title": "E-Mail"}}}},
                {"type": "input", "group": "default", "attributes": {"name": "traits.name.first", "type": "text", "disabled": false, "node_type": "input"}, "messages": [], "meta": {"label": {"id": 1070002, "text": "First Name", "type": "info", "context": {"name": "traits.name.first", "title": "First Name"}}}},
                {"type": "input", "group": "default", "attributes": {"name": "traits.name.last", "type": "text", "disabled": false, "node_type": "input"}, "messages": [], "meta": {"label": {"id": 1070002, "text": "Last Name", "type": "info", "context": {"name": "traits.name.last", "title": "Last Name"}}}}
            ])
        );
        // Context keys are emitted sorted, as Go's map encoding does.
        let text = serde_json::to_string(&nodes[0].meta).unwrap();
        assert!(
            text.contains(r#""context":{"name":"traits.email","title":"E-Mail"}"#),
            "{text}"
        );
    }

    /// Before the registration sort the trait nodes come in path order, and JSON-schema
    /// constraints (`minimum`, `minLength`) leave no trace on the nodes.
    #[test]
    fn unsorted_nodes_are_in_path_order_without_constraints() {
        let schema = traits(json!({
            "email": {"type": "string", "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
            "stringy": {"type": "string"},
            "numby": {"type": "number"},
            "booly": {"type": "boolean"},
            "should_big_number": {"type": "number", "minimum": 1200},
            "should_long_string": {"type": "string", "minLength": 25}
        }));
        let nodes = nodes_from_schema(&schema, "default").unwrap();
        let got: Vec<String> = nodes
            .iter()
            .map(|n| serde_json::to_string(n).unwrap())
            .collect();
        let want: Vec<String> = [
            ("traits.booly", "checkbox"),
            ("traits.email", "text"),
            ("traits.numby", "number"),
            ("traits.should_big_number", "number"),
            ("traits.should_long_string", "text"),
            ("traits.stringy", "text"),
        ]
        .iter()
        .map(|(name, t)| {
            format!(
                r#"{{"type":"input","group":"default","attributes":{{"name":"{name}","type":"{t}","disabled":false,"node_type":"input"}},"messages":[],"meta":{{}}}}"#
            )
        })
        .collect();
        assert_eq!(got, want);
    }

    fn traits(props: Value) -> Value {
        json!({"type": "object", "properties": {"traits": {"type": "object", "properties": props}}})
    }

    fn summary(schema: &Value) -> Vec<String> {
        nodes_from_schema(schema, "default")
            .unwrap()
            .iter()
            .map(|n| {
                format!(
                    "{} {}{}{}",
                    n.name(),
                    n.attributes.input_type,
                    if n.attributes.required {
                        " required"
                    } else {
                        ""
                    },
                    n.attributes
                        .autocomplete
                        .as_deref()
                        .map(|a| format!(" ac={a}"))
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn input_types_and_format_overrides() {
        let schema = traits(json!({
            "n": {"type": "integer"}, "b": {"type": "boolean"}, "s": {"type": "string", "format": "tel"},
            "d": {"type": "string", "format": "date-time"}, "dd": {"type": "string", "format": "date"},
            "u": {"type": "string", "format": "uri"}, "r": {"type": "string", "format": "regex"},
            "c": {"const": 3}, "cs": {"const": "x"}, "co": {"const": {"a": 1}},
            "nul": {"type": "null"}, "two": {"type": ["string", "null"]},
            "twod": {"type": ["string", "null"], "default": "x"}, "three": {"type": ["string", "null", "number"], "default": 1},
            "nodef": {"default": 5},
            "arr": {"type": "array"}, "arrs": {"type": "array", "items": {"type": "number"}},
            "arro": {"type": "array", "items": {"type": "object"}},
            "arrm": {"type": "array", "items": [{"type": "string"}, {"type": "number"}]},
            "arru": {"type": "array", "items": {}}
        }));
        assert_eq!(
            summary(&schema),
            vec![
                "traits.arr text",
                "traits.arrm text",
                "traits.arrs text",
                "traits.arru text",
                "traits.b checkbox",
                "traits.c number",
                "traits.cs text",
                "traits.d datetime-local",
                "traits.dd date",
                "traits.n number",
                "traits.nodef text",
                "traits.r text",
                "traits.s tel ac=tel",
                "traits.twod text",
                "traits.u url ac=url",
            ]
        );
    }

    #[test]
    fn refs_combinators_required_and_options() {
        let schema = json!({
            "definitions": {"email": {"type": "string", "format": "email"}},
            "type": "object",
            "properties": {"traits": {
                "type": "object",
                "required": ["direct", "viaref", "nested"],
                "properties": {
                    "direct": {"type": "string", "pattern": "^[a-z]+$", "enum": ["a", "b"]},
                    "viaref": {"$ref": "#/definitions/email"},
                    "nested": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]},
                    "opt": {"type": "object", "properties": {"y": {"type": "string"}}, "required": ["y"]}
                },
                "allOf": [{"properties": {"fromallof": {"type": "number"}}}],
                "if": {"properties": {"direct": {"const": "a"}}},
                "then": {"properties": {"fromthen": {"type": "boolean"}}}
            }}
        });
        assert_eq!(
            summary(&schema),
            vec![
                "traits.direct text required",
                "traits.fromallof number",
                "traits.fromthen checkbox",
                "traits.nested.x text required",
                "traits.opt.y text required",
                // The ref target's parent is the `$ref` holder, which requires nothing.
                "traits.viaref email ac=email",
            ]
        );
        let nodes = nodes_from_schema(&schema, "default").unwrap();
        let direct = &nodes[0];
        // The `if` branch's const path comes first, the `properties` one last and wins.
        assert_eq!(direct.attributes.pattern.as_deref(), Some("^[a-z]+$"));
        assert_eq!(direct.attributes.options.as_ref().map(Vec::len), Some(2));
    }

    #[test]
    fn duplicate_with_default_wins() {
        let schema = traits(json!({"a": {"type": "string", "title": "first", "default": "x"}}));
        let mut schema = schema;
        schema["properties"]["traits"]["allOf"] =
            json!([{"properties": {"a": {"type": "string", "title": "second"}}}]);
        let nodes = nodes_from_schema(&schema, "g").unwrap();
        assert_eq!(nodes.len(), 1);
        // allOf is walked before properties: the default-less allOf path is replaced by the later
        // one, which has a default and so stays.
        assert_eq!(nodes[0].meta.label.as_ref().unwrap().text, "first");
        // With defaults on both, the first one (allOf) wins.
        schema["properties"]["traits"]["allOf"] =
            json!([{"properties": {"a": {"type": "string", "title": "second", "default": "y"}}}]);
        let nodes = nodes_from_schema(&schema, "g").unwrap();
        assert_eq!(nodes[0].meta.label.as_ref().unwrap().text, "second");
    }

    #[test]
    fn enum_options_are_capped() {
        let values: Vec<Value> = (0..600).map(|i| json!(i)).collect();
        let schema = traits(json!({"e": {"type": "integer", "enum": values}}));
        let nodes = nodes_from_schema(&schema, "default").unwrap();
        assert_eq!(
            nodes[0].attributes.options.as_ref().unwrap().len(),
            MAX_ENUM_OPTIONS
        );
    }

    #[test]
    fn circular_refs_are_an_error() {
        let schema = json!({
            "definitions": {"node": {"type": "object", "properties": {"child": {"$ref": "#/definitions/node"}}}},
            "type": "object",
            "properties": {"traits": {"$ref": "#/definitions/node"}}
        });
        assert!(
            nodes_from_schema(&schema, "default")
                .unwrap_err()
                .contains("circular")
        );
        let defs = json!({
            "$defs": {"s": {"type": "string"}},
            "type": "object",
            "properties": {"traits": {"type": "object", "properties": {"a": {"$ref": "#/$defs/s"}, "b": {"$ref": "#/$defs/s"}}}}
        });
        assert_eq!(summary(&defs), vec!["traits.a text", "traits.b text"]);
    }
}
