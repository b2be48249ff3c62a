//! The `hoplite` binary as an operator runs it: configuration errors, `migrate sql`, `version`,
//! and `serve --dev` starting on the embedded default and stopping cleanly on SIGTERM.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hoplite");

/// A fresh directory, removed with everything in it when the test is done with it.
struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for TempDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> TempDir {
    let d = std::env::temp_dir().join(format!("hoplite-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn version_prints_the_version() {
    let out = Command::new(BIN).arg("version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_bad_config_key_is_named_at_startup() {
    let dir = temp_dir();
    let cfg = dir.join("kratos.yml");
    std::fs::write(&cfg, "serve:\n  public:\n    port: not-a-port\n").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--dev", "-c"])
        .arg(&cfg)
        .current_dir(&dir)
        .env_remove("DSN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("serve.public.port"), "{err}");
}

#[test]
fn an_env_override_is_validated_too() {
    let dir = temp_dir();
    let out = Command::new(BIN)
        .args(["serve", "--dev"])
        .current_dir(&dir)
        .env("SERVE_ADMIN_PORT", "abc")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("serve.admin.port"));
}

/// Runs `hoplite migrate sql <args> --yes` in `dir` with `DSN` set to `dsn` (or removed).
fn migrate(args: &[&str], dir: &std::path::Path, dsn: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["migrate", "sql"])
        .args(args)
        .arg("--yes")
        .current_dir(dir);
    match dsn {
        Some(d) => cmd.env("DSN", d),
        None => cmd.env_remove("DSN"),
    };
    cmd.output().unwrap()
}

fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn migrate_sql_creates_the_schema() {
    let dir = temp_dir();
    let db = dir.join("m.sqlite");
    let dsn = format!("sqlite://{}?mode=rwc", db.display());
    let out = migrate(&[&dsn], &dir, None);
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Successfully applied migrations"));
    // Again, with -e reading DSN: migrations are idempotent.
    assert_ok(&migrate(&["-e"], &dir, Some(&dsn)));
    assert!(db.exists());
    // -e reads DSN from the environment: the new file is created where it says.
    let other = dir.join("other.sqlite");
    assert_ok(&migrate(
        &["-e"],
        &dir,
        Some(&format!("sqlite://{}?mode=rwc", other.display())),
    ));
    assert!(other.exists());
    // Without a DSN it refuses instead of migrating the embedded default in the working directory.
    let out = migrate(&["-e"], &dir, None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("DSN is not set"));
    assert!(
        !dir.join("hoplite.sqlite").exists(),
        "never the embedded default"
    );
}

#[test]
fn serve_dev_runs_on_the_embedded_default_and_stops_on_sigterm() {
    let dir = temp_dir();
    let (public, admin) = (free_port(), free_port());
    let (mut child, log) = start_dev(&dir, public, admin);
    let resp = get(public, "/health/ready", "");
    assert!(
        resp.starts_with("HTTP/1.0 200") || resp.starts_with("HTTP/1.1 200"),
        "{resp}"
    );
    assert!(
        dir.join("hoplite.sqlite").exists(),
        "the embedded default is a SQLite file in the working directory"
    );
    stop(&mut child, "-TERM");
    assert!(
        log.contains("breached-password check"),
        "the log says HIBP is off: {log}"
    );
}

/// Starts `serve --dev` in `dir` (no configuration, the embedded default) and waits until it
/// says it listens; returns the child and its log so far.
fn start_dev(dir: &std::path::Path, public: u16, admin: u16) -> (std::process::Child, String) {
    start_dev_with(dir, public, admin, &[])
}

/// [`start_dev`] with extra environment variables (configuration overrides).
fn start_dev_with(
    dir: &std::path::Path,
    public: u16,
    admin: u16,
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--dev"])
        .current_dir(dir)
        .env_remove("DSN")
        .env("SERVE_PUBLIC_PORT", public.to_string())
        .env("SERVE_ADMIN_PORT", admin.to_string())
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = String::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not report listening: {log}");
        };
        log.push_str(&line);
        log.push('\n');
        if line.contains("hoplite is listening") {
            return (child, log);
        }
    }
}

