//! Identities with their credentials, identifiers and addresses
//! (`ory/kratos: identity/persister_identity.go` behind `persistence/sql`).
//!
//! Reading an identity costs a fixed number of queries however many credentials it has: its parts
//! are selected by `identity_id` (indexed since migration 3), and a page of identities loads the
//! parts of all of them at once, `IN (...)` lists of [`IN_CHUNK`] ids at a time.

use super::batch::{self, Write};
use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, opt, s};
use crate::codec::{Ty, db_err, parse_json, parse_ts, parse_uuid};
use crate::migrate::{credential_type_id, credential_type_name};
use hoplite_core::identity::{
    Credentials, Identity, RecoveryAddress, VerifiableAddress, schema_url,
};
use hoplite_core::persistence::{ConflictSource, ConflictingIdentity, IdentityPage, StoreError};
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The columns of `identities` an [`Identity`] is read from.
pub(super) const IDENTITY_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("schema_id", Ty::Plain),
    ("traits", Ty::Json),
    ("state", Ty::Plain),
    ("state_changed_at", Ty::Ts),
    ("metadata_public", Ty::Json),
    ("metadata_admin", Ty::Json),
    ("available_aal", Ty::Plain),
    ("organization_id", Ty::Uuid),
    ("external_id", Ty::Plain),
    ("created_at", Ty::Ts),
    ("updated_at", Ty::Ts),
];

/// The lowest id, where a keyset walk over ids starts.
pub(super) const NIL_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The id of a credential type's row, or an error for a type Kratos's schema does not have.
pub(super) fn type_id(name: &str) -> Result<&'static str, StoreError> {
    credential_type_id(name)
        .ok_or_else(|| StoreError::Other(format!("unknown credential type {name:?}")))
}

/// Identity ids per `IN (...)` list: well below every database's limit on bound parameters (SQLite
/// allows 32766, PostgreSQL 65535), so a page of 1000 identities takes two rounds of queries.
const IN_CHUNK: usize = 500;

/// Inserts one identity with its parts in one transaction (see [`create_identities`]).
pub(super) async fn create_identity(p: &SqlPersister, i: &Identity) -> Result<(), StoreError> {
    create_identities(p, std::slice::from_ref(i)).await
}

/// Bound parameters per multi-row INSERT: below every database's limit (SQLite's 32766 is the
/// lowest).
const MAX_PARAMS: usize = 30_000;

/// `INSERT INTO <table_and_columns> VALUES (<row>), (<row>)` for `rows` rows, `row` being the
/// placeholders of one (`?::uuid, ?, ...`).
fn multi_row_insert(table_and_columns: &str, row: &str, rows: usize) -> String {
    let one = format!("({row})");
    format!(
        "INSERT INTO {table_and_columns} VALUES {}",
        vec![one; rows].join(", ")
    )
}

