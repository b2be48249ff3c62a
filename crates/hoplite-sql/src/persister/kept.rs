//! Pooled connections kept between the statements of the hot paths, so that each statement is
//! one round trip to the database.
//!
//! sqlx's pool checks every connection it takes back with a ping (on PostgreSQL a sync and its
//! answer, on MySQL a `COM_PING`): a second round trip for every statement, which costs the
//! database as much CPU as a small query. It does so because a statement abandoned half way (its
//! request cancelled) can leave a connection mid-answer. Here a connection whose statement ran to
//! its end goes back to a short list of its own, unchecked; any other one is dropped into sqlx's
//! pool, which checks it as before (and closes it when broken). The list holds all but one of
//! the pool's connections, so the paths that use the pool directly always find one.

use sqlx::Any;
use sqlx::pool::PoolConnection;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The connections kept, with when each was last used.
pub(super) struct Kept {
    idle: Mutex<Vec<(PoolConnection<Any>, Instant)>>,
    cap: usize,
}

impl Kept {
    /// Keeps at most `cap` connections out of the pool.
    pub fn new(cap: usize) -> Self {
        Kept {
            idle: Mutex::new(Vec::with_capacity(cap)),
            cap,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(PoolConnection<Any>, Instant)>> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A connection for one statement: a kept one (checked with a ping when it sat idle for
    /// `ping_when_idle`, as the pool checks its own), or one from `pool`.
    pub async fn take<'a>(
        &'a self,
        pool: &sqlx::AnyPool,
        ping_when_idle: Duration,
    ) -> Result<Taken<'a>, sqlx::Error> {
        loop {
            let popped = self.lock().pop();
            let Some((mut conn, last_used)) = popped else {
                let conn = pool.acquire().await?;
                return Ok(Taken::new(self, conn));
            };
            if last_used.elapsed() >= ping_when_idle {
                use sqlx::Connection;
                if conn.ping().await.is_err() {
                    // The pool closes it; try the next one.
                    drop(conn);
                    continue;
                }
            }
            return Ok(Taken::new(self, conn));
        }
    }
}

/// A connection taken for one statement. [`Taken::done`] after the statement ran to its end
/// keeps it; dropped otherwise, it goes back to sqlx's pool, which checks it.
pub(super) struct Taken<'a> {
    kept: &'a Kept,
    conn: Option<PoolConnection<Any>>,
    done: bool,
}

impl<'a> Taken<'a> {
    fn new(kept: &'a Kept, conn: PoolConnection<Any>) -> Self {
        Taken {
            kept,
            conn: Some(conn),
            done: false,
        }
    }

    /// The statement ran to its end (successfully or with an error the database answered): the
    /// connection is in a clean state and may be kept.
    pub fn done(mut self) {
        self.done = true;
    }
}

/// `result` of the statement run on `conn`, keeping the connection when the statement ran to its
/// end: it succeeded, or the database answered with an error.
pub(super) fn finish<T>(
    conn: Taken<'_>,
    result: Result<T, sqlx::Error>,
) -> Result<T, hoplite_core::persistence::StoreError> {
    if matches!(&result, Ok(_) | Err(sqlx::Error::Database(_))) {
        conn.done();
    }
    result.map_err(crate::codec::db_err)
}

impl std::ops::Deref for Taken<'_> {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        self.conn.as_ref().expect("taken until dropped")
    }
}

impl std::ops::DerefMut for Taken<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.conn.as_mut().expect("taken until dropped")
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.done {
            let mut idle = self.kept.lock();
            if idle.len() < self.kept.cap {
                idle.push((conn, Instant::now()));
                return;
            }
        }
        drop(conn);
    }
}

/// A statement run on a kept connection of `p` (see [`super::SqlPersister::take`]).
pub(super) trait OnKept<'q> {
    async fn fetch_optional_kept(
        self,
        p: &super::SqlPersister,
    ) -> Result<Option<sqlx::any::AnyRow>, hoplite_core::persistence::StoreError>;
    async fn execute_kept(
        self,
        p: &super::SqlPersister,
    ) -> Result<sqlx::any::AnyQueryResult, hoplite_core::persistence::StoreError>;
    async fn fetch_all_kept(
        self,
        p: &super::SqlPersister,
    ) -> Result<Vec<sqlx::any::AnyRow>, hoplite_core::persistence::StoreError>;
}

impl<'q> OnKept<'q> for sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    async fn fetch_optional_kept(
        self,
        p: &super::SqlPersister,
    ) -> Result<Option<sqlx::any::AnyRow>, hoplite_core::persistence::StoreError> {
        let mut conn = p.take().await?;
        let result = self.fetch_optional(&mut *conn).await;
        finish(conn, result)
    }

    async fn execute_kept(
        self,
        p: &super::SqlPersister,
    ) -> Result<sqlx::any::AnyQueryResult, hoplite_core::persistence::StoreError> {
        let mut conn = p.take().await?;
        let result = self.execute(&mut *conn).await;
        finish(conn, result)
    }

    async fn fetch_all_kept(
        self,
        p: &super::SqlPersister,
    ) -> Result<Vec<sqlx::any::AnyRow>, hoplite_core::persistence::StoreError> {
        let mut conn = p.take().await?;
        let result = self.fetch_all(&mut *conn).await;
        finish(conn, result)
    }
}
