//! The courier's queue (`ory/kratos: persistence/sql/persister_courier.go`): `courier_messages`
//! and `courier_message_dispatches`.

use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, opt, s};
use crate::codec::{Ty, db_err, parse_json, parse_ts, parse_uuid};
use hoplite_core::config::DatabaseKind;
use hoplite_core::courier::handler::MessageFilter;
use hoplite_core::courier::{Dispatch, Message, MessageStatus, MessageType};
use hoplite_core::persistence::{SessionCursor, StoreError};
use time::OffsetDateTime;
use uuid::Uuid;

/// The placeholder for `template_data`, a byte column (Kratos's `[]byte`): the JSON text as bytes.
fn bytes_param(kind: DatabaseKind) -> &'static str {
    match kind {
        DatabaseKind::Postgres => "convert_to(?, 'UTF8')",
        DatabaseKind::Sqlite => "CAST(? AS BLOB)",
        DatabaseKind::Mysql => "?",
    }
}

/// `template_data` read back as text.
fn bytes_column(kind: DatabaseKind) -> &'static str {
    match kind {
        DatabaseKind::Postgres => "convert_from(template_data, 'UTF8') AS template_data",
        DatabaseKind::Sqlite => "CAST(template_data AS TEXT) AS template_data",
        DatabaseKind::Mysql => "CAST(template_data AS CHAR) AS template_data",
    }
}

const COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("type", Ty::Plain),
    ("status", Ty::Plain),
    ("body", Ty::Plain),
    ("subject", Ty::Plain),
    ("recipient", Ty::Plain),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
    ("template_type", Ty::Plain),
    ("send_count", Ty::Plain),
    ("channel", Ty::Plain),
    ("request_headers", Ty::Json),
];

fn select(kind: DatabaseKind) -> String {
    format!(
        "SELECT {}, {} FROM courier_messages",
        crate::codec::select_list(kind, None, "", COLS),
        bytes_column(kind)
    )
}

pub(super) async fn queue(p: &SqlPersister, m: &Message) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO courier_messages (id, type, status, body, subject, recipient, created_at, updated_at, template_type, template_data, nid, send_count, channel, request_headers) VALUES (?::uuid, ?, ?, ?, ?, ?, ?::ts, ?::ts, ?, {}, ?::uuid, ?, ?, ?::json)",
        bytes_param(p.kind)
    );
    sqlx::query(p.q(&sql))
        .bind(m.id.to_string())
        .bind(m.message_type.code())
        .bind(m.status.code())
        .bind(&m.body)
        .bind(&m.subject)
        .bind(&m.recipient)
        .bind(p.ts(m.created_at))
        .bind(p.ts(m.updated_at))
        .bind(&m.template_type)
        .bind(json_text(&m.template_data))
        .bind(p.nid()?)
        .bind(m.send_count)
        .bind(Some(m.channel.clone()).filter(|c| !c.is_empty()))
        .bind(json_text(&m.request_headers))
        .execute_kept(p)
        .await?;
    Ok(())
}

pub(super) async fn claim(
    p: &SqlPersister,
    limit: u32,
    now: OffsetDateTime,
    stale_before: OffsetDateTime,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "{} WHERE nid = ?::uuid AND (status = 1 OR (status = 3 AND updated_at < ?::ts)) ORDER BY created_at ASC, id ASC LIMIT {limit}",
        select(p.kind)
    );
    let rows = sqlx::query(p.q(&sql))
        .bind(p.nid()?)
        .bind(p.ts(stale_before))
        .fetch_all_kept(p)
        .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let mut m = from_row(&row)?;
        // Only the worker whose update takes the row sends it.
        let done = sqlx::query(p.q(
            "UPDATE courier_messages SET status = 3, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid AND (status = 1 OR (status = 3 AND updated_at < ?::ts))",
        ))
        .bind(p.ts(now))
        .bind(m.id.to_string())
        .bind(p.nid()?)
        .bind(p.ts(stale_before))
        .execute_kept(p)
        .await?;
        if done.rows_affected() == 1 {
            m.status = MessageStatus::Processing;
            m.updated_at = now;
            claimed.push(m);
        }
    }
    Ok(claimed)
}

