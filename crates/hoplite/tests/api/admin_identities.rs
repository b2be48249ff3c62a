//! The admin identity API over real HTTP on every configured database: create (with clear-text and
//! hashed passwords), update, JSON Patch, delete, credential removal, list filters and batch
//! creation, with Kratos's error bodies. Every body is checked against Kratos's OpenAPI schemas.

use crate::db_test;
use crate::openapi::assert_valid;
use serde_json::{Value, json};

/// A well-formed bcrypt hash (cost 4); the tests only store and read it back, never verify it.
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
        // The Location (without `/admin`, as Kratos writes it) answers on the admin port.
        let at_location = app
            .api_client()
            .get(headers["location"].to_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(at_location.status(), 200);
        assert_eq!(at_location.json::<Value>().await.unwrap()["id"], body["id"]);
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
            "The imported password hash could not be parsed."
        );
        let hash = |h: &str| {
            post(json!({
                "schema_id": "default",
                "traits": {"email": "u@example.com"},
                "credentials": {"password": {"config": {"hashed_password": h}}}
            }))
        };
        let (s, _, b) = hash("$unknown$abc").await;
        assert_eq!(
            error(s, &b, 400)["reason"],
            "The imported password does not match any known hash format."
        );
        // Cost parameters past Kratos's bounds (`hash/hash_limits.go`): refused, nothing stored.
        let bounds = "The imported password hash declares cost parameters that exceed the bounds enforced by Ory. Re-hash the password with a more conservative configuration before importing.";
        for h in [
            "$2a$16$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
            "$argon2id$v=19$m=2097152,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=65536,t=11,p=1$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=65536,t=1,p=17$c29tZXNhbHRzb21lc2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
            "$pbkdf2-sha256$i=10000001,l=32$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
            "$scrypt$ln=262144,r=8,p=1$c29tZXNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==",
            "$firescrypt$ln=18,r=8,p=1$c2FsdA==$aGFzaA==$c2Vw$a2V5",
        ] {
            let (s, _, b) = hash(h).await;
            assert_eq!(error(s, &b, 400)["reason"], bounds, "{h}");
            assert_eq!(
                b["error"]["message"],
                "The request was malformed or contained invalid parameters"
            );
        }
        assert!(app.identities().await.is_empty(), "nothing was stored");

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

