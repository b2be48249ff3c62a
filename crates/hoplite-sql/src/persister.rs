//! The SQL persister: hand-written, portable SQL run through sqlx's `Any` driver. Queries are
//! written with `?` placeholders and rewritten to `$n` for PostgreSQL.

use crate::codec::{db_err, parse_json, parse_ts, parse_uuid, ts};
use async_trait::async_trait;
use hoplite_core::config::{DatabaseKind, Dsn};
use hoplite_core::flow::FlowType;
use hoplite_core::flow::registration::RegistrationFlow;
use hoplite_core::identity::{
    Credentials, Identity, RecoveryAddress, VerifiableAddress, schema_url,
};
use hoplite_core::persistence::{
    ConflictSource, ConflictingIdentity, IdentityPage, Persister, StoreError, StoredError,
};
use hoplite_core::session::{Device, Session};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, AssertSqlSafe, Row};
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// A [`Persister`] on one SQL database.
pub struct SqlPersister {
    pool: AnyPool,
    kind: DatabaseKind,
    /// Needed to compute `schema_url` of loaded identities.
    public_base_url: String,
}

impl SqlPersister {
    /// Connects to the database a DSN names.
    pub async fn connect(dsn: &Dsn, public_base_url: &str) -> Result<SqlPersister, StoreError> {
        sqlx::any::install_default_drivers();
        let kind = dsn.kind;
        let mut opts = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        if kind == DatabaseKind::Sqlite {
            opts = opts.after_connect(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            });
            if dsn.in_memory {
                // An in-memory database lives as long as one connection does.
                opts = opts
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
            }
        } else {
            opts = opts.max_connections(20);
        }
        let pool = opts
            .connect(&dsn.url)
            .await
            .map_err(|e| StoreError::Other(format!("connecting to the database: {e}")))?;
        Ok(SqlPersister {
            pool,
            kind,
            public_base_url: public_base_url.to_string(),
        })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::query("CREATE TABLE IF NOT EXISTS hoplite_migrations (version BIGINT PRIMARY KEY, applied_at VARCHAR(32) NOT NULL)")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        for (version, statements) in crate::migrate::migrations(self.kind) {
            let applied =
                sqlx::query(self.q("SELECT version FROM hoplite_migrations WHERE version = ?"))
                    .bind(version)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_err)?;
            if applied.is_some() {
                continue;
            }
            let failed = |e: sqlx::Error| StoreError::Other(format!("migration {version}: {e}"));
            if self.kind == DatabaseKind::Sqlite {
                // SQLite has transactional DDL, and its table rebuilds must not be seen half done.
                let mut tx = self.pool.begin().await.map_err(failed)?;
                for s in statements {
                    sqlx::query(AssertSqlSafe(s))
                        .execute(&mut *tx)
                        .await
                        .map_err(failed)?;
                }
                tx.commit().await.map_err(failed)?;
            } else {
                for s in statements {
                    sqlx::query(AssertSqlSafe(s))
                        .execute(&self.pool)
                        .await
                        .map_err(failed)?;
                }
            }
            let now = ts(hoplite_core::clock::Clock::now(
                &hoplite_core::clock::SystemClock,
            ));
            match sqlx::query(
                self.q("INSERT INTO hoplite_migrations (version, applied_at) VALUES (?, ?)"),
            )
            .bind(version)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(db_err)
            {
                Ok(_) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e),
            }
            tracing::info!(version, "applied migration");
        }
        Ok(())
    }

    /// Rewrites `?` placeholders to `$1, $2, ...` for PostgreSQL.
    fn q(&self, sql: &str) -> AssertSqlSafe<String> {
        if self.kind != DatabaseKind::Postgres {
            return AssertSqlSafe(sql.to_string());
        }
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        AssertSqlSafe(out)
    }

    fn flow_from_row(&self, row: &AnyRow) -> Result<RegistrationFlow, StoreError> {
        let get = |c: &str| {
            row.try_get::<String, _>(c)
                .map_err(|e| StoreError::Other(e.to_string()))
        };
        let get_opt = |c: &str| {
            row.try_get::<Option<String>, _>(c)
                .map_err(|e| StoreError::Other(e.to_string()))
        };
        let request_url = get("request_url")?;
        Ok(RegistrationFlow {
            id: parse_uuid(&get("id")?)?,
            flow_type: if get("type")? == "api" {
                FlowType::Api
            } else {
                FlowType::Browser
            },
            expires_at: parse_ts(&get("expires_at")?)?,
            issued_at: parse_ts(&get("issued_at")?)?,
            return_to: RegistrationFlow::return_to_of(&request_url),
            request_url,
            active: get("active_method")?,
            ui: serde_json::from_str(&get("ui")?)
                .map_err(|e| StoreError::Other(format!("bad ui column: {e}")))?,
            organization_id: get_opt("organization_id")?
                .map(|s| parse_uuid(&s))
                .transpose()?,
            transient_payload: None,
            state: get("state")?,
            identity_schema: get_opt("identity_schema_id")?,
            csrf_token: get("csrf_token")?,
            internal_context: parse_json(&get("internal_context")?)?,
        })
    }

    async fn load_identity_parts(&self, mut identity: Identity) -> Result<Identity, StoreError> {
        let id = identity.id.to_string();
        let rows = sqlx::query(self.q(
            "SELECT id, status, via, verified, value, verified_at, created_at, updated_at FROM identity_verifiable_addresses WHERE identity_id = ? ORDER BY id",
        ))
        .bind(&id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        for r in rows {
            identity.verifiable_addresses.push(VerifiableAddress {
                id: parse_uuid(&s(&r, "id")?)?,
                value: s(&r, "value")?,
                verified: r.try_get::<i64, _>("verified").map_err(other)? != 0,
                via: s(&r, "via")?,
                status: s(&r, "status")?,
                verified_at: opt(&r, "verified_at")?.map(|v| parse_ts(&v)).transpose()?,
                created_at: parse_ts(&s(&r, "created_at")?)?,
                updated_at: parse_ts(&s(&r, "updated_at")?)?,
            });
        }
        let rows = sqlx::query(self.q(
            "SELECT id, via, value, created_at, updated_at FROM identity_recovery_addresses WHERE identity_id = ? ORDER BY id",
        ))
        .bind(&id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        for r in rows {
            identity.recovery_addresses.push(RecoveryAddress {
                id: parse_uuid(&s(&r, "id")?)?,
                value: s(&r, "value")?,
                via: s(&r, "via")?,
                created_at: parse_ts(&s(&r, "created_at")?)?,
                updated_at: parse_ts(&s(&r, "updated_at")?)?,
            });
        }
        let rows = sqlx::query(self.q(
            "SELECT id, type, config, version, created_at, updated_at FROM identity_credentials WHERE identity_id = ? ORDER BY type",
        ))
        .bind(&id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut credentials = BTreeMap::new();
        for r in rows {
            let cred_id = s(&r, "id")?;
            let identifiers = sqlx::query(self.q(
                "SELECT identifier FROM identity_credential_identifiers WHERE identity_credential_id = ? ORDER BY identifier",
            ))
            .bind(&cred_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?
            .iter()
            .map(|r| s(r, "identifier"))
            .collect::<Result<Vec<_>, _>>()?;
            let t = s(&r, "type")?;
            credentials.insert(
                t.clone(),
                Credentials {
                    id: parse_uuid(&cred_id)?,
                    credential_type: t,
                    identifiers,
                    config: Some(parse_json(&s(&r, "config")?)?),
                    version: r.try_get::<i64, _>("version").map_err(other)?,
                    created_at: parse_ts(&s(&r, "created_at")?)?,
                    updated_at: parse_ts(&s(&r, "updated_at")?)?,
                },
            );
        }
        identity.credentials = credentials;
        Ok(identity)
    }

    fn identity_from_row(&self, r: &AnyRow) -> Result<Identity, StoreError> {
        let schema_id = s(r, "schema_id")?;
        Ok(Identity {
            id: parse_uuid(&s(r, "id")?)?,
            external_id: opt(r, "external_id")?,
            schema_url: schema_url(&self.public_base_url, &schema_id),
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
            metadata_admin: opt(r, "metadata_admin")?
                .map(|v| parse_json(&v))
                .transpose()?,
            created_at: parse_ts(&s(r, "created_at")?)?,
            updated_at: parse_ts(&s(r, "updated_at")?)?,
            organization_id: opt(r, "organization_id")?
                .map(|v| parse_uuid(&v))
                .transpose()?,
            credentials: BTreeMap::new(),
            available_aal: opt(r, "available_aal")?,
        })
    }
}

fn other(e: sqlx::Error) -> StoreError {
    StoreError::Other(e.to_string())
}

fn s(r: &AnyRow, c: &str) -> Result<String, StoreError> {
    r.try_get::<String, _>(c).map_err(other)
}

fn opt(r: &AnyRow, c: &str) -> Result<Option<String>, StoreError> {
    r.try_get::<Option<String>, _>(c).map_err(other)
}

fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).expect("json serialises")
}

const IDENTITY_COLUMNS: &str = "id, schema_id, traits, state, state_changed_at, metadata_public, metadata_admin, available_aal, organization_id, external_id, created_at, updated_at";

#[async_trait]
impl Persister for SqlPersister {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn create_registration_flow(&self, f: &RegistrationFlow) -> Result<(), StoreError> {
        let now = ts(f.issued_at);
        sqlx::query(self.q(
            "INSERT INTO selfservice_registration_flows (id, type, issued_at, expires_at, request_url, active_method, csrf_token, ui, internal_context, state, organization_id, identity_schema_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(f.id.to_string())
        .bind(f.flow_type.as_str())
        .bind(ts(f.issued_at))
        .bind(ts(f.expires_at))
        .bind(&f.request_url)
        .bind(&f.active)
        .bind(&f.csrf_token)
        .bind(serde_json::to_string(&f.ui).expect("ui serialises"))
        .bind(json_text(&f.internal_context))
        .bind(&f.state)
        .bind(f.organization_id.map(|o| o.to_string()))
        .bind(f.identity_schema.clone())
        .bind(&now)
        .bind(&now)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn get_registration_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<RegistrationFlow>, StoreError> {
        let row = sqlx::query(self.q("SELECT * FROM selfservice_registration_flows WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| self.flow_from_row(&r)).transpose()
    }

    async fn update_registration_flow(&self, f: &RegistrationFlow) -> Result<(), StoreError> {
        let now = ts(hoplite_core::clock::Clock::now(
            &hoplite_core::clock::SystemClock,
        ));
        sqlx::query(self.q(
            "UPDATE selfservice_registration_flows SET active_method = ?, csrf_token = ?, ui = ?, internal_context = ?, state = ?, organization_id = ?, updated_at = ? WHERE id = ?",
        ))
        .bind(&f.active)
        .bind(&f.csrf_token)
        .bind(serde_json::to_string(&f.ui).expect("ui serialises"))
        .bind(json_text(&f.internal_context))
        .bind(&f.state)
        .bind(f.organization_id.map(|o| o.to_string()))
        .bind(now)
        .bind(f.id.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn create_identity(&self, i: &Identity) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let id = i.id.to_string();
        sqlx::query(self.q(&format!("INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")))
            .bind(&id)
            .bind(&i.schema_id)
            .bind(json_text(&i.traits))
            .bind(&i.state)
            .bind(i.state_changed_at.map(ts))
            .bind(i.metadata_public.as_ref().map(json_text))
            .bind(i.metadata_admin.as_ref().map(json_text))
            .bind(i.available_aal.clone())
            .bind(i.organization_id.map(|o| o.to_string()))
            .bind(i.external_id.clone())
            .bind(ts(i.created_at))
            .bind(ts(i.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for a in &i.verifiable_addresses {
            sqlx::query(self.q(
                "INSERT INTO identity_verifiable_addresses (id, identity_id, status, via, verified, value, verified_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(a.id.to_string())
            .bind(&id)
            .bind(&a.status)
            .bind(&a.via)
            .bind(i64::from(a.verified))
            .bind(&a.value)
            .bind(a.verified_at.map(ts))
            .bind(ts(a.created_at))
            .bind(ts(a.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        for a in &i.recovery_addresses {
            sqlx::query(self.q(
                "INSERT INTO identity_recovery_addresses (id, identity_id, via, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            ))
            .bind(a.id.to_string())
            .bind(&id)
            .bind(&a.via)
            .bind(&a.value)
            .bind(ts(a.created_at))
            .bind(ts(a.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        for c in i.credentials.values() {
            let cid = c.id.to_string();
            sqlx::query(self.q(
                "INSERT INTO identity_credentials (id, identity_id, type, config, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(&cid)
            .bind(&id)
            .bind(&c.credential_type)
            .bind(c.config.as_ref().map(json_text).unwrap_or_else(|| "{}".into()))
            .bind(c.version)
            .bind(ts(c.created_at))
            .bind(ts(c.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
            for ident in &c.identifiers {
                if ident.is_empty() {
                    return Err(StoreError::Other(
                        "Unable to create identity credentials with missing or empty identifier."
                            .into(),
                    ));
                }
                sqlx::query(self.q(
                    "INSERT INTO identity_credential_identifiers (id, identity_id, identity_credential_id, type, identifier, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(Uuid::new_v4().to_string())
                .bind(&id)
                .bind(&cid)
                .bind(&c.credential_type)
                .bind(ident)
                .bind(ts(c.created_at))
                .bind(ts(c.updated_at))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            }
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn get_identity(&self, id: Uuid) -> Result<Option<Identity>, StoreError> {
        let row = sqlx::query(self.q(&format!(
            "SELECT {IDENTITY_COLUMNS} FROM identities WHERE id = ?"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        match row {
            None => Ok(None),
            Some(r) => {
                let identity = self.identity_from_row(&r)?;
                Ok(Some(self.load_identity_parts(identity).await?))
            }
        }
    }

    async fn find_conflicting_identity(
        &self,
        i: &Identity,
    ) -> Result<Option<ConflictingIdentity>, StoreError> {
        // One point lookup per value, each answered by a unique index ((type, identifier) or
        // (via, value)), run in priority order so the first hit is the one Kratos reports.
        let mut lookups: Vec<(&str, &str, &str, ConflictSource)> = Vec::new();
        for (credential_type, c) in &i.credentials {
            for identifier in &c.identifiers {
                lookups.push((
                    "SELECT identity_id, identifier AS matched FROM identity_credential_identifiers WHERE type = ? AND identifier = ?",
                    credential_type,
                    identifier,
                    ConflictSource::CredentialIdentifier(credential_type.clone()),
                ));
            }
        }
        for a in &i.verifiable_addresses {
            lookups.push((
                "SELECT identity_id, value AS matched FROM identity_verifiable_addresses WHERE via = ? AND value = ?",
                &a.via,
                &a.value,
                ConflictSource::VerifiableAddress(a.via.clone()),
            ));
        }
        for a in &i.recovery_addresses {
            lookups.push((
                "SELECT identity_id, value AS matched FROM identity_recovery_addresses WHERE via = ? AND value = ?",
                &a.via,
                &a.value,
                ConflictSource::RecoveryAddress(a.via.clone()),
            ));
        }
        for (sql, kind, value, source) in lookups {
            let row = sqlx::query(self.q(sql))
                .bind(kind)
                .bind(value)
                .fetch_optional(&self.pool)
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
            return Ok(self
                .get_identity(identity_id)
                .await?
                .map(|identity| ConflictingIdentity {
                    identity,
                    matched,
                    source,
                }));
        }
        Ok(None)
    }

    async fn list_identities(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<IdentityPage, StoreError> {
        let after = after.map(|a| a.to_string()).unwrap_or_default();
        let rows = sqlx::query(self.q(&format!(
            "SELECT {IDENTITY_COLUMNS} FROM identities WHERE id > ? ORDER BY id LIMIT ?"
        )))
        .bind(after)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut identities = Vec::new();
        for r in rows.iter().take(limit as usize) {
            identities.push(self.load_identity_parts(self.identity_from_row(r)?).await?);
        }
        let next = if rows.len() > limit as usize {
            identities.last().map(|i| i.id)
        } else {
            None
        };
        Ok(IdentityPage { identities, next })
    }

    async fn create_session(&self, s_: &Session) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let id = s_.id.to_string();
        sqlx::query(self.q(
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
            sqlx::query(self.q(
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

    async fn get_session_by_token(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(self.q(
            "SELECT id, identity_id, token, logout_token, active, aal, authentication_methods, issued_at, expires_at, authenticated_at FROM sessions WHERE token = ?",
        ))
        .bind(token)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let id = s(&r, "id")?;
        let devices = sqlx::query(self.q("SELECT id, ip_address, user_agent, location FROM session_devices WHERE session_id = ? ORDER BY created_at, id"))
            .bind(&id)
            .fetch_all(&self.pool)
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

    async fn create_error(&self, e: &StoredError) -> Result<(), StoreError> {
        sqlx::query(self.q(
            "INSERT INTO selfservice_errors (id, errors, csrf_token, was_seen, seen_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(e.id.to_string())
        .bind(json_text(&e.error))
        .bind(&e.csrf_token)
        .bind(i64::from(e.was_seen))
        .bind(e.seen_at.map(ts))
        .bind(ts(e.created_at))
        .bind(ts(e.updated_at))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn read_error(
        &self,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Option<StoredError>, StoreError> {
        let row =
            sqlx::query(self.q(
                "SELECT id, errors, csrf_token, created_at FROM selfservice_errors WHERE id = ?",
            ))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        sqlx::query(self.q(
            "UPDATE selfservice_errors SET was_seen = 1, seen_at = ?, updated_at = ? WHERE id = ?",
        ))
        .bind(ts(now))
        .bind(ts(now))
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(Some(StoredError {
            id,
            error: parse_json(&s(&r, "errors")?)?,
            csrf_token: s(&r, "csrf_token")?,
            was_seen: true,
            seen_at: Some(now),
            created_at: parse_ts(&s(&r, "created_at")?)?,
            updated_at: now,
        }))
    }

    async fn get_or_init_value(&self, key: &str, candidate: &str) -> Result<String, StoreError> {
        match sqlx::query(self.q("INSERT INTO hoplite_values (name, value) VALUES (?, ?)"))
            .bind(key)
            .bind(candidate)
            .execute(&self.pool)
            .await
            .map_err(db_err)
        {
            Ok(_) | Err(StoreError::Conflict) => {}
            Err(e) => return Err(e),
        }
        let row = sqlx::query(self.q("SELECT value FROM hoplite_values WHERE name = ?"))
            .bind(key)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        s(&row, "value")
    }
}

fn truncate(v: &str, max: usize) -> String {
    v.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_have_fixed_width() {
        let t = time::macros::datetime!(2024-01-02 03:04:05.5 UTC);
        assert_eq!(super::ts(t), "2024-01-02T03:04:05.500000Z");
        assert_eq!(super::parse_ts(&super::ts(t)).unwrap(), t);
    }
}
