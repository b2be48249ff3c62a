//! The admin identity API over real HTTP on every configured database: create (with clear-text and
//! hashed passwords), update, JSON Patch, delete, credential removal, list filters and batch
//! creation, with Kratos's error bodies. Every body is checked against Kratos's OpenAPI schemas.

use crate::db_test;
use crate::openapi::assert_valid;
use serde_json::{Value, json};

/// A bcrypt hash (cost 4) of "correct horse battery staple".
const BCRYPT: &str = "$2a$04$GPQWLgX3y6.Kv5Dx7SwAN.M7z6B4yq8ChR9MwGWzPJ1ElO2e7sHBG";

/// Sends `method` to an admin path with an optional JSON body; returns status, headers and body
/// (`Value::Null` when there is none).
async fn call(
    app: &crate::app::TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut rb = app
        .api_client()
        .request(method, format!("{}{}", app.admin, path));
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
    };
    (status, headers, body)
}

/// Sends a raw (possibly malformed) body.
async fn call_raw(
    app: &crate::app::TestApp,
    method: reqwest::Method,
    path: &str,
    body: &str,
) -> (u16, Value) {
    let r = app
        .api_client()
        .request(method, format!("{}{}", app.admin, path))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Creates an identity with `email` and a clear-text password; returns the 201 body.
async fn create(app: &crate::app::TestApp, email: &str) -> Value {
    let (status, _, body) = call(
        app,
        reqwest::Method::POST,
        "/admin/identities",
        Some(json!({
            "schema_id": "default",
            "traits": {"email": email},
            "credentials": {"password": {"config": {"password": "correct horse battery staple"}}}
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_valid("identity", &body);
    body
}

/// Asserts a Kratos error body with `code` and returns its inner object.
#[track_caller]
fn error(status: u16, body: &Value, code: u16) -> Value {
    assert_eq!(status, code, "{body}");
    assert_valid("errorGeneric", body);
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"].clone()
}

db_test!(
    create_with_a_clear_password_shows_identifiers_and_logs_in_later,
    json!({}),
    |app| {
        let (status, headers, body) = call(
            &app,
            reqwest::Method::POST,
            "/admin/identities",
            Some(json!({
                "schema_id": "default",
                "traits": {"email": "Ada@Example.com", "name": {"first": "Ada"}},
                "metadata_public": {"plan": "pro"},
                "metadata_admin": {"note": "vip"},
                "external_id": "ext-1",
                "verifiable_addresses": [
                    {"value": "ada@example.com", "via": "email", "verified": true, "status": "completed"}
                ],
                "credentials": {"password": {"config": {"password": "correct horse battery staple"}}}
            })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_valid("identity", &body);
        let id = body["id"].as_str().unwrap().to_string();
        assert_eq!(
            headers["location"].to_str().unwrap(),
            format!("{}/identities/{id}", app.admin)
        );
        assert_eq!(body["state"], "active");
        assert_eq!(body["external_id"], "ext-1");
        assert_eq!(body["metadata_admin"], json!({"note": "vip"}));
        assert_eq!(
            body["credentials"]["password"]["identifiers"],
            json!(["ada@example.com"])
        );
        assert!(body["credentials"]["password"].get("config").is_none());
        // The supplied verification status is kept for the address the traits yield.
        assert_eq!(body["verifiable_addresses"][0]["verified"], true);
        assert_eq!(body["verifiable_addresses"][0]["status"], "completed");
        assert_eq!(body["recovery_addresses"][0]["value"], "ada@example.com");

        let (status, _, got) = call(
            &app,
            reqwest::Method::GET,
            &format!("/admin/identities/{id}?include_credential=password"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_valid("identity", &got);
        assert_eq!(
            got["credentials"]["password"]["identifiers"],
            json!(["ada@example.com"])
        );
        let hash = got["credentials"]["password"]["config"]["hashed_password"]
            .as_str()
            .unwrap();
        assert!(hash.starts_with("$2a$04$"), "{hash}");
        assert!(
            app.registry
                .hasher
                .verify("correct horse battery staple".into(), hash.into())
                .await
                .unwrap()
        );
    }
);

db_test!(
    create_with_a_bcrypt_hash_stores_it_as_given,
    json!({}),
    |app| {
        let (status, _, body) = call(
            &app,
            reqwest::Method::POST,
            "/admin/identities",
            Some(json!({
                "schema_id": "default",
                "traits": {"email": "hashed@example.com"},
                "state": "inactive",
                "credentials": {"password": {"config": {"hashed_password": BCRYPT}}}
            })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert_valid("identity", &body);
        assert_eq!(body["state"], "inactive");
        let (_, _, got) = call(
            &app,
            reqwest::Method::GET,
            &format!(
                "/admin/identities/{}?include_credential=password",
                body["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
        assert_eq!(
            got["credentials"]["password"]["config"]["hashed_password"],
            BCRYPT
        );
    }
);

db_test!(
    create_refuses_bad_input_with_kratos_errors,
    json!({}),
    |app| {
        let post = |body: Value| call(&app, reqwest::Method::POST, "/admin/identities", Some(body));
        let (s, _, b) =
            post(json!({"schema_id": "nope", "traits": {"email": "a@example.com"}})).await;
        assert_eq!(
            error(s, &b, 400)["reason"],
            "Unable to find JSON Schema ID: nope"
        );

        let (s, _, b) =
            post(json!({"schema_id": "default", "traits": {"email": "not-an-email"}})).await;
        let reason = error(s, &b, 400)["reason"].as_str().unwrap().to_string();
        assert!(
            reason.starts_with("I[#] S[#] doesn't validate with"),
            "{reason}"
        );
        assert!(reason.contains("I[#/traits/email]"), "{reason}");

        let (s, _, b) = post(json!({"schema_id": "default", "traits": {}})).await;
        error(s, &b, 400);

        let (s, _, b) = post(json!({
            "schema_id": "default",
            "traits": {"email": "u@example.com"},
            "credentials": {"password": {"config": {"hashed_password": "{SSHA}abcdef"}}}
        }))
        .await;
        assert_eq!(
            error(s, &b, 400)["reason"],
            "The imported password does not match any known hash format."
        );

        let (s, _, b) = post(
            json!({"schema_id": "default", "traits": {"email": "u@example.com"}, "state": "gone"}),
        )
        .await;
        assert_eq!(error(s, &b, 400)["reason"], "identity state is not valid");

        let (s, _, b) =
            post(json!({"schema_id": "default", "traits": {"email": "u@example.com"}, "nope": 1}))
                .await;
        assert_eq!(error(s, &b, 400)["message"], "json: unknown field \"nope\"");

        let (s, b) = call_raw(
            &app,
            reqwest::Method::POST,
            "/admin/identities",
            "{not json",
        )
        .await;
        error(s, &b, 400);

        // None of these left an identity behind.
        assert!(app.identities().await.is_empty());
    }
);

db_test!(
    create_with_a_taken_identifier_is_a_conflict,
    json!({}),
    |app| {
        create(&app, "dup@example.com").await;
        let (s, _, b) = call(
            &app,
            reqwest::Method::POST,
            "/admin/identities",
            Some(json!({"schema_id": "default", "traits": {"email": "DUP@example.com"}})),
        )
        .await;
        let e = error(s, &b, 409);
        assert_eq!(
            e["reason"],
            "This identity conflicts with another identity that already exists."
        );
        assert_eq!(app.identities().await.len(), 1);
        // So is a taken external id.
        let first = call(
        &app,
        reqwest::Method::POST,
        "/admin/identities",
        Some(json!({"schema_id": "default", "traits": {"email": "x1@example.com"}, "external_id": "e"})),
    )
    .await;
        assert_eq!(first.0, 201);
        let (s, _, b) = call(
        &app,
        reqwest::Method::POST,
        "/admin/identities",
        Some(json!({"schema_id": "default", "traits": {"email": "x2@example.com"}, "external_id": "e"})),
    )
    .await;
        error(s, &b, 409);
    }
);
