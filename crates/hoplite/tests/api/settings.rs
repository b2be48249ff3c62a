//! Settings as Kratos serves them, over real HTTP on every database: the flow and its form, profile
//! and password changes (then signing in with the new password and not the old), an email change
//! that moves the login identifier, the privileged-session rule on the movable clock, the
//! `revoke_active_sessions` hook, browser form posts with CSRF, expiry and another identity's
//! flow. Every body is checked against Kratos's OpenAPI.

use crate::app::{TestApp, node};
use crate::db_test;
use crate::openapi::assert_valid;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";
const NEW_PASSWORD: &str = "Another-Long-Passphrase-4711";

fn message_ids(flow: &Value) -> Vec<i64> {
    flow["ui"]["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default()
}

fn node_message_ids(flow: &Value, name: &str) -> Vec<i64> {
    node(flow, name).unwrap()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_i64())
        .collect()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

/// `GET /self-service/settings/api` with a session token (or none).
async fn api_settings_flow(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut r = app.api_client().get(app.url("/self-service/settings/api"));
    if let Some(t) = token {
        r = r.header("X-Session-Token", t);
    }
    r.send().await.unwrap()
}

/// A new API settings flow for `token`.
async fn new_api_flow(app: &TestApp, token: &str) -> Value {
    let r = api_settings_flow(app, Some(token)).await;
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("settingsFlow", &flow);
    flow
}

async fn submit(app: &TestApp, token: &str, flow_id: &str, body: Value) -> reqwest::Response {
    app.api_client()
        .post(app.url(&format!("/self-service/settings?flow={flow_id}")))
        .header("X-Session-Token", token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Submits `body` to a fresh API settings flow; returns the status and body.
async fn change(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let flow = new_api_flow(app, token).await;
    let r = submit(app, token, flow["id"].as_str().unwrap(), body).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

fn traits(email: &str, first: &str) -> Value {
    json!({"email": email, "name": {"first": first, "last": "Lovelace"}})
}

db_test!(
    the_flow_shows_the_identity_and_profile_changes,
    json!({}),
    |app| {
        let token = app
            .registered_and_signed_in("ada@example.com", PASSWORD)
            .await;
        let other = app
            .registered_and_signed_in("bob@example.com", PASSWORD)
            .await;

        // Without a session: 401 as Kratos words it.
        let r = api_settings_flow(&app, None).await;
        assert_eq!(r.status(), 401);
        let err: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &err);
        assert_eq!(err["error"]["id"], "session_inactive");

        let flow = new_api_flow(&app, &token).await;
        assert_eq!(flow["type"], "api");
        assert_eq!(flow["state"], "show_form");
        assert!(flow["organization_id"].is_null());
        assert!(flow.get("continue_with").is_none());
        assert_eq!(flow["identity"]["traits"]["email"], "ada@example.com");
        assert!(flow["identity"].get("credentials").is_none());
        let id = flow["id"].as_str().unwrap().to_string();
        assert_eq!(
            flow["ui"]["action"],
            app.url(&format!("/self-service/settings?flow={id}"))
        );
        // Kratos's groups and order: CSRF, the traits (profile) and Save, the password and Save.
        let shape: Vec<(String, String, String)> = flow["ui"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let a = &n["attributes"];
                (
                    n["group"].as_str().unwrap().to_string(),
                    a["name"].as_str().unwrap().to_string(),
                    a["value"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let expected: Vec<(String, String, String)> = [
            ("default", "csrf_token", ""),
            ("profile", "traits.email", "ada@example.com"),
            ("profile", "traits.name.first", ""),
            ("profile", "traits.name.last", ""),
            ("profile", "method", "profile"),
            ("password", "password", ""),
            ("password", "method", "password"),
        ]
        .iter()
        .map(|(g, n, v)| (g.to_string(), n.to_string(), v.to_string()))
        .collect();
        assert_eq!(shape, expected);
        let save = &flow["ui"]["nodes"][4]["meta"]["label"];
        assert_eq!(
            (save["id"].as_i64(), save["text"].as_str()),
            (Some(1070003), Some("Save"))
        );
        assert_eq!(
            node(&flow, "password").unwrap()["attributes"]["autocomplete"],
            "new-password"
        );

        // The seed endpoint: 200 for the owner, 403 for anyone else, 404 when unknown, no CSRF check.
        let get = |token: String, id: String| {
            let app = &app;
            async move {
                app.api_client()
                    .get(app.url(&format!("/self-service/settings/flows?id={id}")))
                    .header("X-Session-Token", token)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let r = get(token.clone(), id.clone()).await;
        assert_eq!(r.status(), 200);
        let fetched: Value = r.json().await.unwrap();
        assert_valid("settingsFlow", &fetched);
        assert_eq!(fetched["ui"], flow["ui"]);
        let r = get(other.clone(), id.clone()).await;
        assert_eq!(r.status(), 403);
        let err: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &err);
        assert_eq!(err["error"]["id"], "security_identity_mismatch");
        let r = get(token.clone(), uuid::Uuid::new_v4().to_string()).await;
        assert_eq!(r.status(), 404);
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/settings/flows?id={id}")))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // Another identity cannot submit it either.
        let r = submit(
            &app,
            &other,
            &id,
            json!({"method": "profile", "traits": traits("bob@example.com", "B")}),
        )
        .await;
        assert_eq!(r.status(), 403);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["id"], "security_identity_mismatch");

        // A profile change: 200, state success, 1050001, the new values in the form and the identity.
        let r = submit(
        &app,
        &token,
        &id,
        json!({"method": "profile", "traits": traits("ada@example.com", "Ada"), "transient_payload": {"a": 1}}),
    )
    .await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_valid("settingsFlow", &done);
        assert_eq!(done["id"], id);
        assert_eq!(done["state"], "success");
        assert_eq!(message_ids(&done), [1050001]);
        assert!(done.get("transient_payload").is_none());
        assert_eq!(done["identity"]["traits"]["name"]["first"], "Ada");
        assert_eq!(
            node(&done, "traits.name.first").unwrap()["attributes"]["value"],
            "Ada"
        );
        let (status, me) = app.whoami(&token).await;
        assert_eq!(status, 200);
        assert_eq!(me["identity"]["traits"]["name"]["first"], "Ada");
        // The stored flow is the one answered.
        let r = get(token.clone(), id.clone()).await;
        let stored: Value = r.json().await.unwrap();
        assert_eq!(stored["state"], "success");
        assert_eq!(stored["ui"], done["ui"]);

        // Schema errors land on the trait nodes; unknown methods get 4010004.
        let (status, body) = change(
            &app,
            &token,
            json!({"method": "profile", "traits": {"name": {"first": "X"}}}),
        )
        .await;
        assert_eq!(status, 400);
        assert_valid("settingsFlow", &body);
        assert_eq!(node_message_ids(&body, "traits.email"), [4000002]);
        let (status, body) = change(
            &app,
            &token,
            json!({"method": "profile", "traits": {"email": "not-an-email"}}),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(node_message_ids(&body, "traits.email"), [4000040]);
        assert_eq!(
            node(&body, "traits.email").unwrap()["attributes"]["value"],
            "not-an-email"
        );
        let (status, body) = change(&app, &token, json!({"method": "foo"})).await;
        assert_eq!(status, 400);
        assert_eq!(message_ids(&body), [4010004]);
        // The identity did not change.
        let (_, me) = app.whoami(&token).await;
        assert_eq!(me["identity"]["traits"]["email"], "ada@example.com");

        // A malformed or missing flow id is a 400 naming it, an unknown one a 404.
        let r = submit(
            &app,
            &token,
            "00000000-0000-0000-0000-000000000000",
            json!({"method": "profile"}),
        )
        .await;
        assert_eq!(r.status(), 400);
        let r = submit(
            &app,
            &token,
            &uuid::Uuid::new_v4().to_string(),
            json!({"method": "profile"}),
        )
        .await;
        assert_eq!(r.status(), 404);
        let err: Value = r.json().await.unwrap();
        assert_eq!(
            err["error"]["reason"],
            "The settings request could not be found. Please restart the flow."
        );
    }
);

db_test!(
    a_new_password_signs_in_and_the_old_does_not,
    json!({}),
    |app| {
        let token = app
            .registered_and_signed_in("cleo@example.com", PASSWORD)
            .await;
        // Kratos's policy and checks, each as a message on the password node.
        for (password, expected) in [
            ("", 4000002),
            (PASSWORD, 4000039),
            ("cleo@example.com", 4000031),
            ("short", 4000032),
        ] {
            let (status, body) = change(
                &app,
                &token,
                json!({"method": "password", "password": password}),
            )
            .await;
            assert_eq!(status, 400, "{password}");
            assert_valid("settingsFlow", &body);
            assert_eq!(
                node_message_ids(&body, "password"),
                [expected],
                "{password}"
            );
        }
        let (status, body) = change(&app, &token, json!({"method": "password"})).await;
        assert_eq!(status, 400);
        assert_eq!(node_message_ids(&body, "password"), [4000002]);
        assert_eq!(
            app.login_api("cleo@example.com", PASSWORD).await.status(),
            200
        );

        let (status, body) = change(
            &app,
            &token,
            json!({"method": "password", "password": NEW_PASSWORD}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_valid("settingsFlow", &body);
        assert_eq!(body["state"], "success");
        assert_eq!(message_ids(&body), [1050001]);
        // The password node never shows a value.
        assert!(
            node(&body, "password").unwrap()["attributes"]
                .get("value")
                .is_none()
        );

        let r = app.login_api("cleo@example.com", PASSWORD).await;
        assert_eq!(r.status(), 400);
        let flow: Value = r.json().await.unwrap();
        assert_eq!(message_ids(&flow), [4000006]);
        assert_eq!(
            app.login_api("cleo@example.com", NEW_PASSWORD)
                .await
                .status(),
            200
        );
        // The session that changed it stays valid (no hook configured).
        assert_eq!(app.whoami(&token).await.0, 200);
    }
);

db_test!(an_email_change_moves_the_identifier, json!({}), |app| {
    let token = app
        .registered_and_signed_in("dora@example.com", PASSWORD)
        .await;
    app.registered_and_signed_in("eve@example.com", PASSWORD)
        .await;

    // Taken by someone else: 4000007, and nothing changes.
    let (status, body) = change(
        &app,
        &token,
        json!({"method": "profile", "traits": traits("eve@example.com", "D")}),
    )
    .await;
    assert_eq!(status, 400);
    assert_valid("settingsFlow", &body);
    assert_eq!(message_ids(&body), [4000007]);
    assert_eq!(
        app.login_api("dora@example.com", PASSWORD).await.status(),
        200
    );

    let (status, body) = change(
        &app,
        &token,
        json!({"method": "profile", "traits": traits("dora.new@example.com", "Dora")}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_valid("settingsFlow", &body);
    let addresses = body["identity"]["verifiable_addresses"].as_array().unwrap();
    assert_eq!(addresses.len(), 1);
    assert_eq!(addresses[0]["value"], "dora.new@example.com");
    assert_eq!(addresses[0]["verified"], false);
    assert_eq!(addresses[0]["status"], "pending");
    assert_eq!(
        body["identity"]["recovery_addresses"][0]["value"],
        "dora.new@example.com"
    );

    // The old email no longer signs in; the new one does, with the same password.
    assert_eq!(
        app.login_api("dora@example.com", PASSWORD).await.status(),
        400
    );
    assert_eq!(
        app.login_api("dora.new@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    // The rows: one identifier, the new one.
    let identifiers = app
        .query_text(
            "SELECT identifier FROM identity_credential_identifiers WHERE identifier LIKE 'dora%'",
        )
        .await;
    assert_eq!(identifiers, "dora.new@example.com");
});

db_test!(an_old_session_must_sign_in_again, json!({}), |app| {
    let token = app
        .registered_and_signed_in("fay@example.com", PASSWORD)
        .await;
    // privileged_session_max_age defaults to 1h.
    app.clock.advance(time::Duration::minutes(61));

    let flow = new_api_flow(&app, &token).await;
    let id = flow["id"].as_str().unwrap().to_string();
    for body in [
        json!({"method": "password", "password": NEW_PASSWORD}),
        json!({"method": "profile", "traits": traits("fay.new@example.com", "Fay")}),
    ] {
        let r = submit(&app, &token, &id, body).await;
        assert_eq!(r.status(), 403);
        let err: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &err);
        assert_eq!(err["error"]["id"], "session_refresh_required");
        let return_to = app.url(&format!("/self-service/settings?flow={id}"));
        let expected = format!(
            "{}?refresh=true&return_to={}",
            app.url("/self-service/login/browser"),
            form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
        );
        assert_eq!(err["redirect_browser_to"], expected);
    }
    // A change of plain traits needs no fresh sign-in.
    let r = submit(
        &app,
        &token,
        &id,
        json!({"method": "profile", "traits": traits("fay@example.com", "Fay")}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.login_api("fay@example.com", PASSWORD).await.status(),
        200
    );

    // Signing in again (refresh) makes the session privileged: the change goes through.
    let r = app
        .api_client()
        .get(app.url("/self-service/login/api?refresh=true"))
        .header("X-Session-Token", &token)
        .send()
        .await
        .unwrap();
    let login: Value = r.json().await.unwrap();
    let r = app
        .api_client()
        .post(app.url(&format!(
            "/self-service/login?flow={}",
            login["id"].as_str().unwrap()
        )))
        .header("X-Session-Token", &token)
        .json(&json!({"method": "password", "identifier": "fay@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = submit(
        &app,
        &token,
        &id,
        json!({"method": "password", "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.login_api("fay@example.com", NEW_PASSWORD)
            .await
            .status(),
        200
    );
});

db_test!(
    a_password_change_can_sign_out_every_other_session,
    json!({"selfservice": {"flows": {"settings": {"after": {"password": {"hooks": [{"hook": "revoke_active_sessions"}]}}}}}}),
    |app| {
        let first = app
            .registered_and_signed_in("gus@example.com", PASSWORD)
            .await;
        let r = app.login_api("gus@example.com", PASSWORD).await;
        let second: Value = r.json().await.unwrap();
        let second = second["session_token"].as_str().unwrap().to_string();
        // A profile change leaves the other sessions alone.
        let (status, _) = change(
            &app,
            &first,
            json!({"method": "profile", "traits": traits("gus@example.com", "Gus")}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(app.whoami(&second).await.0, 200);
        let (status, _) = change(
            &app,
            &first,
            json!({"method": "password", "password": NEW_PASSWORD}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(app.whoami(&second).await.0, 401);
        assert_eq!(app.whoami(&first).await.0, 200);
    }
);

db_test!(expired_flows_are_replaced, json!({}), |app| {
    let token = app
        .registered_and_signed_in("hal@example.com", PASSWORD)
        .await;
    let flow = new_api_flow(&app, &token).await;
    let id = flow["id"].as_str().unwrap().to_string();
    app.clock.advance(time::Duration::minutes(61));
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/settings/flows?id={id}")))
        .header("X-Session-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let err: Value = r.json().await.unwrap();
    assert_valid("errorGeneric", &err);
    assert!(err["error"].get("id").is_none());
    assert_eq!(
        err["error"]["details"]["api"],
        app.url("/self-service/settings/api")
    );

    let r = submit(
        &app,
        &token,
        &id,
        json!({"method": "profile", "traits": traits("hal@example.com", "H")}),
    )
    .await;
    assert_eq!(r.status(), 410);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["id"], "self_service_flow_expired");
    let replacement = err["use_flow_id"].as_str().unwrap();
    assert_ne!(replacement, id);
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/settings/flows?id={replacement}")))
        .header("X-Session-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let fresh: Value = r.json().await.unwrap();
    assert_valid("settingsFlow", &fresh);
    assert_eq!(message_ids(&fresh), [4050001]);
});

/// A browser (cookie jar) signed up and in as `email` through the browser registration form.
pub(crate) async fn browser_signed_up(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.browser();
    let flow = app
        .spa_flow(&browser, "/self-service/registration/browser")
        .await;
    let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let action = flow["ui"]["action"].as_str().unwrap().to_string();
    for fields in [
        vec![("method", "profile"), ("traits.email", email)],
        vec![
            ("method", "password"),
            ("traits.email", email),
            ("password", PASSWORD),
        ],
    ] {
        let mut form = fields;
        form.push(("csrf_token", csrf.as_str()));
        let r = browser.post(&action).form(&form).send().await.unwrap();
        assert!(r.status().is_redirection(), "{}", r.status());
    }
    assert_eq!(
        browser
            .get(app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    browser
}

db_test!(
    browser_settings_with_forms_and_csrf,
    json!({"selfservice": {"flows": {"settings": {"ui_url": "http://127.0.0.1:4455/settings", "privileged_session_max_age": "10m"}}}}),
    |app| {
        // Without a session: the login page, or 401 for JSON callers.
        let anonymous = app.browser();
        let r = anonymous
            .get(app.url("/self-service/settings/browser"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), app.url("/self-service/login/browser"));
        let r = anonymous
            .get(app.url("/self-service/settings/browser"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["id"], "session_inactive");
        assert_eq!(err["CredentialsMissing"], false);

        let browser = browser_signed_up(&app, "ivy@example.com").await;
        let r = browser
            .get(app.url("/self-service/settings/browser"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = location(&r);
        assert!(
            to.starts_with("http://127.0.0.1:4455/settings?flow="),
            "{to}"
        );

        let flow = app
            .spa_flow(&browser, "/self-service/settings/browser")
            .await;
        assert_valid("settingsFlow", &flow);
        assert_eq!(flow["type"], "browser");
        let id = flow["id"].as_str().unwrap().to_string();
        let action = flow["ui"]["action"].as_str().unwrap().to_string();
        let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(!csrf.is_empty());

        // A form post with a wrong CSRF token goes to the error page and changes nothing.
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", "wrong"),
                ("method", "profile"),
                ("traits.email", "ivy@example.com"),
                ("traits.name.first", "Evil"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with("http://127.0.0.1:4455/error?id="));
        // The same as JSON: 403.
        let r = browser
        .post(&action)
        .json(&json!({"csrf_token": "wrong", "method": "profile", "traits": {"email": "ivy@example.com"}}))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), 403);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["id"], "security_csrf_violation");

        // Bad traits: back to the settings UI (303), the flow shows the error and the values sent.
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "profile"),
                ("traits.email", "nope"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            location(&r),
            format!("http://127.0.0.1:4455/settings?flow={id}")
        );
        let shown = app
            .spa_flow(&browser, &format!("/self-service/settings/flows?id={id}"))
            .await;
        assert_eq!(node_message_ids(&shown, "traits.email"), [4000040]);
        assert_eq!(
            node(&shown, "traits.email").unwrap()["attributes"]["value"],
            "nope"
        );

        // A good form post: 303 back to the settings UI, the session cookie issued again.
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "profile"),
                ("traits.email", "ivy@example.com"),
                ("traits.name.first", "Ivy"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            location(&r),
            format!("http://127.0.0.1:4455/settings?flow={id}")
        );
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("ory_kratos_session="))
        );
        let me: Value = browser
            .get(app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["identity"]["traits"]["name"]["first"], "Ivy");

        // A single-page app's JSON post: 200 with the flow and where to send the browser.
        let r = browser
            .post(&action)
            .json(&json!({"csrf_token": csrf, "method": "password", "password": NEW_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_valid("settingsFlow", &done);
        assert_eq!(
            done["continue_with"],
            json!([{"action": "redirect_browser_to", "redirect_browser_to": format!("http://127.0.0.1:4455/settings?flow={id}")}])
        );
        assert_eq!(
            app.login_api("ivy@example.com", NEW_PASSWORD)
                .await
                .status(),
            200
        );

        // Too old a session: the browser is sent to sign in again, and comes back to this flow.
        app.clock.advance(time::Duration::minutes(11));
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "password"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let return_to = app.url(&format!("/self-service/settings?flow={id}"));
        assert_eq!(
            location(&r),
            format!(
                "{}?refresh=true&return_to={}",
                app.url("/self-service/login/browser"),
                form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
            )
        );

        // The change waits in a continuity container named by the ory_kratos_continuity cookie.
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("ory_kratos_continuity="))
        );
        let paused = app
            .query_text("SELECT name FROM continuity_containers")
            .await;
        assert_eq!(paused, "ory_kratos_settings_password");

        // Signing in again (refresh) returns to the flow, and the paused change applies.
        let login_url = location(&r);
        let login = browser
            .get(&login_url)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        let login: Value = login.json().await.unwrap();
        assert_eq!(login["refresh"], true);
        let login_csrf = node(&login, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let r = browser
            .post(login["ui"]["action"].as_str().unwrap())
            .form(&[
                ("csrf_token", login_csrf.as_str()),
                ("method", "password"),
                ("identifier", "ivy@example.com"),
                ("password", NEW_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), return_to);
        let r = browser.get(&return_to).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            location(&r),
            format!("http://127.0.0.1:4455/settings?flow={id}")
        );
        // One use: the container is gone, and the password is the one sent before the sign-in.
        assert_eq!(
            app.query_text("SELECT COALESCE(MAX(name), 'none') FROM continuity_containers")
                .await,
            "none"
        );
        assert_eq!(
            app.login_api("ivy@example.com", PASSWORD).await.status(),
            200
        );
        assert_eq!(
            app.login_api("ivy@example.com", NEW_PASSWORD)
                .await
                .status(),
            400
        );
        // Coming back again changes nothing more: a bare GET is no submission.
        let r = browser.get(&return_to).send().await.unwrap();
        assert_eq!(r.status(), 303);

        // The W3C change-password URL and the admin port's redirects.
        let r = app
            .api_client()
            .get(app.url("/.well-known/change-password"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "http://127.0.0.1:4455/settings");
        let r = app
            .api_client()
            .get(format!("{}/self-service/settings/browser?x=1", app.admin))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 307);
        assert_eq!(location(&r), app.url("/self-service/settings/browser?x=1"));
    }
);
