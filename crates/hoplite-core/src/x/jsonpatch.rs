//! JSON Patch (RFC 6902) on a `serde_json::Value`, with paths that may not be touched, as the admin
//! API's `patchIdentity` needs it (`ory/x: jsonx.ApplyJSONPatch` over `evanphx/json-patch`).

use serde::Deserialize;
use serde_json::Value;

/// One operation of a patch document (`jsonPatch`).
#[derive(Debug, Clone, Deserialize)]
pub struct Operation {
    pub op: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub from: Option<String>,
    /// `None` when absent; `Some(Value::Null)` for an explicit `null`.
    #[serde(default, deserialize_with = "present")]
    pub value: Option<Value>,
}

/// Keeps an explicit `null` apart from a missing `value`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Whether `path` matches one of `denied`, case-insensitively (ory/x lower-cases the path and the
/// globs): an entry ending in `/**` covers everything below it, any other entry only itself.
fn is_denied(path: &str, denied: &[&str]) -> bool {
    let path = path.to_lowercase();
    denied.iter().any(|d| {
        let d = d.to_lowercase();
        match d.strip_suffix("/**") {
            Some(prefix) => path.starts_with(&format!("{prefix}/")),
            None => path == d,
        }
    })
}

/// evanphx/json-patch's errors end in one of these (`%w`).
const MISSING: &str = "missing value";
const INVALID_INDEX: &str = "invalid index referenced";
const INVALID_STATE: &str = "invalid state detected";

/// `decodePatchKey`.
fn decode_key(k: &str) -> String {
    k.replace("~1", "/").replace("~0", "~")
}

/// Go's `strconv.Atoi` for the index forms a pointer can hold.
fn atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `isElementAccess`: the last segment is `-` or a number.
fn is_element_access(path: &str) -> bool {
    if path.is_empty() {
        return false;
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    last == "-" || atoi(last).is_some()
}

/// An index into an array of `len` elements; negative ones count from the end (evanphx's
/// default `SupportNegativeIndices`).
fn array_index(idx: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let idx = if idx < 0 { idx + len } else { idx };
    (0..len).contains(&idx).then_some(idx as usize)
}

fn invalid_index(idx: i64) -> String {
    format!("Unable to access invalid index: {idx}: {INVALID_INDEX}")
}

/// `container.get`: the child at `key`, or `None` when there is none (a JSON `null` child is
/// returned, and treated as missing by the callers, as evanphx does with its nil nodes).
fn child<'a>(node: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    match node {
        Value::Object(m) => m.get_mut(key),
        Value::Array(a) => {
            let i = array_index(atoi(key)?, a.len())?;
            a.get_mut(i)
        }
        _ => None,
    }
}

/// `findObject`: the container holding the last segment of `path`, and that segment.
fn find_object<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return None;
    }
    let mut node = doc;
    for part in &split[1..split.len() - 1] {
        node = child(node, &decode_key(part)).filter(|n| n.is_object() || n.is_array())?;
    }
    if !(node.is_object() || node.is_array()) {
        return None;
    }
    Some((node, split[split.len() - 1].to_string()))
}

/// How far `ensurePathExists` pads an array with `null`s: evanphx pads any length; a bound keeps
/// one request from allocating without limit (an index in the path is attacker-chosen).
const MAX_PADDING: i64 = 1000;

/// The length an array of `len` elements is padded to so that index `i` exists, or the invalid
/// index error past [`MAX_PADDING`].
fn padded(i: i64, len: usize) -> Result<usize, String> {
    if i - len as i64 > MAX_PADDING {
        return Err(invalid_index(i));
    }
    Ok(i as usize)
}

/// The most segments a patch path may have. Missing parents are created, so a path's depth becomes
/// the document's; serde_json's own parser stops at 128 levels, and so does this.
const MAX_PATH_DEPTH: usize = 128;

