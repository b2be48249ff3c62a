//! Storage contract tests, run against every configured database: identities are written whole or
//! not at all, and uniqueness holds across credential identifiers and addresses.

use crate::db_test;
use hoplite_core::config::DatabaseKind;
use hoplite_core::identity::{Credentials, Identity, RecoveryAddress, VerifiableAddress};
use hoplite_core::persistence::{Persister as _, StoreError};
use serde_json::json;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Which database a test app's DSN names.
fn kind_of(dsn: &str) -> DatabaseKind {
    if dsn.starts_with("sqlite") {
        DatabaseKind::Sqlite
    } else if dsn.starts_with("postgres") {
        DatabaseKind::Postgres
    } else {
        DatabaseKind::Mysql
    }
}

fn identity(now: time::OffsetDateTime, identifier: &str, address: &str) -> Identity {
    let mut credentials = BTreeMap::new();
    credentials.insert(
        "password".to_string(),
        Credentials {
            id: Uuid::new_v4(),
            credential_type: "password".into(),
            identifiers: vec![identifier.into()],
            config: Some(json!({"hashed_password": "$2a$04$abcdefghijklmnopqrstuuJ5Zq0bWbZt0JZq0bWbZt0JZq0bWbZt0"})),
            version: 0,
            created_at: now,
            updated_at: now,
        },
    );
    Identity {
        id: Uuid::new_v4(),
        external_id: None,
        credentials,
        schema_id: "default".into(),
        schema_url: String::new(),
        state: "active".into(),
        state_changed_at: Some(now),
        traits: json!({"email": address}),
        verifiable_addresses: vec![VerifiableAddress {
            id: Uuid::new_v4(),
            value: address.into(),
            verified: false,
            via: "email".into(),
            status: "pending".into(),
            verified_at: None,
            created_at: now,
            updated_at: now,
        }],
        recovery_addresses: vec![RecoveryAddress {
            id: Uuid::new_v4(),
            value: address.into(),
            via: "email".into(),
            created_at: now,
            updated_at: now,
        }],
        metadata_public: None,
        metadata_admin: None,
        created_at: now,
        updated_at: now,
        organization_id: None,
        available_aal: Some("aal1".into()),
    }
}

db_test!(
    identities_are_written_whole_or_not_at_all,
    serde_json::json!({}),
    |app| {
        let p = &app.registry.persister;
        let now = app.registry.now();
        let first = identity(now, "a@example.com", "a@example.com");
        p.create_identity(&first).await.unwrap();
        let stored = p.get_identity(first.id).await.unwrap().expect("stored");
        assert_eq!(stored.traits, first.traits);
        assert_eq!(stored.verifiable_addresses.len(), 1);
        assert_eq!(
            stored.credentials["password"].identifiers,
            vec!["a@example.com"]
        );

        // The identifier is new but the address is taken: the insert fails at the address, after the
        // identity row was written inside the transaction, and nothing of it may remain.
        let clash = identity(now, "b@example.com", "a@example.com");
        assert_eq!(p.create_identity(&clash).await, Err(StoreError::Conflict));
        assert!(p.get_identity(clash.id).await.unwrap().is_none());
        // Its identifier was rolled back too, so it can be used by a later identity.
        let later = identity(now, "b@example.com", "b@example.com");
        p.create_identity(&later).await.unwrap();
        let page = p.list_identities(None, 10).await.unwrap();
        assert_eq!(page.identities.len(), 2);
        assert!(page.next.is_none());
    }
);

db_test!(
    a_batch_of_identities_is_written_whole_or_not_at_all,
    serde_json::json!({}),
    |app| {
        let p = &app.registry.persister;
        let now = app.registry.now();
        let batch: Vec<Identity> = (0..30)
            .map(|n| {
                identity(
                    now,
                    &format!("n{n}@example.com"),
                    &format!("n{n}@example.com"),
                )
            })
            .collect();
        p.create_identities(&batch).await.unwrap();
        for i in [&batch[0], &batch[29]] {
            let stored = p.get_identity(i.id).await.unwrap().expect("stored");
            assert_eq!(stored.traits, i.traits);
            assert_eq!(stored.verifiable_addresses.len(), 1);
            assert_eq!(stored.recovery_addresses.len(), 1);
            assert_eq!(
                stored.credentials["password"].identifiers,
                i.credentials["password"].identifiers
            );
        }
        // One clash (an address already taken) anywhere in a batch: nothing of the batch is kept.
        let clashing = vec![
            identity(now, "fresh1@example.com", "fresh1@example.com"),
            identity(now, "fresh2@example.com", "n5@example.com"),
            identity(now, "fresh3@example.com", "fresh3@example.com"),
        ];
        assert_eq!(
            p.create_identities(&clashing).await,
            Err(StoreError::Conflict)
        );
        for i in &clashing {
            assert!(p.get_identity(i.id).await.unwrap().is_none());
        }
        // An empty identifier is refused before anything is written.
        let mut empty = identity(now, "x@example.com", "x@example.com");
        empty
            .credentials
            .get_mut("password")
            .unwrap()
            .identifiers
            .push(String::new());
        assert!(p.create_identities(&[empty.clone()]).await.is_err());
        assert!(p.get_identity(empty.id).await.unwrap().is_none());
        let page = p.list_identities(None, 100).await.unwrap();
        assert_eq!(page.identities.len(), 30);
    }
);

db_test!(sessions_round_trip_by_token, serde_json::json!({}), |app| {
    let p = &app.registry.persister;
    let now = app.registry.now();
    let owner = identity(now, "s@example.com", "s@example.com");
    p.create_identity(&owner).await.unwrap();
    let session = session_of(owner.id, now);
    p.create_session(&session).await.unwrap();
    let loaded = p
        .get_session_by_token(&session.token)
        .await
        .unwrap()
        .expect("found");
    assert_eq!(loaded.id, session.id);
    // To the second on MySQL (Kratos's columns there have no fraction).
    let second = |t: time::OffsetDateTime| t.replace_nanosecond(0).unwrap();
    if kind_of(&app.dsn) == DatabaseKind::Mysql {
        assert_eq!(second(loaded.expires_at), second(session.expires_at));
    } else {
        assert_eq!(loaded.expires_at, session.expires_at);
    }
    assert!(
        p.get_session_by_token("ory_st_unknown")
            .await
            .unwrap()
            .is_none()
    );
    // A second session with the same token is refused.
    let dup = hoplite_core::session::Session {
        id: Uuid::new_v4(),
        ..session.clone()
    };
    assert_eq!(p.create_session(&dup).await, Err(StoreError::Conflict));
});

