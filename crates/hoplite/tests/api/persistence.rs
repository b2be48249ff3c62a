//! Storage contract tests, run against every configured database: identities are written whole or
//! not at all, and uniqueness holds across credential identifiers and addresses.

use crate::db_test;
use hoplite_core::identity::{Credentials, Identity, RecoveryAddress, VerifiableAddress};
use hoplite_core::persistence::StoreError;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

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

db_test!(sessions_round_trip_by_token, serde_json::json!({}), |app| {
    let p = &app.registry.persister;
    let now = app.registry.now();
    let owner = identity(now, "s@example.com", "s@example.com");
    p.create_identity(&owner).await.unwrap();
    let session = hoplite_core::session::Session {
        id: Uuid::new_v4(),
        active: true,
        expires_at: now + time::Duration::hours(1),
        authenticated_at: now,
        authenticator_assurance_level: "aal1".into(),
        authentication_methods: vec![],
        issued_at: now,
        identity: None,
        devices: vec![],
        identity_id: owner.id,
        token: hoplite_core::session::new_session_token(),
        logout_token: hoplite_core::session::new_logout_token(),
    };
    p.create_session(&session).await.unwrap();
    let loaded = p
        .get_session_by_token(&session.token)
        .await
        .unwrap()
        .expect("found");
    assert_eq!(loaded.id, session.id);
    assert_eq!(loaded.expires_at, session.expires_at);
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

db_test!(
    migration_2_makes_device_user_agent_nullable_keeping_rows,
    serde_json::json!({}),
    |app| {
        use sqlx::{Connection, Executor};
        let kind = if app.dsn.starts_with("sqlite") {
            hoplite_core::config::DatabaseKind::Sqlite
        } else if app.dsn.starts_with("postgres") {
            hoplite_core::config::DatabaseKind::Postgres
        } else {
            hoplite_core::config::DatabaseKind::Mysql
        };
        let migrations = hoplite_sql::migrate::migrations(kind);
        let v1_devices = migrations[0]
            .1
            .iter()
            .find(|s| s.contains("session_devices ("))
            .expect("version 1 creates session_devices")
            .clone();
        let v2 = migrations[1].clone();
        assert_eq!(v2.0, 2);
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&app.dsn).await.unwrap();
        // Put the table back as version 1 left it, with a row in it.
        conn.execute("DROP TABLE session_devices").await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(v1_devices)).await.unwrap();
        let r = app
            .register_api("upgrade@example.com", "correct horse battery staple")
            .await;
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        let token = body["session_token"].as_str().unwrap().to_string();
        let session_id = body["session"]["id"].as_str().unwrap().to_string();
        let identity_id = body["identity"]["id"].as_str().unwrap().to_string();
        let before = body["session"]["devices"].clone();
        // Apply version 2 twice (as two instances starting together might), as the runner does.
        for _ in 0..2 {
            let mut tx = conn.begin().await.unwrap();
            for s in &v2.1 {
                tx.execute(sqlx::AssertSqlSafe(s.clone())).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
        // The row survived, and a device without a user agent can now be stored.
        conn.execute(sqlx::AssertSqlSafe(format!(
            "INSERT INTO session_devices (id, session_id, identity_id, ip_address, user_agent, location, created_at, updated_at) \
             VALUES ('{}', '{session_id}', '{identity_id}', '127.0.0.1', NULL, '', '9999-01-01T00:00:00.000000Z', '9999-01-01T00:00:00.000000Z')",
            uuid::Uuid::new_v4()
        )))
        .await
        .unwrap();
        let r = app
            .api_client()
            .get(app.url("/sessions/whoami"))
            .header("x-session-token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let session: serde_json::Value = r.json().await.unwrap();
        let devices = session["devices"].as_array().unwrap();
        assert_eq!(devices.len(), 2);
        assert_eq!(devices[0], before[0]);
        assert_eq!(devices[0]["user_agent"], crate::app::USER_AGENT);
        assert_eq!(devices[1]["user_agent"], serde_json::Value::Null);
    }
);