db_test!(
    put_replaces_the_identity_and_keeps_credentials,
    json!({}),
    |app| {
        let created = create(&app, "put@example.com").await;
        let id = created["id"].as_str().unwrap();
        let path = format!("/admin/identities/{id}");
        let (s, _, b) = call(
            &app,
            reqwest::Method::PUT,
            &path,
            Some(json!({
                "schema_id": "default",
                "state": "inactive",
                "traits": {"email": "Renamed@example.com"},
                "metadata_public": {"a": 1}
            })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_valid("identity", &b);
        assert_eq!(b["state"], "inactive");
        assert_ne!(b["state_changed_at"], created["state_changed_at"]);
        assert_eq!(b["metadata_public"], json!({"a": 1}));
        // The password identifier and the addresses follow the traits; the hash stays.
        assert_eq!(
            b["credentials"]["password"]["identifiers"],
            json!(["renamed@example.com"])
        );
        assert_eq!(b["verifiable_addresses"][0]["value"], "renamed@example.com");
        assert_eq!(b["verifiable_addresses"].as_array().unwrap().len(), 1);
        let (_, _, got) = call(
            &app,
            reqwest::Method::GET,
            &format!("{path}?include_credential=password"),
            None,
        )
        .await;
        assert_eq!(got, {
            let mut expected = app.at_db_precision(&b);
            expected["credentials"]["password"]["config"] =
                got["credentials"]["password"]["config"].clone();
            // The PUT answer leaves out the cleared metadata_admin; read back, the NULL column
            // shows as `null` (Kratos's `NullJSONRawMessage`).
            assert!(expected.get("metadata_admin").is_none(), "{expected}");
            expected["metadata_admin"] = Value::Null;
            expected
        });
        assert!(
            got["credentials"]["password"]["config"]["hashed_password"]
                .as_str()
                .unwrap()
                .starts_with("$2a$")
        );

        // Invalid traits, an unknown id, a taken identifier, malformed JSON.
        let (s, _, b) = call(
            &app,
            reqwest::Method::PUT,
            &path,
            Some(json!({"traits": {"email": 5}})),
        )
        .await;
        error(s, &b, 400);
        let unknown = format!("/admin/identities/{}", uuid::Uuid::new_v4());
        let (s, _, b) = call(
            &app,
            reqwest::Method::PUT,
            &unknown,
            Some(json!({"traits": {"email": "z@example.com"}})),
        )
        .await;
        error(s, &b, 404);
        let (s, _, b) = call(
            &app,
            reqwest::Method::PUT,
            "/admin/identities/not-a-uuid",
            Some(json!({"traits": {}})),
        )
        .await;
        error(s, &b, 404);
        create(&app, "other@example.com").await;
        let (s, _, b) = call(
            &app,
            reqwest::Method::PUT,
            &path,
            Some(json!({"traits": {"email": "other@example.com"}})),
        )
        .await;
        error(s, &b, 409);
        let (s, b) = call_raw(&app, reqwest::Method::PUT, &path, "[1,").await;
        assert!(
            error(s, &b, 400)["reason"]
                .as_str()
                .unwrap()
                .starts_with("Unable to decode JSON payload: ")
        );
        // The failed updates changed nothing.
        let (_, _, after) = call(&app, reqwest::Method::GET, &path, None).await;
        assert_eq!(after["traits"]["email"], "Renamed@example.com");
    }
);

db_test!(
    patch_applies_json_patch_and_refuses_protected_paths,
    json!({}),
    |app| {
        let created = create(&app, "patch@example.com").await;
        let id = created["id"].as_str().unwrap();
        let path = format!("/admin/identities/{id}");
        let (s, _, b) = call(
            &app,
            reqwest::Method::PATCH,
            &path,
            Some(json!([
                {"op": "replace", "path": "/traits/email", "value": "patched@example.com"},
                {"op": "add", "path": "/metadata_admin", "value": {"tier": 2}},
                {"op": "replace", "path": "/state", "value": "inactive"}
            ])),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_valid("identity", &b);
        assert_eq!(b["traits"]["email"], "patched@example.com");
        assert_eq!(b["metadata_admin"], json!({"tier": 2}));
        assert_eq!(b["state"], "inactive");
        assert_eq!(
            b["credentials"]["password"]["identifiers"],
            json!(["patched@example.com"])
        );

        for (patch, reason) in [
            (
                json!([{"op": "replace", "path": "/id", "value": uuid::Uuid::new_v4()}]),
                "failed to apply JSON patch",
            ),
            (
                json!([{"op": "remove", "path": "/credentials"}]),
                "failed to apply JSON patch",
            ),
            (
                json!([{"op": "test", "path": "/state", "value": "active"}]),
                "failed to apply JSON patch",
            ),
            (
                json!([{"op": "remove", "path": "/nope/x"}]),
                "failed to apply JSON patch",
            ),
            (
                json!([{"op": "replace", "path": "/state", "value": "gone"}]),
                "The supplied state ('gone') was not valid. Valid states are ('active', 'inactive').",
            ),
            (json!({"op": "replace"}), "failed to unmarshal JSON patch"),
            (
                json!([{"op": "replace", "path": "/credentials/password/type", "value": "totp"}]),
                "credentials.password.type must equal \"password\", got \"totp\"",
            ),
        ] {
            let (s, _, b) = call(&app, reqwest::Method::PATCH, &path, Some(patch.clone())).await;
            assert_eq!(error(s, &b, 400)["reason"], reason, "{patch}");
        }
        let (s, _, b) = call(
            &app,
            reqwest::Method::PATCH,
            &path,
            Some(json!([{"op": "replace", "path": "/traits/email", "value": "not an email"}])),
        )
        .await;
        error(s, &b, 400);
        let (s, _, b) = call(
            &app,
            reqwest::Method::PATCH,
            &format!("/admin/identities/{}", uuid::Uuid::new_v4()),
            Some(json!([])),
        )
        .await;
        error(s, &b, 404);
        let (_, _, after) = call(&app, reqwest::Method::GET, &path, None).await;
        assert_eq!(after["traits"]["email"], "patched@example.com");
        assert_eq!(after["state"], "inactive");
    }
);

db_test!(
    delete_removes_the_identity_and_its_sessions,
    json!({}),
    |app| {
        let r = app
            .register_api("gone@example.com", "correct horse battery staple")
            .await;
        assert_eq!(r.status(), 200);
        let reg: Value = r.json().await.unwrap();
        let token = reg["session_token"].as_str().unwrap().to_string();
        let id = reg["identity"]["id"].as_str().unwrap().to_string();
        let (s, _, b) = call(
            &app,
            reqwest::Method::DELETE,
            &format!("/admin/identities/{id}"),
            None,
        )
        .await;
        assert_eq!(s, 204);
        assert_eq!(b, Value::Null);
        let (s, _, b) = call(
            &app,
            reqwest::Method::GET,
            &format!("/admin/identities/{id}"),
            None,
        )
        .await;
        error(s, &b, 404);
        let (s, _, b) = call(
            &app,
            reqwest::Method::DELETE,
            &format!("/admin/identities/{id}"),
            None,
        )
        .await;
        error(s, &b, 404);
        assert!(
            app.registry
                .persister
                .get_session_by_token(&token)
                .await
                .unwrap()
                .is_none()
        );
        let whoami = app
            .api_client()
            .get(app.url("/sessions/whoami"))
            .header("X-Session-Token", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(whoami.status(), 401);
        // The identifier is free again.
        create(&app, "gone@example.com").await;
    }
);

db_test!(delete_credentials_follows_kratos_rules, json!({}), |app| {
    // An identity with a password and two oidc providers.
    let (s, _, b) = call(
        &app,
        reqwest::Method::POST,
        "/admin/identities",
        Some(json!({
            "schema_id": "default",
            "traits": {"email": "creds@example.com"},
            "credentials": {
                "password": {"config": {"hashed_password": BCRYPT}},
                "oidc": {"config": {"providers": [
                    {"provider": "google", "subject": "g-1"},
                    {"provider": "github", "subject": "h-1"}
                ]}}
            }
        })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        b["credentials"]["oidc"]["identifiers"],
        json!(["google:g-1", "github:h-1"])
    );
    let id = b["id"].as_str().unwrap();
    let base = format!("/admin/identities/{id}/credentials");

    let (s, _, b) = call(&app, reqwest::Method::DELETE, &format!("{base}/totp"), None).await;
    assert_eq!(
        error(s, &b, 404)["reason"],
        "You tried to remove a totp but this user have no totp set up."
    );
    let (s, _, b) = call(&app, reqwest::Method::DELETE, &format!("{base}/oidc"), None).await;
    assert_eq!(
        error(s, &b, 400)["reason"],
        "You must provide an identifier to delete this credential."
    );
    let (s, _, b) = call(
        &app,
        reqwest::Method::DELETE,
        &format!("{base}/oidc?identifier=google:nope"),
        None,
    )
    .await;
    error(s, &b, 404);
    let (s, _, _) = call(
        &app,
        reqwest::Method::DELETE,
        &format!("{base}/oidc?identifier=google:g-1"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _, _) = call(
        &app,
        reqwest::Method::DELETE,
        &format!("{base}/password"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (_, _, got) = call(
        &app,
        reqwest::Method::GET,
        &format!("/admin/identities/{id}?include_credential=password&include_credential=oidc"),
        None,
    )
    .await;
    assert_valid("identity", &got);
    assert_eq!(got["credentials"]["password"]["config"], json!({}));
    assert_eq!(
        got["credentials"]["password"]["identifiers"],
        json!(["creds@example.com"])
    );
    assert_eq!(
        got["credentials"]["oidc"]["identifiers"],
        json!(["github:h-1"])
    );
    // The remaining provider is the last first factor.
    let (s, _, b) = call(
        &app,
        reqwest::Method::DELETE,
        &format!("{base}/oidc?identifier=github:h-1"),
        None,
    )
    .await;
    assert_eq!(
        error(s, &b, 400)["reason"],
        "You cannot remove the last first factor credential."
    );
    let (s, _, b) = call(
        &app,
        reqwest::Method::DELETE,
        &format!(
            "/admin/identities/{}/credentials/password",
            uuid::Uuid::new_v4()
        ),
        None,
    )
    .await;
    error(s, &b, 404);
});

db_test!(
    list_filters_find_identities_by_identifier_ids_and_organization,
    json!({}),
    |app| {
        let org = uuid::Uuid::new_v4();
        let mut ids = Vec::new();
        for n in 0..4 {
            let mut body = json!({
                "schema_id": "default",
                "traits": {"email": format!("List{n}@example.com")},
                "credentials": {"oidc": {"config": {"providers": [{"provider": "google", "subject": format!("Sub-{n}")}]}}}
            });
            if n % 2 == 0 {
                body["organization_id"] = json!(org);
            }
            let (s, _, b) =
                call(&app, reqwest::Method::POST, "/admin/identities", Some(body)).await;
            assert_eq!(s, 201, "{b}");
            ids.push(b["id"].as_str().unwrap().to_string());
        }
        let list = |query: String| {
            let app = &app;
            async move {
                let (s, h, b) = call(
                    app,
                    reqwest::Method::GET,
                    &format!("/admin/identities?{query}"),
                    None,
                )
                .await;
                assert_eq!(s, 200, "{query}: {b}");
                for i in b.as_array().unwrap() {
                    assert_valid("identity", i);
                }
                let got: Vec<String> = b
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_string())
                    .collect();
                (got, h.get("link").map(|l| l.to_str().unwrap().to_string()))
            }
        };
        // Exact identifier, case-insensitive for emails (stored lower-cased); OIDC subjects as given.
        assert_eq!(
            list("credentials_identifier=LIST1%40example.com".into())
                .await
                .0,
            vec![ids[1].clone()]
        );
        assert_eq!(
            list("credentials_identifier=google:Sub-2".into()).await.0,
            vec![ids[2].clone()]
        );
        // MySQL's default collation compares case-insensitively (with Kratos's schema too).
        if !app.dsn.starts_with("mysql") {
            assert!(
                list("credentials_identifier=google:sub-2".into())
                    .await
                    .0
                    .is_empty()
            );
        }
        assert!(
            list("credentials_identifier=list%40example.com".into())
                .await
                .0
                .is_empty()
        );
        let mut all = ids.clone();
        all.sort();
        assert_eq!(
            list("preview_credentials_identifier_similar=list".into())
                .await
                .0,
            all
        );
        assert!(
            list("preview_credentials_identifier_similar=list_".into())
                .await
                .0
                .is_empty()
        );
        // ids, with an unknown one ignored.
        let (got, _) = list(format!(
            "ids={}&ids={}&ids={}",
            ids[3],
            ids[0],
            uuid::Uuid::new_v4()
        ))
        .await;
        let mut expected = vec![ids[0].clone(), ids[3].clone()];
        expected.sort();
        assert_eq!(got, expected);
        // organization, paginated: the Link keeps the filter.
        let mut in_org = [ids[0].clone(), ids[2].clone()];
        in_org.sort();
        let (first, link) = list(format!("organization_id={org}&page_size=1")).await;
        assert_eq!(first, vec![in_org[0].clone()]);
        let link = link.expect("a next page");
        assert!(link.contains(&format!("organization_id={org}")), "{link}");
        let next = crate::app::link_rel(&link, "next").expect("a next page");
        let query = next.split_once('?').unwrap().1.to_string();
        let (second, link) = list(query).await;
        assert_eq!(second, vec![in_org[1].clone()]);
        let link = link.expect("the first link is always there");
        assert!(crate::app::link_rel(&link, "next").is_none(), "{link}");
        assert!(crate::app::link_rel(&link, "first").is_some(), "{link}");
        // include_credential still works with a filter.
        let (s, _, b) = call(
            &app,
            reqwest::Method::GET,
            &format!("/admin/identities?ids={}&include_credential=oidc", ids[1]),
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(
            b[0]["credentials"]["oidc"]["config"]["providers"][0]["subject"],
            "Sub-1"
        );

        for (query, reason) in [
            (
                format!("ids={}&organization_id={org}", ids[0]),
                "You cannot combine multiple filters in this API".to_string(),
            ),
            (
                "ids=nope".into(),
                "Invalid UUID value `nope` for parameter `ids`.".into(),
            ),
            (
                "organization_id=nope".into(),
                "Invalid UUID value `nope` for parameter `organization_id`.".into(),
            ),
            (
                "credentials_identifier=a&preview_credentials_identifier_similar=b".into(),
                "You cannot combine multiple filters in this API".into(),
            ),
        ] {
            let (s, _, b) = call(
                &app,
                reqwest::Method::GET,
                &format!("/admin/identities?{query}"),
                None,
            )
            .await;
            assert_eq!(error(s, &b, 400)["reason"], reason, "{query}");
        }
        let too_many: Vec<String> = (0..501)
            .map(|_| format!("ids={}", uuid::Uuid::new_v4()))
            .collect();
        let (s, _, b) = call(
            &app,
            reqwest::Method::GET,
            &format!("/admin/identities?{}", too_many.join("&")),
            None,
        )
        .await;
        assert_eq!(
            error(s, &b, 400)["reason"],
            "The number of ids to filter must not exceed 500."
        );
    }
);

db_test!(
    batch_creates_the_good_items_and_reports_the_bad_ones,
    json!({}),
    |app| {
        create(&app, "taken@example.com").await;
        let p = [
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
        ];
        let (s, _, b) = call(
        &app,
        reqwest::Method::PATCH,
        "/admin/identities",
        Some(json!({"identities": [
            {"patch_id": p[0], "create": {"schema_id": "default", "traits": {"email": "b1@example.com"},
                "credentials": {"password": {"config": {"password": "correct horse battery staple"}}}}},
            {"patch_id": p[1], "create": {"schema_id": "default", "traits": {"email": "taken@example.com"}}},
            {"patch_id": p[2], "create": {"schema_id": "default", "traits": {"email": "not an email"}}},
            {"patch_id": p[3], "create": {"schema_id": "default", "traits": {"email": "b2@example.com"},
                "credentials": {"password": {"config": {"hashed_password": BCRYPT}}}}},
            {"create": {"schema_id": "nope", "traits": {"email": "b3@example.com"}}}
        ]})),
    )
    .await;
        assert_eq!(s, 200, "{b}");
        assert_valid("batchPatchIdentitiesResponse", &b);
        let items = b["identities"].as_array().unwrap();
        assert_eq!(items.len(), 5);
        assert_eq!(items[0]["action"], "create");
        assert_eq!(items[0]["patch_id"], json!(p[0]));
        assert_eq!(items[1]["action"], "error");
        assert_eq!(items[1]["error"]["code"], 409);
        assert_eq!(items[2]["action"], "error");
        assert_eq!(items[2]["error"]["code"], 400);
        assert!(
            items[2]["error"]["reason"]
                .as_str()
                .unwrap()
                .contains("I[#/traits/email]")
        );
        assert_eq!(items[3]["action"], "create");
        assert_eq!(items[4]["action"], "error");
        assert_eq!(
            items[4]["error"]["reason"],
            "Unable to find JSON Schema ID: nope"
        );
        assert!(items[4].get("patch_id").is_none());
        // The good ones are stored.
        for n in [0, 3] {
            let id = items[n]["identity"].as_str().unwrap();
            let (s, _, got) = call(
                &app,
                reqwest::Method::GET,
                &format!("/admin/identities/{id}"),
                None,
            )
            .await;
            assert_eq!(s, 200);
            assert_valid("identity", &got);
        }
        assert_eq!(app.identities().await.len(), 3);

        // Request-level errors: a bad hash fails the whole batch; so do too many items and bad JSON.
        let (s, _, b) = call(
            &app,
            reqwest::Method::PATCH,
            "/admin/identities",
            Some(json!({"identities": [
                {"create": {"schema_id": "default", "traits": {"email": "b4@example.com"}}},
                {"create": {"schema_id": "default", "traits": {"email": "b5@example.com"},
                    "credentials": {"password": {"config": {"hashed_password": "plain"}}}}}
            ]})),
        )
        .await;
        error(s, &b, 400);
        assert_eq!(app.identities().await.len(), 3);
        let many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
        let (s, _, b) = call(
            &app,
            reqwest::Method::PATCH,
            "/admin/identities",
            Some(json!({"identities": many})),
        )
        .await;
        assert_eq!(
            error(s, &b, 400)["reason"],
            "The maximum number of identities per request that can be created or deleted at once is 1000."
        );
        // Kratos answers 400 with a body that says 500 for a body it can not decode.
        let (s, b) = call_raw(
            &app,
            reqwest::Method::PATCH,
            "/admin/identities",
            "{\"identities\": 5}",
        )
        .await;
        assert_eq!(s, 400);
        assert_valid("errorGeneric", &b);
        assert_eq!(b["error"]["code"], 500);
    }
);

db_test!(
    a_valid_batch_is_stored_whole_and_duplicates_within_a_batch_are_reported,
    json!({}),
    |app| {
        // Every item valid: stored together (one transaction), each with its credentials.
        let items: Vec<Value> = (0..60)
            .map(|n| {
                json!({"create": {"schema_id": "default", "traits": {"email": format!("bulk{n}@example.com")},
                    "credentials": {"password": {"config": {"hashed_password": BCRYPT}}}}})
            })
            .collect();
        let (s, _, b) = call(
            &app,
            reqwest::Method::PATCH,
            "/admin/identities",
            Some(json!({ "identities": items })),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_valid("batchPatchIdentitiesResponse", &b);
        let created = b["identities"].as_array().unwrap();
        assert_eq!(created.len(), 60);
        assert!(created.iter().all(|i| i["action"] == "create"), "{b}");
        assert_eq!(app.identities().await.len(), 60);
        let id = created[7]["identity"].as_str().unwrap();
        let (s, _, got) = call(
            &app,
            reqwest::Method::GET,
            &format!("/admin/identities/{id}?include_credential=password"),
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(got["traits"]["email"], "bulk7@example.com");
        assert_eq!(
            got["credentials"]["password"]["identifiers"],
            json!(["bulk7@example.com"])
        );
        assert_eq!(
            got["credentials"]["password"]["config"]["hashed_password"],
            BCRYPT
        );

        // The same identifier twice in one batch: the first is stored, the second is a 409, and
        // the rest of the batch is stored as usual.
        let (s, _, b) = call(
            &app,
            reqwest::Method::PATCH,
            "/admin/identities",
            Some(json!({"identities": [
                {"create": {"schema_id": "default", "traits": {"email": "twice@example.com"},
                    "credentials": {"password": {"config": {"hashed_password": BCRYPT}}}}},
                {"create": {"schema_id": "default", "traits": {"email": "twice@example.com"},
                    "credentials": {"password": {"config": {"hashed_password": BCRYPT}}}}},
                {"create": {"schema_id": "default", "traits": {"email": "once@example.com"}}}
            ]})),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let items = b["identities"].as_array().unwrap();
        assert_eq!(items[0]["action"], "create");
        assert_eq!(items[1]["action"], "error");
        assert_eq!(items[1]["error"]["code"], 409);
        assert_eq!(items[2]["action"], "create");
        assert_eq!(app.identities().await.len(), 62);
    }
);
