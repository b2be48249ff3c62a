//! Rows of other tables read in the same statement as their parent row: a subselect that
//! aggregates them into one JSON array column, read back as rows. On PostgreSQL and MySQL every
//! statement is a round trip to the database; this keeps the hot reads (whoami, sign-in) at one.

use super::Fields;
use hoplite_core::config::DatabaseKind;
use hoplite_core::persistence::StoreError;

/// A subselect (in parentheses) that yields the rows of `from` (a table aliased `x` and its
/// condition) as one JSON array text of objects with the columns `fields`: `[]` when none.
/// MySQL cannot order inside `JSON_ARRAYAGG`, so [`json_rows`] sorts.
pub(super) fn json_array(kind: DatabaseKind, fields: &[&str], from: &str) -> String {
    let pairs = fields
        .iter()
        .map(|f| format!("'{f}', x.{f}"))
        .collect::<Vec<_>>()
        .join(", ");
    match kind {
        DatabaseKind::Postgres => format!(
            "(SELECT CAST(COALESCE(json_agg(json_build_object({pairs})), '[]') AS TEXT) FROM {from})"
        ),
        DatabaseKind::Mysql => format!(
            "(SELECT CAST(COALESCE(JSON_ARRAYAGG(JSON_OBJECT({pairs})), '[]') AS CHAR) FROM {from})"
        ),
        DatabaseKind::Sqlite => {
            format!("(SELECT COALESCE(json_group_array(json_object({pairs})), '[]') FROM {from})")
        }
    }
}

/// A JSON array of objects (a column made by [`json_array`]) as rows, sorted by the `order` fields.
pub(super) fn json_rows(text: &str, order: &[&str]) -> Result<Vec<JsonRow>, StoreError> {
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(text)
        .map_err(|e| StoreError::Other(format!("bad aggregated rows: {e}")))?;
    let mut rows: Vec<JsonRow> = rows.into_iter().map(JsonRow).collect();
    let key = |r: &JsonRow| -> Vec<String> {
        order
            .iter()
            .map(|f| r.opt_text(f).ok().flatten().unwrap_or_default())
            .collect()
    };
    rows.sort_by_cached_key(key);
    Ok(rows)
}

/// One object of an aggregated JSON array, read like a row.
pub(super) struct JsonRow(serde_json::Map<String, serde_json::Value>);

impl Fields for JsonRow {
    fn text(&self, c: &str) -> Result<String, StoreError> {
        self.opt_text(c)?
            .ok_or_else(|| StoreError::Other(format!("column {c} is null")))
    }
    fn opt_text(&self, c: &str) -> Result<Option<String>, StoreError> {
        match self.0.get(c) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Ok(Some(other.to_string())),
        }
    }
    fn int(&self, c: &str) -> Result<i64, StoreError> {
        match self.0.get(c) {
            Some(serde_json::Value::Bool(b)) => Ok(i64::from(*b)),
            Some(serde_json::Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| StoreError::Other(format!("column {c}: {n} is not an integer"))),
            other => Err(StoreError::Other(format!(
                "column {c}: expected an integer, got {other:?}"
            ))),
        }
    }
}
