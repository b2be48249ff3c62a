//! `TestApp::spawn`: a hoplite server on 127.0.0.1 with its own fresh database (SQLite in memory,
//! or a new PostgreSQL / MySQL database when `TEST_DATABASE_POSTGRESQL` / `TEST_DATABASE_MYSQL` are
//! set), a movable clock, and HTTP clients that behave like an app and like a browser.

use hoplite_core::clock::MovableClock;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The `User-Agent` the test clients send.
pub const USER_AGENT: &str = "hoplite-tests/1.0";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
    Mysql,
}

impl Db {
    fn env(self) -> Option<String> {
        match self {
            Db::Sqlite => Some(String::new()),
            Db::Postgres => std::env::var("TEST_DATABASE_POSTGRESQL")
                .ok()
                .filter(|v| !v.is_empty()),
            Db::Mysql => std::env::var("TEST_DATABASE_MYSQL")
                .ok()
                .filter(|v| !v.is_empty()),
        }
    }
}

/// A running server.
pub struct TestApp {
    pub public: String,
    pub admin: String,
    pub clock: Arc<MovableClock>,
    /// The database this server uses (sqlx URL form for the test's own connections).
    pub dsn: String,
    /// This test's own directory (config file, SQLite database); removed on drop.
    pub dir: std::path::PathBuf,
    /// The server's registry, for storage contract tests that talk to the persister directly.
    pub registry: Arc<hoplite_core::registry::Registry>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The PostgreSQL/MySQL database created for this test (its kind, the admin URL, its name).
    database: Option<(Db, String, String)>,
    /// Further databases the test made on the same server, dropped with it.
    more_databases: std::sync::Mutex<Vec<String>>,
}

impl TestApp {
    /// Drops the database `name`, made by the test on this test's server, when the test ends.
    pub fn drop_later(&self, name: &str) {
        self.more_databases
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(name.to_string());
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // The config file and the SQLite database of this test.
        let _ = std::fs::remove_dir_all(&self.dir);
        // The PostgreSQL/MySQL database, so that runs on a developer's server leave nothing
        // behind. On a thread of its own: this may run inside the test's runtime.
        if let Some((db, admin_url, name)) = self.database.take() {
            let more = std::mem::take(
                &mut *self
                    .more_databases
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                for name in more.iter().chain([&name]) {
                    rt.block_on(drop_database(db, &admin_url, name));
                }
            })
            .join();
        }
    }
}

/// Runs `statements` in order on one connection to the server `admin_url` names.
async fn on_server(admin_url: &str, statements: &[String]) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(admin_url).await?;
    for sql in statements {
        sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(sql.clone())).await?;
    }
    Ok(())
}

/// Drops a test's database; the server may still hold idle connections to it.
async fn drop_database(db: Db, admin_url: &str, name: &str) {
    let statements = match db {
        Db::Postgres => vec![format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")],
        // Never wait long for a statement the server left running.
        Db::Mysql => vec![
            "SET SESSION lock_wait_timeout = 10".to_string(),
            format!("DROP DATABASE IF EXISTS {name}"),
        ],
        Db::Sqlite => return,
    };
    if let Err(e) = on_server(admin_url, &statements).await {
        eprintln!("could not drop the test database {name}: {e}");
    }
}

/// Replaces the database name in a URL (`scheme://user:pw@host:port/<db>?query`).
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, format!("?{q}")))
        .unwrap_or((url, String::new()));
    let cut = base.rfind('/').expect("database url has a path");
    format!("{}/{}{}", &base[..cut], db, query)
}

/// Creates a database with a fresh name; its URL and name.
async fn fresh_database(db: Db, admin_url: &str) -> (String, String) {
    let name = format!("hoplite_test_{}", uuid::Uuid::new_v4().simple());
    on_server(admin_url, &[format!("CREATE DATABASE {name}")])
        .await
        .unwrap_or_else(|e| panic!("creating a database on {db:?} (TEST_DATABASE_*): {e}"));
    (with_database(admin_url, &name), name)
}

/// The configuration every test starts from (Kratos keys); `overrides` are merged over it.
pub fn base_config() -> Value {
    json!({
        "selfservice": {
            "default_browser_return_url": "http://127.0.0.1:4455/welcome",
            "allowed_return_urls": ["http://127.0.0.1:4455"],
            "flows": {
                "error": {"ui_url": "http://127.0.0.1:4455/error"},
                "registration": {
                    "ui_url": "http://127.0.0.1:4455/registration",
                    "after": {"password": {"hooks": [{"hook": "session"}]}}
                },
                "login": {"ui_url": "http://127.0.0.1:4455/login"}
            },
            "methods": {"password": {"config": {"haveibeenpwned_enabled": false}}}
        },
        "hashers": {"algorithm": "bcrypt", "bcrypt": {"cost": 4}},
        "identity": {
            "default_schema_id": "default",
            "schemas": [{"id": "default", "url": format!("file://{}", schema_path())}]
        }
    })
}

