//! What a database holds, whether hoplite may serve it, and `hoplite migrate sql`: Kratos's final
//! schema created in one step on an empty database (see [`crate::migrate`]), nothing done on a
//! database Kratos or hoplite migrated to that version, hoplite's earlier schema converted, and
//! anything else refused untouched.

use super::{SqlPersister, s};
use crate::codec::{db_err, parse_uuid};
use crate::migrate;
use hoplite_core::config::DatabaseKind;
use hoplite_core::persistence::StoreError;
use sqlx::{AssertSqlSafe, Row};

/// What a database holds, as far as hoplite is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaState {
    /// No tables at all.
    Empty,
    /// Kratos's schema (`schema_migration`), made by Kratos or by hoplite: the versions of this
    /// Kratos release it lacks, and the recorded versions this release does not know.
    Kratos {
        missing: Vec<String>,
        unknown: Vec<String>,
        /// The newest version recorded (none in an empty `schema_migration`).
        newest: Option<String>,
    },
    /// hoplite's own earlier schema (`hoplite_migrations`), with these versions applied.
    Legacy { applied: Vec<i64> },
    /// Tables, but neither Kratos's nor hoplite's.
    Foreign { tables: Vec<String> },
}

impl SchemaState {
    /// Classifies a database from its tables and, where it has them, its recorded versions.
    pub(crate) fn classify(
        kind: DatabaseKind,
        tables: Vec<String>,
        kratos_versions: Option<Vec<String>>,
        legacy_versions: Option<Vec<i64>>,
    ) -> SchemaState {
        if tables.is_empty() {
            return SchemaState::Empty;
        }
        if let Some(recorded) = kratos_versions {
            let known = migrate::versions(kind);
            let missing = known
                .iter()
                .filter(|v| !recorded.iter().any(|r| r == *v))
                .map(|v| v.to_string())
                .collect();
            let unknown = recorded
                .iter()
                .filter(|r| !known.contains(&r.as_str()))
                .cloned()
                .collect();
            let newest = recorded.iter().max().cloned();
            return SchemaState::Kratos {
                missing,
                unknown,
                newest,
            };
        }
        match legacy_versions {
            Some(mut applied) => {
                applied.sort_unstable();
                SchemaState::Legacy { applied }
            }
            None => SchemaState::Foreign { tables },
        }
    }

    /// Why hoplite may not serve this database as it is (`None`: it may).
    pub(crate) fn refusal_to_serve(&self) -> Option<StoreError> {
        match self {
            SchemaState::Empty => Some(StoreError::Other(
                "the database has no tables yet: create the schema with `hoplite migrate sql -e --yes` (DSN in the environment) first".into(),
            )),
            SchemaState::Kratos {
                missing, unknown, ..
            } if missing.is_empty() && unknown.is_empty() => None,
            SchemaState::Legacy { applied } => Some(StoreError::Other(format!(
                "the database has hoplite's earlier schema (versions {applied:?} in hoplite_migrations): convert it to Kratos's with `hoplite migrate sql -e --yes` (DSN in the environment) first"
            ))),
            other => other.refusal_to_migrate(),
        }
    }

    /// Why `hoplite migrate sql` leaves this database alone (`None`: it migrates it).
    pub(crate) fn refusal_to_migrate(&self) -> Option<StoreError> {
        match self {
            SchemaState::Empty | SchemaState::Legacy { .. } => None,
            SchemaState::Kratos { unknown, .. } if !unknown.is_empty() => {
                Some(StoreError::Other(format!(
                    "refusing to use this database: a newer Ory Kratos migrated it ({} migration versions this hoplite does not know, the newest {}); hoplite serves the schema of {} and never alters a schema it does not recognise",
                    unknown.len(),
                    unknown.iter().max().map(String::as_str).unwrap_or(""),
                    migrate::KRATOS_VERSION
                )))
            }
            SchemaState::Kratos {
                missing, newest, ..
            } if !missing.is_empty() => Some(StoreError::Other(format!(
                "refusing to use this database: an older Ory Kratos migrated it (its newest migration is {}; {} of this version's are missing, the first {}); bring it up to date with Kratos's own migrations first (`kratos migrate sql -e --yes` of {}), then start hoplite. hoplite never alters a schema it does not recognise",
                newest.as_deref().unwrap_or("none"),
                missing.len(),
                missing[0],
                migrate::KRATOS_VERSION
            ))),
            SchemaState::Kratos { .. } => None,
            SchemaState::Foreign { tables } => Some(foreign_schema(tables)),
        }
    }
}

