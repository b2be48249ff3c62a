//! What the admin identity API writes and filters on beyond registration's needs: replacing and
//! deleting identities, and the filtered listing (`ory/kratos:
//! persistence/sql/identity/persister_identity.go` `UpdateIdentity`, `DeleteIdentity`,
//! `ListIdentities`).
//!
//! Every filter is answered by an index: `ids` by the primary key, `organization_id` by
//! `identities_organization_id_idx` (migration 4), a credential identifier by the unique
//! `(type, identifier)` index.

use super::identity::{
    IDENTITY_COLS, NIL_ID, PART_QUERIES, assemble_parts, identity_from_row, insert_parts,
    load_identity_parts, type_id,
};
use super::{Fields, SqlPersister, json_text};
use crate::codec::db_err;
use hoplite_core::identity::{Credentials, Identity};
use hoplite_core::persistence::{IdentityFilter, IdentityPage, StoreError};
use uuid::Uuid;

/// Credential types whose identifiers Kratos stores normalised (matched with the normalised value)
/// and those stored as given (`ListIdentities` of Kratos's SQL persister).
const NORMALISED_TYPES: &[&str] = &["webauthn", "password", "code"];
const RAW_TYPES: &[&str] = &["oidc", "saml"];

/// Whether the identity exists; read inside `tx`, since MySQL reports zero affected rows for an
/// `UPDATE` that changes nothing.
async fn exists(
    p: &SqlPersister,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query(p.q("SELECT 1 AS one FROM identities WHERE id = ?::uuid AND nid = ?::nid"))
            .bind(id)
            .bind(p.nid()?)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db_err)?
            .is_some(),
    )
}

pub(super) async fn update_identity(p: &SqlPersister, i: &Identity) -> Result<bool, StoreError> {
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    let id = i.id.to_string();
    if !exists(p, &mut tx, &id).await? {
        return Ok(false);
    }
    write_identity(p, &mut tx, i).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

/// The read of an identity's `traits` text, built once per dialect; `locked` takes the row lock
/// for the rest of the transaction (PostgreSQL, MySQL; SQLite writes one transaction at a time).
fn traits_sql(kind: hoplite_core::config::DatabaseKind, locked: bool) -> &'static str {
    static PLAIN: crate::codec::PerDialect = crate::codec::PerDialect::new();
    static LOCKED: crate::codec::PerDialect = crate::codec::PerDialect::new();
    let build = |lock: &str| {
        format!(
            "SELECT {} FROM identities WHERE id = ?::uuid AND nid = ?::nid{lock}",
            crate::codec::select_list(kind, None, "", &[("traits", crate::codec::Ty::Json)])
        )
    };
    match (locked, kind) {
        (true, hoplite_core::config::DatabaseKind::Sqlite) | (false, _) => {
            PLAIN.get(kind, || build(""))
        }
        (true, _) => LOCKED.get(kind, || build(" FOR UPDATE")),
    }
}

/// The `traits` column of identity `id` as stored.
pub(super) async fn stored_traits(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(p.q(traits_sql(p.kind, false)))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional(&p.pool)
        .await
        .map_err(db_err)?;
    row.map(|r| r.text("traits")).transpose()
}

/// [`update_identity`] only while the stored traits still hash to `traits_hash`
/// ([`hoplite_core::identity::pending::hash_stored_traits`]), checked in the same transaction with the
/// identity's row locked (PostgreSQL, MySQL; SQLite writes one transaction at a time).
pub(super) async fn update_identity_if_traits(
    p: &SqlPersister,
    i: &Identity,
    traits_hash: &str,
) -> Result<Option<bool>, StoreError> {
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    let row = sqlx::query(p.q(traits_sql(p.kind, true)))
        .bind(i.id.to_string())
        .bind(p.nid()?)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
    let Some(row) = row else {
        return Ok(Some(false));
    };
    if hoplite_core::identity::pending::hash_stored_traits(&row.text("traits")?) != traits_hash {
        return Ok(None);
    }
    write_identity(p, &mut tx, i).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(Some(true))
}