/// Inserts every identity of `all` with its parts in one transaction, with one multi-row INSERT
/// per table (per chunk of rows): all of them or, on any error (a unique violation is
/// [`StoreError::Conflict`]), none. The batch import calls it with a whole request and falls back
/// to one identity at a time to learn which one failed.
pub(super) async fn create_identities(
    p: &SqlPersister,
    all: &[Identity],
) -> Result<(), StoreError> {
    let mut tx = p.pool.begin().await.map_err(db_err)?;
    batch::run_in(p, &mut tx, &identity_writes(p, all)?).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

/// The writes that insert every identity of `all` with its parts.
pub(super) fn identity_writes(
    p: &SqlPersister,
    all: &[Identity],
) -> Result<Vec<Write>, StoreError> {
    let mut writes = row_writes(p, all)?;
    writes.extend(part_writes(p, all)?);
    Ok(writes)
}

/// The `identities` rows of `all`, a multi-row INSERT per chunk.
fn row_writes(p: &SqlPersister, all: &[Identity]) -> Result<Vec<Write>, StoreError> {
    let nid = p.nid()?;
    let mut writes = Vec::new();
    for chunk in all.chunks(MAX_PARAMS / 13) {
        let mut w = Write::new(multi_row_insert(
            "identities (id, nid, schema_id, traits, state, state_changed_at, metadata_public, metadata_admin, available_aal, organization_id, external_id, created_at, updated_at)",
            "?::uuid, ?::uuid, ?, ?::json, ?, ?::ts, ?::json, ?::json, ?, ?::uuid, ?, ?::ts, ?::ts",
            chunk.len(),
        ));
        for i in chunk {
            w = w
                .arg(i.id.to_string())
                .arg(nid)
                .arg(&i.schema_id)
                .arg(json_text(&i.traits))
                .arg(&i.state)
                .arg(i.state_changed_at.map(|t| p.ts(t)))
                .arg(i.metadata_public.as_ref().map(json_text))
                .arg(
                    i.metadata_admin
                        .as_ref()
                        .filter(|v| !v.is_null())
                        .map(json_text),
                )
                .arg(i.available_aal.clone())
                .arg(i.organization_id.map(|o| o.to_string()))
                .arg(i.external_id.clone())
                .arg(p.ts(i.created_at))
                .arg(p.ts(i.updated_at));
        }
        writes.push(w);
    }
    Ok(writes)
}

/// Inserts the addresses, credentials and identifiers of `all` (whose rows exist) inside `tx`.
pub(super) async fn insert_parts(
    p: &SqlPersister,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    all: &[Identity],
) -> Result<(), StoreError> {
    batch::run_in(p, tx, &part_writes(p, all)?).await
}

/// The addresses, credentials and identifiers of `all`, a multi-row INSERT per table and chunk.
fn part_writes(p: &SqlPersister, all: &[Identity]) -> Result<Vec<Write>, StoreError> {
    if all
        .iter()
        .flat_map(|i| i.credentials.values())
        .any(|c| c.identifiers.iter().any(String::is_empty))
    {
        return Err(StoreError::Other(
            "Unable to create identity credentials with missing or empty identifier.".into(),
        ));
    }
    let nid = p.nid()?;
    let mut writes = Vec::new();
    let verifiable: Vec<_> = all
        .iter()
        .flat_map(|i| i.verifiable_addresses.iter().map(move |a| (i, a)))
        .collect();
    for chunk in verifiable.chunks(MAX_PARAMS / 10) {
        let mut w = Write::new(multi_row_insert(
            "identity_verifiable_addresses (id, identity_id, nid, status, via, verified, value, verified_at, created_at, updated_at)",
            "?::uuid, ?::uuid, ?::uuid, ?, ?, ?, ?, ?::ts, ?::ts, ?::ts",
            chunk.len(),
        ));
        for (i, a) in chunk {
            w = w
                .arg(a.id.to_string())
                .arg(i.id.to_string())
                .arg(nid)
                .arg(&a.status)
                .arg(&a.via)
                .arg(a.verified)
                .arg(&a.value)
                .arg(a.verified_at.map(|t| p.ts(t)))
                .arg(p.ts(a.created_at))
                .arg(p.ts(a.updated_at));
        }
        writes.push(w);
    }
    let recovery: Vec<_> = all
        .iter()
        .flat_map(|i| i.recovery_addresses.iter().map(move |a| (i, a)))
        .collect();
    for chunk in recovery.chunks(MAX_PARAMS / 7) {
        let mut w = Write::new(multi_row_insert(
            "identity_recovery_addresses (id, identity_id, nid, via, value, created_at, updated_at)",
            "?::uuid, ?::uuid, ?::uuid, ?, ?, ?::ts, ?::ts",
            chunk.len(),
        ));
        for (i, a) in chunk {
            w = w
                .arg(a.id.to_string())
                .arg(i.id.to_string())
                .arg(nid)
                .arg(&a.via)
                .arg(&a.value)
                .arg(p.ts(a.created_at))
                .arg(p.ts(a.updated_at));
        }
        writes.push(w);
    }
    let credentials: Vec<_> = all
        .iter()
        .flat_map(|i| i.credentials.values().map(move |c| (i, c)))
        .collect();
    for chunk in credentials.chunks(MAX_PARAMS / 8) {
        let mut w = Write::new(multi_row_insert(
            "identity_credentials (id, identity_id, nid, identity_credential_type_id, config, version, created_at, updated_at)",
            "?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::json, ?, ?::ts, ?::ts",
            chunk.len(),
        ));
        for (i, c) in chunk {
            w = w
                .arg(c.id.to_string())
                .arg(i.id.to_string())
                .arg(nid)
                .arg(type_id(&c.credential_type)?)
                .arg(
                    c.config
                        .as_ref()
                        .map(json_text)
                        .unwrap_or_else(|| "{}".into()),
                )
                .arg(c.version)
                .arg(p.ts(c.created_at))
                .arg(p.ts(c.updated_at));
        }
        writes.push(w);
    }
    let identifiers: Vec<_> = credentials
        .iter()
        .flat_map(|(i, c)| c.identifiers.iter().map(move |ident| (*i, *c, ident)))
        .collect();
    for chunk in identifiers.chunks(MAX_PARAMS / 8) {
        let mut w = Write::new(multi_row_insert(
            "identity_credential_identifiers (id, identity_id, nid, identity_credential_id, identity_credential_type_id, identifier, created_at, updated_at)",
            "?::uuid, ?::uuid, ?::uuid, ?::uuid, ?::uuid, ?, ?::ts, ?::ts",
            chunk.len(),
        ));
        for (i, c, ident) in chunk {
            w = w
                .arg(Uuid::new_v4().to_string())
                .arg(i.id.to_string())
                .arg(nid)
                .arg(c.id.to_string())
                .arg(type_id(&c.credential_type)?)
                .arg(ident.as_str())
                .arg(p.ts(c.created_at))
                .arg(p.ts(c.updated_at));
        }
        writes.push(w);
    }
    Ok(writes)
}

pub(crate) async fn get_identity(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<Identity>, StoreError> {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    let sql = SQL.get(p.kind, || {
        format!(
            "SELECT {} FROM identities WHERE id = ?::uuid AND nid = ?::nid",
            p.cols(None, "", IDENTITY_COLS)
        )
    });
    let row = sqlx::query(p.q(sql))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    let Some(r) = row else { return Ok(None) };
    let mut identity = identity_from_row(p, &r)?;
    load_identity_parts(p, std::slice::from_mut(&mut identity)).await?;
    Ok(Some(identity))
}

pub(super) async fn find_conflicting_identity(
    p: &SqlPersister,
    i: &Identity,
) -> Result<Option<ConflictingIdentity>, StoreError> {
    // One point lookup per value, each answered by a unique index ((type, identifier) or
    // (via, value)), run in priority order so the first hit is the one Kratos reports.
    let mut lookups: Vec<(&str, &str, &str, ConflictSource)> = Vec::new();
    for (credential_type, c) in &i.credentials {
        for identifier in &c.identifiers {
            lookups.push((
                "SELECT identity_id, identifier AS matched FROM identity_credential_identifiers WHERE nid = ?::uuid AND identity_credential_type_id = ?::uuid AND identifier = ?",
                type_id(credential_type)?,
                identifier,
                ConflictSource::CredentialIdentifier(credential_type.clone()),
            ));
        }
    }
    for a in &i.verifiable_addresses {
        lookups.push((
            "SELECT identity_id, value AS matched FROM identity_verifiable_addresses WHERE nid = ?::uuid AND via = ? AND value = ?",
            &a.via,
            &a.value,
            ConflictSource::VerifiableAddress(a.via.clone()),
        ));
    }
    for a in &i.recovery_addresses {
        lookups.push((
            "SELECT identity_id, value AS matched FROM identity_recovery_addresses WHERE nid = ?::uuid AND via = ? AND value = ?",
            &a.via,
            &a.value,
            ConflictSource::RecoveryAddress(a.via.clone()),
        ));
    }
    let nid = p.nid()?;
    for (sql, kind, value, source) in lookups {
        let row = sqlx::query(p.q(&sql.replace(
            "SELECT identity_id,",
            &format!("SELECT {},", p.cols(None, "", &[("identity_id", Ty::Uuid)])),
        )))
        .bind(nid)
        .bind(kind)
        .bind(value)
        .fetch_optional(&p.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { continue };
        // Kratos reports the new identity's identifier for credentials and the stored value
        // for addresses; both are equal unless the collation folds case.
        let matched = match source {
            ConflictSource::CredentialIdentifier(_) => value.to_string(),
            _ => s(&r, "matched")?,
        };
        let identity_id = parse_uuid(&s(&r, "identity_id")?)?;
        // The identity may have been deleted since; then there is nothing to hint at.
        return Ok(get_identity(p, identity_id)
            .await?
            .map(|identity| ConflictingIdentity {
                identity,
                matched,
                source,
            }));
    }
    Ok(None)
}

pub(super) async fn list_identities(
    p: &SqlPersister,
    after: Option<Uuid>,
    limit: u32,
) -> Result<IdentityPage, StoreError> {
    let after = after.map(|a| a.to_string());
    let rows = sqlx::query(p.q(&format!(
        "SELECT {} FROM identities WHERE nid = ?::uuid AND id > ?::uuid ORDER BY id LIMIT ?",
        p.cols(None, "", IDENTITY_COLS)
    )))
    .bind(p.nid()?)
    .bind(after.as_deref().unwrap_or(NIL_ID))
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

/// Fills in the addresses and credentials of `identities` (rows fresh from [`identity_from_row`]):
/// four queries per [`IN_CHUNK`] identities. Each list keeps the order a per-identity query gave it
/// (addresses by id, identifiers by the database's order of `identifier`), because rows are
/// selected in that order and distributed to their identities in turn.
pub(super) async fn load_identity_parts(
    p: &SqlPersister,
    identities: &mut [Identity],
) -> Result<(), StoreError> {
    load_parts(p, identities, true).await
}

/// Loads the addresses of `identities`, and their credentials too when `credentials`.
pub(super) async fn load_parts(
    p: &SqlPersister,
    identities: &mut [Identity],
    credentials: bool,
) -> Result<(), StoreError> {
    let wanted = if credentials { 4 } else { 2 };
    let ids: Vec<String> = identities.iter().map(|i| i.id.to_string()).collect();
    for chunk in ids.chunks(IN_CHUNK) {
        let mut parts: [Vec<AnyRow>; 4] = Default::default();
        for (rows, part) in parts.iter_mut().zip(PART_QUERIES).take(wanted) {
            *rows = select_by_identity(p, &part, chunk).await?;
        }
        assemble_parts(identities, parts)?;
    }
    Ok(())
}

/// One of the four selects that load identities' parts: `SELECT <cols> FROM <table> WHERE
/// <filter> ORDER BY <order>`, `{ids}` in the filter standing for the identity ids. No `nid`
/// condition: the identities were read in their network already, and one would lead SQLite's
/// planner (which has no statistics) to Kratos's indexes that begin with `nid`, a scan of the
/// whole network, instead of the `identity_id` ones.
pub(super) struct PartQuery {
    pub table: &'static str,
    pub cols: &'static [(&'static str, Ty)],
    pub filter: &'static str,
    pub order_by: &'static str,
}

impl PartQuery {
    /// The query for `ids` id placeholders in `kind`'s select list (placeholders not rewritten).
    pub fn sql(&self, kind: hoplite_core::config::DatabaseKind, ids: usize) -> String {
        let marks = vec!["?::uuid"; ids].join(", ");
        format!(
            "SELECT {} FROM {} WHERE {} ORDER BY {}",
            crate::codec::select_list(kind, None, "", self.cols),
            self.table,
            self.filter.replace("{ids}", &marks),
            self.order_by
        )
    }
}

/// How a part query selects by identity: through Kratos's `identity_id` indexes.
const BY_IDENTITY: &str = "identity_id IN ({ids})";

/// Identifiers have no `identity_id` index in Kratos's SQLite schema: they are found through their
/// credentials (`identity_credential_id` leads an index everywhere).
const BY_CREDENTIALS: &str =
    "identity_credential_id IN (SELECT id FROM identity_credentials WHERE identity_id IN ({ids}))";

/// The four selects that load identities' parts: verifiable addresses, recovery addresses,
/// credential identifiers, credentials. [`assemble_parts`] takes their rows in this order.
pub(super) const PART_QUERIES: [PartQuery; 4] = [
    PartQuery {
        table: "identity_verifiable_addresses",
        cols: &[
            ("identity_id", Ty::Uuid),
            ("id", Ty::Uuid),
            ("status", Ty::Plain),
            ("via", Ty::Plain),
            ("verified", Ty::Bool),
            ("value", Ty::Plain),
            ("verified_at", Ty::Ts),
            ("created_at", Ty::Ts),
            ("updated_at", Ty::Ts),
        ],
        filter: BY_IDENTITY,
        order_by: "id",
    },
    PartQuery {
        table: "identity_recovery_addresses",
        cols: &[
            ("identity_id", Ty::Uuid),
            ("id", Ty::Uuid),
            ("via", Ty::Plain),
            ("value", Ty::Plain),
            ("created_at", Ty::Ts),
            ("updated_at", Ty::Ts),
        ],
        filter: BY_IDENTITY,
        order_by: "id",
    },
    // Identifiers by credential, each list in the database's order of `identifier`.
    PartQuery {
        table: "identity_credential_identifiers",
        cols: &[
            ("identity_id", Ty::Uuid),
            ("identity_credential_id", Ty::Uuid),
            ("identifier", Ty::Plain),
        ],
        filter: BY_CREDENTIALS,
        order_by: "identifier",
    },
    PartQuery {
        table: "identity_credentials",
        cols: &[
            ("identity_id", Ty::Uuid),
            ("id", Ty::Uuid),
            ("identity_credential_type_id", Ty::Uuid),
            ("config", Ty::Json),
            ("version", Ty::Plain),
            ("created_at", Ty::Ts),
            ("updated_at", Ty::Ts),
        ],
        filter: BY_IDENTITY,
        order_by: "id",
    },
];

/// Puts the rows of [`PART_QUERIES`] into the identities they belong to (rows of identities not
/// in `identities` cannot occur and are skipped).
pub(super) fn assemble_parts<R: Fields>(
    identities: &mut [Identity],
    parts: [Vec<R>; 4],
) -> Result<(), StoreError> {
    let position: HashMap<Uuid, usize> = identities
        .iter()
        .enumerate()
        .map(|(n, i)| (i.id, n))
        .collect();
    let owner = |r: &R| -> Result<Option<usize>, StoreError> {
        Ok(position.get(&parse_uuid(&s(r, "identity_id")?)?).copied())
    };
    let [verifiable, recovery, identifier_rows, credentials] = parts;
    for r in &verifiable {
        let Some(n) = owner(r)? else { continue };
        identities[n].verifiable_addresses.push(VerifiableAddress {
            id: parse_uuid(&s(r, "id")?)?,
            value: s(r, "value")?,
            verified: r.int("verified")? != 0,
            via: s(r, "via")?,
            status: s(r, "status")?,
            verified_at: opt(r, "verified_at")?.map(|v| parse_ts(&v)).transpose()?,
            created_at: parse_ts(&s(r, "created_at")?)?,
            updated_at: parse_ts(&s(r, "updated_at")?)?,
        });
    }
    for r in &recovery {
        let Some(n) = owner(r)? else { continue };
        identities[n].recovery_addresses.push(RecoveryAddress {
            id: parse_uuid(&s(r, "id")?)?,
            value: s(r, "value")?,
            via: s(r, "via")?,
            created_at: parse_ts(&s(r, "created_at")?)?,
            updated_at: parse_ts(&s(r, "updated_at")?)?,
        });
    }
    let mut identifiers: HashMap<Uuid, Vec<String>> = HashMap::new();
    for r in &identifier_rows {
        identifiers
            .entry(parse_uuid(&s(r, "identity_credential_id")?)?)
            .or_default()
            .push(s(r, "identifier")?);
    }
    for r in &credentials {
        let Some(n) = owner(r)? else { continue };
        let id = parse_uuid(&s(r, "id")?)?;
        let type_id = s(r, "identity_credential_type_id")?;
        let t = credential_type_name(&type_id)
            .ok_or_else(|| StoreError::Other(format!("unknown credential type id {type_id:?}")))?;
        identities[n].credentials.insert(
            t.to_string(),
            Credentials {
                id,
                credential_type: t.to_string(),
                identifiers: identifiers.remove(&id).unwrap_or_default(),
                config: Some(parse_json(&s(r, "config")?)?),
                version: r.int("version")?,
                created_at: parse_ts(&s(r, "created_at")?)?,
                updated_at: parse_ts(&s(r, "updated_at")?)?,
            },
        );
    }
    Ok(())
}

/// Runs a part query for `ids`.
async fn select_by_identity(
    p: &SqlPersister,
    part: &PartQuery,
    ids: &[String],
) -> Result<Vec<AnyRow>, StoreError> {
    let mut query = sqlx::query(p.q(&part.sql(p.kind, ids.len())));
    for id in ids {
        query = query.bind(id);
    }
    query.fetch_all_kept(p).await
}

pub(super) fn identity_from_row<R: Fields>(
    p: &SqlPersister,
    r: &R,
) -> Result<Identity, StoreError> {
    let schema_id = s(r, "schema_id")?;
    Ok(Identity {
        id: parse_uuid(&s(r, "id")?)?,
        external_id: opt(r, "external_id")?,
        schema_url: schema_url(&p.public_base_url, &schema_id),
        schema_id,
        state: s(r, "state")?,
        state_changed_at: opt(r, "state_changed_at")?
            .map(|v| parse_ts(&v))
            .transpose()?,
        traits: parse_json(&s(r, "traits")?)?,
        verifiable_addresses: Vec::new(),
        recovery_addresses: Vec::new(),
        metadata_public: opt(r, "metadata_public")?
            .map(|v| parse_json(&v))
            .transpose()?,
        // Kratos reads a NULL column back as JSON `null`, which the admin API then shows
        // (`sqlxx.NullJSONRawMessage`); an identity built in memory has no key at all.
        metadata_admin: Some(
            opt(r, "metadata_admin")?
                .map(|v| parse_json(&v))
                .transpose()?
                .unwrap_or(serde_json::Value::Null),
        ),
        created_at: parse_ts(&s(r, "created_at")?)?,
        updated_at: parse_ts(&s(r, "updated_at")?)?,
        organization_id: opt(r, "organization_id")?
            .map(|v| parse_uuid(&v))
            .transpose()?,
        credentials: BTreeMap::new(),
        available_aal: opt(r, "available_aal")?,
    })
}