/// A session of `identity_id` with one device.
fn session_of(identity_id: Uuid, now: time::OffsetDateTime) -> hoplite_core::session::Session {
    hoplite_core::session::Session {
        id: Uuid::new_v4(),
        active: true,
        expires_at: now + time::Duration::hours(1),
        authenticated_at: now,
        authenticator_assurance_level: "aal1".into(),
        authentication_methods: vec![],
        issued_at: now,
        identity: None,
        devices: vec![hoplite_core::session::Device {
            id: Uuid::new_v4(),
            ip_address: "127.0.0.1".into(),
            user_agent: Some(crate::app::USER_AGENT.into()),
            location: String::new(),
        }],
        identity_id,
        token: hoplite_core::session::new_session_token(),
        logout_token: hoplite_core::session::new_logout_token(),
    }
}

/// Asks the database how it would run `select`. Returns the plan (one line per plan row) and
/// whether every table in it is reached through an index lookup: SQLite `SEARCH ... USING
/// [COVERING] INDEX`, PostgreSQL an `Index Cond` (a full index scan only has a `Filter`), MySQL a
/// `key` with access type `const`, `eq_ref`, `ref` or `range` (`index` would be a full scan) for
/// every table but a materialised subquery.
async fn explain(conn: &mut AnyConnection, kind: DatabaseKind, select: &str) -> (String, bool) {
    match kind {
        DatabaseKind::Sqlite => {
            let lines: Vec<String> =
                sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {select}")))
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.try_get("detail").unwrap())
                    .collect();
            // An index searched by the network alone (Kratos's indexes begin with `nid`) reads
            // every row of the network: a scan in disguise.
            let indexed = lines
                .iter()
                .filter(|l| l.starts_with("SEARCH") || l.starts_with("SCAN"))
                .all(|l| {
                    l.starts_with("SEARCH")
                        && (l.contains(" USING INDEX ") || l.contains(" USING COVERING INDEX "))
                        && !l.ends_with("(nid=?)")
                });
            (lines.join(" | "), indexed)
        }
        DatabaseKind::Postgres => {
            let lines: Vec<String> = sqlx::query(AssertSqlSafe(format!("EXPLAIN {select}")))
                .fetch_all(&mut *conn)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>(0).unwrap().trim().to_string())
                .collect();
            let indexed = lines.iter().any(|l| l.contains("Index Cond"))
                && !lines.iter().any(|l| l.contains("Seq Scan"));
            (lines.join(" | "), indexed)
        }
        DatabaseKind::Mysql => {
            let rows = sqlx::query(AssertSqlSafe(format!("EXPLAIN {select}")))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
            let mut indexed = !rows.is_empty();
            let mut lines = Vec::new();
            for r in &rows {
                let table: Option<String> = r.try_get("table").unwrap();
                let access: Option<String> = r.try_get("type").unwrap();
                let key: Option<String> = r.try_get("key").unwrap();
                // `<subqueryN>` is a semi-join's materialised result, built from the rows the other
                // plan rows read; scanning it reads no table.
                let materialised = table.as_deref().is_some_and(|t| t.starts_with("<subquery"));
                indexed &= materialised
                    || key.is_some()
                        && matches!(
                            access.as_deref(),
                            Some("const" | "eq_ref" | "ref" | "range")
                        );
                lines.push(format!(
                    "table={} type={} key={}",
                    table.unwrap_or_default(),
                    access.unwrap_or_else(|| "NULL".into()),
                    key.unwrap_or_else(|| "NULL".into())
                ));
            }
            (lines.join(" | "), indexed)
        }
    }
}