/// `ensurePathExists`: creates the missing (or `null`) parents of `path`, arrays where the next
/// segment is an index or `-` (padded with `null`s), objects elsewhere.
fn ensure_path_exists(doc: &mut Value, path: &str) -> Result<(), String> {
    let split: Vec<&str> = path.split('/').collect();
    if split.len() < 2 {
        return Ok(());
    }
    let parts = &split[1..];
    let mut node = doc;
    for (pi, part) in parts.iter().enumerate() {
        if pi == parts.len() - 1 {
            return Ok(());
        }
        let key = decode_key(part);
        let missing = child(node, &key).is_none_or(|c| c.is_null());
        if missing {
            if let (Value::Array(a), Some(i)) = (&mut *node, atoi(part))
                && i > a.len() as i64
            {
                a.resize(padded(i, a.len())?, Value::Null);
            }
            let next = parts[pi + 1];
            let fresh = match atoi(next) {
                Some(i) if i < -1 => {
                    return Err(format!(
                        "Unable to ensure path for negative index other than -1: {i}: {INVALID_INDEX}"
                    ));
                }
                Some(i) => Value::Array(vec![Value::Null; padded(i.max(0), 0)?]),
                None if next == "-" => Value::Array(Vec::new()),
                None => Value::Object(serde_json::Map::new()),
            };
            add_at(node, &key, fresh)?;
        }
        node = match child(node, &key) {
            Some(n) if n.is_object() || n.is_array() => n,
            _ => return Err(INVALID_STATE.to_string()),
        };
    }
    Ok(())
}

/// `container.add`.
fn add_at(container: &mut Value, key: &str, value: Value) -> Result<(), String> {
    match container {
        Value::Object(m) => {
            m.insert(key.to_string(), value);
            Ok(())
        }
        Value::Array(a) => {
            if key == "-" {
                a.push(value);
                return Ok(());
            }
            let idx = atoi(key).ok_or_else(|| {
                format!(
                    "value was not a proper array index: '{key}': strconv.Atoi: parsing {}: invalid syntax",
                    super::gourl::quote_bytes(key.as_bytes())
                )
            })?;
            let len = a.len() as i64 + 1;
            let at = if idx < 0 { idx + len } else { idx };
            if idx >= len || !(0..len).contains(&at) {
                return Err(invalid_index(idx));
            }
            a.insert(at as usize, value);
            Ok(())
        }
        _ => Err(INVALID_STATE.to_string()),
    }
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    ensure_path_exists(doc, path)?;
    let Some((con, key)) = find_object(doc, path) else {
        return Err(format!(
            "add operation does not apply: doc is missing path: \"{path}\": {MISSING}"
        ));
    };
    add_at(con, &decode_key(&key), value)
        .map_err(|e| format!("error in add for path: '{path}': {e}"))
}

fn remove(doc: &mut Value, path: &str) -> Result<(), String> {
    let Some((con, key)) = find_object(doc, path) else {
        return Err(format!(
            "remove operation does not apply: doc is missing path: \"{path}\": {MISSING}"
        ));
    };
    let key = decode_key(&key);
    let done = match con {
        Value::Object(m) => m
            .shift_remove(&key)
            .map(|_| ())
            .ok_or_else(|| format!("unable to remove nonexistent key: {key}: {MISSING}")),
        Value::Array(a) => match atoi(&key) {
            Some(idx) => match array_index(idx, a.len()) {
                Some(i) if idx < a.len() as i64 => {
                    a.remove(i);
                    Ok(())
                }
                _ => Err(invalid_index(idx)),
            },
            None => Err(format!(
                "strconv.Atoi: parsing {}: invalid syntax",
                super::gourl::quote_bytes(key.as_bytes())
            )),
        },
        _ => Err(INVALID_STATE.to_string()),
    };
    done.map_err(|e| format!("error in remove for path: '{path}': {e}"))
}

fn replace(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        if !(value.is_object() || value.is_array()) {
            return Err("replace operation value must be object or array: <nil>".into());
        }
        *doc = value;
        return Ok(());
    }
    let Some((con, key)) = find_object(doc, path) else {
        return Err(format!(
            "replace operation does not apply: doc is missing path: {path}: {MISSING}"
        ));
    };
    match child(con, &decode_key(&key)) {
        Some(slot) => {
            *slot = value;
            Ok(())
        }
        None => Err(format!(
            "replace operation does not apply: doc is missing key: {path}: {MISSING}"
        )),
    }
}

/// The operation as `DecodePatch` shows it in an error: its fields with sorted keys.
fn op_json(op: &Operation) -> String {
    let mut m = std::collections::BTreeMap::new();
    if let Some(f) = &op.from {
        m.insert("from", Value::String(f.clone()));
    }
    m.insert("op", Value::String(op.op.clone()));
    m.insert("path", Value::String(op.path.clone()));
    if let Some(v) = &op.value {
        m.insert("value", v.clone());
    }
    serde_json::to_string(&m).unwrap_or_default()
}

