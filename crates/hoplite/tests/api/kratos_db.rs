//! hoplite on Ory Kratos's tables, both ways: a database holding rows Kratos wrote (the test data
//! in `crates/hoplite-sql/tests/kratos/`) is served by hoplite, and the rows hoplite writes are in
//! Kratos's encodings with every constraint of Kratos's schema holding.

use crate::app::{Db, TestApp};
use crate::openapi::assert_valid;
use hoplite_core::clock::Clock as _;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// The Kratos-written rows for `db`, as statements: SQLite's from Kratos's SQLite file, PostgreSQL's
/// from Kratos's PostgreSQL dump, and MySQL's from that dump too (Kratos's MySQL migrations do not
/// run on MariaDB, so there is no MySQL dump; the values are the same, in MySQL's string syntax).
/// The credential types are seeded by the schema already.
fn kratos_rows(db: Db) -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../hoplite-sql/tests/kratos");
    let file = match db {
        Db::Sqlite => "kratos-rows.sqlite.sql",
        _ => "kratos-rows.postgres.sql",
    };
    let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
    text.lines()
        .filter(|l| l.starts_with("INSERT INTO ") && !l.contains("identity_credential_types"))
        .map(|l| {
            let l = l.replace("INSERT INTO public.", "INSERT INTO ");
            match db {
                // PostgreSQL's literals keep backslashes as they are; MySQL's escape with them.
                Db::Mysql => l.replace('\\', "\\\\"),
                _ => l,
            }
        })
        .collect()
}

/// `column` as text, in the dialect of `app`'s database.
fn text(app: &TestApp, column: &str) -> String {
    if app.dsn.starts_with("mysql") {
        format!("CAST({column} AS CHAR)")
    } else {
        format!("CAST({column} AS TEXT)")
    }
}

/// The first column of every row `sql` selects, as text.
async fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&app.dsn).await.unwrap();
    texts_on(&mut c, sql).await
}