db_test!(
    lookups_by_identifier_token_and_foreign_key_use_indexes,
    serde_json::json!({}),
    |app| {
        use sqlx::{Connection, Executor};
        let p = &app.registry.persister;
        let now = app.registry.now();
        let kind = kind_of(&app.dsn);
        // Rows to look up: MySQL answers a unique lookup that finds nothing without any index
        // ("no matching row in const table"), which would prove nothing.
        let mut identities = Vec::new();
        let org = Uuid::new_v4();
        for n in 0..3 {
            let email = format!("ix{n}@example.com");
            let mut i = identity(now, &email, &email);
            i.organization_id = (n == 1).then_some(org);
            p.create_identity(&i).await.unwrap();
            identities.push(i);
        }
        if kind == DatabaseKind::Mysql {
            // MariaDB has no switch against table scans and prefers them on tiny tables; with some
            // rows its choices show which indexes it can use.
            for n in 0..100 {
                let email = format!("filler{n}@example.com");
                p.create_identity(&identity(now, &email, &email))
                    .await
                    .unwrap();
            }
        }
        let session = session_of(identities[0].id, now);
        p.create_session(&session).await.unwrap();
        let (a, b) = (identities[0].id, identities[1].id);
        let credential = identities[0].credentials["password"].id;

        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(&app.dsn).await.unwrap();
        if kind == DatabaseKind::Postgres {
            // Empty or tiny tables are cheapest to scan; forbid that to learn whether an index
            // could answer at all.
            conn.execute("SET enable_seqscan = off").await.unwrap();
        }
        // (what, query, the index version 3 added that must answer it)
        let nid = app
            .query_text(match kind {
                DatabaseKind::Postgres => "SELECT CAST(id AS TEXT) FROM networks",
                _ => "SELECT id FROM networks",
            })
            .await;
        let password = hoplite_sql::migrate::credential_type_id("password").unwrap();
        let types = |names: &[&str]| {
            names
                .iter()
                .map(|n| format!("'{}'", hoplite_sql::migrate::credential_type_id(n).unwrap()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (normalised, raw) = (
            types(&["webauthn", "password", "code"]),
            types(&["oidc", "saml"]),
        );
        let nil = "00000000-0000-0000-0000-000000000000";
        // (what, query, the Kratos index that must answer it)
        let cases: Vec<(&str, String, Option<&str>)> = vec![
            (
                "identity by id",
                format!("SELECT * FROM identities WHERE id = '{a}' AND nid = '{nid}'"),
                None,
            ),
            (
                "credential identifier by (network, type, identifier)",
                format!(
                    "SELECT identity_id FROM identity_credential_identifiers WHERE nid = '{nid}' AND identity_credential_type_id = '{password}' AND identifier = 'ix0@example.com'"
                ),
                Some(
                    "identity_credential_identifiers_identifier_nid_type_uq_idx|identity_credential_identifiers_nid_i_ici_idx",
                ),
            ),
            (
                "verifiable address by (network, via, value)",
                format!(
                    "SELECT identity_id FROM identity_verifiable_addresses WHERE nid = '{nid}' AND via = 'email' AND value = 'ix0@example.com'"
                ),
                None,
            ),
            (
                "recovery address by (network, via, value)",
                format!(
                    "SELECT identity_id FROM identity_recovery_addresses WHERE nid = '{nid}' AND via = 'email' AND value = 'ix0@example.com'"
                ),
                None,
            ),
            (
                "session by token",
                format!(
                    "SELECT * FROM sessions WHERE token = '{}' AND nid = '{nid}'",
                    session.token
                ),
                None,
            ),
            (
                "verifiable addresses of identities",
                format!(
                    "SELECT * FROM identity_verifiable_addresses WHERE identity_id IN ('{a}', '{b}') ORDER BY id"
                ),
                None,
            ),
            (
                "recovery addresses of identities",
                format!(
                    "SELECT * FROM identity_recovery_addresses WHERE identity_id IN ('{a}', '{b}') ORDER BY id"
                ),
                None,
            ),
            (
                "credentials of identities",
                format!(
                    "SELECT * FROM identity_credentials WHERE identity_id IN ('{a}', '{b}') ORDER BY id"
                ),
                None,
            ),
            (
                "credential identifiers of identities, through their credentials",
                format!(
                    "SELECT identity_credential_id, identifier FROM identity_credential_identifiers WHERE identity_credential_id IN (SELECT id FROM identity_credentials WHERE identity_id IN ('{a}', '{b}')) ORDER BY identifier"
                ),
                None,
            ),
            (
                "identifiers of a credential",
                format!(
                    "SELECT identifier FROM identity_credential_identifiers WHERE identity_credential_id = '{credential}'"
                ),
                None,
            ),
            (
                "sessions of an identity, newest first",
                format!(
                    "SELECT id FROM sessions WHERE identity_id = '{a}' ORDER BY created_at DESC, id ASC LIMIT 250"
                ),
                None,
            ),
            (
                "the session token exchange of a code pair",
                format!(
                    "SELECT * FROM session_token_exchanges WHERE nid = '{nid}' AND init_code = 'a' AND return_to_code = 'b'"
                ),
                None,
            ),
            (
                "devices of a session",
                format!(
                    "SELECT * FROM session_devices WHERE session_id = '{}' ORDER BY created_at, id",
                    session.id
                ),
                None,
            ),
            // The admin API's list filters (`identity_admin.rs`), each under keyset pagination.
            (
                "identities by ids",
                format!(
                    "SELECT * FROM identities WHERE nid = '{nid}' AND id > '{nil}' AND id IN ('{a}', '{b}') ORDER BY id LIMIT 251"
                ),
                None,
            ),
            (
                "identities of an organization",
                format!(
                    "SELECT * FROM identities WHERE nid = '{nid}' AND id > '{nil}' AND organization_id = '{org}' ORDER BY id LIMIT 251"
                ),
                None,
            ),
            (
                "identities by credential identifier",
                format!(
                    "SELECT * FROM identities WHERE nid = '{nid}' AND id > '{nil}' AND id IN (SELECT identity_id FROM identity_credential_identifiers WHERE nid = '{nid}' AND ((identity_credential_type_id IN ({normalised}) AND identifier = 'ix0@example.com') OR (identity_credential_type_id IN ({raw}) AND identifier = 'ix0@example.com'))) ORDER BY id LIMIT 251"
                ),
                None,
            ),
        ];
        let mut failures = Vec::new();
        for (what, select, index) in &cases {
            let (plan, indexed) = explain(&mut conn, kind, select).await;
            eprintln!("{kind:?} {what}: {plan}");
            // An entry may name alternatives (`a|b`): planners pick either.
            if !indexed || index.is_some_and(|i| !i.split('|').any(|i| plan.contains(i))) {
                failures.push(format!("{what}: {plan}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{kind:?} lookups without their index:\n{}",
            failures.join("\n")
        );
    }
);

/// A fresh database next to the test's own (SQLite: a new file), as a DSN.
async fn empty_database(app: &crate::app::TestApp) -> hoplite_core::config::Dsn {
    use sqlx::{Connection, Executor};
    let kind = kind_of(&app.dsn);
    let url = match kind {
        DatabaseKind::Sqlite => {
            // Inside the test's own directory, which goes when the test ends.
            let dir = app.dir.join(format!("empty-{}", Uuid::new_v4()));
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}?mode=rwc", dir.join("e.sqlite").display())
        }
        _ => {
            let name = format!("hoplite_test_{}", Uuid::new_v4().simple());
            sqlx::any::install_default_drivers();
            let mut conn = AnyConnection::connect(&app.dsn).await.unwrap();
            conn.execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .await
                .unwrap();
            app.drop_later(&name);
            let (base, query) = app
                .dsn
                .split_once('?')
                .map(|(b, q)| (b.to_string(), format!("?{q}")))
                .unwrap_or((app.dsn.clone(), String::new()));
            let cut = base.rfind('/').unwrap();
            format!("{}/{name}{query}", &base[..cut])
        }
    };
    hoplite_core::config::Dsn::parse(&url).unwrap()
}

db_test!(
    two_instances_migrating_an_empty_database_at_once_make_one_schema,
    serde_json::json!({}),
    |app| {
        use sqlx::Connection;
        let dsn = empty_database(&app).await;
        let first = hoplite_sql::SqlPersister::connect(&dsn, "http://127.0.0.1/")
            .await
            .unwrap();
        let second = hoplite_sql::SqlPersister::connect(&dsn, "http://127.0.0.1/")
            .await
            .unwrap();
        let (a, b) = tokio::join!(first.migrate(), second.migrate());
        a.unwrap();
        b.unwrap();
        first.check_schema().await.unwrap();
        let kind = kind_of(&app.dsn);
        let mut conn = AnyConnection::connect(&dsn.url).await.unwrap();
        for (sql, want) in [
            (
                "SELECT COUNT(*) FROM schema_migration",
                hoplite_sql::migrate::versions(kind).len() as i64,
            ),
            ("SELECT COUNT(*) FROM networks", 1),
            (
                "SELECT COUNT(*) FROM identity_credential_types",
                hoplite_sql::migrate::CREDENTIAL_TYPES.len() as i64,
            ),
        ] {
            let n: i64 = sqlx::query(sql).fetch_one(&mut conn).await.unwrap().get(0);
            assert_eq!(n, want, "{sql}");
        }
    }
);

db_test!(
    listing_identities_loads_the_same_parts_as_getting_each,
    serde_json::json!({}),
    |app| {
        let p = &app.registry.persister;
        let now = app.registry.now();
        let mut created = Vec::new();
        for n in 0..4 {
            let email = format!("list{n}@example.com");
            let mut i = identity(now, &email, &email);
            // Several credentials, identifiers and addresses per identity, none in sorted order,
            // so the batched load has to put every row with its owner in the right place.
            i.credentials.insert(
                "code".into(),
                Credentials {
                    id: Uuid::new_v4(),
                    credential_type: "code".into(),
                    identifiers: vec![format!("z{n}@example.com"), format!("b{n}@example.com")],
                    config: Some(json!({})),
                    version: 1,
                    created_at: now,
                    updated_at: now,
                },
            );
            for k in 0..3 {
                let value = format!("extra{n}-{k}@example.com");
                i.verifiable_addresses.push(VerifiableAddress {
                    id: Uuid::new_v4(),
                    value: value.clone(),
                    verified: k == 1,
                    via: "email".into(),
                    status: "pending".into(),
                    verified_at: None,
                    created_at: now,
                    updated_at: now,
                });
                i.recovery_addresses.push(RecoveryAddress {
                    id: Uuid::new_v4(),
                    value,
                    via: "email".into(),
                    created_at: now,
                    updated_at: now,
                });
            }
            p.create_identity(&i).await.unwrap();
            created.push(i);
        }
        // An identity with nothing but its row.
        let mut bare = identity(now, "bare@example.com", "bare@example.com");
        bare.credentials.clear();
        bare.verifiable_addresses.clear();
        bare.recovery_addresses.clear();
        p.create_identity(&bare).await.unwrap();

        let page = p.list_identities(None, 100).await.unwrap();
        assert_eq!(page.identities.len(), 5);
        for listed in &page.identities {
            let got = p.get_identity(listed.id).await.unwrap().expect("stored");
            assert_eq!(listed, &got);
        }
        let listed = page
            .identities
            .iter()
            .find(|i| i.id == created[0].id)
            .unwrap();
        assert_eq!(
            listed.credentials["code"].identifiers,
            vec!["b0@example.com", "z0@example.com"]
        );
        let ids: Vec<Uuid> = listed.verifiable_addresses.iter().map(|a| a.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_by_key(|id| id.to_string());
        assert_eq!(ids, sorted);
        assert_eq!(listed.verifiable_addresses.len(), 4);
        assert_eq!(listed.recovery_addresses.len(), 4);
        let bare = page.identities.iter().find(|i| i.id == bare.id).unwrap();
        assert!(bare.credentials.is_empty() && bare.verifiable_addresses.is_empty());
        // Pages split where they should.
        let first = p.list_identities(None, 2).await.unwrap();
        assert_eq!(first.identities, page.identities[..2]);
        let rest = p.list_identities(first.next, 100).await.unwrap();
        assert_eq!(rest.identities, page.identities[2..]);
        assert!(rest.next.is_none());
    }
);

db_test!(
    a_call_whose_caller_goes_away_leaves_nothing_half_done,
    serde_json::json!({}),
    |app| {
        // A client that disconnects drops its request's future wherever it is waiting, often in
        // the middle of a transaction's BEGIN. sqlx's PostgreSQL driver then hands the connection
        // back to the pool inside a transaction nobody ends (transact-rs/sqlx#4393), and every
        // later write on it is silently thrown away. Writes must run to their end regardless.
        let now = app.registry.now();
        let dsn = hoplite_core::config::Dsn::parse(&app.dsn).unwrap();
        let other = hoplite_sql::SqlPersister::connect(&dsn, "http://127.0.0.1/")
            .await
            .unwrap();
        other.check_schema().await.unwrap();
        // A pool of its own, as large as the server's used to be: this is about what a dropped
        // call leaves behind, not about how long 600 writes queue for 4 connections.
        let sep = if app.dsn.contains('?') { '&' } else { '?' };
        let big =
            hoplite_core::config::Dsn::parse(&format!("{}{sep}max_conns=20", app.dsn)).unwrap();
        let p = &hoplite_sql::SqlPersister::connect(&big, "http://127.0.0.1/")
            .await
            .unwrap();
        p.check_schema().await.unwrap();
        let mut gone = Vec::new();
        for n in 0..600u64 {
            let email = format!("gone{n}@example.com");
            let i = identity(now, &email, &email);
            gone.push(i.id);
            // Dropped after a growing number of scheduler turns: in the pool's acquire, in BEGIN,
            // between the INSERTs, in COMMIT.
            let turns = n % 200;
            tokio::select! {
                biased;
                _ = p.create_identity(&i) => {}
                _ = async {
                    for _ in 0..turns {
                        tokio::task::yield_now().await;
                    }
                } => {}
            }
        }
        // Each abandoned write still lands, whole, as seen through another connection pool.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        for id in &gone {
            loop {
                if let Some(stored) = other.get_identity(*id).await.unwrap() {
                    assert_eq!(stored.verifiable_addresses.len(), 1);
                    assert_eq!(stored.credentials.len(), 1);
                    break;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "the abandoned write of {id} never landed"
                );
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        // Reads dropped half way (these do not run detached) leave nothing behind either, also
        // those that keep their connection between statements (whoami, the seed endpoint).
        let session = session_of(gone[0], now);
        p.create_session(&session).await.unwrap();
        let flow_id = app.api_flow().await["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        for n in 0..600u64 {
            let turns = n % 200;
            let id = gone[(n % 200) as usize];
            let candidates = [format!("gone{}@example.com", n % 200)];
            tokio::select! {
                biased;
                _ = async {
                    match n % 5 {
                        0 => drop(p.get_identity(id).await),
                        1 => drop(p.list_identities(None, 50).await),
                        2 => drop(p.get_session_with_identity(&session.token).await),
                        3 => drop(p.get_registration_flow_view(flow_id).await),
                        _ => drop(p.find_identity_by_identifier("password", &candidates).await),
                    }
                } => {}
                _ = async {
                    for _ in 0..turns {
                        tokio::task::yield_now().await;
                    }
                } => {}
            }
        }
        // And no pooled connection is left inside a transaction or half read: every later write
        // is visible to other connections at once, and reads answer.
        for (n, earlier) in gone.iter().take(60).enumerate() {
            let email = format!("after{n}@example.com");
            let i = identity(now, &email, &email);
            p.create_identity(&i).await.unwrap();
            assert!(
                other.get_identity(i.id).await.unwrap().is_some(),
                "write {n} after the abandoned ones is not visible outside its connection"
            );
            assert_eq!(
                p.get_identity(*earlier).await.unwrap().unwrap().id,
                *earlier
            );
            let whoami = p
                .get_session_with_identity(&session.token)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(whoami.identity.unwrap().id, gone[0]);
            let view = p
                .get_registration_flow_view(flow_id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(view.id, flow_id);
        }
    }
);

db_test!(
    the_seed_endpoint_view_of_a_flow_serialises_exactly_as_the_flow,
    serde_json::json!({}),
    |app| {
        // The seed endpoint answers from the stored UI text without parsing it; that must give the
        // same bytes as loading the whole flow and serialising it, for fresh flows and for flows
        // whose form was stored again with submitted values and messages.
        let p = &app.registry.persister;
        let api = app.api_flow().await;
        let browser = app
            .spa_flow(
                &app.browser(),
                "/self-service/registration/browser?return_to=http://127.0.0.1:4455/after",
            )
            .await;
        let refused = app
            .submit_api(
                api["id"].as_str().unwrap(),
                json!({"method": "password", "password": "x", "traits": {"email": "<b>&\u{2028}"}}),
            )
            .await;
        assert_eq!(refused.status(), 400);
        for flow in [&api, &browser] {
            let id = Uuid::parse_str(flow["id"].as_str().unwrap()).unwrap();
            let whole = p.get_registration_flow(id).await.unwrap().expect("stored");
            let view = p
                .get_registration_flow_view(id)
                .await
                .unwrap()
                .expect("stored");
            assert_eq!(
                String::from_utf8(serde_json::to_vec(&*view).unwrap()).unwrap(),
                String::from_utf8(serde_json::to_vec(&whole).unwrap()).unwrap()
            );
            assert_eq!(view.csrf_token, whole.csrf_token);
        }
        let stored = p
            .get_registration_flow(Uuid::parse_str(api["id"].as_str().unwrap()).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(
            serde_json::to_string(&stored.ui)
                .unwrap()
                .contains("<b>&\u{2028}"),
            "the refused submission's values were stored with the flow"
        );
    }
);

db_test!(
    the_dsn_max_conns_parameter_sizes_the_pool,
    serde_json::json!({}),
    |app| {
        // Kratos DSNs carry pop's `max_conns`; it must size the pool, not be dropped.
        let sep = if app.dsn.contains('?') { '&' } else { '?' };
        let dsn =
            hoplite_core::config::Dsn::parse(&format!("{}{sep}max_conns=3", app.dsn)).unwrap();
        let p = hoplite_sql::SqlPersister::connect(&dsn, "http://127.0.0.1/")
            .await
            .unwrap();
        assert_eq!(p.max_connections(), 3);
        p.ping().await.unwrap();
        if kind_of(&app.dsn) != DatabaseKind::Sqlite {
            let dsn = hoplite_core::config::Dsn::parse(&app.dsn).unwrap();
            let p = hoplite_sql::SqlPersister::connect(&dsn, "http://127.0.0.1/")
                .await
                .unwrap();
            // Without `max_conns`, Kratos's default: twice the CPUs.
            let cpus = std::thread::available_parallelism().unwrap().get() as u32;
            assert_eq!(
                p.max_connections(),
                2 * cpus,
                "the default without max_conns"
            );
        }
    }
);

db_test!(
    the_seed_endpoint_shows_each_submission_once_it_is_answered,
    json!({}),
    |app| {
        // On SQLite the server keeps flows it has read in memory; every submission must still
        // show on the next read, also while other readers keep refilling that memory.
        let flow = app.api_flow().await;
        let id = flow["id"].as_str().unwrap().to_string();
        let seed = app.url(&format!("/self-service/registration/flows?id={id}"));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let (client, seed, stop) = (app.api_client(), seed.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut reads = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let r = client.get(&seed).send().await.unwrap();
                        assert_eq!(r.status(), 200);
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        let client = app.api_client();
        for n in 0..100 {
            let email = format!("not-an-email-{n}");
            let r = app
                .submit_api(
                    &id,
                    json!({"method": "password", "password": "x", "traits": {"email": email}}),
                )
                .await;
            assert_eq!(r.status(), 400);
            for _ in 0..2 {
                let seen: serde_json::Value = client
                    .get(&seed)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(
                    crate::app::node(&seen, "traits.email").unwrap()["attributes"]["value"],
                    email,
                    "the read after submission {n} shows an earlier one"
                );
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for r in readers {
            assert!(r.await.unwrap() > 0);
        }
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_is_served_by_one_process_at_a_time() {
    let Some(app) = crate::app::TestApp::spawn(crate::app::Db::Sqlite, json!({})).await else {
        return;
    };
    let dsn = hoplite_core::config::Dsn::parse(&app.dsn).unwrap();
    // The running server holds the file's instance lock: a second server is refused, saying why.
    let Err(e) = hoplite_sql::SqlPersister::connect_serving(&dsn, "http://127.0.0.1/").await else {
        panic!("a second server on the same SQLite file was allowed");
    };
    let e = e.to_string();
    assert!(
        e.contains("already served by another hoplite process"),
        "{e}"
    );
    assert!(
        e.contains(&format!("process {}", std::process::id())),
        "{e}"
    );
    assert!(e.contains("PostgreSQL or MySQL"), "{e}");
    // Under another name for the same file (a symbolic link) too.
    let file = dsn
        .url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap();
    let link = std::env::temp_dir().join(format!("hoplite-link-{}.sqlite", Uuid::new_v4()));
    std::os::unix::fs::symlink(file, &link).unwrap();
    let linked =
        hoplite_core::config::Dsn::parse(&format!("sqlite://{}?mode=rwc", link.display())).unwrap();
    let refused = hoplite_sql::SqlPersister::connect_serving(&linked, "http://127.0.0.1/").await;
    let _ = std::fs::remove_file(&link);
    assert!(
        refused.is_err(),
        "a second server through a symbolic link was allowed"
    );
    // Other connections (migrations, the tests' own) are not servers and are not refused.
    let other = hoplite_sql::SqlPersister::connect(&dsn, "http://127.0.0.1/")
        .await
        .expect("a plain connection is not refused");
    other.migrate().await.unwrap();
}

db_test!(
    a_database_hoplite_does_not_recognise_is_never_altered,
    serde_json::json!({}),
    |app| {
        use hoplite_sql::SchemaState;
        use sqlx::{Connection, Executor};
        sqlx::any::install_default_drivers();
        let dsn = hoplite_core::config::Dsn::parse(&app.dsn).unwrap();
        let p = hoplite_sql::SqlPersister::connect(&dsn, "http://127.0.0.1/")
            .await
            .unwrap();
        let kind = kind_of(&app.dsn);
        let versions = hoplite_sql::migrate::versions(kind);
        let latest = *versions.last().unwrap();
        p.check_schema()
            .await
            .expect("a fully migrated database is served");
        p.migrate().await.expect("nothing to do");
        let mut conn = AnyConnection::connect(&app.dsn).await.unwrap();

        // An older Kratos's schema (a version missing): refused with the version and the
        // command, by serving and migrating alike, and left as it is.
        conn.execute(AssertSqlSafe(format!(
            "DELETE FROM schema_migration WHERE version = '{latest}'"
        )))
        .await
        .unwrap();
        for e in [
            p.check_schema().await.unwrap_err().to_string(),
            p.migrate().await.unwrap_err().to_string(),
        ] {
            assert!(e.contains("older Ory Kratos"), "{e}");
            assert!(
                e.contains(latest) && e.contains("kratos migrate sql"),
                "{e}"
            );
            // The newest version it has is named too.
            assert!(e.contains(versions[versions.len() - 2]), "{e}");
        }
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM schema_migration")
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .get(0);
        assert_eq!(n as usize, versions.len() - 1, "nothing was recorded");

        // A newer Kratos's: refused too.
        conn.execute(AssertSqlSafe(format!(
            "INSERT INTO schema_migration (version) VALUES ('{latest}'), ('99990101000000000000')"
        )))
        .await
        .unwrap();
        for e in [
            p.check_schema().await.unwrap_err().to_string(),
            p.migrate().await.unwrap_err().to_string(),
        ] {
            assert!(e.contains("newer Ory Kratos"), "{e}");
        }
        conn.execute("DELETE FROM schema_migration WHERE version = '99990101000000000000'")
            .await
            .unwrap();
        p.check_schema().await.unwrap();

        // Another application's tables: refused, naming them.
        conn.execute("DROP TABLE schema_migration").await.unwrap();
        let before = p.schema_state().await.unwrap();
        let SchemaState::Foreign { tables } = &before else {
            panic!("not recognised as foreign: {before:?}")
        };
        assert!(tables.contains(&"identities".to_string()));
        for e in [
            p.check_schema().await.unwrap_err().to_string(),
            p.migrate().await.unwrap_err().to_string(),
        ] {
            assert!(e.contains("neither hoplite nor Ory Kratos created"), "{e}");
            assert!(e.contains("identities"), "{e}");
        }
        assert_eq!(
            p.schema_state().await.unwrap(),
            before,
            "nothing was created"
        );

        // An empty database is migrated; serving it unmigrated is refused with the command.
        let empty = empty_database(&app).await;
        let e = hoplite_sql::SqlPersister::connect(&empty, "http://127.0.0.1/")
            .await
            .unwrap();
        assert_eq!(e.schema_state().await.unwrap(), SchemaState::Empty);
        let err = e.check_schema().await.unwrap_err().to_string();
        assert!(err.contains("hoplite migrate sql"), "{err}");
        e.migrate().await.unwrap();
        e.check_schema().await.unwrap();
        assert!(matches!(
            e.schema_state().await.unwrap(),
            SchemaState::Kratos { missing, unknown, .. } if missing.is_empty() && unknown.is_empty()
        ));
    }
);

db_test!(
    migrate_converts_a_database_of_the_earlier_schema_keeping_users_and_sessions,
    serde_json::json!({}),
    |app| {
        use hoplite_sql::SchemaState;
        use sqlx::{Connection, Executor};
        sqlx::any::install_default_drivers();
        let kind = kind_of(&app.dsn);
        let dsn = empty_database(&app).await;
        let url = dsn.url.clone();
        // The earlier schema, as every hoplite.sqlite made before it took Kratos's, with a user, a
        // password credential, addresses, a session and its device in it.
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        conn.execute("CREATE TABLE hoplite_migrations (version BIGINT PRIMARY KEY, applied_at VARCHAR(32) NOT NULL)")
        .await
        .unwrap();
        for (version, statements) in hoplite_sql::migrate::legacy::migrations(kind) {
            for s in statements {
                conn.execute(AssertSqlSafe(s)).await.unwrap();
            }
            conn.execute(AssertSqlSafe(format!(
                "INSERT INTO hoplite_migrations VALUES ({version}, '2026-01-01T00:00:00.000000Z')"
            )))
            .await
            .unwrap();
        }
        let (identity, credential, session) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let hash = bcrypt::hash("correct horse battery staple", 4).unwrap();
        let t = "2026-01-02T03:04:05.123456Z";
        for sql in [
            format!(
                "INSERT INTO identities VALUES ('{identity}', 'default', '{{\"email\":\"old@example.com\"}}', 'active', '{t}', NULL, NULL, 'aal1', NULL, NULL, '{t}', '{t}')"
            ),
            format!(
                "INSERT INTO identity_credentials VALUES ('{credential}', '{identity}', 'password', '{{\"hashed_password\":\"{hash}\"}}', 0, '{t}', '{t}')"
            ),
            format!(
                "INSERT INTO identity_credential_identifiers VALUES ('{}', '{identity}', '{credential}', 'password', 'old@example.com', '{t}', '{t}')",
                Uuid::new_v4()
            ),
            format!(
                "INSERT INTO identity_verifiable_addresses VALUES ('{}', '{identity}', 'pending', 'email', 0, 'old@example.com', NULL, '{t}', '{t}')",
                Uuid::new_v4()
            ),
            format!(
                "INSERT INTO identity_recovery_addresses VALUES ('{}', '{identity}', 'email', 'old@example.com', '{t}', '{t}')",
                Uuid::new_v4()
            ),
            format!(
                "INSERT INTO sessions VALUES ('{session}', '{identity}', 'ory_st_old', 'ory_lo_old', 1, 'aal1', '[]', '{t}', '2099-01-01T00:00:00.000000Z', '{t}', '{t}', '{t}')"
            ),
            format!(
                "INSERT INTO session_devices VALUES ('{}', '{session}', '{identity}', '127.0.0.1', 'agent/1', '', '{t}', '{t}')",
                Uuid::new_v4()
            ),
            "INSERT INTO hoplite_values VALUES ('secrets.default', 'kept-secret')".to_string(),
        ] {
            conn.execute(AssertSqlSafe(sql)).await.unwrap();
        }
        drop(conn);

        let p = hoplite_sql::SqlPersister::connect(&dsn, "http://127.0.0.1/")
            .await
            .unwrap();
        assert!(matches!(
            p.schema_state().await.unwrap(),
            SchemaState::Legacy { .. }
        ));
        let refused = p.check_schema().await.unwrap_err().to_string();
        assert!(refused.contains("hoplite migrate sql"), "{refused}");
        p.migrate().await.unwrap();
        assert!(matches!(
            p.schema_state().await.unwrap(),
            SchemaState::Kratos { missing, unknown, .. } if missing.is_empty() && unknown.is_empty()
        ));
        p.check_schema().await.unwrap();

        let found = p
            .find_identity_by_identifier("password", &["old@example.com".to_string()])
            .await
            .unwrap()
            .expect("the user is still there");
        assert_eq!(found.id, identity);
        assert_eq!(found.verifiable_addresses.len(), 1);
        assert_eq!(found.recovery_addresses.len(), 1);
        let config = found.credentials["password"].config.clone().unwrap();
        assert_eq!(config["hashed_password"], hash.as_str());
        let stored_at = match kind {
            // Kratos's MySQL columns keep whole seconds.
            DatabaseKind::Mysql => time::macros::datetime!(2026-01-02 03:04:05 UTC),
            _ => time::macros::datetime!(2026-01-02 03:04:05.123456 UTC),
        };
        assert_eq!(found.created_at, stored_at);
        let s = p
            .get_session_by_token("ory_st_old")
            .await
            .unwrap()
            .expect("the session is still there");
        assert_eq!(s.id, session);
        assert!(s.active);
        assert_eq!(s.devices.len(), 1);
        assert_eq!(s.devices[0].user_agent.as_deref(), Some("agent/1"));
        assert_eq!(
            p.get_or_init_value("secrets.default", "new").await.unwrap(),
            "kept-secret"
        );
        // The rows are Kratos's: every foreign key holds, and the times are in its driver's text.
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        if kind == DatabaseKind::Sqlite {
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut conn)
                .await
                .unwrap();
            assert!(broken.is_empty(), "{} foreign key violations", broken.len());
        }
        let (sql, want) = match kind {
            DatabaseKind::Sqlite => (
                "SELECT CAST(created_at AS TEXT) FROM identities",
                "2026-01-02 03:04:05.123456+00:00",
            ),
            DatabaseKind::Postgres => (
                "SELECT CAST(created_at AS TEXT) FROM identities",
                "2026-01-02 03:04:05.123456",
            ),
            DatabaseKind::Mysql => (
                "SELECT CAST(created_at AS CHAR) FROM identities",
                "2026-01-02 03:04:05",
            ),
        };
        let created: String = sqlx::query(sql).fetch_one(&mut conn).await.unwrap().get(0);
        assert_eq!(created, want);
        // Nothing of the earlier schema is left, and converting again has nothing to do.
        let left = p.schema_state().await.unwrap();
        assert!(matches!(left, SchemaState::Kratos { .. }), "{left:?}");
        p.migrate().await.unwrap();
    }
);

/// PostgreSQL plans a prepared statement once per connection and keeps the plan. Made while a
/// table is nearly empty, the plan of a lookup by primary key and network took Kratos's index on
/// `nid` alone (every row matches it) and read half the table per lookup: a seed endpoint read
/// cost 1,500 rows after 3,000 sign-ups. With the network compared as hoplite compares it
/// (`?::nid`), the generic plan searches the primary key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_generic_plans_of_keyed_lookups_search_the_key() {
    use sqlx::{Connection, Executor};
    let Some(app) =
        crate::app::TestApp::spawn(crate::app::Db::Postgres, serde_json::json!({})).await
    else {
        assert!(
            std::env::var("CI").is_err(),
            "PostgreSQL is not configured but CI is set"
        );
        eprintln!("skipped: PostgreSQL is not configured");
        return;
    };
    let flow = app.api_flow().await;
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(&app.dsn).await.unwrap();
    conn.execute("SET plan_cache_mode = force_generic_plan")
        .await
        .unwrap();
    let nid = app
        .query_text("SELECT CAST(id AS TEXT) FROM networks")
        .await;
    let id = flow["id"].as_str().unwrap().to_string();
    let password = hoplite_sql::migrate::credential_type_id("password").unwrap();
    // (table, statement as hoplite writes it, its arguments)
    let cases: [(&str, &str, Vec<&str>); 6] = [
        (
            "selfservice_registration_flows",
            "SELECT id FROM selfservice_registration_flows WHERE id = ?::uuid AND nid = ?::nid",
            vec![&id, &nid],
        ),
        (
            "selfservice_login_flows",
            "UPDATE selfservice_login_flows SET state = state WHERE id = ?::uuid AND nid = ?::nid",
            vec![&id, &nid],
        ),
        (
            "sessions",
            "SELECT id FROM sessions WHERE token = ? AND nid = ?::nid",
            vec!["ory_st_x", &nid],
        ),
        (
            "identities",
            "SELECT id FROM identities WHERE id = ?::uuid AND nid = ?::nid",
            vec![&id, &nid],
        ),
        (
            "identity_credential_identifiers",
            "SELECT identity_id FROM identity_credential_identifiers WHERE nid = ?::uuid AND identity_credential_type_id = ?::uuid AND identifier = ?",
            vec![&nid, password, "a@example.com"],
        ),
        (
            "identity_verifiable_addresses",
            "SELECT identity_id FROM identity_verifiable_addresses WHERE nid = ?::uuid AND via = ? AND value = ?",
            vec![&nid, "email", "a@example.com"],
        ),
    ];
    for (n, (table, sql, args)) in cases.iter().enumerate() {
        let sql = hoplite_sql::rewrite(DatabaseKind::Postgres, sql);
        let types = vec!["text"; args.len()].join(", ");
        conn.execute(AssertSqlSafe(format!("PREPARE q{n}({types}) AS {sql}")))
            .await
            .unwrap();
        let values = args
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let plan: Vec<String> =
            sqlx::query(AssertSqlSafe(format!("EXPLAIN EXECUTE q{n}({values})")))
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>(0).unwrap())
                .collect();
        // An index searched by the network alone reads the whole network.
        let conditions: Vec<&str> = plan
            .iter()
            .filter_map(|l| l.trim().strip_prefix("Index Cond: "))
            .collect();
        let by_network_alone = |c: &&str| c.starts_with("(nid = ") && !c.contains(" AND ");
        assert!(
            !conditions.is_empty() && !conditions.iter().any(by_network_alone),
            "{table}: the generic plan does not search the key: {}",
            plan.join(" | ")
        );
    }
}

db_test!(
    the_seed_endpoint_shows_a_change_another_instance_made,
    json!({}),
    |app| {
        // PostgreSQL and MySQL are shared by instances, and each keeps the UIs it has read; a
        // change written by another instance must show on the next read here.
        if kind_of(&app.dsn) == DatabaseKind::Sqlite {
            return;
        }
        let flow = app.api_flow().await;
        let id = Uuid::parse_str(flow["id"].as_str().unwrap()).unwrap();
        let seed = app.url(&format!("/self-service/registration/flows?id={id}"));
        let read = || async {
            let r = app.api_client().get(&seed).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        };
        assert_eq!(read().await, read().await);
        let other = hoplite_sql::SqlPersister::connect(
            &hoplite_core::config::Dsn::parse(&app.dsn).unwrap(),
            "http://127.0.0.1/",
        )
        .await
        .unwrap();
        other.check_schema().await.unwrap();
        for n in 0..3 {
            let mut stored = other.get_registration_flow(id).await.unwrap().unwrap();
            stored.ui.messages = vec![hoplite_core::text::Message::new(
                4000000 + n,
                hoplite_core::text::MessageType::Error,
                "changed elsewhere",
            )];
            other.update_registration_flow(&stored).await.unwrap();
            let seen = read().await;
            assert_eq!(
                seen["ui"]["messages"][0]["id"],
                4000000 + n,
                "change {n} by the other instance is not shown"
            );
            assert_eq!(seen, read().await);
        }
    }
);

/// Connections the database closed while they sat idle (a restart, a failover) are replaced
/// before they are used: nobody sees an error for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_closed_by_the_database_are_replaced() {
    let Some(app) = crate::app::TestApp::spawn(crate::app::Db::Postgres, json!({})).await else {
        assert!(
            std::env::var("CI").is_err(),
            "PostgreSQL is not configured but CI is set"
        );
        eprintln!("skipped: PostgreSQL is not configured");
        return;
    };
    let token = app
        .registered_and_signed_in("closed@example.com", "correct horse battery staple 93")
        .await;
    let flow = app.api_flow().await;
    let seed = app.url(&format!(
        "/self-service/registration/flows?id={}",
        flow["id"].as_str().unwrap()
    ));
    for round in 0..2 {
        // Every connection of the server is in use once, then all of them are closed.
        for _ in 0..8 {
            assert_eq!(app.whoami(&token).await.0, 200);
        }
        let closed = app
            .query_text(
                "SELECT CAST(COUNT(pg_terminate_backend(pid)) AS TEXT) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .await;
        assert_ne!(closed, "0", "round {round}: no connection was closed");
        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        for n in 0..8 {
            assert_eq!(app.whoami(&token).await.0, 200, "round {round}, whoami {n}");
            let r = app.api_client().get(&seed).send().await.unwrap();
            assert_eq!(r.status(), 200, "round {round}, seed read {n}");
        }
    }
}

db_test!(
    whoami_in_one_statement_reads_what_the_separate_reads_read,
    json!({}),
    |app| {
        // whoami reads the session with its devices and the identity with its addresses in one
        // statement (JSON arrays on PostgreSQL, joined rows on MySQL): with several of each, it
        // must find each exactly once, in the order the separate reads give.
        let p = &app.registry.persister;
        let now = app.registry.now();
        let mut owner = identity(now, "many@example.com", "many@example.com");
        for n in 0..3 {
            let value = format!("other{n}@example.com");
            owner.verifiable_addresses.push(VerifiableAddress {
                id: Uuid::new_v4(),
                value: value.clone(),
                verified: n == 1,
                via: "email".into(),
                status: if n == 1 { "completed" } else { "pending" }.into(),
                verified_at: (n == 1).then_some(now),
                created_at: now,
                updated_at: now,
            });
            owner.recovery_addresses.push(RecoveryAddress {
                id: Uuid::new_v4(),
                value,
                via: "email".into(),
                created_at: now,
                updated_at: now,
            });
        }
        p.create_identity(&owner).await.unwrap();
        let mut session = session_of(owner.id, now);
        for n in 0..2 {
            session.devices.push(hoplite_core::session::Device {
                id: Uuid::new_v4(),
                ip_address: format!("10.0.0.{n}"),
                user_agent: Some(format!("agent {n}")),
                location: String::new(),
            });
        }
        p.create_session(&session).await.unwrap();
        let whoami = p
            .get_session_with_identity(&session.token)
            .await
            .unwrap()
            .expect("found");
        let mut separate = p
            .get_session_by_token(&session.token)
            .await
            .unwrap()
            .unwrap();
        let mut identity = p.get_identity(owner.id).await.unwrap().unwrap();
        identity.credentials.clear();
        separate.identity = Some(identity);
        assert_eq!(whoami.devices.len(), 3);
        let who = whoami.identity.as_ref().unwrap();
        assert_eq!(who.verifiable_addresses.len(), 4);
        assert_eq!(who.recovery_addresses.len(), 4);
        assert_eq!(
            serde_json::to_value(&whoami).unwrap(),
            serde_json::to_value(&separate).unwrap()
        );
        assert!(
            p.get_session_with_identity("ory_st_unknown")
                .await
                .unwrap()
                .is_none()
        );
    }
);

db_test!(
    whoami_answers_rows_changed_behind_its_back,
    json!({}),
    |app| {
        // whoami may hand out the answer it made for the same rows before; any change to those
        // rows, even one that leaves every `updated_at` alone as Kratos's column updates and
        // revocations do, must show in the next answer.
        const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";
        let raw = |token: String| {
            let app = &app;
            async move {
                let r = app
                    .api_client()
                    .get(app.url("/sessions/whoami"))
                    .header("X-Session-Token", token)
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }
        };
        let ann = app
            .registered_and_signed_in("ann@example.com", PASSWORD)
            .await;
        let bob = app
            .registered_and_signed_in("bob@example.com", PASSWORD)
            .await;
        let (status, first) = raw(ann.clone()).await;
        assert_eq!(status, 200, "{first}");
        assert_eq!(raw(ann.clone()).await, (200, first.clone()));
        let body: serde_json::Value = serde_json::from_str(&first).unwrap();
        let address = &body["identity"]["verifiable_addresses"][0];
        assert_eq!(address["value"], "ann@example.com");
        assert_eq!(address["verified"], false);
        let (status, other) = raw(bob.clone()).await;
        assert_eq!(status, 200);
        let other: serde_json::Value = serde_json::from_str(&other).unwrap();
        assert_eq!(
            other["identity"]["traits"]["email"], "bob@example.com",
            "each token gets its own session"
        );

        // An address verified by a column update (Kratos's `UpdateVerifiableAddress`).
        app.exec_sql(
            "UPDATE identity_verifiable_addresses SET verified = true, status = 'completed' WHERE value = 'ann@example.com'",
        )
        .await;
        let (status, text) = raw(ann.clone()).await;
        assert_eq!(status, 200);
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        let address = &body["identity"]["verifiable_addresses"][0];
        assert_eq!(address["verified"], true, "{text}");
        assert_eq!(address["status"], "completed");

        // Public metadata set without touching `updated_at`.
        app.exec_sql(
            r#"UPDATE identities SET metadata_public = '{"plan":"pro"}' WHERE id IN (SELECT identity_id FROM identity_verifiable_addresses WHERE value = 'ann@example.com')"#,
        )
        .await;
        let (_, text) = raw(ann.clone()).await;
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["identity"]["metadata_public"], json!({"plan": "pro"}));

        // A revocation (Kratos sets `active` alone), then the session back.
        app.exec_sql("UPDATE sessions SET active = false").await;
        assert_eq!(raw(ann.clone()).await.0, 401);
        assert_eq!(raw(bob.clone()).await.0, 401);
        app.exec_sql("UPDATE sessions SET active = true").await;
        assert_eq!(raw(ann.clone()).await.0, 200);

        // An identity disabled, a session gone.
        app.exec_sql(
            "UPDATE identities SET state = 'inactive' WHERE id IN (SELECT identity_id FROM identity_verifiable_addresses WHERE value = 'bob@example.com')",
        )
        .await;
        assert_eq!(raw(bob.clone()).await.0, 401);
        app.exec_sql("DELETE FROM session_devices").await;
        app.exec_sql("DELETE FROM sessions").await;
        assert_eq!(raw(ann).await.0, 401);
    }
);
