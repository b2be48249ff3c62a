//! Registration flows as Kratos serves them: the seed endpoint's every status, browser and API
//! registrations end to end, validation errors, CSRF, expiry, return_to, duplicates under
//! concurrency, and bad input. Every body is checked against Kratos's OpenAPI schemas.

use crate::app::{TestApp, node};
use crate::db_test;
use crate::openapi::assert_valid;
use serde_json::{Value, json};

/// Follows a redirect's `Location` and returns the `flow` query parameter.
fn flow_param(location: &str) -> String {
    let query = location.split_once('?').expect("location has a query").1;
    url_param(query, "flow").expect("flow parameter")
}

fn url_param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .find_map(|p| p.strip_prefix(&format!("{key}=")).map(str::to_string))
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn json_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

/// `GET /self-service/registration/flows?id=` with `client` (and its cookies), as JSON.
async fn fetch_flow(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    let url = app.url(&format!("/self-service/registration/flows?id={id}"));
    json_of(client.get(url).send().await.unwrap()).await
}

/// Starts a browser flow the way a browser does and fetches it as the UI does.
async fn browser_flow(app: &TestApp, browser: &reqwest::Client) -> Value {
    let r = browser
        .get(app.url("/self-service/registration/browser"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = location(&r);
    assert!(
        loc.starts_with("http://127.0.0.1:4455/registration?flow="),
        "{loc}"
    );
    let id = flow_param(&loc);
    let r = browser
        .get(app.url(&format!("/self-service/registration/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    json_of(r).await
}

fn csrf_of(flow: &Value) -> String {
    node(flow, "csrf_token").unwrap()["attributes"]["value"]
        .as_str()
        .unwrap()
        .to_string()
}

db_test!(
    seed_endpoint_returns_api_and_browser_flows,
    json!({}),
    |app| {
        let flow = app.api_flow().await;
        assert_valid("registrationFlow", &flow);
        assert_eq!(flow["type"], "api");
        assert_eq!(flow["state"], "choose_method");
        assert_eq!(csrf_of(&flow), "");
        let id = flow["id"].as_str().unwrap();
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/registration/flows?id={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        let fetched = json_of(r).await;
        assert_valid("registrationFlow", &fetched);
        assert_eq!(fetched, app.at_db_precision(&flow));

        let browser = app.browser();
        let bflow = browser_flow(&app, &browser).await;
        assert_valid("registrationFlow", &bflow);
        assert_eq!(bflow["type"], "browser");
        assert!(!csrf_of(&bflow).is_empty());
        assert!(
            bflow["ui"]["action"]
                .as_str()
                .unwrap()
                .starts_with(&app.public)
        );
        // Two-step registration (Kratos's default): traits first, no password input yet.
        let names: Vec<&str> = bflow["ui"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["attributes"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "csrf_token",
                "traits.email",
                "traits.name.first",
                "traits.name.last",
                "method"
            ]
        );
    }
);

db_test!(
    seed_endpoint_404_for_unknown_and_malformed_ids,
    json!({}),
    |app| {
        for id in [
            uuid::Uuid::new_v4().to_string(),
            "not-a-uuid".to_string(),
            String::new(),
        ] {
            let r = app
                .api_client()
                .get(app.url(&format!("/self-service/registration/flows?id={id}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404);
            assert_eq!(r.headers()["content-type"], "application/json");
            let body = json_of(r).await;
            assert_valid("errorGeneric", &body);
            assert_eq!(body["error"]["code"], 404);
            assert_eq!(body["error"]["message"], "Unable to locate the resource");
        }
    }
);

db_test!(
    seed_endpoint_403_when_the_csrf_cookie_does_not_match,
    json!({}),
    |app| {
        let browser = app.browser();
        let flow = browser_flow(&app, &browser).await;
        let id = flow["id"].as_str().unwrap();
        // Without any cookie.
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/registration/flows?id={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(r.headers()["ory-error-id"], "security_csrf_violation");
        let body = json_of(r).await;
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "security_csrf_violation");
        assert_eq!(
            body["error"]["details"]["reject_reason"],
            "The HTTP Cookie Header is empty or not set."
        );
        // With another browser's CSRF cookie.
        let other = app.browser();
        let _ = browser_flow(&app, &other).await;
        let r = other
            .get(app.url(&format!("/self-service/registration/flows?id={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let body = json_of(r).await;
        assert_valid("errorGeneric", &body);
        assert!(
            body["error"]["details"]["hint"]
                .as_str()
                .unwrap()
                .starts_with("The anti-CSRF cookie was found")
        );
    }
);

db_test!(
    seed_endpoint_410_for_expired_flows_with_kratos_details,
    json!({}),
    |app| {
        let api = app.api_flow().await;
        let browser = app.browser();
        let r = browser
            .get(
                app.url("/self-service/registration/browser?return_to=http://127.0.0.1:4455/after"),
            )
            .send()
            .await
            .unwrap();
        let bid = flow_param(&location(&r));
        app.clock.advance(time::Duration::hours(2));

        let r = app
            .api_client()
            .get(app.url(&format!(
                "/self-service/registration/flows?id={}",
                api["id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 410);
        let body = json_of(r).await;
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "self_service_flow_expired");
        assert_eq!(
            body["error"]["details"]["api"],
            app.url("/self-service/registration/api")
        );

        let r = browser
            .get(app.url(&format!("/self-service/registration/flows?id={bid}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 410);
        let body = json_of(r).await;
        assert_valid("errorGeneric", &body);
        assert_eq!(
            body["error"]["details"]["redirect_to"],
            app.url(
                "/self-service/registration/browser?return_to=http%3A%2F%2F127.0.0.1%3A4455%2Fafter"
            )
        );
        assert_eq!(
            body["error"]["details"]["return_to"],
            "http://127.0.0.1:4455/after"
        );
    }
);

db_test!(
    seed_endpoint_reports_disabled_registration,
    json!({"selfservice": {"flows": {"registration": {"enabled": false}}}}),
    |app| {
        let id = uuid::Uuid::new_v4();
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/registration/flows?id={id}")))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let body = json_of(r).await;
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "self_service_flow_disabled");
        // A plain browser is sent to the error UI, which can read the stored error.
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/registration/flows?id={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let loc = location(&r);
        assert!(loc.starts_with("http://127.0.0.1:4455/error?id="), "{loc}");
        let eid = url_param(loc.split_once('?').unwrap().1, "id").unwrap();
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/errors?id={eid}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = json_of(r).await;
        assert_valid("flowError", &body);
        assert_eq!(body["error"]["id"], "self_service_flow_disabled");
        if app.dsn.starts_with("sqlite") {
            // Kratos scans `errors` into a `json.RawMessage`, which Go's SQLite driver fills
            // from a blob only: stored as Kratos stores it.
            assert_eq!(
                app.query_text("SELECT typeof(errors) FROM selfservice_errors")
                    .await,
                "blob"
            );
        }
        // Creating a flow is refused too.
        let r = app
            .api_client()
            .get(app.url("/self-service/registration/api"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            json_of(r).await["error"]["id"],
            "self_service_flow_disabled"
        );
    }
);

db_test!(
    api_registration_two_step_issues_a_session,
    json!({}),
    |app| {
        let r = app
            .register_api("Foo@Example.com", "correct horse battery staple")
            .await;
        assert_eq!(r.status(), 200);
        let body = json_of(r).await;
        assert_valid("successfulNativeRegistration", &body);
        let token = body["session_token"].as_str().unwrap();
        assert!(token.starts_with("ory_st_"));
        assert_eq!(body["identity"]["traits"]["email"], "Foo@Example.com");
        assert_eq!(
            body["identity"]["verifiable_addresses"][0]["value"],
            "foo@example.com"
        );
        assert_eq!(body["continue_with"][0]["action"], "set_ory_session_token");
        assert_eq!(body["continue_with"][0]["ory_session_token"], token);
        assert!(
            body["identity"].get("credentials").is_none(),
            "credentials are never shown to the user"
        );

        let r = app
            .api_client()
            .get(app.url("/sessions/whoami"))
            .header("x-session-token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let session = json_of(r).await;
        assert_valid("session", &session);
        assert_eq!(session["identity"]["id"], body["identity"]["id"]);
        assert_eq!(session["authentication_methods"][0]["method"], "password");

        let r = app
            .api_client()
            .get(app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_valid("errorGeneric", &json_of(r).await);

        // The stored identity has the password credential with a bcrypt hash and a lower-cased identifier.
        let id = body["identity"]["id"].as_str().unwrap();
        let r = app
            .api_client()
            .get(format!(
                "{}/admin/identities/{id}?include_credential=password",
                app.admin
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let identity = json_of(r).await;
        assert_valid("identity", &identity);
        assert_eq!(
            identity["credentials"]["password"]["identifiers"],
            json!(["foo@example.com"])
        );
        assert!(
            identity["credentials"]["password"]["config"]["hashed_password"]
                .as_str()
                .unwrap()
                .starts_with("$2a$04$")
        );
        // Without include_credential the admin API lists the credential but not its config.
        let plain = json_of(
            app.api_client()
                .get(format!("{}/admin/identities/{id}", app.admin))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_valid("identity", &plain);
        assert_eq!(plain["credentials"]["password"]["type"], "password");
        assert!(plain["credentials"]["password"].get("config").is_none());
        let r = app
            .api_client()
            .get(format!(
                "{}/admin/identities/{id}?include_credential=nope",
                app.admin
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let err = json_of(r).await;
        assert_valid("errorGeneric", &err);
        // Kratos formats the types parsed before the bad one (none here), not the bad value.
        assert_eq!(
            err["error"]["reason"],
            "Invalid value `[]` for parameter `include_credential`."
        );
        // `profile` is not a type Kratos's ParseCredentialsType accepts.
        let r = app
            .api_client()
            .get(format!(
                "{}/admin/identities/{id}?include_credential=password&include_credential=profile",
                app.admin
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            json_of(r).await["error"]["reason"],
            "Invalid value `[password]` for parameter `include_credential`."
        );
        // The list endpoint names the bad value itself.
        let r = app
            .api_client()
            .get(format!(
                "{}/admin/identities?include_credential=nope",
                app.admin
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            json_of(r).await["error"]["reason"],
            "Invalid value `nope` for parameter `include_credential`."
        );
    }
);

db_test!(
    api_registration_unified_in_one_step,
    json!({"selfservice": {"flows": {"registration": {"style": "unified"}}}}),
    |app| {
        let flow = app.api_flow().await;
        let names: Vec<&str> = flow["ui"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["attributes"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "csrf_token",
                "traits.email",
                "password",
                "traits.name.first",
                "traits.name.last",
                "method"
            ]
        );
        let r = app
            .submit_api(
                flow["id"].as_str().unwrap(),
                json!({"method": "password", "password": "correct horse battery staple", "traits": {"email": "one@example.com", "name": {"first": "Ada"}}}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let body = json_of(r).await;
        assert_valid("successfulNativeRegistration", &body);
        assert_eq!(body["identity"]["traits"]["name"]["first"], "Ada");
    }
);

db_test!(
    registration_without_session_hook_creates_identity_only,
    json!({"selfservice": {"flows": {"registration": {"after": {"password": {"hooks": []}}}}}}),
    |app| {
        let r = app
            .register_api("nohook@example.com", "correct horse battery staple")
            .await;
        assert_eq!(r.status(), 200);
        let mut body = json_of(r).await;
        assert!(body.get("session_token").is_none());
        assert!(body.get("session").is_none());
        // Kratos sends `null` here (a nil Go slice) although its OpenAPI schema says array; the
        // SDKs accept it. Validate everything else.
        assert_eq!(
            body.as_object_mut().unwrap().remove("continue_with"),
            Some(Value::Null)
        );
        assert_valid("successfulNativeRegistration", &body);
    }
);

db_test!(
    browser_registration_end_to_end_with_forms_and_cookies,
    json!({}),
    |app| {
        let browser = app.browser();
        let flow = browser_flow(&app, &browser).await;
        let action = flow["ui"]["action"].as_str().unwrap().to_string();
        let csrf = csrf_of(&flow);
        // Screen 1: traits.
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("traits.email", "browser@example.com"),
                ("method", "profile"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let id = flow_param(&location(&r));
        let flow = fetch_flow(&app, &browser, &id).await;
        assert_valid("registrationFlow", &flow);
        assert_eq!(flow["ui"]["messages"][0]["id"], 1040009);
        assert_eq!(
            node(&flow, "traits.email").unwrap()["attributes"]["type"],
            "hidden"
        );
        assert!(node(&flow, "password").is_some());
        // Screen 2: the password.
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf_of(&flow).as_str()),
                ("traits.email", "browser@example.com"),
                ("password", "correct horse battery staple"),
                ("method", "password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "http://127.0.0.1:4455/welcome");
        let cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap().to_string())
            .collect();
        let session_cookie = cookies
            .iter()
            .find(|c| c.starts_with("ory_kratos_session="))
            .expect("session cookie");
        // Go's attribute order; a persistent cookie has both Expires and Max-Age (the 24h lifespan).
        let attrs = session_cookie.split_once("; ").expect("attributes").1;
        let (path_expires, rest) = attrs.split_once(" GMT; ").expect("an Expires date");
        assert!(
            path_expires.starts_with("Path=/; Expires="),
            "{session_cookie}"
        );
        assert_eq!(rest, "Max-Age=86400; HttpOnly; SameSite=Lax");
        let csrf_cookie = cookies
            .iter()
            .find(|c| c.starts_with("csrf_token_"))
            .expect("the CSRF cookie is rotated");
        assert!(
            csrf_cookie.ends_with("; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax"),
            "{csrf_cookie}"
        );
        assert!(
            cookies.iter().any(|c| c.starts_with("csrf_token_")),
            "the CSRF cookie is rotated"
        );
        // The cookie jar now carries the session.
        let r = browser
            .get(app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let session = json_of(r).await;
        assert_valid("session", &session);
        assert_eq!(
            session["identity"]["traits"]["email"],
            "browser@example.com"
        );
        // And a signed-in browser asking for a new flow is sent on (or refused as JSON).
        let r = browser
            .get(app.url("/self-service/registration/browser"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "http://127.0.0.1:4455/welcome");
        let r = browser
            .get(app.url("/self-service/registration/browser"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let body = json_of(r).await;
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "session_already_available");
    }
);

db_test!(
    spa_registration_gets_json_and_continue_with,
    json!({}),
    |app| {
        let browser = app.browser();
        let r = browser
            .get(app.url("/self-service/registration/browser"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let flow = json_of(r).await;
        assert_valid("registrationFlow", &flow);
        let action = flow["ui"]["action"].as_str().unwrap();
        let r = browser
        .post(action)
        .json(&json!({"csrf_token": csrf_of(&flow), "method": "password", "password": "correct horse battery staple", "traits": {"email": "spa@example.com"}}))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
        let body = json_of(r).await;
        assert_valid("successfulNativeRegistration", &body);
        assert!(body.get("session_token").is_none());
        assert_eq!(body["continue_with"][0]["action"], "redirect_browser_to");
        assert_eq!(
            body["continue_with"][0]["redirect_browser_to"],
            "http://127.0.0.1:4455/welcome"
        );
    }
);

db_test!(validation_errors_come_back_in_the_flow, json!({}), |app| {
    let flow = app.api_flow().await;
    let id = flow["id"].as_str().unwrap();
    // Missing required trait.
    let r = app
        .submit_api(
            id,
            json!({"method": "password", "password": "correct horse battery staple", "traits": {}}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let body = json_of(r).await;
    assert_valid("registrationFlow", &body);
    let m = &node(&body, "traits.email").unwrap()["messages"][0];
    assert_eq!(m["id"], 4000002);
    assert_eq!(m["text"], "Property email is missing.");
    // Short password.
    let r = app.submit_api(id, json!({"method": "password", "password": "abc", "traits": {"email": "short@example.com"}})).await;
    assert_eq!(r.status(), 400);
    let body = json_of(r).await;
    assert_valid("registrationFlow", &body);
    let m = &node(&body, "password").unwrap()["messages"][0];
    assert_eq!(m["id"], 4000032);
    assert_eq!(
        m["text"],
        "The password must be at least 8 characters long, but got 3."
    );
    assert_eq!(
        node(&body, "traits.email").unwrap()["attributes"]["value"],
        "short@example.com"
    );
    // Password too similar to the identifier.
    let r = app.submit_api(id, json!({"method": "password", "password": "similar@example.com1", "traits": {"email": "similar@example.com"}})).await;
    let body = json_of(r).await;
    assert_eq!(
        node(&body, "password").unwrap()["messages"][0]["id"],
        4000031
    );
    // No method at all.
    let r = app
        .submit_api(id, json!({"traits": {"email": "x@example.com"}}))
        .await;
    assert_eq!(r.status(), 400);
    let body = json_of(r).await;
    assert_eq!(body["ui"]["messages"][0]["id"], 4010003);
    // Messages of an earlier submission are cleared.
    assert!(node(&body, "password").is_none_or(|n| n["messages"].as_array().unwrap().is_empty()));
});

db_test!(
    duplicate_identifiers_are_refused_case_insensitively,
    json!({}),
    |app| {
        let r = app
            .register_api("dup@example.com", "correct horse battery staple")
            .await;
        assert_eq!(r.status(), 200);
        for email in ["dup@example.com", "DUP@Example.com", "  dup@example.com"] {
            let r = app
                .register_api(email, "another horse battery staple")
                .await;
            assert_eq!(r.status(), 400, "{email}");
            let body = json_of(r).await;
            assert_valid("registrationFlow", &body);
            assert_eq!(body["ui"]["messages"][0]["id"], 4000007);
            assert_eq!(
                body["ui"]["messages"][0]["text"],
                "An account with the same identifier (email, phone, username, ...) exists already."
            );
        }
        assert_eq!(app.identities().await.len(), 1);
    }
);

db_test!(
    concurrent_registrations_with_one_email_create_one_identity,
    json!({}),
    |app| {
        let app = std::sync::Arc::new(app);
        let mut flows = Vec::new();
        for _ in 0..50 {
            let flow = app.api_flow().await;
            let id = flow["id"].as_str().unwrap().to_string();
            let r = app
                .submit_api(
                    &id,
                    json!({"method": "profile", "traits": {"email": "race@example.com"}}),
                )
                .await;
            assert_eq!(r.status(), 400);
            flows.push(id);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for id in flows {
            let app = app.clone();
            tasks.spawn(async move {
            let r = app
                .submit_api(&id, json!({"method": "password", "password": "correct horse battery staple", "traits": {"email": "race@example.com"}}))
                .await;
            let status = r.status().as_u16();
            (status, json_of(r).await)
        });
        }
        let mut ok = 0;
        while let Some(res) = tasks.join_next().await {
            let (status, body) = res.unwrap();
            match status {
                200 => ok += 1,
                400 => assert_eq!(body["ui"]["messages"][0]["id"], 4000007, "{body}"),
                other => panic!("unexpected status {other}: {body}"),
            }
        }
        assert_eq!(ok, 1);
        assert_eq!(app.identities().await.len(), 1);
    }
);

db_test!(browser_submissions_need_the_csrf_token, json!({}), |app| {
    let browser = app.browser();
    let flow = browser_flow(&app, &browser).await;
    let action = flow["ui"]["action"].as_str().unwrap().to_string();
    for token in [None, Some("wrong")] {
        let mut form = vec![
            ("traits.email", "csrf@example.com"),
            ("password", "correct horse battery staple"),
            ("method", "password"),
        ];
        if let Some(t) = token {
            form.push(("csrf_token", t));
        }
        // A plain browser is forwarded to the error UI.
        let r = browser.post(&action).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{token:?}");
        let loc = location(&r);
        assert!(loc.starts_with("http://127.0.0.1:4455/error?id="), "{loc}");
        let eid = url_param(loc.split_once('?').unwrap().1, "id").unwrap();
        let err = json_of(
            app.api_client()
                .get(app.url(&format!("/self-service/errors?id={eid}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(err["error"]["id"], "security_csrf_violation");
        // An SPA gets the 403 as JSON.
        let r = browser
            .post(&action)
            .header("accept", "application/json")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let body = json_of(r).await;
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "security_csrf_violation");
    }
    assert!(app.identities().await.is_empty());
});

db_test!(api_flows_refuse_browser_requests, json!({}), |app| {
    let flow = app.api_flow().await;
    let id = flow["id"].as_str().unwrap();
    let body = json!({"method": "password", "password": "correct horse battery staple", "traits": {"email": "api@example.com"}});
    let r = app
        .api_client()
        .post(app.url(&format!("/self-service/registration?flow={id}")))
        .header("cookie", "x=y")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let flow = json_of(r).await;
    assert_valid("registrationFlow", &flow);
    assert_eq!(flow["ui"]["messages"][0]["id"], 4000001);
    assert!(
        flow["ui"]["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("\"Cookie\" key")
    );
});

db_test!(expired_flows_are_replaced_on_submit, json!({}), |app| {
    let flow = app.api_flow().await;
    app.clock.advance(time::Duration::minutes(61));
    let r = app
        .submit_api(flow["id"].as_str().unwrap(), json!({"method": "password", "password": "correct horse battery staple", "traits": {"email": "late@example.com"}}))
        .await;
    assert_eq!(r.status(), 410);
    let body = json_of(r).await;
    assert_valid("selfServiceFlowExpiredError", &body);
    assert_eq!(body["error"]["id"], "self_service_flow_expired");
    let new_id = body["use_flow_id"].as_str().unwrap();
    assert_ne!(new_id, flow["id"].as_str().unwrap());
    let replacement = json_of(
        app.api_client()
            .get(app.url(&format!("/self-service/registration/flows?id={new_id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_valid("registrationFlow", &replacement);
    assert_eq!(replacement["ui"]["messages"][0]["id"], 4040001);

    // A plain browser is redirected to the replacement.
    let browser = app.browser();
    let bflow = browser_flow(&app, &browser).await;
    app.clock.advance(time::Duration::minutes(61));
    let r = browser
        .post(bflow["ui"]["action"].as_str().unwrap())
        .form(&[
            ("csrf_token", csrf_of(&bflow).as_str()),
            ("method", "profile"),
            ("traits.email", "late@example.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_ne!(flow_param(&location(&r)), bflow["id"].as_str().unwrap());
});

db_test!(return_to_must_be_allowed, json!({}), |app| {
    let r = app
        .api_client()
        .get(app.url("/self-service/registration/browser?return_to=https://evil.example.com/"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body = json_of(r).await;
    assert_valid("errorGeneric", &body);
    assert_eq!(body["error"]["id"], "self_service_flow_return_to_forbidden");
    let r = app
        .api_client()
        .get(app.url("/self-service/registration/browser?return_to=https://evil.example.com/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("http://127.0.0.1:4455/error?id="));
    // An allowed return_to is honoured after registration.
    let browser = app.browser();
    let r = browser
        .get(app.url("/self-service/registration/browser?return_to=http://127.0.0.1:4455/next"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let flow = json_of(r).await;
    assert_eq!(flow["return_to"], "http://127.0.0.1:4455/next");
    let r = browser
        .post(flow["ui"]["action"].as_str().unwrap())
        .form(&[
            ("csrf_token", csrf_of(&flow).as_str()),
            ("traits.email", "next@example.com"),
            ("password", "correct horse battery staple"),
            ("method", "password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "http://127.0.0.1:4455/next");
});

db_test!(
    signed_in_api_clients_get_session_already_available,
    json!({}),
    |app| {
        let body = json_of(
            app.register_api("signed@example.com", "correct horse battery staple")
                .await,
        )
        .await;
        let token = body["session_token"].as_str().unwrap();
        let r = app
            .api_client()
            .get(app.url("/self-service/registration/api"))
            .header("x-session-token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let err = json_of(r).await;
        assert_valid("errorGeneric", &err);
        assert_eq!(err["error"]["id"], "session_already_available");
        let flow = app.api_flow().await;
        let r = app
            .api_client()
            .post(app.url(&format!(
                "/self-service/registration?flow={}",
                flow["id"].as_str().unwrap()
            )))
            .header("x-session-token", token)
            .json(&json!({"method": "password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(json_of(r).await["error"]["id"], "session_already_available");
    }
);

db_test!(bad_input_gets_clear_400_class_errors, json!({}), |app| {
    let flow = app.api_flow().await;
    let url = app.url(&format!(
        "/self-service/registration?flow={}",
        flow["id"].as_str().unwrap()
    ));
    let c = app.api_client();
    // Malformed JSON: a form message in a 400 flow.
    let r = c
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"method\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body = json_of(r).await;
    assert_valid("registrationFlow", &body);
    assert_eq!(body["ui"]["messages"][0]["id"], 4000001);
    // A JSON array, a number.
    for raw in ["[]", "1"] {
        let r = c
            .post(&url)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let body = json_of(r).await;
        assert!(
            body["ui"]["messages"][0]["text"]
                .as_str()
                .unwrap()
                .starts_with("Expected JSON sent in request body to be an object")
        );
    }
    // Unsupported content type, invalid UTF-8 in a form, empty body.
    let r = c
        .post(&url)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'=', 0xff])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = c
        .post(&url)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Too large: 413 with the error envelope, and the connection is answered, not dropped.
    let big = format!(
        "{{\"method\":\"password\",\"password\":\"{}\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let r = c
        .post(&url)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_valid("errorGeneric", &json_of(r).await);
    // Missing or malformed flow id.
    let r = c
        .post(app.url("/self-service/registration"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body = json_of(r).await;
    assert_valid("errorGeneric", &body);
    assert_eq!(
        body["error"]["reason"],
        "The flow query parameter is missing or malformed."
    );
    let r = c
        .post(app.url(&format!(
            "/self-service/registration?flow={}",
            uuid::Uuid::new_v4()
        )))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Unknown routes: Go's plain-text 404, as Kratos's router answers.
    let r = c.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.text().await.unwrap(), "404 page not found\n");
});

db_test!(schemas_health_and_admin_listing, json!({}), |app| {
    let c = app.api_client();
    let r = c.get(app.url("/schemas/ZGVmYXVsdA")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let schema = json_of(r).await;
    assert_eq!(schema["title"], "Person");
    let r = c.get(app.url("/schemas")).send().await.unwrap();
    let list = json_of(r).await;
    assert_eq!(list[0]["id"], "default");
    for item in list.as_array().unwrap() {
        assert_valid("identitySchemaContainer", item);
    }
    let r = c.get(app.url("/schemas/bm9wZQ")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let body = json_of(r).await;
    assert_valid("errorGeneric", &body);
    assert_eq!(
        body["error"]["reason"],
        "Identity schema `bm9wZQ` could not be found."
    );
    for base in [&app.public, &app.admin] {
        assert_eq!(
            c.get(format!("{base}/health/alive"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            c.get(format!("{base}/health/ready"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    // The version is an admin route (`/admin/version`, and without the prefix); the public port
    // has none, as in Kratos.
    for path in ["/admin/version", "/version"] {
        let v = json_of(c.get(format!("{}{path}", app.admin)).send().await.unwrap()).await;
        assert!(v["version"].is_string(), "{path}");
    }
    let r = c.get(app.url("/version")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    for e in ["a@example.com", "b@example.com", "c@example.com"] {
        assert_eq!(
            app.register_api(e, "correct horse battery staple")
                .await
                .status(),
            200
        );
    }
    let r = c
        .get(format!("{}/admin/identities?page_size=2", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let link = r.headers()["link"].to_str().unwrap().to_string();
    let page: Vec<Value> = r.json().await.unwrap();
    assert_eq!(page.len(), 2);
    for i in &page {
        assert_valid("identity", i);
    }
    let next = crate::app::link_rel(&link, "next").expect("a next page");
    let page2: Vec<Value> = c
        .get(format!("{}{next}", app.admin))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page2.len(), 1);
    let r = c
        .get(format!(
            "{}/admin/identities/{}",
            app.admin,
            uuid::Uuid::new_v4()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Self-service routes on the admin port redirect to the public URL.
    let r = c
        .get(format!("{}/self-service/registration/api", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(location(&r), app.url("/self-service/registration/api"));
    // Kratos registers these redirects for GET only; the submit route also for POST.
    let r = c
        .post(format!("{}/admin/self-service/registration/api", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = c
        .post(format!(
            "{}/admin/self-service/registration?flow=x",
            app.admin
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(location(&r), app.url("/self-service/registration?flow=x"));
});

db_test!(
    duplicate_with_login_hints_names_the_existing_sign_in_method,
    json!({"selfservice": {"flows": {"registration": {"login_hints": true}}}}),
    |app| {
        let r = app
            .register_api("hint@example.com", "correct horse battery staple")
            .await;
        assert_eq!(r.status(), 200);
        let r = app
            .register_api("HINT@example.com", "another horse battery staple")
            .await;
        assert_eq!(r.status(), 400);
        let body = json_of(r).await;
        assert_valid("registrationFlow", &body);
        assert_eq!(
            body["ui"]["messages"],
            json!([{
                "id": 4000028,
                "text": "You tried signing in with hint@example.com which is already in use by another account. You can sign in using your password.",
                "type": "error",
                "context": {
                    "available_credential_types": ["password"],
                    "available_oidc_providers": [],
                    "credential_identifier_hint": "hint@example.com",
                },
            }])
        );
        // The submitted traits come back as typed; the password never does.
        let email = node(&body, "traits.email").unwrap();
        assert_eq!(email["attributes"]["value"], "HINT@example.com");
        assert!(!body.to_string().contains("another horse battery staple"));
        assert_eq!(app.identities().await.len(), 1);
    }
);

db_test!(
    seed_endpoint_reports_storage_failures_as_a_generic_500,
    json!({}),
    |app| {
        let flow = app.api_flow().await;
        // Break the storage from outside, as an operator's mistake or a failed disk would.
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&app.dsn)
            .await
            .unwrap();
        // Kratos's foreign keys point at the table: dropped with them.
        let drop = match app.dsn.split(':').next() {
            Some("postgres") => "DROP TABLE selfservice_registration_flows CASCADE",
            Some("mysql") => {
                sqlx::Executor::execute(&mut conn, "SET FOREIGN_KEY_CHECKS = 0")
                    .await
                    .unwrap();
                "DROP TABLE selfservice_registration_flows"
            }
            _ => "DROP TABLE selfservice_registration_flows",
        };
        sqlx::Executor::execute(&mut conn, drop).await.unwrap();
        let r = app
            .api_client()
            .get(app.url(&format!(
                "/self-service/registration/flows?id={}",
                flow["id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 500);
        let body = json_of(r).await;
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["code"], 500);
        assert_eq!(
            body["error"]["message"],
            "An internal server error occurred, please contact the system administrator"
        );
        // No database detail leaks to the client.
        assert!(!body.to_string().contains("selfservice_registration_flows"));
    }
);

db_test!(
    session_device_user_agent_is_null_without_a_user_agent_header,
    json!({}),
    |app| {
        // reqwest sends no User-Agent unless told to.
        let bare = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = bare
            .get(app.url("/self-service/registration/api"))
            .send()
            .await
            .unwrap();
        let flow = json_of(r).await;
        let submit = |body: Value| {
            bare.post(app.url(&format!(
                "/self-service/registration?flow={}",
                flow["id"].as_str().unwrap()
            )))
            .json(&body)
            .send()
        };
        let email = "no-agent@example.com";
        let r = submit(json!({"method": "profile", "traits": {"email": email}}))
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = submit(json!({
            "method": "password",
            "password": "correct horse battery staple",
            "traits": {"email": email}
        }))
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
        let body = json_of(r).await;
        let device = &body["session"]["devices"][0];
        assert_eq!(device["user_agent"], Value::Null);
        assert!(device.as_object().unwrap().contains_key("user_agent"));
        assert_eq!(device["location"], "");
        // The stored device reads back the same, whoever asks.
        let r = app
            .api_client()
            .get(app.url("/sessions/whoami"))
            .header("x-session-token", body["session_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let session = json_of(r).await;
        assert_eq!(session["devices"][0]["user_agent"], Value::Null);
        assert_eq!(session["devices"], body["session"]["devices"]);

        // With a User-Agent the device records it.
        let r = app
            .register_api("agent@example.com", "correct horse battery staple")
            .await;
        assert_eq!(r.status(), 200);
        let body = json_of(r).await;
        assert_valid("successfulNativeRegistration", &body);
        assert_eq!(
            body["session"]["devices"][0]["user_agent"],
            crate::app::USER_AGENT
        );
    }
);

db_test!(
    redirects_are_written_like_go_http_redirect,
    json!({}),
    |app| {
        let body = json_of(
            app.register_api("redirect@example.com", "correct horse battery staple")
                .await,
        )
        .await;
        let token = body["session_token"].as_str().unwrap();
        let flow = app.api_flow().await;
        let id = flow["id"].as_str().unwrap();
        let signed_in_post = |return_to: String| {
            app.api_client()
                .post(app.url(&format!(
                    "/self-service/registration?flow={id}&return_to={return_to}"
                )))
                .header("x-session-token", token)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("method=password")
                .send()
        };
        // A signed-in browser-style submission goes to return_to when it is a public
        // /self-service URL (session.RedirectOnAuthenticated); non-ASCII must not break the reply.
        let r = signed_in_post(app.url("/self-service/%C3%BC"))
            .await
            .unwrap();
        assert_eq!(r.status(), 302);
        assert_eq!(location(&r), app.url("/self-service/%C3%BC"));
        assert!(r.headers().get("content-type").is_none());
        assert_eq!(r.text().await.unwrap(), "");
        // A raw query is kept as given and its non-ASCII bytes hex-escaped in the header.
        let r = signed_in_post(app.url("/self-service/x%3Fq%3D%C3%BC"))
            .await
            .unwrap();
        assert_eq!(r.status(), 302);
        assert_eq!(location(&r), app.url("/self-service/x?q=%c3%bc"));
        // Anything else falls back to the default return URL.
        for other in [
            "http://127.0.0.1:4455/elsewhere".to_string(),
            "http://%zz".to_string(),
            app.url("/sessions/whoami"),
        ] {
            let r = signed_in_post(other.clone()).await.unwrap();
            assert_eq!(r.status(), 302, "{other}");
            assert_eq!(location(&r), "http://127.0.0.1:4455/welcome", "{other}");
        }

        // GET redirects carry Go's short HTML body.
        let r = app
            .browser()
            .get(app.url("/self-service/registration/browser"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        let loc = location(&r);
        assert!(loc.starts_with("http://127.0.0.1:4455/registration?flow="));
        assert_eq!(
            r.text().await.unwrap(),
            format!("<a href=\"{loc}\">See Other</a>.\n\n")
        );
        let r = app
            .api_client()
            .get(format!(
                "{}/admin/self-service/registration/api?a=%C3%BC",
                app.admin
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 307);
        let loc = location(&r);
        assert_eq!(loc, app.url("/self-service/registration/api?a=%C3%BC"));
        assert_eq!(
            r.text().await.unwrap(),
            format!("<a href=\"{loc}\">Temporary Redirect</a>.\n\n")
        );
    }
);

// ---------------------------------------------------------------------------------------------
// Node lists pinned to Kratos's registration fixtures (profile and password strategies, with the
// other methods disabled). Each expected list is written out in full: group, type, attributes,
// labels and messages as Kratos renders them.
// ---------------------------------------------------------------------------------------------

/// An identity schema with one trait of each scalar kind and two constrained ones; `email` is the
/// password identifier and a verification address (no `format`).
fn mixed_traits_schema() -> Value {
    json!({
        "$id": "https://hoplite.test/schemas/mixed-traits.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {
                    "email": {
                        "type": "string",
                        "ory.sh/kratos": {
                            "credentials": {"password": {"identifier": true}},
                            "verification": {"via": "email"}
                        }
                    },
                    "stringy": {"type": "string"},
                    "numby": {"type": "number"},
                    "booly": {"type": "boolean"},
                    "should_big_number": {"type": "number", "minimum": 1200},
                    "should_long_string": {"type": "string", "minLength": 25}
                }
            }
        }
    })
}

/// Two plain string traits, the first one being the identifier.
fn two_strings_schema() -> Value {
    json!({
        "$id": "https://hoplite.test/schemas/two-strings.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {
                    "username": {
                        "type": "string",
                        "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}
                    },
                    "bar": {"type": "string"}
                }
            }
        }
    })
}

/// A required, titled e-mail trait with a length limit.
fn titled_email_schema() -> Value {
    json!({
        "$id": "https://hoplite.test/schemas/titled-email.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {
                    "email": {
                        "type": "string",
                        "format": "email",
                        "title": "E-Mail",
                        "maxLength": 320,
                        "ory.sh/kratos": {
                            "credentials": {"password": {"identifier": true}},
                            "recovery": {"via": "email"},
                            "verification": {"via": "email"}
                        }
                    }
                },
                "required": ["email"],
                "additionalProperties": false
            }
        }
    })
}

/// Writes `schema` to a file named by its content and returns its `file://` URL. The tests share
/// one directory, so that repeated runs reuse the same few files instead of leaving new ones.
pub(crate) fn schema_url(schema: &Value) -> String {
    use std::hash::{Hash, Hasher};
    let text = serde_json::to_vec_pretty(schema).unwrap();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    let dir = std::env::temp_dir().join("hoplite-test-schemas");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{:016x}.schema.json", hasher.finish()));
    if std::fs::read(&path).ok().as_deref() != Some(&text[..]) {
        // Written under another name and renamed, so that a test reading it never sees half.
        let part = dir.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        std::fs::write(&part, &text).unwrap();
        std::fs::rename(&part, &path).unwrap();
    }
    format!("file://{}", path.display())
}

/// Config overrides: `schemas` as (id, document, selectable), `default` the default id, `style`
/// the registration style.
fn schemas_config(schemas: &[(&str, Value, bool)], default: &str, style: &str) -> Value {
    let list: Vec<Value> = schemas
        .iter()
        .map(|(id, doc, selectable)| {
            json!({"id": id, "url": schema_url(doc), "selfservice_selectable": selectable})
        })
        .collect();
    json!({
        "identity": {"default_schema_id": default, "schemas": list},
        "selfservice": {"flows": {"registration": {"style": style}}}
    })
}

mod expect {
    use serde_json::{Value, json};

    pub fn csrf() -> Value {
        json!({"type": "input", "group": "default", "attributes": {"name": "csrf_token", "type": "hidden", "required": true, "disabled": false, "node_type": "input"}, "messages": [], "meta": {}})
    }

    pub fn input(name: &str, input_type: &str, value: Option<Value>) -> Value {
        let attributes = match value {
            Some(v) => {
                json!({"name": name, "type": input_type, "value": v, "disabled": false, "node_type": "input"})
            }
            None => {
                json!({"name": name, "type": input_type, "disabled": false, "node_type": "input"})
            }
        };
        json!({"type": "input", "group": "default", "attributes": attributes, "messages": [], "meta": {}})
    }

    pub fn password() -> Value {
        json!({"type": "input", "group": "password", "attributes": {"name": "password", "type": "password", "required": true, "autocomplete": "new-password", "disabled": false, "node_type": "input"}, "messages": [], "meta": {"label": {"id": 1070001, "text": "Password", "type": "info"}}})
    }

    pub fn submit(group: &str, name: &str, value: &str, label: (i64, &str)) -> Value {
        json!({"type": "input", "group": group, "attributes": {"name": name, "type": "submit", "value": value, "disabled": false, "node_type": "input"}, "messages": [], "meta": {"label": {"id": label.0, "text": label.1, "type": "info"}}})
    }

    pub fn password_submit() -> Value {
        submit("password", "method", "password", (1040001, "Sign up"))
    }

    pub fn profile_submit() -> Value {
        submit("profile", "method", "profile", (1040001, "Sign up"))
    }

    pub fn back() -> Value {
        submit("profile", "screen", "previous", (1040008, "Back"))
    }

    /// The mixed-traits nodes in schema order, all of one input type (or their own) and with
    /// the given values (`None` for none).
    pub fn mixed_traits(hidden: bool, values: [Option<Value>; 6]) -> Vec<Value> {
        let own = [
            ("traits.email", "text"),
            ("traits.stringy", "text"),
            ("traits.numby", "number"),
            ("traits.booly", "checkbox"),
            ("traits.should_big_number", "number"),
            ("traits.should_long_string", "text"),
        ];
        own.iter()
            .zip(values)
            .map(|((name, t), v)| input(name, if hidden { "hidden" } else { t }, v))
            .collect()
    }

    /// The second screen with only the password method: Kratos's sort moves the password input
    /// right behind the first trait (with passkey/code nodes in between it would stay behind
    /// them, after all traits), the back button goes last.
    pub fn credentials_screen(traits: Vec<Value>) -> Vec<Value> {
        let mut nodes = vec![csrf(), traits[0].clone(), password()];
        nodes.extend(traits[1..].iter().cloned());
        nodes.extend([password_submit(), back()]);
        nodes
    }

    pub fn no_values() -> [Option<Value>; 6] {
        [None, None, None, None, None, None]
    }

    pub const LONG: &str = "1111111111111111111111111111111111111111111111111111111111";

    pub fn all_values(email: &str) -> [Option<Value>; 6] {
        [
            Some(json!(email)),
            Some(json!("string")),
            Some(json!(1)),
            Some(json!(true)),
            Some(json!(1000000)),
            Some(json!(LONG)),
        ]
    }
}

/// The flow's nodes with the CSRF token's value removed (it differs on every run).
fn nodes_without_csrf_value(flow: &Value) -> Vec<Value> {
    let mut nodes = flow["ui"]["nodes"].as_array().unwrap().clone();
    for n in &mut nodes {
        if n["attributes"]["name"] == "csrf_token" {
            assert!(n["attributes"]["value"].is_string(), "{n}");
            n["attributes"]
                .as_object_mut()
                .unwrap()
                .shift_remove("value");
        }
    }
    nodes
}

fn assert_nodes(flow: &Value, want: &[Value]) {
    let got = nodes_without_csrf_value(flow);
    let text = |n: &Value| serde_json::to_string(n).unwrap();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(text(g), text(w), "node {i} differs");
    }
    assert_eq!(
        got.len(),
        want.len(),
        "got {:#?}",
        got.iter()
            .map(|n| n["attributes"]["name"].clone())
            .collect::<Vec<_>>()
    );
}

/// Starts a browser flow (optionally for one schema), posts `form` plus its CSRF token, follows
/// the redirect and returns the flow the UI then fetches.
async fn browser_submit(
    app: &TestApp,
    browser: &reqwest::Client,
    flow: &Value,
    form: &[(&str, &str)],
) -> Value {
    let csrf = csrf_of(flow);
    let mut fields: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
    fields.extend_from_slice(form);
    let r = browser
        .post(flow["ui"]["action"].as_str().unwrap())
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let id = flow_param(&location(&r));
    let r = browser
        .get(app.url(&format!("/self-service/registration/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let flow = json_of(r).await;
    assert_valid("registrationFlow", &flow);
    flow
}

async fn browser_flow_for(app: &TestApp, browser: &reqwest::Client, schema: &str) -> Value {
    let r = browser
        .get(app.url(&format!(
            "/self-service/registration/browser?identity_schema={schema}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let id = flow_param(&location(&r));
    let r = browser
        .get(app.url(&format!("/self-service/registration/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    json_of(r).await
}

fn all_traits_form(email: &str) -> Vec<(&str, &str)> {
    vec![
        ("traits.email", email),
        ("traits.booly", "true"),
        ("traits.numby", "1"),
        ("traits.stringy", "string"),
        ("traits.should_big_number", "1000000"),
        ("traits.should_long_string", expect::LONG),
    ]
}

fn choose_credentials_messages() -> Value {
    json!([{"id": 1040009, "text": "Please choose a credential to authenticate yourself with.", "type": "info"}])
}

db_test!(
    kratos_two_step_screens_with_mixed_traits,
    schemas_config(
        &[("default", mixed_traits_schema(), false)],
        "default",
        "profile_first"
    ),
    |app| {
        use expect::*;
        let browser = app.browser();
        // First screen of a fresh flow: the traits in schema order, then the profile submit.
        let flow = browser_flow(&app, &browser).await;
        let mut want = vec![csrf()];
        want.extend(mixed_traits(false, no_values()));
        want.push(profile_submit());
        assert_nodes(&flow, &want);
        assert!(flow["ui"].get("messages").is_none());

        // `method=profile` with every trait: the traits turn hidden and keep their typed values,
        // the password inputs follow, `screen=previous` comes last.
        let mut form = all_traits_form("browser-1@example.org");
        form.push(("method", "profile"));
        let second = browser_submit(&app, &browser, &flow, &form).await;
        let credentials =
            credentials_screen(mixed_traits(true, all_values("browser-1@example.org")));
        assert_nodes(&second, &credentials);
        assert_eq!(second["ui"]["messages"], choose_credentials_messages());

        // `screen=previous` on a fresh flow (whose form already has the profile submit, so it
        // gets a second one), with the form's `method=profile` sent along.
        let fresh = browser_flow(&app, &browser).await;
        let mut form = all_traits_form("browser-1-1@example.org");
        form.extend([("method", "profile"), ("screen", "previous")]);
        let back_screen = browser_submit(&app, &browser, &fresh, &form).await;
        let mut want = vec![csrf()];
        want.extend(mixed_traits(false, all_values("browser-1-1@example.org")));
        want.extend([profile_submit(), profile_submit()]);
        assert_nodes(&back_screen, &want);
        assert!(back_screen["ui"].get("messages").is_none());

        // `method=profile` with only the e-mail on a fresh flow: the other traits have no value.
        let fresh = browser_flow(&app, &browser).await;
        let again = browser_submit(
            &app,
            &browser,
            &fresh,
            &[
                ("traits.email", "browser-1-1@example.org"),
                ("method", "profile"),
            ],
        )
        .await;
        let mut values = no_values();
        values[0] = Some(json!("browser-1-1@example.org"));
        let want = credentials_screen(mixed_traits(true, values));
        assert_nodes(&again, &want);
        assert_eq!(again["ui"]["messages"], choose_credentials_messages());
    }
);

db_test!(
    kratos_two_step_back_and_forth_on_one_flow_is_idempotent,
    schemas_config(
        &[("default", mixed_traits_schema(), false)],
        "default",
        "profile_first"
    ),
    |app| {
        use expect::*;
        let browser = app.browser();
        let flow = browser_flow(&app, &browser).await;
        let mut profile_form = all_traits_form("same@example.org");
        profile_form.push(("method", "profile"));
        let mut back_form = all_traits_form("same@example.org");
        back_form.push(("screen", "previous"));

        let credentials = credentials_screen(mixed_traits(true, all_values("same@example.org")));
        let mut profile = vec![csrf()];
        profile.extend(mixed_traits(false, all_values("same@example.org")));
        profile.push(profile_submit());

        let f = browser_submit(&app, &browser, &flow, &profile_form).await;
        assert_nodes(&f, &credentials);
        // Back on the same flow: the back button and the password inputs go, the traits get
        // their own input types again, one profile submit.
        let f = browser_submit(&app, &browser, &f, &back_form).await;
        assert_nodes(&f, &profile);
        assert!(f["ui"].get("messages").is_none());
        let f = browser_submit(&app, &browser, &f, &profile_form).await;
        assert_nodes(&f, &credentials);
        assert_eq!(f["ui"]["messages"], choose_credentials_messages());
        let f = browser_submit(&app, &browser, &f, &back_form).await;
        assert_nodes(&f, &profile);
    }
);

db_test!(
    kratos_two_step_selected_schema,
    schemas_config(
        &[
            (
                "default",
                serde_json::from_str(&std::fs::read_to_string(crate::app::schema_path()).unwrap())
                    .unwrap(),
                false
            ),
            ("not-default", mixed_traits_schema(), true)
        ],
        "default",
        "profile_first"
    ),
    |app| {
        use expect::*;
        let browser = app.browser();
        let flow = browser_flow_for(&app, &browser, "not-default").await;
        let mut want = vec![csrf()];
        want.extend(mixed_traits(false, no_values()));
        want.push(profile_submit());
        assert_nodes(&flow, &want);

        // An e-mail that is not one (the verification extension checks it) on the selected
        // schema: 4000040 on the node.
        let r = browser
            .post(flow["ui"]["action"].as_str().unwrap())
            .form(&[
                ("csrf_token", csrf_of(&flow).as_str()),
                ("traits.email", "invalidemail"),
                ("traits.booly", "true"),
                ("traits.numby", "1"),
                ("traits.stringy", "string"),
                ("traits.should_big_number", "1000000"),
                ("traits.should_long_string", LONG),
                ("method", "profile"),
            ])
            .send()
            .await
            .unwrap();
        // Kratos answers a browser form error with 302 (a new screen with 303).
        assert_eq!(r.status(), 302);
        let id = flow_param(&location(&r));
        let f = fetch_flow(&app, &browser, &id).await;
        let email = node(&f, "traits.email").unwrap();
        assert_eq!(
            email["messages"],
            json!([{"id": 4000040, "text": "Enter a valid email address", "type": "error", "context": {"value": "invalidemail"}}])
        );
    }
);

db_test!(
    kratos_unified_form_with_mixed_traits,
    schemas_config(
        &[
            ("default", mixed_traits_schema(), false),
            ("not-default", mixed_traits_schema(), true)
        ],
        "default",
        "unified"
    ),
    |app| {
        use expect::*;
        // Password right after the first trait, the submit last.
        let mut want = vec![csrf()];
        let traits = mixed_traits(false, no_values());
        want.push(traits[0].clone());
        want.push(password());
        want.extend(traits[1..].iter().cloned());
        want.push(password_submit());
        let browser = app.browser();
        assert_nodes(&browser_flow(&app, &browser).await, &want);
        let selected = browser_flow_for(&app, &browser, "not-default").await;
        assert_nodes(&selected, &want);
        assert!(selected["ui"].get("messages").is_none());
        let api = app.api_flow().await;
        assert_nodes(&api, &want);

        // An invalid e-mail with the password method: 4000040 on the node.
        let r = browser
            .post(selected["ui"]["action"].as_str().unwrap())
            .form(&[
                ("csrf_token", csrf_of(&selected).as_str()),
                ("traits.email", "invalidemail"),
                ("traits.booly", "true"),
                ("traits.numby", "1"),
                ("traits.stringy", "string"),
                ("traits.should_big_number", "1000000"),
                ("traits.should_long_string", LONG),
                ("password", "password"),
                ("method", "password"),
            ])
            .send()
            .await
            .unwrap();
        // Kratos answers a browser form error with 302 (a new screen with 303).
        assert_eq!(r.status(), 302);
        let id = flow_param(&location(&r));
        let f = fetch_flow(&app, &browser, &id).await;
        assert_eq!(
            node(&f, "traits.email").unwrap()["messages"][0]["id"],
            4000040
        );
        assert_eq!(
            node(&f, "traits.email").unwrap()["messages"][0]["text"],
            "Enter a valid email address"
        );
    }
);

db_test!(
    kratos_legacy_one_step_puts_password_after_the_identifier,
    {
        let mut c = schemas_config(
            &[("default", two_strings_schema(), false)],
            "default",
            "profile_first",
        );
        c["selfservice"]["flows"]["registration"]["enable_legacy_one_step"] = json!(true);
        c
    },
    |app| {
        use expect::*;
        let browser = app.browser();
        let flow = browser_flow(&app, &browser).await;
        assert_nodes(
            &flow,
            &[
                csrf(),
                input("traits.username", "text", None),
                password(),
                input("traits.bar", "text", None),
                password_submit(),
            ],
        );
    }
);

db_test!(
    kratos_legacy_one_step_selected_email_schema,
    {
        let mut c = schemas_config(
            &[
                ("username", two_strings_schema(), true),
                ("email", titled_email_schema(), true),
                ("phone", mixed_traits_schema(), false),
            ],
            "phone",
            "profile_first",
        );
        c["selfservice"]["flows"]["registration"]["enable_legacy_one_step"] = json!(true);
        c
    },
    |app| {
        use expect::*;
        let email = json!({"type": "input", "group": "default", "attributes": {"name": "traits.email", "type": "email", "required": true, "autocomplete": "email", "disabled": false, "node_type": "input"}, "messages": [], "meta": {"label": {"id": 1070002, "text": "E-Mail", "type": "info", "context": {"name": "traits.email", "title": "E-Mail"}}}});
        let want = [csrf(), email, password(), password_submit()];
        let browser = app.browser();
        let flow = browser_flow_for(&app, &browser, "email").await;
        assert_nodes(&flow, &want);
        let r = app
            .api_client()
            .get(app.url("/self-service/registration/api?identity_schema=email"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let api = json_of(r).await;
        assert_eq!(node(&api, "csrf_token").unwrap()["attributes"]["value"], "");
        assert_nodes(&api, &want);
    }
);

/// Two required traits, the identifier listed second.
fn identifier_second_schema() -> Value {
    json!({
        "$id": "https://hoplite.test/schemas/identifier-second.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "traits": {
                "type": "object",
                "properties": {
                    "foobar": {"type": "string", "minLength": 2},
                    "username": {
                        "type": "string",
                        "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}
                    }
                },
                "required": ["foobar", "username"]
            }
        },
        "additionalProperties": false
    })
}

db_test!(
    kratos_password_follows_the_first_schema_key_not_the_identifier,
    {
        let mut c = schemas_config(
            &[("default", identifier_second_schema(), false)],
            "default",
            "profile_first",
        );
        c["selfservice"]["flows"]["registration"]["enable_legacy_one_step"] = json!(true);
        c
    },
    |app| {
        use expect::*;
        let mut foobar = input("traits.foobar", "text", None);
        foobar["attributes"] = json!({"name": "traits.foobar", "type": "text", "required": true, "disabled": false, "node_type": "input"});
        let mut username = input("traits.username", "text", None);
        username["attributes"] = json!({"name": "traits.username", "type": "text", "required": true, "disabled": false, "node_type": "input"});
        let want = [csrf(), foobar, password(), username, password_submit()];
        // Browser and SPA flows alike.
        let browser = app.browser();
        assert_nodes(&browser_flow(&app, &browser).await, &want);
        let r = app
            .browser()
            .get(app.url("/self-service/registration/browser"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_nodes(&json_of(r).await, &want);
    }
);

db_test!(
    kratos_two_step_screens_over_the_api,
    schemas_config(
        &[("default", mixed_traits_schema(), false)],
        "default",
        "profile_first"
    ),
    |app| {
        use expect::*;
        let traits = json!({"email": "api@example.org", "stringy": "string", "numby": 1, "booly": true, "should_big_number": 1000000, "should_long_string": LONG});
        let flow = app.api_flow().await;
        let id = flow["id"].as_str().unwrap();
        let mut first = vec![csrf()];
        first.extend(mixed_traits(false, no_values()));
        first.push(profile_submit());
        assert_nodes(&flow, &first);
        // Each screen answers 400 with the flow, the CSRF token empty.
        let r = app
            .submit_api(id, json!({"method": "profile", "traits": traits}))
            .await;
        assert_eq!(r.status(), 400);
        let f = json_of(r).await;
        assert_eq!(node(&f, "csrf_token").unwrap()["attributes"]["value"], "");
        assert_nodes(
            &f,
            &credentials_screen(mixed_traits(true, all_values("api@example.org"))),
        );
        assert_eq!(f["ui"]["messages"], choose_credentials_messages());
        let r = app
            .submit_api(id, json!({"screen": "previous", "traits": traits}))
            .await;
        assert_eq!(r.status(), 400);
        let f = json_of(r).await;
        let mut back_screen = vec![csrf()];
        back_screen.extend(mixed_traits(false, all_values("api@example.org")));
        back_screen.push(profile_submit());
        assert_nodes(&f, &back_screen);
        assert!(f["ui"].get("messages").is_none());
    }
);

db_test!(
    ready_answers_503_once_the_database_is_gone,
    json!({}),
    |app| {
        let client = app.api_client();
        let ready = || client.get(app.url("/health/ready")).send();
        assert_eq!(ready().await.unwrap().status(), 200);
        // Only PostgreSQL can take a database away from under live connections
        // (`DROP DATABASE ... WITH (FORCE)` ends them); the other databases stop here.
        if !app.dsn.starts_with("postgres") {
            return;
        }
        let admin_url = std::env::var("TEST_DATABASE_POSTGRESQL").unwrap();
        let name = app
            .dsn
            .split('?')
            .next()
            .and_then(|base| base.rsplit('/').next())
            .unwrap()
            .to_string();
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .unwrap();
        sqlx::Executor::execute(
            &mut c,
            sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")),
        )
        .await
        .unwrap();
        let r = ready().await.unwrap();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["content-type"], "application/json");
        let body: Value = r.json().await.unwrap();
        assert_valid("healthNotReadyStatus", &body);
        // herodot's rendering of the not-ready status: code 500 in a 503, and on the public
        // port the reason is not shared.
        assert_eq!(
            body,
            json!({"error": {
                "code": 500,
                "status": "Internal Server Error",
                "message": "error may contain sensitive information and was obfuscated"
            }})
        );
        let r = client
            .get(format!("{}/admin/health/ready", app.admin))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 503);
        let body: Value = r.json().await.unwrap();
        assert_ne!(
            body["error"]["message"],
            "error may contain sensitive information and was obfuscated"
        );
        // Liveness does not depend on the database.
        let r = client.get(app.url("/health/alive")).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
);