/// `DecodePatch`'s checks of one operation.
fn validate(op: &Operation) -> Result<(), String> {
    let problem = match op.op.as_str() {
        "add" | "replace" if op.value.is_none() => Some(format!(
            "failed to decode 'value': operation, missing value field: {MISSING}"
        )),
        "move" | "copy" if op.from.is_none() => Some(format!(
            "failed to decode 'from': operation, missing from field: {MISSING}"
        )),
        "add" | "replace" | "test" | "move" | "copy" | "remove" => None,
        _ => Some("unsupported operation".to_string()),
    };
    match problem {
        Some(p) => Err(format!("invalid operation {}: {p}", op_json(op))),
        None => Ok(()),
    }
}

/// Applies `patch` to `doc` as Kratos's admin API does (`jsonx.ApplyJSONPatch`): only `add`,
/// `remove` and `replace`; no operation on a `denied` path; a `replace` of an object member
/// becomes an `add` (so it may create it), and `add` creates missing parents. Atomic: on error
/// `doc` is unchanged. Errors are evanphx/json-patch's texts.
pub fn apply(doc: &mut Value, patch: &[Operation], denied: &[&str]) -> Result<(), String> {
    for op in patch {
        validate(op)?;
    }
    let mut kinds = Vec::with_capacity(patch.len());
    for op in patch {
        if !matches!(op.op.as_str(), "add" | "remove" | "replace") {
            return Err(format!("unsupported operation: {}", op.op));
        }
        // The whole document ("") holds every denied path, so it is denied too (Kratos's glob
        // lets it through, and with it `/id` and `/credentials`).
        if op.path.is_empty() || is_denied(&op.path, denied) {
            return Err(format!("patch includes denied path: {}", op.path));
        }
        let depth = op.path.matches('/').count();
        if depth > MAX_PATH_DEPTH {
            return Err(format!(
                "path has {depth} segments, more than the {MAX_PATH_DEPTH} allowed: {INVALID_STATE}"
            ));
        }
        let kind = if op.op == "replace" && !is_element_access(&op.path) {
            "add"
        } else {
            op.op.as_str()
        };
        kinds.push(kind);
    }
    let mut work = doc.clone();
    for (op, kind) in patch.iter().zip(kinds) {
        let value = || op.value.clone().unwrap_or(Value::Null);
        match kind {
            "add" => add(&mut work, &op.path, value())?,
            "remove" => remove(&mut work, &op.path)?,
            _ => replace(&mut work, &op.path, value())?,
        }
    }
    *doc = work;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, patch: Value, denied: &[&str]) -> Result<Value, String> {
        let ops: Vec<Operation> = serde_json::from_value(patch).unwrap();
        let mut doc = doc;
        apply(&mut doc, &ops, denied).map(|()| doc)
    }

    #[test]
    fn add_remove_replace_as_kratos_applies_them() {
        let doc = json!({"a": {"b": 1}, "l": [1, 2], "m": null});
        assert_eq!(
            run(
                doc.clone(),
                json!([
                    {"op": "add", "path": "/a/c", "value": 2},
                    {"op": "add", "path": "/l/-", "value": 3},
                    {"op": "add", "path": "/l/0", "value": 0},
                    {"op": "replace", "path": "/a/b", "value": null},
                    {"op": "remove", "path": "/l/1"},
                    // A replace of a missing member is an add; add creates missing parents,
                    // and a null parent counts as missing.
                    {"op": "replace", "path": "/x", "value": 1},
                    {"op": "add", "path": "/m/k", "value": true},
                    {"op": "add", "path": "/n/o/0", "value": "z"}
                ]),
                &[]
            )
            .unwrap(),
            json!({"a": {"b": null, "c": 2}, "l": [0, 2, 3], "m": {"k": true}, "x": 1, "n": {"o": ["z"]}})
        );
    }

    #[test]
    fn errors_are_evanphx_texts() {
        let doc = json!({"a": {"b": 1}, "l": [1, 2], "m": null, "s": 1});
        let err = |patch: Value| run(doc.clone(), patch, &[]).unwrap_err();
        assert_eq!(
            err(json!([{"op": "remove", "path": "/a/x"}])),
            "error in remove for path: '/a/x': unable to remove nonexistent key: x: missing value"
        );
        assert_eq!(
            err(json!([{"op": "remove", "path": "/m/x"}])),
            "remove operation does not apply: doc is missing path: \"/m/x\": missing value"
        );
        assert_eq!(
            err(json!([{"op": "replace", "path": "/l/5", "value": 1}])),
            "replace operation does not apply: doc is missing key: /l/5: missing value"
        );
        assert_eq!(
            err(json!([{"op": "add", "path": "/l/7", "value": 1}])),
            "error in add for path: '/l/7': Unable to access invalid index: 7: invalid index referenced"
        );
        assert_eq!(
            err(json!([{"op": "add", "path": "/s/x/y", "value": 1}])),
            "invalid state detected"
        );
        assert_eq!(
            err(json!([{"op": "test", "path": "/a", "value": 1}])),
            "unsupported operation: test"
        );
        assert_eq!(
            err(json!([{"op": "add", "path": "/a"}])),
            "invalid operation {\"op\":\"add\",\"path\":\"/a\"}: failed to decode 'value': operation, missing value field: missing value"
        );
        assert_eq!(
            err(json!([{"op": "nope", "path": "/a"}])),
            "invalid operation {\"op\":\"nope\",\"path\":\"/a\"}: unsupported operation"
        );
        // Atomic: nothing of a failed patch is applied.
        let mut d = doc.clone();
        let ops: Vec<Operation> = serde_json::from_value(json!([
            {"op": "add", "path": "/z", "value": 1},
            {"op": "remove", "path": "/nope"}
        ]))
        .unwrap();
        assert!(apply(&mut d, &ops, &[]).is_err());
        assert_eq!(d, doc);
    }

    #[test]
    fn hostile_paths_are_refused_without_allocating_or_recursing() {
        let doc = json!({"a": {}, "l": [1]});
        let err = |patch: Value| run(doc.clone(), patch, &[]).unwrap_err();
        assert_eq!(
            err(json!([{"op": "add", "path": "/a/x/100000000000/y", "value": 1}])),
            "Unable to access invalid index: 100000000000: invalid index referenced"
        );
        assert_eq!(
            err(json!([{"op": "add", "path": "/l/9223372036854775807/y", "value": 1}])),
            "Unable to access invalid index: 9223372036854775807: invalid index referenced"
        );
        let deep = format!("/a{}", "/b".repeat(20_000));
        assert!(
            err(json!([{"op": "add", "path": deep, "value": 1}])).contains("more than the 128")
        );
        assert_eq!(
            err(json!([{"op": "add", "path": "", "value": {}}])),
            "patch includes denied path: "
        );
        assert_eq!(
            err(json!([{"op": "add", "value": {}}])),
            "patch includes denied path: "
        );
        // A small pad is fine, as in Kratos.
        assert_eq!(
            run(
                doc,
                json!([{"op": "add", "path": "/a/x/2/y", "value": 1}]),
                &[]
            )
            .unwrap()["a"]["x"],
            json!([null, null, {"y": 1}])
        );
        // `test` without a value is not a decoding error: the operation itself is refused.
        assert_eq!(
            run(json!({}), json!([{"op": "test", "path": "/a"}]), &[]).unwrap_err(),
            "unsupported operation: test"
        );
    }

    #[test]
    fn denied_paths_case_insensitively_and_escapes() {
        let denied = [
            "/id",
            "/stateChangedAt",
            "/credentials",
            "/credentials/oidc/**",
        ];
        let doc =
            json!({"id": 1, "credentials": {"oidc": {"x": 1}, "password": {}}, "a/b": {"~": 0}});
        for path in [
            "/id",
            "/ID",
            "/credentials",
            "/credentials/oidc/x",
            "/statechangedat",
        ] {
            let e = run(
                doc.clone(),
                json!([{"op": "remove", "path": path}]),
                &denied,
            )
            .unwrap_err();
            assert_eq!(e, format!("patch includes denied path: {path}"));
        }
        assert!(
            run(
                doc.clone(),
                json!([{"op": "remove", "path": "/credentials/password"}]),
                &denied
            )
            .is_ok()
        );
        assert_eq!(
            run(
                doc,
                json!([{"op": "replace", "path": "/a~1b/~0", "value": 5}]),
                &denied
            )
            .unwrap()["a/b"]["~"],
            5
        );
    }
}
