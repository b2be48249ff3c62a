//! UI text messages with Kratos's numeric ids (`ory/kratos: text/`); ids and texts are checked
//! against `shared/reference/messages.tsv` by a test.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub mod messages;
#[cfg(test)]
pub(crate) mod tsv;

/// The kind of a UI message, as Kratos names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    Info,
    Error,
    Success,
}

/// A `uiText`: `{"id", "text", "type", "context"?}`; `context` is omitted when absent and its keys are
/// kept sorted, as Go's map encoding emits them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: i64,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: MessageType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
}

impl Message {
    /// A message without context.
    pub fn new(id: i64, kind: MessageType, text: impl Into<String>) -> Self {
        Message {
            id,
            text: text.into(),
            kind,
            context: None,
        }
    }

    /// A message with context; keys are sorted so the wire order matches Kratos's.
    pub fn with_context(
        id: i64,
        kind: MessageType,
        text: impl Into<String>,
        context: Value,
    ) -> Self {
        let mut m = Message::new(id, kind, text);
        if let Value::Object(map) = context {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            m.context = Some(entries.into_iter().collect());
        }
        m
    }
}
