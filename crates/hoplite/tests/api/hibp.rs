//! The breached-password check over real HTTP (spec §15.1 step 3) against a local stand-in for
//! the Pwned Passwords range API, named through hoplite's `haveibeenpwned_host: "http://…"`
//! extension; and identity schemas loaded from an `http://` URL (§17).

use crate::app::{Db, TestApp, node, schema_path};
use crate::openapi::assert_valid;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use hoplite_core::strategy::password::hibp::range_prefix_and_suffix;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Listed 3 times by the stand-in.
const BREACHED: &str = "kN4q-breached-Passphrase";
/// Not listed.
const CLEAN: &str = "kN4q-unlisted-Passphrase";
/// Its range answer has a count that is not a number.
const MALFORMED: &str = "kN4q-malformed-Passphrase";

/// The stand-in range API (and a schema host), counting the requests per path.
#[derive(Clone)]
struct Upstream {
    base: String,
    requests: Arc<Mutex<HashMap<String, usize>>>,
}

impl Upstream {
    async fn start() -> Upstream {
        let requests = Arc::new(Mutex::new(HashMap::new()));
        let router = axum::Router::new()
            .route("/range/{prefix}", get(range))
            .route("/schema.json", get(schema))
            .route("/missing.json", get(|| async { StatusCode::NOT_FOUND }))
            .with_state(requests.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Upstream { base, requests }
    }

    /// How many range requests the prefix of `password`'s hash has had.
    fn range_requests(&self, password: &str) -> usize {
        let (prefix, _) = range_prefix_and_suffix(password);
        let path = format!("/range/{prefix}");
        self.requests
            .lock()
            .unwrap()
            .get(&path)
            .copied()
            .unwrap_or(0)
    }
}

async fn range(
    State(requests): State<Arc<Mutex<HashMap<String, usize>>>>,
    Path(prefix): Path<String>,
) -> String {
    *requests
        .lock()
        .unwrap()
        .entry(format!("/range/{prefix}"))
        .or_default() += 1;
    // Lines as the real API sends them: CRLF, other suffixes around ours.
    let mut body = String::from(
        "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2\r\n",
    );
    let (breached_prefix, breached_suffix) = range_prefix_and_suffix(BREACHED);
    if prefix == breached_prefix {
        body.push_str(&format!("{breached_suffix}:3\r\n"));
    }
    if prefix == range_prefix_and_suffix(MALFORMED).0 {
        body.push_str("011053FD0102E94D6AE2F8B83D76FAF94F6:lots\r\n");
    }
    body.push_str("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:1,024\r\n");
    body
}

async fn schema(State(requests): State<Arc<Mutex<HashMap<String, usize>>>>) -> String {
    *requests
        .lock()
        .unwrap()
        .entry("/schema.json".into())
        .or_default() += 1;
    std::fs::read_to_string(schema_path()).unwrap()
}

/// A base URL nothing listens on.
async fn dead_base() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

fn hibp_config(host: &str, extra: Value) -> Value {
    let mut config = json!({"haveibeenpwned_enabled": true, "haveibeenpwned_host": host});
    config
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({"selfservice": {"methods": {"password": {"config": config}}}})
}

async fn spawn(host: &str, extra: Value) -> TestApp {
    TestApp::spawn(Db::Sqlite, hibp_config(host, extra))
        .await
        .expect("SQLite is always available")
}

/// Registers through an API flow and returns the status and the body.
async fn register(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    let r = app.register_api(email, password).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

fn breached_messages() -> Value {
    json!([{
        "id": 4000034,
        "text": "The password has been found in data breaches and must no longer be used.",
        "type": "error",
        "context": {"breaches": 3}
    }])
}

#[test]
fn the_test_passwords_fall_in_different_ranges() {
    let prefixes: std::collections::HashSet<String> = [BREACHED, CLEAN, MALFORMED]
        .iter()
        .map(|p| range_prefix_and_suffix(p).0)
        .collect();
    assert_eq!(prefixes.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breached_password_is_rejected_with_its_count_and_the_answer_is_cached_for_an_hour() {
    let upstream = Upstream::start().await;
    let app = spawn(&upstream.base, json!({})).await;

    let (status, flow) = register(&app, "breached@example.com", BREACHED).await;
    assert_eq!(status, 400, "{flow}");
    assert_valid("registrationFlow", &flow);
    assert_eq!(
        node(&flow, "password").unwrap()["messages"],
        breached_messages()
    );
    assert_eq!(upstream.range_requests(BREACHED), 1);

    // A second attempt within the hour is answered from the cache.
    let (status, flow) = register(&app, "breached@example.com", BREACHED).await;
    assert_eq!(status, 400);
    assert_eq!(
        node(&flow, "password").unwrap()["messages"],
        breached_messages()
    );
    assert_eq!(upstream.range_requests(BREACHED), 1);

    // An hour later the range is asked again.
    app.clock.advance(time::Duration::minutes(61));
    let (status, flow) = register(&app, "breached@example.com", BREACHED).await;
    assert_eq!(status, 400);
    assert_eq!(
        node(&flow, "password").unwrap()["messages"],
        breached_messages()
    );
    assert_eq!(upstream.range_requests(BREACHED), 2);
    assert!(app.identities().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlisted_password_registers() {
    let upstream = Upstream::start().await;
    let app = spawn(&upstream.base, json!({})).await;
    let (status, body) = register(&app, "clean@example.com", CLEAN).await;
    assert_eq!(status, 200, "{body}");
    assert_valid("successfulNativeRegistration", &body);
    assert_eq!(upstream.range_requests(CLEAN), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_breaches_lets_a_password_with_fewer_breaches_pass() {
    let upstream = Upstream::start().await;
    let app = spawn(&upstream.base, json!({"max_breaches": 5})).await;
    let (status, body) = register(&app, "lenient@example.com", BREACHED).await;
    assert_eq!(status, 200, "{body}");
    assert_valid("successfulNativeRegistration", &body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_range_api_is_ignored_by_default() {
    let app = spawn(&dead_base().await, json!({})).await;
    let (status, body) = register(&app, "offline@example.com", BREACHED).await;
    assert_eq!(status, 200, "{body}");
    assert_valid("successfulNativeRegistration", &body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_range_api_is_a_502_when_network_errors_are_not_ignored() {
    let app = spawn(&dead_base().await, json!({"ignore_network_errors": false})).await;
    let (status, body) = register(&app, "strict@example.com", CLEAN).await;
    assert_eq!(status, 502, "{body}");
    assert_valid("errorGeneric", &body);
    assert_eq!(
        body["error"],
        json!({
            "id": "upstream_error",
            "code": 502,
            "status": "Bad Gateway",
            "reason": "Unable to check if password has been leaked because an unexpected network error occurred",
            "message": "Leaked password server unavailable"
        })
    );
    assert!(app.identities().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_answer_with_a_malformed_count_is_a_502_even_when_network_errors_are_ignored() {
    let upstream = Upstream::start().await;
    let app = spawn(&upstream.base, json!({"ignore_network_errors": true})).await;
    let (status, body) = register(&app, "malformed@example.com", MALFORMED).await;
    assert_eq!(status, 502, "{body}");
    assert_valid("errorGeneric", &body);
    assert_eq!(body["error"]["id"], "upstream_error");
    assert_eq!(body["error"]["message"], "Upstream error");
    assert_eq!(
        body["error"]["reason"],
        "Expected password hash to contain a count formatted as int but got: lots"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_schema_is_loaded_from_an_http_url() {
    let upstream = Upstream::start().await;
    let url = format!("{}/schema.json", upstream.base);
    let app = TestApp::spawn(
        Db::Sqlite,
        json!({"identity": {"schemas": [{"id": "default", "url": url}]}}),
    )
    .await
    .unwrap();
    assert_eq!(upstream.requests.lock().unwrap()["/schema.json"], 1);

    // Served as loaded, and used for registration.
    let r = app
        .api_client()
        .get(app.url("/schemas/ZGVmYXVsdA"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let served: Value = r.json().await.unwrap();
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path()).unwrap()).unwrap();
    assert_eq!(served, file);
    let (status, body) = register(&app, "remote-schema@example.com", CLEAN).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["identity"]["schema_id"], "default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identity_schema_url_answering_404_stops_the_start() {
    let upstream = Upstream::start().await;
    let url = format!("{}/missing.json", upstream.base);
    let mut config = crate::app::base_config();
    config["identity"]["schemas"][0]["url"] = json!(url);
    let path = std::env::temp_dir().join(format!("hoplite-test-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
    let env = HashMap::from([("DSN".to_string(), "memory".to_string())]);
    let cfg = hoplite_core::config::load(Some(&path), &env, true).unwrap();
    let _ = std::fs::remove_file(&path);
    let clock = Arc::new(hoplite_core::clock::MovableClock::default());
    let Err(err) = hoplite::build_registry(cfg, clock, true).await else {
        panic!("a missing schema must stop the start");
    };
    assert_eq!(
        err,
        format!(
            "identity schemas: identity schema \"default\" ({url}) can not be loaded: fetching it \
             answered HTTP status 404 instead of 200"
        )
    );
}
