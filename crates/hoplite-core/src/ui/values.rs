//! Putting submitted trait values back into nodes (`UpdateNodeValuesFromJSON`).

use super::Node;
use super::gofmt::go_json_number;
use super::nodes::{FormValueKind, to_form_type};
use serde_json::Value;

/// Flattens `traits` into `traits.<dotted>` keys and sets each node's value, moving it to `group`;
/// missing nodes are appended (spec §11.1, last bullet).
pub fn set_values_from_traits(nodes: &mut Vec<Node>, traits: &Value, group: &str) {
    // Kratos iterates a Go map here, so the order of appended nodes is unspecified; document
    // order is as good as any and the registration sort fixes the final order.
    if !traits.is_object() {
        return;
    }
    let mut flat = Vec::new();
    flatten(traits, &mut Vec::new(), &mut flat);
    for (key, value) in flat {
        let name = format!("traits.{key}");
        let value = node_value(value);
        if let Some(node) = nodes.iter_mut().find(|n| n.name() == name) {
            node.attributes.value = value;
            node.group = group.to_string();
            continue;
        }
        nodes.push(node_from_json(&name, value, group));
    }
}

/// Sets the values of the trait nodes that already exist and touches nothing else (Kratos's
/// `SetValueAttribute` loop in the strategies' error handlers: no node is moved or added).
pub fn set_existing_values_from_traits(nodes: &mut [Node], traits: &Value) {
    if !traits.is_object() {
        return;
    }
    let mut flat = Vec::new();
    flatten(traits, &mut Vec::new(), &mut flat);
    for (key, value) in flat {
        let name = format!("traits.{key}");
        if let Some(node) = nodes.iter_mut().find(|n| n.name() == name) {
            node.attributes.value = node_value(value);
        }
    }
}

/// A flattened trait value as a node value: null is no value, numbers print as Go prints them.
fn node_value(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Number(n) => Some(go_json_number(&n)),
        other => Some(other),
    }
}

/// `NewInputFieldFromJSON`: the input type follows the name, then the JSON type of the value.
pub fn node_from_json(name: &str, value: Option<Value>, group: &str) -> Node {
    let kind = match &value {
        Some(Value::Number(_)) => FormValueKind::Number,
        Some(Value::Bool(_)) => FormValueKind::Bool,
        _ => FormValueKind::Other,
    };
    let mut node = Node::input(group, name, to_form_type(name, kind));
    node.attributes.value = value;
    node
}

/// `jsonx.Flatten`: objects recurse with dots in keys escaped, arrays by index; empty containers
/// yield nothing.
fn flatten(value: &Value, parents: &mut Vec<String>, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                parents.push(k.replace('.', "\\."));
                flatten(v, parents, out);
                parents.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                parents.push(i.to_string());
                flatten(v, parents, out);
                parents.pop();
            }
        }
        scalar => out.push((parents.join("."), scalar.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_existing_nodes_and_moves_them_to_group() {
        let mut nodes = vec![Node::input("default", "traits.email", "email")];
        set_values_from_traits(&mut nodes, &json!({"email": "a@b.c"}), "password");
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].group, "password");
        assert_eq!(nodes[0].attributes.input_type, "email");
        assert_eq!(nodes[0].attributes.value, Some(json!("a@b.c")));
    }

    #[test]
    fn appends_missing_nodes_with_inferred_types() {
        let mut nodes = Vec::new();
        set_values_from_traits(
            &mut nodes,
            &json!({"n": 5.0, "b": true, "emails": ["x", "y"], "o": {"a.b": "z"}, "empty": {}, "none": [], "nul": null}),
            "default",
        );
        let got: Vec<(String, String, Option<Value>)> = nodes
            .iter()
            .map(|n| {
                (
                    n.name().to_string(),
                    n.attributes.input_type.clone(),
                    n.attributes.value.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("traits.n".into(), "number".into(), Some(json!(5))),
                ("traits.b".into(), "checkbox".into(), Some(json!(true))),
                ("traits.emails.0".into(), "text".into(), Some(json!("x"))),
                ("traits.emails.1".into(), "text".into(), Some(json!("y"))),
                ("traits.o.a\\.b".into(), "text".into(), Some(json!("z"))),
                ("traits.nul".into(), "text".into(), None),
            ]
        );
        // Go encodes the float64 5 as `5`.
        assert_eq!(
            serde_json::to_string(&nodes[0].attributes.value).unwrap(),
            "5"
        );
    }

    #[test]
    fn non_object_traits_are_ignored() {
        let mut nodes = Vec::new();
        set_values_from_traits(&mut nodes, &json!("x"), "default");
        assert!(nodes.is_empty());
    }
}
