//! Test helper: checks a [`crate::text::Message`] against `shared/reference/messages.tsv`, the
//! reference list of Kratos's message ids, texts and context keys.

use crate::text::Message;

/// The row of messages.tsv for `id`: (type, text template, context keys).
fn tsv_row(id: i64) -> (String, String, Vec<String>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/messages.tsv"
    );
    let tsv = std::fs::read_to_string(path).expect("messages.tsv beside the repository");
    let line = tsv
        .lines()
        .find(|l| l.split('\t').next() == Some(&id.to_string()))
        .expect("id in messages.tsv");
    let cols: Vec<&str> = line.split('\t').collect();
    let keys = cols[4]
        .split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    (cols[1].to_owned(), cols[3].to_owned(), keys)
}

/// Asserts that `m` has the type, context keys and text (template filled from the context) that
/// messages.tsv gives for its id.
pub(crate) fn assert_matches_tsv(m: &Message) {
    let (kind, template, keys) = tsv_row(m.id);
    assert_eq!(
        serde_json::to_value(m.kind).unwrap(),
        kind.as_str(),
        "type of {}",
        m.id
    );
    let context = m.context.clone().unwrap_or_default();
    let mut actual_keys: Vec<&String> = context.keys().collect();
    let mut expected_keys: Vec<&String> = keys.iter().collect();
    actual_keys.sort();
    expected_keys.sort();
    assert_eq!(actual_keys, expected_keys, "context keys of {}", m.id);
    let mut text = template;
    for (k, v) in &context {
        text = text.replace(&format!("{{{k}}}"), &v.to_string());
    }
    assert_eq!(m.text, text, "text of {}", m.id);
}
