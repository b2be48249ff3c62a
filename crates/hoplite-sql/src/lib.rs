//! hoplite's persistence: one SQL implementation of `hoplite_core::persistence::Persister` for
//! SQLite, PostgreSQL and MySQL (`ory/kratos: persistence/sql/`). Rows are stored with portable
//! column types (UUIDs as `CHAR(36)`, JSON as text, times as RFC 3339 text with microseconds).

mod codec;
pub mod migrate;
mod persister;

pub use persister::{SchemaState, SqlPersister};