/// One HTTP/1.0 GET; the response as text.
fn get(port: u16, path: &str, headers: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(
        &mut s,
        format!("GET {path} HTTP/1.0\r\nAccept: application/json\r\n{headers}\r\n").as_bytes(),
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp
}

fn stop(child: &mut std::process::Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    assert!(code.success(), "{signal}: exit {code:?}");
}

#[test]
fn generated_secrets_survive_a_restart_and_sigint_stops_cleanly() {
    let dir = temp_dir();
    let (public, admin) = (free_port(), free_port());
    let (mut first, _) = start_dev(&dir, public, admin);
    // A browser flow and its CSRF cookie, made with the secret generated on first start.
    let resp = get(public, "/self-service/registration/browser", "");
    assert!(
        resp.starts_with("HTTP/1.1 200") || resp.starts_with("HTTP/1.0 200"),
        "{resp}"
    );
    let cookie = resp
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .find(|c| c.starts_with("csrf_token"))
        .and_then(|c| c.split(';').next())
        .expect("a CSRF cookie")
        .to_string();
    let body = resp.split("\r\n\r\n").nth(1).unwrap();
    let flow: serde_json::Value = serde_json::from_str(body).unwrap();
    let id = flow["id"].as_str().unwrap().to_string();
    stop(&mut first, "-TERM");

    // After a restart the same secret is read back, so the old cookie still matches its flow.
    // Same ports: the CSRF cookie's name is derived from the public base URL.
    let (mut second, _) = start_dev(&dir, public, admin);
    let path = format!("/self-service/registration/flows?id={id}");
    let resp = get(public, &path, &format!("Cookie: {cookie}\r\n"));
    assert!(
        resp.starts_with("HTTP/1.1 200") || resp.starts_with("HTTP/1.0 200"),
        "{resp}"
    );
    // A cookie that is not the flow's is still refused: the check itself is on.
    let resp = get(
        public,
        &path,
        "Cookie: csrf_token_x=bm90IHRoZSBzZWNyZXQ=\r\n",
    );
    assert!(
        resp.starts_with("HTTP/1.1 403") || resp.starts_with("HTTP/1.0 403"),
        "{resp}"
    );
    // Ctrl-C (SIGINT) shuts down as cleanly as SIGTERM.
    stop(&mut second, "-INT");
}

#[test]
fn one_server_at_a_time_serves_a_sqlite_file_and_a_crash_frees_it() {
    let dir = temp_dir();
    let (mut first, _) = start_dev(&dir, free_port(), free_port());
    // A second server on the same file (other ports, so only the file is shared) is refused.
    let mut second = Command::new(BIN)
        .args(["serve", "--dev"])
        .current_dir(&dir)
        .env_remove("DSN")
        .env("SERVE_PUBLIC_PORT", free_port().to_string())
        .env("SERVE_ADMIN_PORT", free_port().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Were it allowed, it would serve until killed: fail instead of hanging.
    let deadline = Instant::now() + Duration::from_secs(30);
    while second.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = first.kill();
            panic!("a second server on the same SQLite file was allowed to start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = second.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already served by another hoplite process")
            && err.contains(&format!("process {}", first.id())),
        "{err}"
    );
    // Migrating the file it serves is not serving it, and is not refused.
    let dsn = format!("sqlite://{}?mode=rwc", dir.join("hoplite.sqlite").display());
    assert_ok(&migrate(&[&dsn], &dir, None));
    // A server killed outright leaves no stale lock behind: the kernel drops it with the process.
    std::process::Command::new("kill")
        .args(["-KILL", &first.id().to_string()])
        .status()
        .unwrap();
    let _ = first.wait();
    let (public, admin) = (free_port(), free_port());
    let (mut again, _) = start_dev(&dir, public, admin);
    assert!(get(public, "/health/ready", "").contains(" 200 "));
    stop(&mut again, "-TERM");
}

#[test]
fn serve_refuses_features_it_does_not_implement_unless_accepted() {
    let dir = temp_dir();
    let enable = [
        ("FEATURE_FLAGS_CHOOSE_RECOVERY_ADDRESS", "true"),
        ("SELFSERVICE_METHODS_LOOKUP_SECRET_ENABLED", "true"),
        ("SELFSERVICE_METHODS_TOTP_ENABLED", "true"),
    ];
    let out = Command::new(BIN)
        .args(["serve", "--dev"])
        .current_dir(&dir)
        .env_remove("DSN")
        .envs(enable)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "started although recovery is enabled"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    for key in [
        "feature_flags.choose_recovery_address",
        "selfservice.methods.lookup_secret.enabled",
        "selfservice.methods.totp.enabled",
        "hoplite.accept_unsupported_features",
        "--accept-unsupported-features",
    ] {
        assert!(err.contains(key), "{key} not named: {err}");
    }
    assert!(
        !dir.join("hoplite.sqlite").exists(),
        "refused before touching the database"
    );

    // Accepted: it starts, warns once per key, and the recovery endpoints answer as disabled.
    let (public, admin) = (free_port(), free_port());
    let mut accepted = enable.to_vec();
    accepted.push(("HOPLITE_ACCEPT_UNSUPPORTED_FEATURES", "true"));
    let (mut child, log) = start_dev_with(&dir, public, admin, &accepted);
    for key in [
        "feature_flags.choose_recovery_address",
        "selfservice.methods.lookup_secret.enabled",
        "selfservice.methods.totp.enabled",
    ] {
        assert_eq!(
            log.lines()
                .filter(|l| l.contains("WARN") && l.contains(key))
                .count(),
            1,
            "one warning for {key}: {log}"
        );
    }
    let resp = get(public, "/self-service/recovery/api", "");
    assert!(resp.starts_with("HTTP/1.0 400"), "{resp}");
    assert!(
        resp.contains("Recovery is not allowed because it was disabled."),
        "{resp}"
    );
    stop(&mut child, "-TERM");
}

#[test]
fn serve_and_migrate_refuse_an_older_kratos_database_and_leave_it_alone() {
    let dir = temp_dir();
    let file = dir.join("kratos.sqlite");
    let dsn = format!("sqlite://{}?mode=rwc", file.display());
    let tables = || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::{Connection, Executor, Row};
            let mut c = sqlx::SqliteConnection::connect(&dsn).await.unwrap();
            c.execute("CREATE TABLE IF NOT EXISTS schema_migration (version VARCHAR(48) NOT NULL)")
                .await
                .unwrap();
            c.execute("CREATE TABLE IF NOT EXISTS identities (id TEXT PRIMARY KEY, nid TEXT)")
                .await
                .unwrap();
            sqlx::query("SELECT name FROM sqlite_master ORDER BY name")
                .fetch_all(&mut c)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>(0))
                .collect::<Vec<_>>()
        })
    };
    let before = tables();
    let bytes = std::fs::read(&file).unwrap();
    let serve = Command::new(BIN)
        .args(["serve", "--dev"])
        .current_dir(&dir)
        .env("DSN", &dsn)
        .output()
        .unwrap();
    assert!(!serve.status.success());
    let err = String::from_utf8_lossy(&serve.stderr);
    // Kratos's bookkeeping without this Kratos release's versions: an older Kratos made it.
    assert!(err.contains("older Ory Kratos"), "{err}");
    let migrate = Command::new(BIN)
        .args(["migrate", "sql", &dsn, "--yes"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!migrate.status.success());
    let err = String::from_utf8_lossy(&migrate.stderr);
    assert!(
        err.contains("older Ory Kratos") && err.contains("kratos migrate sql"),
        "{err}"
    );
    // Not a byte changed (not even the journal mode), and nothing made next to it.
    assert_eq!(
        std::fs::read(&file).unwrap(),
        bytes,
        "the file is as it was"
    );
    let mut beside: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, ["kratos.sqlite"]);
    assert_eq!(tables(), before, "the database is as it was");
}

