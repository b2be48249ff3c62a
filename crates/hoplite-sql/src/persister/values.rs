//! hoplite's own key/value table (`hoplite_values`): values generated once and shared by every
//! instance on the database (Kratos keeps such secrets in its configuration instead). The one
//! table that is not Kratos's: created only when a value is first needed (no secret configured),
//! which a database shared with Kratos never needs, since Kratos's configuration has its secrets.
//! Kratos ignores the table.

use super::{SqlPersister, s};
use crate::codec::db_err;
use hoplite_core::persistence::StoreError;

/// Stores `candidate` under `key` unless a value is there already, and returns the stored value;
/// instances racing here all end up with the first one written.
pub(super) async fn get_or_init_value(
    p: &SqlPersister,
    key: &str,
    candidate: &str,
) -> Result<String, StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS hoplite_values (name VARCHAR(128) PRIMARY KEY, value TEXT NOT NULL)",
    )
    .execute(&p.pool)
    .await
    .map_err(db_err)?;
    match sqlx::query(p.q("INSERT INTO hoplite_values (name, value) VALUES (?, ?)"))
        .bind(key)
        .bind(candidate)
        .execute(&p.pool)
        .await
        .map_err(db_err)
    {
        Ok(_) | Err(StoreError::Conflict) => {}
        Err(e) => return Err(e),
    }
    let row = sqlx::query(p.q("SELECT value FROM hoplite_values WHERE name = ?"))
        .bind(key)
        .fetch_one(&p.pool)
        .await
        .map_err(db_err)?;
    s(&row, "value")
}