/// The identity's row and every part, replaced inside `tx`.
async fn write_identity(
    p: &SqlPersister,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    i: &Identity,
) -> Result<(), StoreError> {
    let id = i.id.to_string();
    sqlx::query(p.q(
        "UPDATE identities SET schema_id = ?, traits = ?::json, state = ?, state_changed_at = ?::ts, metadata_public = ?::json, metadata_admin = ?::json, available_aal = ?, organization_id = ?::uuid, external_id = ?, updated_at = ?::ts WHERE id = ?::uuid",
    ))
    .bind(&i.schema_id)
    .bind(json_text(&i.traits))
    .bind(&i.state)
    .bind(i.state_changed_at.map(|t| p.ts(t)))
    .bind(i.metadata_public.as_ref().map(json_text))
    .bind(i.metadata_admin.as_ref().filter(|v| !v.is_null()).map(json_text))
    .bind(i.available_aal.clone())
    .bind(i.organization_id.map(|o| o.to_string()))
    .bind(i.external_id.clone())
    .bind(p.ts(i.updated_at))
    .bind(&id)
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    // Kratos's diff (`updateAssociationWith`): a stored address or credential with the same
    // signature as one of the new set is kept as it is, and with it whatever points at it (a
    // verification or recovery code sent to that address, a link token); the others are
    // deleted first (so that the unique indexes see the new set only), then the new ones
    // without a stored twin are inserted.
    let mut stored = i.clone();
    stored.verifiable_addresses.clear();
    stored.recovery_addresses.clear();
    stored.credentials.clear();
    let mut rows: [Vec<sqlx::any::AnyRow>; 4] = Default::default();
    for (rows, part) in rows.iter_mut().zip(PART_QUERIES) {
        *rows = sqlx::query(p.q(&part.sql(p.kind, 1)))
            .bind(&id)
            .fetch_all(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    assemble_parts(std::slice::from_mut(&mut stored), rows)?;
    let mut fresh = i.clone();
    let (verifiable, recovery, credentials);
    (verifiable, fresh.verifiable_addresses) = diff(
        &stored.verifiable_addresses,
        &i.verifiable_addresses,
        |a| a.id,
        |a, b| {
            (&a.value, a.verified, &a.via, &a.status, a.verified_at)
                == (&b.value, b.verified, &b.via, &b.status, b.verified_at)
        },
    );
    (recovery, fresh.recovery_addresses) = diff(
        &stored.recovery_addresses,
        &i.recovery_addresses,
        |a| a.id,
        |a, b| (&a.value, &a.via) == (&b.value, &b.via),
    );
    let kept_credentials: Vec<_> = stored.credentials.values().cloned().collect();
    let new_credentials: Vec<_> = i.credentials.values().cloned().collect();
    let created;
    (credentials, created) = diff(
        &kept_credentials,
        &new_credentials,
        |c| c.id,
        same_credential,
    );
    fresh.credentials = created
        .into_iter()
        .map(|c| (c.credential_type.clone(), c))
        .collect();
    for (table, ids) in [
        ("identity_credentials", credentials),
        ("identity_verifiable_addresses", verifiable),
        ("identity_recovery_addresses", recovery),
    ] {
        if ids.is_empty() {
            continue;
        }
        let marks = vec!["?::uuid"; ids.len()].join(", ");
        let sql = format!("DELETE FROM {table} WHERE identity_id = ?::uuid AND id IN ({marks})");
        let mut q = sqlx::query(p.q(&sql)).bind(id.clone());
        for gone in ids {
            q = q.bind(gone.to_string());
        }
        q.execute(&mut **tx).await.map_err(db_err)?;
    }
    insert_parts(p, tx, std::slice::from_ref(&fresh)).await?;
    Ok(())
}

/// Kratos's `diffAssociations` over `stored` and `wanted`: the ids of the stored items no
/// wanted one matches (to delete), and the wanted items no stored one matches (to insert).
fn diff<T: Clone>(
    stored: &[T],
    wanted: &[T],
    id: impl Fn(&T) -> Uuid,
    same: impl Fn(&T, &T) -> bool,
) -> (Vec<Uuid>, Vec<T>) {
    let mut matched = vec![false; wanted.len()];
    let mut gone = Vec::new();
    for s in stored {
        match (0..wanted.len()).find(|&n| !matched[n] && same(s, &wanted[n])) {
            Some(n) => matched[n] = true,
            None => gone.push(id(s)),
        }
    }
    let new = wanted
        .iter()
        .zip(&matched)
        .filter(|(_, m)| !**m)
        .map(|(w, _)| w.clone())
        .collect();
    (gone, new)
}

/// Kratos's `Credentials.Signature`: type, identifiers in any order, version and the config as
/// JSON (key order and spacing aside).
fn same_credential(a: &Credentials, b: &Credentials) -> bool {
    let sorted = |c: &Credentials| {
        let mut ids = c.identifiers.clone();
        ids.sort();
        ids
    };
    a.credential_type == b.credential_type
        && a.version == b.version
        && a.config == b.config
        && sorted(a) == sorted(b)
}

pub(super) async fn delete_identity(p: &SqlPersister, id: Uuid) -> Result<bool, StoreError> {
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    let id = id.to_string();
    if !exists(p, &mut tx, &id).await? {
        return Ok(false);
    }
    // The foreign keys cascade on SQLite, PostgreSQL and MariaDB, but MySQL ignores inline
    // `REFERENCES`, so the parts are deleted explicitly (each by an indexed `identity_id`).
    // Sessions (and with them their devices) through their identity index; everything else the
    // identity owns goes with it through Kratos's cascading foreign keys.
    for table in ["sessions"] {
        sqlx::query(p.q(&format!("DELETE FROM {table} WHERE identity_id = ?::uuid")))
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    sqlx::query(p.q("DELETE FROM identities WHERE id = ?::uuid"))
        .bind(&id)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

/// `?, ?, ...` for `n` values.
/// `n` id placeholders.
fn placeholders(n: usize) -> String {
    vec!["?::uuid"; n].join(", ")
}

/// The `WHERE` condition (after `id > ?`) and its bound values for `filter`.
fn filter_condition(filter: &IdentityFilter, nid: &str) -> (String, Vec<String>) {
    match filter {
        IdentityFilter::Ids(ids) => (
            format!("id IN ({})", placeholders(ids.len().max(1))),
            if ids.is_empty() {
                // `IN ()` is not SQL; an id that cannot exist matches nothing.
                vec![String::new()]
            } else {
                ids.iter().map(Uuid::to_string).collect()
            },
        ),
        IdentityFilter::Organization(org) => {
            ("organization_id = ?::uuid".into(), vec![org.to_string()])
        }
        IdentityFilter::CredentialsIdentifier {
            normalized,
            raw,
            prefix,
        } => {
            let (op, normalized, raw) = if *prefix {
                (
                    "LIKE",
                    format!("{}%", escape_like(normalized)),
                    format!("{}%", escape_like(raw)),
                )
            } else {
                ("=", normalized.clone(), raw.clone())
            };
            let escape = if *prefix { " ESCAPE '!'" } else { "" };
            let sql = format!(
                "id IN (SELECT identity_id FROM identity_credential_identifiers WHERE nid = ?::uuid AND ((identity_credential_type_id IN ({}) AND identifier {op} ?{escape}) OR (identity_credential_type_id IN ({}) AND identifier {op} ?{escape})))",
                placeholders(NORMALISED_TYPES.len()),
                placeholders(RAW_TYPES.len()),
            );
            let id = |t: &&str| type_id(t).map(str::to_string).unwrap_or_default();
            let mut args: Vec<String> = vec![nid.to_string()];
            args.extend(NORMALISED_TYPES.iter().map(id));
            args.push(normalized);
            args.extend(RAW_TYPES.iter().map(id));
            args.push(raw);
            (sql, args)
        }
    }
}

/// Escapes `LIKE` wildcards with `!` (a backslash would need doubling on MySQL only).
fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

pub(super) async fn list_identities_filtered(
    p: &SqlPersister,
    filter: &IdentityFilter,
    after: Option<Uuid>,
    limit: u32,
) -> Result<IdentityPage, StoreError> {
    let after = after.map(|a| a.to_string());
    let (condition, args) = filter_condition(filter, p.nid()?);
    let sql = format!(
        "SELECT {} FROM identities WHERE nid = ?::uuid AND id > ?::uuid AND {condition} ORDER BY id LIMIT ?",
        p.cols(None, "", IDENTITY_COLS)
    );
    let mut query = sqlx::query(p.q(&sql))
        .bind(p.nid()?)
        .bind(after.unwrap_or_else(|| NIL_ID.to_string()));
    for a in args {
        query = query.bind(a);
    }
    let rows = query
        .bind(i64::from(limit) + 1)
        .fetch_all(&p.pool)
        .await
        .map_err(db_err)?;
    let mut identities = rows
        .iter()
        .take(limit as usize)
        .map(|r| identity_from_row(p, r))
        .collect::<Result<Vec<_>, _>>()?;
    load_identity_parts(p, &mut identities).await?;
    let next = if rows.len() > limit as usize {
        identities.last().map(|i| i.id)
    } else {
        None
    };
    Ok(IdentityPage { identities, next })
}

pub(super) async fn list_identities_at(
    p: &SqlPersister,
    filter: Option<&IdentityFilter>,
    offset: u64,
    limit: u32,
) -> Result<Vec<Identity>, StoreError> {
    let (condition, args) = match filter {
        Some(f) => filter_condition(f, p.nid()?),
        None => ("1 = 1".to_string(), Vec::new()),
    };
    let sql = format!(
        "SELECT {} FROM identities WHERE nid = ?::uuid AND {condition} ORDER BY id LIMIT ? OFFSET ?",
        p.cols(None, "", IDENTITY_COLS)
    );
    let mut query = sqlx::query(p.q(&sql)).bind(p.nid()?);
    for a in args {
        query = query.bind(a);
    }
    let rows = query
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&p.pool)
        .await
        .map_err(db_err)?;
    let mut identities = rows
        .iter()
        .map(|r| identity_from_row(p, r))
        .collect::<Result<Vec<_>, _>>()?;
    load_identity_parts(p, &mut identities).await?;
    Ok(identities)
}

pub(super) async fn count_identities(p: &SqlPersister) -> Result<u64, StoreError> {
    let row = sqlx::query(p.q("SELECT COUNT(*) AS n FROM identities WHERE nid = ?::uuid"))
        .bind(p.nid()?)
        .fetch_one(&p.pool)
        .await
        .map_err(db_err)?;
    Ok(u64::try_from(row.int("n")?).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("a_b%c!d"), "a!_b!%c!!d");
    }
}