/// A one-connection-at-a-time SMTP server on a thread: returns its port and the DATA sections it
/// received.
fn smtp_sink() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let store = mails.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut out = stream.try_clone().unwrap();
            let mut lines = BufReader::new(stream);
            let _ = out.write_all(b"220 sink\r\n");
            let mut line = String::new();
            while lines.read_line(&mut line).unwrap_or(0) > 0 {
                let upper = line.to_ascii_uppercase();
                if upper.starts_with("DATA") {
                    let _ = out.write_all(b"354 go\r\n");
                    let mut data = String::new();
                    line.clear();
                    while lines.read_line(&mut line).unwrap_or(0) > 0 && line != ".\r\n" {
                        data.push_str(&line);
                        line.clear();
                    }
                    store.lock().unwrap().push(data);
                    let _ = out.write_all(b"250 queued\r\n");
                } else if upper.starts_with("QUIT") {
                    let _ = out.write_all(b"221 bye\r\n");
                    break;
                } else if upper.starts_with("EHLO") {
                    let _ = out.write_all(b"250-sink\r\n250 8BITMIME\r\n");
                } else {
                    let _ = out.write_all(b"250 OK\r\n");
                }
                line.clear();
            }
        }
    });
    (port, mails)
}

#[test]
fn courier_watch_and_serve_watch_courier_deliver_queued_mail() {
    let dir = temp_dir();
    let db = dir.join("c.sqlite");
    let dsn = format!("sqlite://{}?mode=rwc", db.display());
    assert_ok(&migrate(&[&dsn], &dir, None));
    let (smtp, mails) = smtp_sink();
    let cfg = dir.join("kratos.yml");
    std::fs::write(
        &cfg,
        format!(
            "dsn: {dsn}\ncourier:\n  smtp:\n    connection_uri: smtp://127.0.0.1:{smtp}/?disable_starttls=true\n  worker:\n    pull_wait: 50ms\n"
        ),
    )
    .unwrap();
    // A queued message, as a flow would have written it.
    let insert = |id: &str, to: &str| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut c = sqlx::AnyConnection::connect(&dsn).await.unwrap();
            let sql = format!(
                "INSERT INTO courier_messages (id, type, status, body, subject, recipient, created_at, updated_at, template_type, template_data, nid, send_count, channel, request_headers) SELECT '{id}', 1, 1, 'the body', 'the subject', '{to}', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'stub', NULL, id, 0, 'email', '{{}}' FROM networks"
            );
            sqlx::Executor::execute(&mut c, sqlx::AssertSqlSafe(sql))
                .await
                .unwrap();
        });
    };
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while mails.lock().unwrap().len() < n {
            assert!(Instant::now() < deadline, "no mail arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
    };

    insert("6f1c1a0e-7a52-4d0c-9d55-000000000001", "watch@example.com");
    let mut watch = Command::new(BIN)
        .args(["courier", "watch", "--dev", "-c"])
        .arg(&cfg)
        .current_dir(&dir)
        .env_remove("DSN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(1);
    stop(&mut watch, "-TERM");
    assert!(mails.lock().unwrap()[0].contains("Subject: the subject"));

    insert("6f1c1a0e-7a52-4d0c-9d55-000000000002", "serve@example.com");
    let (public, admin) = (free_port(), free_port());
    let mut serve = Command::new(BIN)
        .args(["serve", "--dev", "--watch-courier", "-c"])
        .arg(&cfg)
        .current_dir(&dir)
        .env_remove("DSN")
        .env("SERVE_PUBLIC_PORT", public.to_string())
        .env("SERVE_ADMIN_PORT", admin.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(2);
    stop(&mut serve, "-TERM");
    assert!(mails.lock().unwrap()[1].contains("serve@example.com"));
}