/// The quickstart identity schema from the reference folder.
pub fn schema_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/example-identity.schema.json"
    )
    .to_string()
}

fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

impl TestApp {
    /// Starts a server on `db` with `overrides` merged into [`base_config`]. Returns `None` when
    /// that database is not configured for this run.
    pub async fn spawn(db: Db, overrides: Value) -> Option<TestApp> {
        Self::spawn_with_rows(db, overrides, Vec::new()).await
    }

    /// [`TestApp::spawn`] on a database that already holds rows, as another server (Ory Kratos)
    /// wrote them: the schema is created first, then its network row is replaced by the rows'
    /// own (`rows` include one) and `rows` are inserted, before the server starts on it.
    pub async fn spawn_with_rows(db: Db, overrides: Value, rows: Vec<String>) -> Option<TestApp> {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .with_test_writer()
            .try_init();
        let admin_url = db.env()?;
        let dir =
            std::env::temp_dir().join(format!("hoplite-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        // SQLite in a file, like the embedded default (WAL, several connections).
        let (dsn, database) = match db {
            Db::Sqlite => (
                format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display()),
                None,
            ),
            _ => {
                let (dsn, name) = fresh_database(db, &admin_url).await;
                (dsn, Some((db, admin_url.clone(), name)))
            }
        };
        let public = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let admin = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public_url = format!("http://127.0.0.1:{}/", public.local_addr().unwrap().port());
        let admin_url = format!("http://127.0.0.1:{}/", admin.local_addr().unwrap().port());
        let mut config = base_config();
        merge(&mut config, &overrides);
        let path = dir.join("kratos.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        let env: HashMap<String, String> = [
            ("DSN", dsn.as_str()),
            ("SERVE_PUBLIC_BASE_URL", public_url.as_str()),
            ("SERVE_ADMIN_BASE_URL", admin_url.as_str()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if !rows.is_empty() {
            use sqlx::Connection;
            let parsed = hoplite_core::config::Dsn::parse(&dsn).unwrap();
            let p = hoplite_sql::SqlPersister::connect(&parsed, "http://127.0.0.1/")
                .await
                .unwrap();
            p.migrate().await.unwrap();
            drop(p);
            sqlx::any::install_default_drivers();
            let mut c = sqlx::AnyConnection::connect(&dsn).await.unwrap();
            for sql in std::iter::once("DELETE FROM networks".to_string()).chain(rows) {
                sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(sql.clone()))
                    .await
                    .unwrap_or_else(|e| panic!("{e}: {sql}"));
            }
        }
        let cfg = hoplite_core::config::load(Some(&path), &env, true).expect("test config loads");
        let clock = Arc::new(MovableClock::default());
        let registry = hoplite::build_registry(cfg, clock.clone(), true)
            .await
            .expect("registry builds");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let reg = registry.clone();
        tokio::spawn(async move {
            let _ = hoplite::serve(reg, public, admin, async move {
                let _ = rx.await;
            })
            .await;
        });
        Some(TestApp {
            public: public_url.trim_end_matches('/').to_string(),
            admin: admin_url.trim_end_matches('/').to_string(),
            clock,
            registry,
            dsn: dsn.clone(),
            dir,
            shutdown: Some(tx),
            database,
            more_databases: Default::default(),
        })
    }

    /// A client like a native app: no cookies, no redirects followed. It sends a `User-Agent`
    /// (as real clients do), so session devices carry one: Kratos's OpenAPI types
    /// `sessionDevice.user_agent` as a non-null string although Kratos answers `null` without one.
    pub fn api_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .unwrap()
    }

    /// A client like a browser: a cookie jar, redirects not followed (tests follow them by hand),
    /// a `User-Agent`.
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .user_agent(USER_AGENT)
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.public, path)
    }

    /// Creates an API flow and returns it.
    pub async fn api_flow(&self) -> Value {
        let r = self
            .api_client()
            .get(self.url("/self-service/registration/api"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Starts a browser flow at `path` as a single-page app does (`Accept: application/json`)
    /// and returns its JSON; the flow's CSRF cookie lands in `browser`'s jar.
    pub async fn spa_flow(&self, browser: &reqwest::Client, path: &str) -> Value {
        browser
            .get(self.url(path))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Submits a JSON body to a flow with a cookie-less client.
    pub async fn submit_api(&self, flow_id: &str, body: Value) -> reqwest::Response {
        self.api_client()
            .post(self.url(&format!("/self-service/registration?flow={flow_id}")))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Registers through an API flow (two-step: profile, then password); returns the 200 body.
    pub async fn register_api(&self, email: &str, password: &str) -> reqwest::Response {
        let flow = self.api_flow().await;
        let id = flow["id"].as_str().unwrap();
        let r = self
            .submit_api(id, json!({"method": "profile", "traits": {"email": email}}))
            .await;
        assert_eq!(
            r.status(),
            400,
            "the profile step answers 400 with the flow"
        );
        self.submit_api(
            id,
            json!({"method": "password", "password": password, "traits": {"email": email}}),
        )
        .await
    }

    /// Signs in through a new API login flow; returns the response.
    pub async fn login_api(&self, identifier: &str, password: &str) -> reqwest::Response {
        let r = self
            .api_client()
            .get(self.url("/self-service/login/api"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let flow: Value = r.json().await.unwrap();
        let id = flow["id"].as_str().unwrap();
        self.api_client()
            .post(self.url(&format!("/self-service/login?flow={id}")))
            .json(&json!({"method": "password", "identifier": identifier, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Registers through the API and signs in; returns the session token of the sign-in.
    pub async fn registered_and_signed_in(&self, email: &str, password: &str) -> String {
        assert_eq!(self.register_api(email, password).await.status(), 200);
        let r = self.login_api(email, password).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        body["session_token"].as_str().unwrap().to_string()
    }

    /// Submits `traits` with the profile method on a new API settings flow of the session
    /// `token`; returns the status and the body.
    pub async fn change_profile_api(&self, token: &str, traits: Value) -> (u16, Value) {
        let r = self
            .api_client()
            .get(self.url("/self-service/settings/api"))
            .header("X-Session-Token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let flow: Value = r.json().await.unwrap();
        let r = self
            .api_client()
            .post(self.url(&format!(
                "/self-service/settings?flow={}",
                flow["id"].as_str().unwrap()
            )))
            .header("X-Session-Token", token)
            .json(&json!({"method": "profile", "traits": traits}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// `GET /sessions/whoami` with a session token; returns the status and body.
    pub async fn whoami(&self, token: &str) -> (u16, Value) {
        let r = self
            .api_client()
            .get(self.url("/sessions/whoami"))
            .header("X-Session-Token", token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// Runs one SQL statement on this server's database (for states no API sets yet).
    pub async fn exec_sql(&self, sql: &str) {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&self.dsn).await.unwrap();
        sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(sql.to_string()))
            .await
            .unwrap();
    }

    /// The first column of the first row `sql` selects, as text.
    pub async fn query_text(&self, sql: &str) -> String {
        use sqlx::{Connection, Row};
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&self.dsn).await.unwrap();
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut c)
            .await
            .unwrap();
        row.get::<String, _>(0)
    }

    /// `v` with every time in it as the database keeps it: Kratos's MySQL columns hold whole
    /// seconds, so a time read back there has lost its fraction (Kratos answers the same way).
    pub fn at_db_precision(&self, v: &Value) -> Value {
        if !self.dsn.starts_with("mysql") {
            return v.clone();
        }
        match v {
            Value::String(s) if s.len() > 20 && s.ends_with('Z') && s.as_bytes()[10] == b'T' => {
                match s.split_once('.') {
                    Some((whole, _)) if whole.len() == 19 => Value::String(format!("{whole}Z")),
                    _ => v.clone(),
                }
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.at_db_precision(x)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), self.at_db_precision(x)))
                    .collect(),
            ),
            _ => v.clone(),
        }
    }

    /// Every identity the admin API lists.
    pub async fn identities(&self) -> Vec<Value> {
        let r = self
            .api_client()
            .get(format!("{}/admin/identities?page_size=1000", self.admin))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

/// The URL of the `rel` entry of a `Link` header (Kratos's links are relative: path and query).
pub fn link_rel(link: &str, rel: &str) -> Option<String> {
    link.split(',').find_map(|entry| {
        let (url, params) = entry.trim().split_once(';')?;
        (params.trim() == format!("rel=\"{rel}\"")).then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

/// Finds a node by name.
pub fn node<'a>(flow: &'a Value, name: &str) -> Option<&'a Value> {
    flow["ui"]["nodes"]
        .as_array()?
        .iter()
        .find(|n| n["attributes"]["name"] == name)
}

/// Defines one test per database: `<name>_sqlite`, `<name>_postgres`, `<name>_mysql`; the latter two
/// pass without running when their database is not configured.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $overrides:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run(db: $crate::app::Db) {
                let Some($app) = $crate::app::TestApp::spawn(db, $overrides).await else {
                    // CI must run every database; a missing variable there is a failure.
                    assert!(
                        std::env::var("CI").is_err(),
                        "{db:?} is not configured (TEST_DATABASE_POSTGRESQL / TEST_DATABASE_MYSQL) but CI is set"
                    );
                    eprintln!("skipped: {db:?} is not configured");
                    return;
                };
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::app::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run($crate::app::Db::Postgres).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mysql() {
                run($crate::app::Db::Mysql).await
            }
        }
    };
}
