//! Test helper: `shared/reference/messages.tsv`, the reference list of Kratos's message ids, types,
//! text templates and context keys, loaded once for every test that checks a [`Message`] against it.

use crate::text::Message;
use std::collections::HashMap;
use std::sync::LazyLock;

/// One row of messages.tsv.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// `type`: `info`, `error` or `success`.
    pub kind: String,
    /// `text_template`, `{key}` slots filled from the context.
    pub template: String,
    /// `context_keys`, in the order listed.
    pub keys: Vec<String>,
}

static ROWS: LazyLock<HashMap<i64, Row>> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/messages.tsv"
    );
    let text = std::fs::read_to_string(path).expect("messages.tsv beside the repository");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let column = |i: usize| cols.get(i).copied().unwrap_or_default().to_string();
            Some((
                cols[0].parse().ok()?,
                Row {
                    kind: column(1),
                    template: column(3),
                    keys: column(4)
                        .split(',')
                        .filter(|k| !k.is_empty())
                        .map(str::to_owned)
                        .collect(),
                },
            ))
        })
        .collect()
});

/// Every row of messages.tsv by id.
pub(crate) fn rows() -> &'static HashMap<i64, Row> {
    &ROWS
}

/// The row for `id`; panics when messages.tsv has none.
pub(crate) fn row(id: i64) -> &'static Row {
    rows()
        .get(&id)
        .unwrap_or_else(|| panic!("{id} not in messages.tsv"))
}

/// Asserts that `m` has the type, context keys and text (template filled from the context) that
/// messages.tsv gives for its id.
pub(crate) fn assert_matches_tsv(m: &Message) {
    let row = row(m.id);
    assert_eq!(
        serde_json::to_value(m.kind).unwrap(),
        row.kind.as_str(),
        "type of {}",
        m.id
    );
    let context = m.context.clone().unwrap_or_default();
    let mut actual_keys: Vec<&String> = context.keys().collect();
    let mut expected_keys: Vec<&String> = row.keys.iter().collect();
    actual_keys.sort();
    expected_keys.sort();
    assert_eq!(actual_keys, expected_keys, "context keys of {}", m.id);
    let mut text = row.template.clone();
    for (k, v) in &context {
        text = text.replace(&format!("{{{k}}}"), &v.to_string());
    }
    assert_eq!(m.text, text, "text of {}", m.id);
}