/// The refusal for a database neither hoplite nor Kratos created: it names what it found.
fn foreign_schema(tables: &[String]) -> StoreError {
    let shown: Vec<&str> = tables.iter().take(12).map(String::as_str).collect();
    let more = if tables.len() > shown.len() {
        format!(" and {} more", tables.len() - shown.len())
    } else {
        String::new()
    };
    StoreError::Other(format!(
        "refusing to use this database: it holds tables neither hoplite nor Ory Kratos created: {}{more}. hoplite never alters a database whose schema it does not recognise; point it at an empty database, or at one hoplite or Kratos migrated",
        shown.join(", ")
    ))
}

/// A lock number for PostgreSQL's advisory lock around the first migration.
const PG_MIGRATION_LOCK: i64 = 0x686f_706c_6974;

impl SqlPersister {
    /// The tables of the database (the current schema on PostgreSQL and MySQL), sorted.
    pub(super) async fn table_names<'e, E>(&self, on: E) -> Result<Vec<String>, StoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let sql = match self.kind {
            DatabaseKind::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            }
            DatabaseKind::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = current_schema()"
            }
            DatabaseKind::Mysql => {
                "SELECT CAST(table_name AS CHAR) AS name FROM information_schema.tables WHERE table_schema = DATABASE()"
            }
        };
        let rows = sqlx::query(sql).fetch_all(on).await.map_err(db_err)?;
        let mut names = rows
            .iter()
            .map(|r| s(r, "name"))
            .collect::<Result<Vec<_>, _>>()?;
        names.sort();
        Ok(names)
    }

    /// What the database holds (see [`SchemaState`]).
    pub async fn schema_state(&self) -> Result<SchemaState, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        self.schema_state_on(&mut conn).await
    }

    /// [`SqlPersister::schema_state`], read on `conn`.
    async fn schema_state_on(
        &self,
        conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    ) -> Result<SchemaState, StoreError> {
        let tables = self.table_names(&mut **conn).await?;
        let kratos = if tables.iter().any(|t| t == "schema_migration") {
            let rows = sqlx::query("SELECT version FROM schema_migration")
                .fetch_all(&mut **conn)
                .await
                .map_err(db_err)?;
            Some(
                rows.iter()
                    .map(|r| s(r, "version"))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        } else {
            None
        };
        let legacy = if tables.iter().any(|t| t == "hoplite_migrations") {
            let rows = sqlx::query("SELECT version FROM hoplite_migrations")
                .fetch_all(&mut **conn)
                .await
                .map_err(db_err)?;
            Some(
                rows.iter()
                    .map(|r| r.try_get::<i64, _>("version").map_err(db_err))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        } else {
            None
        };
        Ok(SchemaState::classify(self.kind, tables, kratos, legacy))
    }

    /// Checks that the database can be served as it is: Kratos's schema at exactly the version
    /// hoplite knows. The error says what was found and what to do. Then finds the network.
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        if let Some(refusal) = self.schema_state().await?.refusal_to_serve() {
            return Err(refusal);
        }
        self.load_network().await
    }

    /// `hoplite migrate sql`: creates Kratos's schema on an empty database, converts hoplite's
    /// earlier schema, does nothing on a database at this Kratos version, and leaves anything
    /// else untouched with an error. What the database holds is read under the migration lock
    /// (see [`SqlPersister::begin_exclusive`]), so instances migrating at once do it one after
    /// the other and the later ones find nothing to do; on SQLite and PostgreSQL the whole
    /// migration is one transaction.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        self.begin_exclusive(&mut conn).await?;
        let result = async {
            let state = self.schema_state_on(&mut conn).await?;
            if let Some(refusal) = state.refusal_to_migrate() {
                return Err(refusal);
            }
            match state {
                SchemaState::Empty => {
                    self.create_schema_on(&mut conn).await?;
                    tracing::info!(
                        versions = migrate::versions(self.kind).len(),
                        "created the schema of {}",
                        migrate::KRATOS_VERSION
                    );
                }
                SchemaState::Legacy { applied } => {
                    super::convert::convert_on(self, &mut conn).await?;
                    tracing::info!(
                        from = ?applied,
                        "converted hoplite's earlier schema to the schema of {}",
                        migrate::KRATOS_VERSION
                    );
                }
                _ => {}
            }
            Ok(())
        }
        .await;
        self.end_exclusive(&mut conn, result).await?;
        drop(conn);
        self.load_network().await
    }

    /// Keeps other instances out of a migration on `conn`: SQLite and PostgreSQL in one
    /// transaction (SQLite's takes the write lock at once; PostgreSQL's an advisory lock), MySQL,
    /// which commits DDL statement by statement, under a named lock.
    pub(super) async fn begin_exclusive(
        &self,
        conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    ) -> Result<(), StoreError> {
        let statements = match self.kind {
            DatabaseKind::Sqlite => vec!["BEGIN IMMEDIATE".to_string()],
            DatabaseKind::Postgres => vec![
                "BEGIN".to_string(),
                format!("SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})"),
            ],
            DatabaseKind::Mysql => vec!["SELECT GET_LOCK('hoplite_migrate', 600)".to_string()],
        };
        for statement in statements {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&mut **conn)
                .await
                .map_err(|e| StoreError::Other(format!("taking the migration lock: {e}")))?;
        }
        Ok(())
    }

    /// Ends what [`SqlPersister::begin_exclusive`] began: commits when `result` is a success,
    /// rolls back otherwise (MySQL: releases the lock), and hands `result` on.
    pub(super) async fn end_exclusive<T>(
        &self,
        conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let end = match (self.kind, result.is_ok()) {
            (DatabaseKind::Mysql, _) => "SELECT RELEASE_LOCK('hoplite_migrate')",
            (_, true) => "COMMIT",
            (_, false) => "ROLLBACK",
        };
        let ended = sqlx::query(end)
            .execute(&mut **conn)
            .await
            .map_err(|e| StoreError::Other(format!("ending the migration: {e}")));
        let value = result?;
        ended?;
        Ok(value)
    }

    /// Runs the schema's statements, records every version and a network, on `conn` (inside
    /// whatever transaction the caller holds).
    pub(super) async fn create_schema_on(
        &self,
        conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    ) -> Result<(), StoreError> {
        let failed = |e: sqlx::Error| StoreError::Other(format!("creating the schema: {e}"));
        for statement in migrate::schema_statements(self.kind) {
            sqlx::query(AssertSqlSafe(statement.to_string()))
                .execute(&mut **conn)
                .await
                .map_err(failed)?;
        }
        for chunk in migrate::versions(self.kind).chunks(200) {
            let sql = format!(
                "INSERT INTO schema_migration (version) VALUES {}",
                vec!["(?)"; chunk.len()].join(", ")
            );
            let mut q = sqlx::query(self.q(&sql));
            for v in chunk {
                q = q.bind(*v);
            }
            q.execute(&mut **conn).await.map_err(failed)?;
        }
        self.insert_network(&mut **conn).await
    }

    /// Inserts a new network row (Kratos's `networks`, whose id every row carries as `nid`).
    async fn insert_network<'e, E>(&self, on: E) -> Result<(), StoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let now = self.ts(hoplite_core::clock::Clock::now(
            &hoplite_core::clock::SystemClock,
        ));
        sqlx::query(
            self.q(
                "INSERT INTO networks (id, created_at, updated_at) VALUES (?::uuid, ?::ts, ?::ts)",
            ),
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&now)
        .bind(&now)
        .execute(on)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Finds the network this database serves, as Kratos does (the oldest row of `networks`),
    /// creating one where Kratos migrated but never served the database.
    pub(crate) async fn load_network(&self) -> Result<(), StoreError> {
        if self.nid.get().is_some() {
            return Ok(());
        }
        let sql = format!(
            "SELECT {} FROM networks ORDER BY created_at ASC LIMIT 1",
            crate::codec::select_list(self.kind, None, "", &[("id", crate::codec::Ty::Uuid)])
        );
        let mut row = sqlx::query(AssertSqlSafe(sql.clone()))
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        if row.is_none() {
            self.insert_network(&self.pool).await?;
            row = sqlx::query(AssertSqlSafe(sql))
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err)?;
        }
        let row = row.ok_or_else(|| StoreError::Other("no network row".into()))?;
        let id = parse_uuid(&s(&row, "id")?)?;
        let _ = self.nid.set(id.to_string());
        Ok(())
    }
}