/// [`texts`] on a connection.
async fn texts_on(c: &mut sqlx::AnyConnection, sql: &str) -> Vec<String> {
    use sqlx::Row;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

fn db_of(app: &TestApp) -> Db {
    match app.dsn.split(':').next() {
        Some("postgres") => Db::Postgres,
        Some("mysql") => Db::Mysql,
        _ => Db::Sqlite,
    }
}

async fn sign_in(app: &TestApp, identifier: &str) -> reqwest::Response {
    app.login_api(identifier, PASSWORD).await
}

async fn a_database_kratos_wrote_is_served(db: Db) {
    let Some(app) = TestApp::spawn_with_rows(db, json!({}), kratos_rows(db)).await else {
        assert!(
            std::env::var("CI").is_err(),
            "{db:?} is not configured but CI is set"
        );
        return;
    };
    // The time of the test data (Kratos wrote it at 21:10–21:11): its flows are open, its
    // sessions valid.
    let then = time::macros::datetime!(2026-12-05 21:20:00 UTC);
    app.clock
        .advance(then - hoplite_core::clock::SystemClock.now());

    // The network is Kratos's, the only one.
    let networks = app
        .query_text(&format!("SELECT {} FROM networks", text(&app, "COUNT(*)")))
        .await;
    assert_eq!(networks, "1");

    // Both users sign in with the passwords Kratos hashed: bcrypt and an imported argon2id.
    for email in ["ada@example.com", "grace@example.com"] {
        let r = sign_in(&app, email).await;
        assert_eq!(r.status(), 200, "{email}");
        let body: Value = r.json().await.unwrap();
        // `continue_with` is `null` when empty, as Kratos sends it (README, known differences).
        let mut copy = body.clone();
        copy.as_object_mut().unwrap().remove("continue_with");
        assert_valid("successfulNativeLogin", &copy);
        assert_eq!(body["session"]["identity"]["traits"]["email"], email);
    }

    // Every session Kratos issued is still valid, by its token and by a session cookie sealed
    // as Kratos seals it.
    let tokens = texts(
        &app,
        "SELECT token FROM sessions WHERE token LIKE 'ory_st_%'",
    )
    .await;
    // Kratos's two sessions and the two sign-ins above.
    assert_eq!(tokens.len(), 4, "{tokens:?}");
    let mut kratos_sessions = 0;
    for token in &tokens {
        let (status, me) = app.whoami(token).await;
        assert_eq!(status, 200, "{token}");
        assert_valid("session", &me);
        if me["identity"]["traits"]["email"] == "ada@example.com"
            && me["devices"][0]["user_agent"] == "fixture-agent/1.0"
        {
            kratos_sessions += 1;
            assert_eq!(me["authentication_methods"][0]["method"], "password");
            let session = app
                .registry
                .persister
                .get_session_by_token(token)
                .await
                .unwrap()
                .unwrap();
            let set_cookie = hoplite_core::session::cookie::session_cookie(
                &app.registry.config,
                &app.registry.cookie_codecs,
                &session,
                app.registry.now(),
            );
            let cookie = set_cookie.split(';').next().unwrap().to_string();
            let r = app
                .api_client()
                .get(app.url("/sessions/whoami"))
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let by_cookie: Value = r.json().await.unwrap();
            assert_eq!(by_cookie["id"], me["id"]);
        }
    }
    assert_eq!(kratos_sessions, 2, "both of Kratos's sessions answer");

    // The admin API lists and gets Kratos's identities, with their credentials on request.
    let all = app.identities().await;
    assert_eq!(all.len(), 2);
    for i in &all {
        assert_valid("identity", i);
        assert_eq!(i["verifiable_addresses"].as_array().unwrap().len(), 1);
        assert_eq!(i["recovery_addresses"].as_array().unwrap().len(), 1);
    }
    let grace = all
        .iter()
        .find(|i| i["traits"]["email"] == "grace@example.com")
        .unwrap();
    assert_eq!(grace["metadata_admin"], json!({"tier": 1}));
    let r = app
        .api_client()
        .get(format!(
            "{}/admin/identities/{}?include_credential=password",
            app.admin,
            grace["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.unwrap();
    assert_eq!(
        got["credentials"]["password"]["identifiers"],
        json!(["grace@example.com"])
    );

    // The seed endpoint serves the registration flow Kratos stored; the login flow is served too.
    let reg_id = app
        .query_text(&format!(
            "SELECT {} FROM selfservice_registration_flows",
            text(&app, "id")
        ))
        .await;
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/registration/flows?id={reg_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("registrationFlow", &flow);
    assert_eq!(flow["id"], reg_id.as_str());
    // Kratos stores "the default schema" as an empty text, and omits it from the flow.
    assert!(flow.get("identity_schema").is_none(), "{flow}");
    assert!(
        flow["ui"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["attributes"]["name"] == "traits.email")
    );
    let login_ids = texts(
        &app,
        &format!("SELECT {} FROM selfservice_login_flows", text(&app, "id")),
    )
    .await;
    assert!(!login_ids.is_empty());
    for id in login_ids {
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/login/flows?id={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "login flow {id}");
        let flow: Value = r.json().await.unwrap();
        assert_valid("loginFlow", &flow);
    }
    // Kratos's stored flows are submitted, not only shown: a sign-up on its registration flow
    // (with the default schema it left unnamed) and a sign-in on one of its login flows.
    let r = app
        .api_client()
        .post(app.url(&format!("/self-service/registration?flow={reg_id}")))
        .json(&json!({"method": "password", "password": PASSWORD, "traits": {"email": "new@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let login_id = texts(
        &app,
        &format!(
            "SELECT {} FROM selfservice_login_flows WHERE type = 'api'",
            text(&app, "id")
        ),
    )
    .await
    .into_iter()
    .next()
    .expect("an API login flow Kratos wrote");
    let r = app
        .api_client()
        .post(app.url(&format!("/self-service/login?flow={login_id}")))
        .json(&json!({"method": "password", "identifier": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_database_kratos_wrote_is_served() {
    a_database_kratos_wrote_is_served(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_kratos_wrote_is_served() {
    a_database_kratos_wrote_is_served(Db::Postgres).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mysql_database_with_kratos_rows_is_served() {
    a_database_kratos_wrote_is_served(Db::Mysql).await
}

crate::db_test!(
    the_rows_hoplite_writes_are_in_kratos_encodings,
    json!({}),
    |app| {
        use sqlx::{Connection, Row};
        let token = app
            .registered_and_signed_in("enc@example.com", PASSWORD)
            .await;
        let (status, me) = app.whoami(&token).await;
        assert_eq!(status, 200);
        let identity = me["identity"]["id"].as_str().unwrap().to_string();
        let db = db_of(&app);
        let mut c = sqlx::AnyConnection::connect(&app.dsn).await.unwrap();
        let q = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql));
        let nid: String = q(format!("SELECT {} FROM networks", text(&app, "id")))
            .fetch_one(&mut c)
            .await
            .unwrap()
            .get(0);

        // Every row carries the network.
        for table in [
            "identities",
            "identity_credentials",
            "identity_credential_identifiers",
            "identity_verifiable_addresses",
            "identity_recovery_addresses",
            "sessions",
            "session_devices",
            "selfservice_registration_flows",
            "selfservice_login_flows",
        ] {
            let rows = q(format!("SELECT {} FROM {table}", text(&app, "nid")))
                .fetch_all(&mut c)
                .await
                .unwrap();
            assert!(!rows.is_empty(), "{table} has rows");
            for r in rows {
                let got: Option<String> = r.get(0);
                assert_eq!(got.as_deref(), Some(nid.as_str()), "{table}.nid");
            }
        }

        // The password credential: its type by Kratos's id, Kratos's config, its identifier.
        let r = q(format!(
            "SELECT {}, {} FROM identity_credentials WHERE {} = '{identity}'",
            text(&app, "identity_credential_type_id"),
            text(&app, "config"),
            text(&app, "identity_id")
        ))
        .fetch_one(&mut c)
        .await
        .unwrap();
        let type_id: String = r.get(0);
        assert_eq!(
            Some(type_id.as_str()),
            hoplite_sql::migrate::credential_type_id("password")
        );
        let config: Value = serde_json::from_str(&r.get::<String, _>(1)).unwrap();
        let hash = config["hashed_password"].as_str().unwrap();
        assert!(
            hash.starts_with("$argon2") || hash.starts_with("$2"),
            "{hash}"
        );
        let r = q(format!(
            "SELECT identifier, {} FROM identity_credential_identifiers",
            text(&app, "identity_credential_type_id")
        ))
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!(r.get::<String, _>(0), "enc@example.com");
        assert_eq!(r.get::<String, _>(1), type_id);

        // The addresses: Kratos's status, `verified` a false boolean.
        let r = q("SELECT status, via, CASE WHEN verified THEN 1 ELSE 0 END FROM identity_verifiable_addresses".into())
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(r.get::<String, _>(0), "pending");
        assert_eq!(r.get::<String, _>(1), "email");
        assert_eq!(r.get::<i32, _>(2), 0);

        // The session: Kratos's token shapes (they fit `varchar(39)`), AMR as Kratos's JSON, active.
        let rows = q(format!(
            "SELECT token, logout_token, {}, CASE WHEN active THEN 1 ELSE 0 END, aal FROM sessions",
            text(&app, "authentication_methods")
        ))
        .fetch_all(&mut c)
        .await
        .unwrap();
        assert!(!rows.is_empty());
        for r in rows {
            let (t, lo): (String, String) = (r.get(0), r.get(1));
            assert!(t.starts_with("ory_st_") && t.len() == 39, "{t}");
            assert!(lo.starts_with("ory_lo_") && lo.len() == 39, "{lo}");
            let amr: Value = serde_json::from_str(&r.get::<String, _>(2)).unwrap();
            assert_eq!(amr[0]["method"], "password");
            assert_eq!(amr[0]["aal"], "aal1");
            assert!(amr[0]["completed_at"].is_string());
            assert_eq!(r.get::<i32, _>(3), 1);
            assert_eq!(r.get::<String, _>(4), "aal1");
        }
        let devices: i64 = q("SELECT COUNT(*) FROM session_devices".into())
            .fetch_one(&mut c)
            .await
            .unwrap()
            .get(0);
        assert!(devices >= 1);

        // Times as Kratos's driver writes them on SQLite; whole seconds on MySQL.
        let created: String = q(format!(
            "SELECT {} FROM identities",
            text(&app, "created_at")
        ))
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
        let shape = |s: &str| -> String {
            s.chars()
                .map(|ch| if ch.is_ascii_digit() { '9' } else { ch })
                .collect()
        };
        match db {
            Db::Sqlite => {
                let (whole, zone) = created.split_at(19);
                assert_eq!(shape(whole), "9999-99-99 99:99:99", "{created}");
                assert!(zone.ends_with("+00:00"), "{created}");
                assert!(zone == "+00:00" || zone.starts_with('.'), "{created}");
            }
            Db::Mysql => assert_eq!(shape(&created), "9999-99-99 99:99:99", "{created}"),
            Db::Postgres => assert!(
                shape(&created).starts_with("9999-99-99 99:99:99"),
                "{created}"
            ),
        }

        // The default identity schema of a flow, as Kratos writes it: an empty text.
        for table in ["selfservice_registration_flows", "selfservice_login_flows"] {
            let rows = q(format!("SELECT identity_schema_id FROM {table}"))
                .fetch_all(&mut c)
                .await
                .unwrap();
            assert!(!rows.is_empty(), "{table} has rows");
            for r in rows {
                let got: Option<String> = r.get(0);
                assert_eq!(got.as_deref(), Some(""), "{table}.identity_schema_id");
            }
        }

        // Every foreign key of Kratos's schema holds (PostgreSQL and MySQL enforce them on each
        // write; SQLite is asked).
        if db == Db::Sqlite {
            let broken = q("PRAGMA foreign_key_check".into())
                .fetch_all(&mut c)
                .await
                .unwrap();
            assert!(broken.is_empty(), "{} foreign key violations", broken.len());
        }
    }
);

// The schema hoplite creates is Kratos's, compared with what Kratos made: on SQLite the
// `sqlite_master` of a fresh hoplite database against the reference schema
// (`../shared/reference/kratos-schema.sqlite.sql`) applied to another file; on PostgreSQL a
// `pg_dump --schema-only` against the dump of Kratos's own database in the test data. (Kratos's
// MySQL migrations do not run on MariaDB, so there is nothing of Kratos's to compare MySQL with.)
// `hoplite_values`, made when no secret is configured (as in these tests), is left out.
crate::db_test!(
    the_schema_hoplite_creates_is_the_one_kratos_makes,
    json!({}),
    |app| {
        match db_of(&app) {
            Db::Sqlite => {
                let reference = std::fs::read_to_string(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../../shared/reference/kratos-schema.sqlite.sql"
                ))
                .expect("../shared/reference beside the project");
                use sqlx::Connection;
                let dir = app.dir.join("reference");
                std::fs::create_dir_all(&dir).unwrap();
                let mut kratos = sqlx::AnyConnection::connect(&format!(
                    "sqlite://{}?mode=rwc",
                    dir.join("kratos.sqlite").display()
                ))
                .await
                .unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(reference))
                    .execute(&mut kratos)
                    .await
                    .unwrap();
                let mut ours = sqlx::AnyConnection::connect(&app.dsn).await.unwrap();
                let sql = "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'schema_migration%' AND name <> 'hoplite_values' AND sql IS NOT NULL ORDER BY type, name";
                let types = "SELECT id || ' ' || name FROM identity_credential_types ORDER BY id";
                for sql in [sql, types] {
                    let theirs = texts_on(&mut kratos, sql).await;
                    let mine = texts_on(&mut ours, sql).await;
                    assert!(theirs.len() > 8);
                    assert_eq!(theirs.len(), mine.len(), "{sql}");
                    for (t, m) in theirs.iter().zip(&mine) {
                        assert_eq!(t, m);
                    }
                }
                let _ = std::fs::remove_dir_all(dir);
            }
            Db::Postgres => {
                let dump = |url: &str| -> Option<String> {
                    let out = std::process::Command::new("pg_dump")
                        .args([
                            "--schema-only",
                            "--no-owner",
                            "--no-privileges",
                            "--exclude-table=hoplite_values",
                            url,
                        ])
                        .output()
                        .ok()?;
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    // `\restrict` lines carry a random key per dump.
                    Some(
                        String::from_utf8(out.stdout)
                            .unwrap()
                            .lines()
                            .filter(|l| !l.starts_with('\\'))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    )
                };
                let Some(ours) = dump(&app.dsn) else {
                    assert!(
                        std::env::var("CI").is_err(),
                        "pg_dump is missing but CI is set"
                    );
                    return;
                };
                let kratos = std::fs::read_to_string(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../hoplite-sql/tests/kratos/kratos-schema.postgres.sql"
                ))
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with('\\'))
                .collect::<Vec<_>>()
                .join("\n");
                let ours: Vec<&str> = ours.lines().collect();
                let kratos: Vec<&str> = kratos.lines().collect();
                assert_eq!(ours.len(), kratos.len(), "pg_dump line counts differ");
                for (n, (o, k)) in ours.iter().zip(&kratos).enumerate() {
                    assert_eq!(o, k, "pg_dump line {} differs", n + 1);
                }
            }
            Db::Mysql => {}
        }
    }
);
