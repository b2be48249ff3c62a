//! Operations on a form (`ory/kratos: ui/container/container.go`, `ui/node/node.go` `Upsert`,
//! `RemoveMatching`).

use super::{Container, Node, group};
use crate::text::Message;
use serde_json::Value;

impl Container {
    /// An empty POST form submitting to `action`.
    pub fn new(action: String) -> Container {
        Container {
            action,
            method: "POST".into(),
            nodes: Vec::new(),
            messages: Vec::new(),
        }
    }

    /// Replaces the first node with the same name in place, else appends.
    pub fn upsert(&mut self, node: Node) {
        match self.nodes.iter_mut().find(|n| n.name() == node.name()) {
            Some(existing) => *existing = node,
            None => self.nodes.push(node),
        }
    }

    /// Upserts each node in order.
    pub fn upsert_all(&mut self, nodes: Vec<Node>) {
        for n in nodes {
            self.upsert(n);
        }
    }

    /// Drops every node with this name, type, group, input type and value (Kratos's
    /// `RemoveMatching`, which compares only the fields the probe sets).
    pub fn remove_matching(&mut self, probe: &Node) {
        self.nodes.retain(|n| {
            !(n.name() == probe.name()
                && n.group == probe.group
                && n.attributes.input_type == probe.attributes.input_type
                && (probe.attributes.value.is_none()
                    || value_text(&n.attributes.value) == value_text(&probe.attributes.value)))
        });
    }

    /// Upserts the hidden `csrf_token` node with `token`.
    pub fn set_csrf(&mut self, token: &str) {
        let mut node = Node::input(group::DEFAULT, "csrf_token", "hidden");
        node.attributes.value = Some(Value::String(token.to_string()));
        node.attributes.required = true;
        self.upsert(node);
    }

    /// Clears container and node messages.
    pub fn reset_messages(&mut self) {
        self.messages.clear();
        for n in &mut self.nodes {
            n.messages.clear();
        }
    }

    /// Adds `message` to the node named `field` (appending a text input in group `default` when
    /// there is none), or to the container when `field` is empty.
    pub fn add_field_message(&mut self, field: &str, message: Message) {
        if field.is_empty() {
            self.messages.push(message);
            return;
        }
        match self.nodes.iter_mut().find(|n| n.name() == field) {
            Some(n) => n.messages.push(message),
            None => {
                let mut node = Node::input(group::DEFAULT, field, "text");
                node.messages.push(message);
                self.nodes.push(node);
            }
        }
    }
}

fn value_text(v: &Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The nodes the registration strategies contribute (spec §11.3 table).
pub mod nodes {
    use super::super::{Node, group};
    use crate::text::messages;
    use serde_json::Value;

    /// A submit button `name=value` in `group` with its label.
    pub fn submit(group: &str, name: &str, value: &str, label: crate::text::Message) -> Node {
        let mut n = Node::input(group, name, "submit");
        n.attributes.value = Some(Value::String(value.into()));
        n.meta.label = Some(label);
        n
    }

    /// The required `email` input of the code and link methods (verification and recovery).
    pub fn email_input(group: &str, value: Option<&str>) -> Node {
        let mut n = Node::input(group, "email", "email");
        n.attributes.required = true;
        n.attributes.value = value.map(|v| Value::String(v.to_string()));
        n.meta.label = Some(messages::info_node_label_email());
        n
    }

    /// The `password` input of the password method.
    pub fn password_input() -> Node {
        let mut n = Node::input(group::PASSWORD, "password", "password");
        n.attributes.required = true;
        n.attributes.autocomplete = Some("new-password".into());
        n.meta.label = Some(messages::info_node_input_password());
        n
    }

    /// `method=password` submit.
    pub fn password_submit() -> Node {
        submit(
            group::PASSWORD,
            "method",
            "password",
            messages::info_registration(),
        )
    }

    /// `method=profile` submit of the two-step first screen.
    pub fn profile_submit() -> Node {
        submit(
            group::PROFILE,
            "method",
            "profile",
            messages::info_registration(),
        )
    }

    /// `method=<method>` submit of a settings method's form (`Save`).
    pub fn settings_submit(group: &str, method: &str) -> Node {
        submit(group, "method", method, messages::info_node_label_save())
    }

    /// `screen=previous`: back to the first screen.
    pub fn back() -> Node {
        submit(
            group::PROFILE,
            "screen",
            "previous",
            messages::info_registration_back(),
        )
    }
}
