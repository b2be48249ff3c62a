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
    pub const LINK: &str = "link";
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

/// `uiNodeInputAttributes`, key order as Kratos serialises them. An anchor node (`node_type`
/// `a`, `uiNodeAnchorAttributes`) uses `href`, `title` and `id` instead and is written with those
/// keys only.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InputAttributes {
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub input_type: String,
    /// Omitted only when unset; `Some(Value::Null)` is never stored.
    #[serde(default)]
    pub value: Option<Value>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub autocomplete: Option<String>,
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub maxlength: Option<u32>,
    #[serde(default)]
    pub options: Option<Vec<NodeOption>>,
    /// Anchors: where the link goes.
    #[serde(default)]
    pub href: Option<String>,
    /// Anchors: the link's text.
    #[serde(default)]
    pub title: Option<Message>,
    /// Anchors: the element id.
    #[serde(default)]
    pub id: Option<String>,
    pub node_type: String,
}

impl Serialize for InputAttributes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        if self.node_type == "a" {
            m.serialize_entry("href", self.href.as_deref().unwrap_or(""))?;
            m.serialize_entry("title", &self.title)?;
            m.serialize_entry("id", self.id.as_deref().unwrap_or(""))?;
            m.serialize_entry("node_type", &self.node_type)?;
            return m.end();
        }
        m.serialize_entry("name", &self.name)?;
        m.serialize_entry("type", &self.input_type)?;
        if let Some(v) = &self.value {
            m.serialize_entry("value", v)?;
        }
        if self.required {
            m.serialize_entry("required", &true)?;
        }
        if let Some(v) = &self.autocomplete {
            m.serialize_entry("autocomplete", v)?;
        }
        if let Some(v) = &self.pattern {
            m.serialize_entry("pattern", v)?;
        }
        m.serialize_entry("disabled", &self.disabled)?;
        if let Some(v) = &self.maxlength {
            m.serialize_entry("maxlength", v)?;
        }
        if let Some(v) = &self.options {
            m.serialize_entry("options", v)?;
        }
        m.serialize_entry("node_type", &self.node_type)?;
        m.end()
    }
}

/// One entry of `options` (schema `enum` values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeOption {
    pub value: Value,
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
                href: None,
                title: None,
                id: None,
                node_type: "input".into(),
            },
            messages: Vec::new(),
            meta: Meta::default(),
        }
    }

    /// An anchor node (`<a>`) in `group` linking to `href`, titled and labelled `title`.
    pub fn anchor(group: &str, id: &str, href: &str, title: Message) -> Node {
        let mut n = Node::input(group, "", "");
        n.node_type = "a".into();
        n.attributes.node_type = "a".into();
        n.attributes.href = Some(href.into());
        n.attributes.id = Some(id.into());
        n.attributes.title = Some(title.clone());
        n.meta.label = Some(title);
        n
    }

    /// The input's name, or an anchor's id (Kratos's `Node.ID()`).
    pub fn name(&self) -> &str {
        if self.node_type == "a" {
            return self.attributes.id.as_deref().unwrap_or("");
        }
        &self.attributes.name
    }
}

pub mod container;
pub mod gofmt;
pub mod nodes;
pub mod sort;
pub mod values;