pub(super) async fn set_status(
    p: &SqlPersister,
    id: Uuid,
    status: MessageStatus,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "UPDATE courier_messages SET status = ?, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    ))
    .bind(status.code())
    .bind(p.ts(now))
    .bind(id.to_string())
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn increment_send_count(
    p: &SqlPersister,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "UPDATE courier_messages SET send_count = send_count + 1, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    ))
    .bind(p.ts(now))
    .bind(id.to_string())
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn record_dispatch(p: &SqlPersister, d: &Dispatch) -> Result<(), StoreError> {
    sqlx::query(p.q(
        "INSERT INTO courier_message_dispatches (id, message_id, status, error, nid, created_at, updated_at) VALUES (?::uuid, ?::uuid, ?, ?::json, ?::uuid, ?::ts, ?::ts)",
    ))
    .bind(d.id.to_string())
    .bind(d.message_id.to_string())
    .bind(&d.status)
    .bind(d.error.as_ref().map(json_text))
    .bind(p.nid()?)
    .bind(p.ts(d.created_at))
    .bind(p.ts(d.updated_at))
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn list(
    p: &SqlPersister,
    filter: &MessageFilter,
    after: Option<SessionCursor>,
    limit: u32,
) -> Result<(Vec<Message>, Option<SessionCursor>), StoreError> {
    let mut sql = format!("{} WHERE nid = ?::uuid", select(p.kind));
    if filter.status.is_some() {
        sql.push_str(" AND status = ?");
    }
    if filter.recipient.is_some() {
        sql.push_str(" AND recipient = ?");
    }
    if after.is_some() {
        sql.push_str(" AND (created_at < ?::ts OR (created_at = ?::ts AND id > ?::uuid))");
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, id ASC LIMIT {}",
        u64::from(limit) + 1
    ));
    let mut q = sqlx::query(p.q(&sql)).bind(p.nid()?);
    if let Some(st) = filter.status {
        q = q.bind(st.code());
    }
    if let Some(r) = &filter.recipient {
        q = q.bind(r.clone());
    }
    if let Some(c) = &after {
        q = q
            .bind(p.ts(c.created_at))
            .bind(p.ts(c.created_at))
            .bind(c.id.to_string());
    }
    let rows = q.fetch_all(&p.pool).await.map_err(db_err)?;
    let mut messages = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let next = if messages.len() > limit as usize {
        messages.truncate(limit as usize);
        messages.last().map(|m| SessionCursor {
            created_at: m.created_at,
            id: m.id,
        })
    } else {
        None
    };
    Ok((messages, next))
}

pub(super) async fn get(p: &SqlPersister, id: Uuid) -> Result<Option<Message>, StoreError> {
    let sql = format!("{} WHERE id = ?::uuid AND nid = ?::nid", select(p.kind));
    let row = sqlx::query(p.q(&sql))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut m = from_row(&row)?;
    const DCOLS: &[(&str, Ty)] = &[
        ("id", Ty::Uuid),
        ("message_id", Ty::Uuid),
        ("status", Ty::Plain),
        ("error", Ty::Json),
        ("created_at", Ty::Ts),
        ("updated_at", Ty::Ts),
    ];
    let sql = format!(
        "SELECT {} FROM courier_message_dispatches WHERE message_id = ?::uuid AND nid = ?::uuid ORDER BY created_at DESC, id ASC",
        crate::codec::select_list(p.kind, None, "", DCOLS)
    );
    let rows = sqlx::query(p.q(&sql))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_all_kept(p)
        .await?;
    for r in rows {
        m.dispatches.push(Dispatch {
            id: parse_uuid(&s(&r, "id")?)?,
            message_id: parse_uuid(&s(&r, "message_id")?)?,
            status: s(&r, "status")?,
            error: opt(&r, "error")?.map(|e| parse_json(&e)).transpose()?,
            created_at: parse_ts(&s(&r, "created_at")?)?,
            updated_at: parse_ts(&s(&r, "updated_at")?)?,
        });
    }
    Ok(Some(m))
}

fn from_row<R: Fields>(row: &R) -> Result<Message, StoreError> {
    Ok(Message {
        id: parse_uuid(&s(row, "id")?)?,
        status: MessageStatus::from_code(row.int("status")?)
            .ok_or_else(|| StoreError::Other("unknown courier message status".into()))?,
        message_type: MessageType::from_code(row.int("type")?),
        recipient: s(row, "recipient")?,
        body: s(row, "body")?,
        subject: s(row, "subject")?,
        template_type: s(row, "template_type")?,
        channel: opt(row, "channel")?.unwrap_or_default(),
        send_count: row.int("send_count")?,
        dispatches: Vec::new(),
        created_at: parse_ts(&s(row, "created_at")?)?,
        updated_at: parse_ts(&s(row, "updated_at")?)?,
        template_data: opt(row, "template_data")?
            .filter(|t| !t.is_empty())
            .map(|t| parse_json(&t))
            .transpose()?
            .unwrap_or(serde_json::Value::Null),
        request_headers: opt(row, "request_headers")?
            .map(|t| parse_json(&t))
            .transpose()?
            .unwrap_or(serde_json::Value::Null),
    })
}
