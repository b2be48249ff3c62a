//! hoplite's persistence: one SQL implementation of `hoplite_core::persistence::Persister` for
//! SQLite, PostgreSQL and MySQL (`ory/kratos: persistence/sql/`), on Kratos's own tables with
//! Kratos's encodings in every column (see `codec.rs` and `migrate/`).

mod codec;
pub mod migrate;
mod persister;

pub use persister::{SchemaState, SqlPersister};

/// A query written with hoplite's typed placeholders as `kind` runs it (for tests that ask a
/// database how it plans hoplite's statements).
#[doc(hidden)]
pub use codec::rewrite;
