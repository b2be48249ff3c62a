//! Continuity containers (`ory/kratos: persistence/sql/persister_continuity.go`).

use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, opt, s};
use crate::codec::{Ty, parse_json, parse_ts, parse_uuid};
use hoplite_core::continuity::Container;
use hoplite_core::persistence::StoreError;
use uuid::Uuid;

pub(super) async fn create(p: &SqlPersister, c: &Container) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO continuity_containers (id, identity_id, name, payload, expires_at, created_at, updated_at, nid) VALUES (?::uuid, ?::uuid, ?, ?::json, ?::ts, ?::ts, ?::ts, ?::uuid)",
    ))
    .bind(c.id.to_string())
    .bind(c.identity_id.map(|i| i.to_string()))
    .bind(&c.name)
    .bind(c.payload.as_ref().map(json_text))
    .bind(p.ts(c.expires_at))
    .bind(p.ts(c.created_at))
    .bind(p.ts(c.updated_at))
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    Ok(())
}

/// The columns a [`Container`] is read from.
const COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("identity_id", Ty::Uuid),
    ("name", Ty::Plain),
    ("payload", Ty::Json),
    ("expires_at", Ty::Ts),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
];

pub(super) async fn take(p: &SqlPersister, id: Uuid) -> Result<Option<Container>, StoreError> {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    let sql = SQL.get(p.kind, || {
        format!(
            "SELECT {} FROM continuity_containers WHERE id = ?::uuid AND nid = ?::nid",
            crate::codec::select_list(p.kind, None, "", COLS)
        )
    });
    let row = sqlx::query(p.q(sql))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let container = from_row(&row)?;
    delete(p, id).await?;
    Ok(Some(container))
}

pub(super) async fn delete(p: &SqlPersister, id: Uuid) -> Result<(), StoreError> {
    sqlx::query(p.q("DELETE FROM continuity_containers WHERE id = ?::uuid AND nid = ?::nid"))
        .bind(id.to_string())
        .bind(p.nid()?)
        .execute_kept(p)
        .await?;
    Ok(())
}

fn from_row<R: Fields>(row: &R) -> Result<Container, StoreError> {
    Ok(Container {
        id: parse_uuid(&s(row, "id")?)?,
        identity_id: opt(row, "identity_id")?
            .map(|i| parse_uuid(&i))
            .transpose()?,
        name: s(row, "name")?,
        payload: opt(row, "payload")?.map(|p| parse_json(&p)).transpose()?,
        expires_at: parse_ts(&s(row, "expires_at")?)?,
        created_at: parse_ts(&s(row, "created_at")?)?,
        updated_at: parse_ts(&s(row, "updated_at")?)?,
    })
}
