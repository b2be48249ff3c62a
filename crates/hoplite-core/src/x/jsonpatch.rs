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

/// Whether `path` is one of `denied`: an entry ending in `/**` covers everything below it, any
/// other entry only itself.
fn is_denied(path: &str, denied: &[&str]) -> bool {
    denied.iter().any(|d| match d.strip_suffix("/**") {
        Some(prefix) => path.starts_with(&format!("{prefix}/")),
        None => path == *d,
    })
}

/// Splits a JSON pointer into unescaped tokens; `""` is the whole document.
fn tokens(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!("invalid JSON pointer: {pointer:?}"));
    };
    Ok(rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect())
}

/// The array index a token names; `len` allowed only where appending is (`-` means `len`).
fn index(token: &str, len: usize, append: bool) -> Result<usize, String> {
    if append && token == "-" {
        return Ok(len);
    }
    let valid = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    let n: usize = if valid {
        token
            .parse()
            .map_err(|_| format!("invalid array index: {token}"))?
    } else {
        return Err(format!("invalid array index: {token}"));
    };
    if n > len || (n == len && !append) {
        return Err(format!("array index out of bounds: {n}"));
    }
    Ok(n)
}

/// The parent container of `path` and the last token.
fn parent<'a>(doc: &'a mut Value, path: &[String]) -> Result<(&'a mut Value, String), String> {
    let (last, init) = path
        .split_last()
        .ok_or_else(|| "the document root cannot be the target".to_string())?;
    let mut node = doc;
    for t in init {
        node = match node {
            Value::Object(m) => m
                .get_mut(t)
                .ok_or_else(|| format!("path does not exist: /{t}"))?,
            Value::Array(a) => {
                let n = index(t, a.len(), false)?;
                &mut a[n]
            }
            _ => return Err(format!("cannot descend into a scalar at {t:?}")),
        };
    }
    Ok((node, last.clone()))
}

fn get(doc: &Value, pointer: &str) -> Result<Value, String> {
    doc.pointer(pointer)
        .cloned()
        .ok_or_else(|| format!("path does not exist: {pointer}"))
}

fn add(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let path = tokens(pointer)?;
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (container, last) = parent(doc, &path)?;
    match container {
        Value::Object(m) => {
            m.insert(last, value);
        }
        Value::Array(a) => {
            let n = index(&last, a.len(), true)?;
            a.insert(n, value);
        }
        _ => return Err(format!("cannot add to a scalar at {pointer}")),
    }
    Ok(())
}

fn remove(doc: &mut Value, pointer: &str) -> Result<Value, String> {
    let path = tokens(pointer)?;
    let (container, last) = parent(doc, &path)?;
    match container {
        Value::Object(m) => m
            .shift_remove(&last)
            .ok_or_else(|| format!("path does not exist: {pointer}")),
        Value::Array(a) => {
            let n = index(&last, a.len(), false)?;
            Ok(a.remove(n))
        }
        _ => Err(format!("path does not exist: {pointer}")),
    }
}

fn replace(doc: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    if pointer.is_empty() {
        *doc = value;
        return Ok(());
    }
    let target = doc
        .pointer_mut(pointer)
        .ok_or_else(|| format!("path does not exist: {pointer}"))?;
    *target = value;
    Ok(())
}

/// Applies `patch` to `doc` atomically (on error `doc` is unchanged). An operation on a `denied`
/// path (or moving away from one) fails the whole patch, as do unknown operations, a missing
/// `value` and a failed `test`.
pub fn apply(doc: &mut Value, patch: &[Operation], denied: &[&str]) -> Result<(), String> {
    for op in patch {
        if is_denied(&op.path, denied) {
            return Err(format!("patch includes a denied path: {}", op.path));
        }
        if op.op == "move"
            && let Some(from) = &op.from
            && is_denied(from, denied)
        {
            return Err(format!("patch includes a denied path: {from}"));
        }
    }
    let mut work = doc.clone();
    for op in patch {
        let value = || {
            op.value
                .clone()
                .ok_or_else(|| format!("missing value for operation {:?}", op.op))
        };
        let from = || {
            op.from
                .clone()
                .ok_or_else(|| format!("missing from for operation {:?}", op.op))
        };
        match op.op.as_str() {
            "add" => add(&mut work, &op.path, value()?)?,
            "remove" => {
                remove(&mut work, &op.path)?;
            }
            "replace" => replace(&mut work, &op.path, value()?)?,
            "move" => {
                let from = from()?;
                if op.path.starts_with(&format!("{from}/")) {
                    return Err(format!("cannot move {from} into its own child {}", op.path));
                }
                let moved = remove(&mut work, &from)?;
                add(&mut work, &op.path, moved)?;
            }
            "copy" => {
                let copied = get(&work, &from()?)?;
                add(&mut work, &op.path, copied)?;
            }
            "test" => {
                let expected = value()?;
                if get(&work, &op.path)? != expected {
                    return Err(format!("testing value {} failed", op.path));
                }
            }
            other => return Err(format!("unexpected operation: {other:?}")),
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
    fn the_six_operations() {
        let doc = json!({"a": {"b": 1}, "l": [1, 2]});
        assert_eq!(
            run(
                doc.clone(),
                json!([
                    {"op": "add", "path": "/a/c", "value": 2},
                    {"op": "add", "path": "/l/-", "value": 3},
                    {"op": "add", "path": "/l/0", "value": 0},
                    {"op": "replace", "path": "/a/b", "value": null},
                    {"op": "copy", "from": "/a/c", "path": "/d"},
                    {"op": "move", "from": "/d", "path": "/e"},
                    {"op": "remove", "path": "/l/1"},
                    {"op": "test", "path": "/e", "value": 2}
                ]),
                &[]
            )
            .unwrap(),
            json!({"a": {"b": null, "c": 2}, "l": [0, 2, 3], "e": 2})
        );
        assert!(
            run(
                doc.clone(),
                json!([{"op": "test", "path": "/a/b", "value": 2}]),
                &[]
            )
            .is_err()
        );
        assert!(run(doc.clone(), json!([{"op": "remove", "path": "/x"}]), &[]).is_err());
        assert!(
            run(
                doc.clone(),
                json!([{"op": "replace", "path": "/x", "value": 1}]),
                &[]
            )
            .is_err()
        );
        assert!(
            run(
                doc.clone(),
                json!([{"op": "add", "path": "/l/5", "value": 1}]),
                &[]
            )
            .is_err()
        );
        assert!(run(doc.clone(), json!([{"op": "add", "path": "/a/b"}]), &[]).is_err());
        assert!(run(doc, json!([{"op": "nope", "path": "/a"}]), &[]).is_err());
    }

    #[test]
    fn denied_paths_and_escapes() {
        let denied = ["/id", "/credentials", "/credentials/oidc/**"];
        let doc =
            json!({"id": 1, "credentials": {"oidc": {"x": 1}, "password": {}}, "a/b": {"~": 0}});
        for path in ["/id", "/credentials", "/credentials/oidc/x"] {
            let e = run(
                doc.clone(),
                json!([{"op": "remove", "path": path}]),
                &denied,
            )
            .unwrap_err();
            assert_eq!(e, format!("patch includes a denied path: {path}"));
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
