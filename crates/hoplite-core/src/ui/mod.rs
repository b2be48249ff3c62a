//! The UI container and node model of Kratos (`ory/kratos: ui/container`, `ui/node`).

use crate::text::Message;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Node groups (`ui/node/node.go`).
pub mod group {
    pub const DEFAULT: &str = "default";
    pub const PASSWORD: &str = "password";
    pub const PROFILE: &str = "profile";
    pub const OIDC: &str = "oidc";
    pub const CODE: &str = "code";
}

/// `uiContainer`: the form a flow renders. `messages` is omitted when empty, `nodes` never is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Container {
    pub action: String,
    pub method: String,
    pub nodes: Vec<Node>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
}

/// `uiNode`. Only input nodes are produced by the flows hoplite implements so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(rename = "type")]
    pub node_type: String,
    pub group: String,
    pub attributes: InputAttributes,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub meta: Meta,
}

/// `meta` is always an object; `label` only when the node has one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Message>,
}

/// `uiNodeInputAttributes`, key order as Kratos serialises them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputAttributes {
    pub name: String,
    #[serde(rename = "type")]
    pub input_type: String,
    /// Omitted only when unset; `Some(Value::Null)` is never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autocomplete: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxlength: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<NodeOption>>,
    pub node_type: String,
}

/// One entry of `options` (schema `enum` values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeOption {
    pub value: Value,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Node {
    /// A plain input node with no value, label or messages.
    pub fn input(group: &str, name: &str, input_type: &str) -> Node {
        Node {
            node_type: "input".into(),
            group: group.into(),
            attributes: InputAttributes {
                name: name.into(),
                input_type: input_type.into(),
                value: None,
                required: false,
                autocomplete: None,
                pattern: None,
                disabled: false,
                maxlength: None,
                options: None,
                node_type: "input".into(),
            },
            messages: Vec::new(),
            meta: Meta::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.attributes.name
    }
}

pub mod container;
pub mod gofmt;
pub mod nodes;
pub mod sort;
pub mod values;
