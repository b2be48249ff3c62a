//! The `hoplite identities` CLI against a running server on every database: an operator imports a
//! JSON file of users with Kratos-format password hashes (one of them broken), gets a summary, and
//! the imported users sign in; list, get, patch and delete work on the same server.

use crate::app::TestApp;
use crate::db_test;
use serde_json::{Value, json};

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the hoplite binary with `args` against the test server's admin API.
async fn hoplite(app: &TestApp, args: &[&str]) -> Output {
    let mut full: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    full.extend(["--endpoint".to_string(), app.admin.clone()]);
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_hoplite"))
            .args(&full)
            .output()
            .expect("hoplite runs")
    })
    .await
    .unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

db_test!(
    cli_imports_kratos_hashes_and_the_users_sign_in,
    json!({}),
    |app| {
        let fixture: Vec<Value> = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/legacy_hashes.json"
        )))
        .unwrap();
        let mut users: Vec<Value> = fixture
            .iter()
            .enumerate()
            .map(|(i, e)| {
                json!({
                    "schema_id": "default",
                    "traits": {"email": format!("cli{i}@example.com")},
                    "credentials": {"password": {"config": {"hashed_password": e["hash"]}}}
                })
            })
            .collect();
        // One user with a clear-text password, and two broken entries in the middle.
        users.insert(
            3,
            json!({"schema_id": "default", "traits": {"email": "clear@example.com"},
               "credentials": {"password": {"config": {"password": "Clear-Text-Passw0rd!"}}}}),
        );
        users.insert(
            5,
            json!({"schema_id": "default", "traits": {"email": "broken@example.com"},
               "credentials": {"password": {"config": {"hashed_password": "$unknown$format"}}}}),
        );
        users.insert(
            7,
            json!({"schema_id": "default", "traits": {"email": "not-an-email"}}),
        );
        // Inside the test's own directory, which goes when the test ends.
        let dir = app
            .dir
            .join(format!("cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("users.json");
        std::fs::write(&file, serde_json::to_vec(&users).unwrap()).unwrap();

        let out = hoplite(
            &app,
            &[
                "identities",
                "import",
                file.to_str().unwrap(),
                "--format",
                "json",
            ],
        )
        .await;
        // A failed item never stops the rest; the exit code says something failed.
        assert_eq!(out.code, 1, "{}", out.stderr);
        let created: Vec<Value> = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(created.len(), fixture.len() + 1, "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "imported {} identities, 2 failed",
                fixture.len() + 1
            )),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("users.json#5"), "{}", out.stderr);
        assert!(out.stderr.contains("users.json#7"), "{}", out.stderr);

        for (i, e) in fixture.iter().enumerate() {
            let r = app
                .login_api(
                    &format!("cli{i}@example.com"),
                    e["password"].as_str().unwrap(),
                )
                .await;
            assert_eq!(r.status(), 200, "{}", e["format"]);
        }
        assert_eq!(
            app.login_api("clear@example.com", "Clear-Text-Passw0rd!")
                .await
                .status(),
            200
        );

        // Kratos's spelling lists the same identities.
        let out = hoplite(
            &app,
            &[
                "list",
                "identities",
                "--format",
                "json",
                "--page-size",
                "1000",
            ],
        )
        .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        let listed: Vec<Value> = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(listed.len(), fixture.len() + 1);
        let out = hoplite(&app, &["identities", "list", "--page-size", "2"]).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stdout.starts_with("ID\tVERIFIED ADDRESS 1"),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("NEXT PAGE TOKEN"), "{}", out.stdout);

        let id = created[0]["id"].as_str().unwrap().to_string();
        let out = hoplite(
            &app,
            &["get", "identity", &id, "--format", "json", "-i", "password"],
        )
        .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        let got: Value = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(got["id"], id.as_str());
        assert!(got["credentials"]["password"]["config"]["hashed_password"].is_string());

        let patch = dir.join("patch.json");
        std::fs::write(
            &patch,
            r#"[{"op":"replace","path":"/state","value":"inactive"}]"#,
        )
        .unwrap();
        let out = hoplite(
            &app,
            &[
                "identities",
                "patch",
                &id,
                patch.to_str().unwrap(),
                "--format",
                "json",
            ],
        )
        .await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        let patched: Value = serde_json::from_str(out.stdout.trim()).unwrap();
        assert_eq!(patched["state"], "inactive");
        assert_eq!(
            app.login_api("cli0@example.com", fixture[0]["password"].as_str().unwrap())
                .await
                .status(),
            400,
            "an inactive identity cannot sign in"
        );

        let missing = uuid::Uuid::new_v4().to_string();
        let out = hoplite(&app, &["identities", "delete", &id, &missing]).await;
        assert_eq!(out.code, 1);
        assert_eq!(out.stdout.trim(), id);
        assert!(out.stderr.contains(&missing), "{}", out.stderr);
        let out = hoplite(&app, &["identities", "get", &id]).await;
        assert_eq!(out.code, 1);

        // A clean file goes through the batch endpoint in one request and exits 0; standard input
        // works too (Kratos's `import identities` with no file).
        let clean: Vec<Value> = (0..3)
        .map(|i| json!({"schema_id": "default", "traits": {"email": format!("batch{i}@example.com")}}))
        .collect();
        let out = tokio::task::spawn_blocking({
            let admin = app.admin.clone();
            move || {
                use std::io::Write;
                let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hoplite"))
                    .args(["import", "identities", "--endpoint", &admin])
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(&serde_json::to_vec(&clean).unwrap())
                    .unwrap();
                child.wait_with_output().unwrap()
            }
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.contains("imported 3 identities, 0 failed"),
            "{stderr}"
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).lines().count(),
            4,
            "header + 3 rows"
        );

        // Without an endpoint the CLI says how to give one.
        let out = tokio::task::spawn_blocking(|| {
            std::process::Command::new(env!("CARGO_BIN_EXE_hoplite"))
                .args(["identities", "list"])
                .env_remove("KRATOS_ADMIN_URL")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("KRATOS_ADMIN_URL"));
        let _ = std::fs::remove_dir_all(&dir);
    }
);

/// On a terminal, an import draws a progress bar. `script` (util-linux) gives the command a
/// pseudo-terminal and copies what it writes, so the bar can be read back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_on_a_terminal_draws_a_progress_bar() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(std::env::var("CI").is_err(), "`script` is missing in CI");
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let app = TestApp::spawn(crate::app::Db::Sqlite, json!({}))
        .await
        .expect("SQLite always runs");
    let file = app.dir.join("progress.json");
    let users: Vec<Value> = (0..5)
        .map(
            |n| json!({"schema_id": "default", "traits": {"email": format!("bar{n}@example.com")}}),
        )
        .chain([json!({"schema_id": "default", "traits": {"email": "not an email"}})])
        .collect();
    std::fs::write(&file, serde_json::to_vec(&users).unwrap()).unwrap();
    let command = format!(
        "{} identities import {} --endpoint {}",
        env!("CARGO_BIN_EXE_hoplite"),
        file.display(),
        app.admin
    );
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("script")
            .args(["-q", "-e", "-c", &command, "/dev/null"])
            .output()
            .expect("script runs")
    })
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&out.stdout);
    // One failed item: exit code 1, and the bar ends full with the counts.
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("\r[==============================] 5/6 imported, 1 failed"),
        "{text:?}"
    );
    assert!(text.contains("imported 5 identities, 1 failed"), "{text:?}");
}
