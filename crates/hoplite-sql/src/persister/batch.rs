//! Writes that belong together (an identity with its session, a session with the flow that issued
//! it), sent in as few round trips as the database allows. On PostgreSQL they are one statement:
//! every write but the last becomes a data-modifying `WITH` clause of the last, the statement is
//! atomic, and its foreign keys are checked when it ends, so the order of the writes does not
//! matter. MySQL and SQLite have no such statements; there the writes run in one transaction.

use super::SqlPersister;
use super::kept::OnKept;
use crate::codec::db_err;
use hoplite_core::config::DatabaseKind;
use hoplite_core::persistence::StoreError;

/// One bound value.
pub(super) enum Arg {
    Text(Option<String>),
    Bool(bool),
    Int(i64),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

/// One INSERT, UPDATE or DELETE with typed placeholders (`?::uuid`, see [`crate::codec::rewrite`])
/// and its values, in placeholder order.
pub(super) struct Write {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Write {
    pub fn new(sql: impl Into<String>) -> Self {
        Write {
            sql: sql.into(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, v: impl Into<Arg>) -> Self {
        self.args.push(v.into());
        self
    }
}

/// `sql` with `args` bound.
fn bound<'q>(
    sql: String,
    args: impl IntoIterator<Item = &'q Arg>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for a in args {
        q = match a {
            Arg::Text(v) => q.bind(v.clone()),
            Arg::Bool(v) => q.bind(*v),
            Arg::Int(v) => q.bind(*v),
        };
    }
    q
}

/// The writes as one PostgreSQL statement (placeholders not yet rewritten).
fn fused(writes: &[Write]) -> String {
    let (last, rest) = writes.split_last().expect("at least one write");
    if rest.is_empty() {
        return last.sql.clone();
    }
    let clauses: Vec<String> = rest
        .iter()
        .enumerate()
        .map(|(n, w)| format!("w{n} AS ({})", w.sql))
        .collect();
    format!("WITH {} {}", clauses.join(", "), last.sql)
}

/// Runs all of `writes` or none: one statement on PostgreSQL, one transaction elsewhere.
pub(super) async fn run_together(p: &SqlPersister, writes: &[Write]) -> Result<(), StoreError> {
    if writes.is_empty() {
        return Ok(());
    }
    if p.kind == DatabaseKind::Postgres || writes.len() == 1 {
        let sql = crate::codec::rewrite(p.kind, &fused(writes));
        bound(sql, writes.iter().flat_map(|w| &w.args))
            .execute_kept(p)
            .await?;
        return Ok(());
    }
    let mut conn = p.take().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(db_err)?;
    run_in(p, &mut tx, writes).await?;
    tx.commit().await.map_err(db_err)?;
    // Kept only after a commit: a failed transaction's rollback is left to the pool.
    conn.done();
    Ok(())
}

/// Runs `writes` one after the other inside `tx`.
pub(super) async fn run_in(
    p: &SqlPersister,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    writes: &[Write],
) -> Result<(), StoreError> {
    for w in writes {
        bound(crate::codec::rewrite(p.kind, &w.sql), &w.args)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_fuse_into_one_statement_with_the_last_one_as_its_body() {
        let writes = [
            Write::new("INSERT INTO a (x) VALUES (?)").arg(1_i64),
            Write::new("INSERT INTO b (y) VALUES (?::uuid)").arg("u"),
            Write::new("UPDATE c SET z = ? WHERE id = ?")
                .arg(true)
                .arg("i"),
        ];
        let sql = crate::codec::rewrite(DatabaseKind::Postgres, &fused(&writes));
        assert_eq!(
            sql,
            "WITH w0 AS (INSERT INTO a (x) VALUES ($1)), w1 AS (INSERT INTO b (y) VALUES ($2::uuid)) UPDATE c SET z = $3 WHERE id = $4"
        );
        assert_eq!(fused(&writes[..1]), "INSERT INTO a (x) VALUES (?)");
    }
}
