//! Sessions and their devices (`ory/kratos: persistence/sql/persister_session.go`).

use super::{SqlPersister, opt, other, s};
use crate::codec::{db_err, parse_ts, parse_uuid, ts};
use hoplite_core::persistence::StoreError;
use hoplite_core::session::{Device, Session};
use sqlx::Row;

pub(super) async fn create_session(p: &SqlPersister, s_: &Session) -> Result<(), StoreError> {
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    let id = s_.id.to_string();
    sqlx::query(p.q(
        "INSERT INTO sessions (id, identity_id, token, logout_token, active, aal, authentication_methods, issued_at, expires_at, authenticated_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(&id)
    .bind(s_.identity_id.to_string())
    .bind(&s_.token)
    .bind(&s_.logout_token)
    .bind(i64::from(s_.active))
    .bind(&s_.authenticator_assurance_level)
    .bind(serde_json::to_string(&s_.authentication_methods).expect("methods serialise"))
    .bind(ts(s_.issued_at))
    .bind(ts(s_.expires_at))
    .bind(ts(s_.authenticated_at))
    .bind(ts(s_.issued_at))
    .bind(ts(s_.issued_at))
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    for d in &s_.devices {
        sqlx::query(p.q(
            "INSERT INTO session_devices (id, session_id, identity_id, ip_address, user_agent, location, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(d.id.to_string())
        .bind(&id)
        .bind(s_.identity_id.to_string())
        .bind(truncate(&d.ip_address, 50))
        .bind(d.user_agent.as_deref().map(|ua| truncate(ua, 512)))
        .bind(truncate(&d.location, 512))
        .bind(ts(s_.issued_at))
        .bind(ts(s_.issued_at))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

pub(super) async fn get_session_by_token(
    p: &SqlPersister,
    token: &str,
) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(p.q(
        "SELECT id, identity_id, token, logout_token, active, aal, authentication_methods, issued_at, expires_at, authenticated_at FROM sessions WHERE token = ?",
    ))
    .bind(token)
    .fetch_optional(&p.pool)
    .await
    .map_err(db_err)?;
    let Some(r) = row else { return Ok(None) };
    let id = s(&r, "id")?;
    let devices = sqlx::query(p.q(
        "SELECT id, ip_address, user_agent, location FROM session_devices WHERE session_id = ? ORDER BY created_at, id",
    ))
    .bind(&id)
    .fetch_all(&p.pool)
    .await
    .map_err(db_err)?
    .iter()
    .map(|d| {
        Ok(Device {
            id: parse_uuid(&s(d, "id")?)?,
            ip_address: s(d, "ip_address")?,
            user_agent: opt(d, "user_agent")?,
            location: s(d, "location")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(Session {
        id: parse_uuid(&id)?,
        active: r.try_get::<i64, _>("active").map_err(other)? != 0,
        expires_at: parse_ts(&s(&r, "expires_at")?)?,
        authenticated_at: parse_ts(&s(&r, "authenticated_at")?)?,
        authenticator_assurance_level: s(&r, "aal")?,
        authentication_methods: serde_json::from_str(&s(&r, "authentication_methods")?)
            .map_err(|e| StoreError::Other(e.to_string()))?,
        issued_at: parse_ts(&s(&r, "issued_at")?)?,
        identity: None,
        devices,
        identity_id: parse_uuid(&s(&r, "identity_id")?)?,
        token: s(&r, "token")?,
        logout_token: s(&r, "logout_token")?,
    }))
}

/// Cuts a value to its column's width in characters, so an overlong header cannot fail the insert.
fn truncate(v: &str, max: usize) -> String {
    v.chars().take(max).collect()
}
