//! Sign-in, sessions and sign-out as Kratos serves them, over real HTTP on every database: API and
//! browser login, wrong password and unknown identifier alike (and both costing one password
//! verification), re-authentication, expiry, deactivated identities, the caller's own sessions,
//! the admin session API and both ways to log out. Every body is checked against Kratos's OpenAPI.

use crate::app::{TestApp, node};
use crate::db_test;
use crate::openapi::assert_valid;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";

/// Validates against Kratos's OpenAPI after dropping the keys Kratos itself sends as `null` although
/// its OpenAPI types them as non-null: `continue_with` (a nil Go slice when a sign-in has nothing
/// to continue with) and `identity` (a session whose identity was not expanded). Their nullness is
/// asserted separately where it matters.
fn assert_valid_kratos(schema: &str, body: &Value) {
    let mut copy = body.clone();
    if let Some(o) = copy.as_object_mut() {
        for key in ["continue_with", "identity"] {
            if o.get(key) == Some(&Value::Null) {
                o.remove(key);
            }
        }
    }
    assert_valid(schema, &copy);
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

fn message_ids(flow: &Value) -> Vec<i64> {
    flow["ui"]["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn api_login_flow(app: &TestApp, token: Option<&str>, query: &str) -> reqwest::Response {
    let mut r = app
        .api_client()
        .get(app.url(&format!("/self-service/login/api{query}")));
    if let Some(t) = token {
        r = r.header("X-Session-Token", t);
    }
    r.send().await.unwrap()
}

async fn submit(app: &TestApp, flow_id: &str, body: Value) -> reqwest::Response {
    app.api_client()
        .post(app.url(&format!("/self-service/login?flow={flow_id}")))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A browser login flow as JSON (its CSRF cookie lands in `browser`'s jar).
async fn browser_login_flow(app: &TestApp, browser: &reqwest::Client) -> Value {
    app.spa_flow(browser, "/self-service/login/browser").await
}

/// A browser (cookie jar) signed in as `email` through the browser login form.
async fn browser_signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = app.browser();
    let flow = browser_login_flow(app, &browser).await;
    let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let r = browser
        .post(flow["ui"]["action"].as_str().unwrap())
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("method", "password"),
            ("identifier", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    browser
}

db_test!(api_login_issues_a_session, json!({}), |app| {
    assert_eq!(
        app.register_api("ann@example.com", PASSWORD).await.status(),
        200
    );
    let r = api_login_flow(&app, None, "").await;
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("loginFlow", &flow);
    assert_eq!(flow["type"], "api");
    assert_eq!(flow["refresh"], false);
    assert_eq!(flow["requested_aal"], "aal1");
    let names: Vec<&str> = flow["ui"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["attributes"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["csrf_token", "identifier", "password", "method"]);
    // The schema's one identifier trait has the title "E-Mail".
    assert_eq!(
        node(&flow, "identifier").unwrap()["meta"]["label"]["id"],
        1070002
    );
    assert_eq!(
        node(&flow, "method").unwrap()["meta"]["label"]["id"],
        1010022
    );

    // The identifier matches regardless of case and surrounding space.
    let id = flow["id"].as_str().unwrap();
    let r = submit(
        &app,
        id,
        json!({"method": "password", "identifier": "  ANN@Example.com ", "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_valid_kratos("successfulNativeLogin", &body);
    assert_eq!(body["continue_with"], Value::Null, "a nil slice in Kratos");
    let token = body["session_token"].as_str().unwrap();
    // Kratos's form: `ory_st_` and 32 letters or digits (its column holds 39 characters).
    assert!(
        token.starts_with("ory_st_")
            && token.len() == 7 + 32
            && token[7..].bytes().all(|b| b.is_ascii_alphanumeric()),
        "{token}"
    );
    assert_eq!(
        body["session"]["identity"]["traits"]["email"],
        "ann@example.com"
    );
    assert_eq!(
        body["session"]["authentication_methods"][0]["method"],
        "password"
    );
    assert!(body["session"]["identity"].get("credentials").is_none());

    let (status, me) = app.whoami(token).await;
    assert_eq!(status, 200);
    assert_valid("session", &me);
    assert_eq!(me["id"], body["session"]["id"]);
    assert_eq!(me["authenticator_assurance_level"], "aal1");
    assert_eq!(me["devices"].as_array().unwrap().len(), 1);

    // The flow can be read back and shows the method that was used.
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/login/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("loginFlow", &flow);
    assert_eq!(flow["active"], "password");
});

db_test!(
    wrong_password_and_unknown_identifier_look_alike,
    json!({}),
    |app| {
        assert_eq!(
            app.register_api("bob@example.com", PASSWORD).await.status(),
            200
        );
        let metrics = &app.registry.metrics;
        let mut bodies = Vec::new();
        for (identifier, password) in [
            ("bob@example.com", "not-the-password"),
            ("nobody@example.com", PASSWORD),
        ] {
            let before = metrics.password_verifications();
            let r = app.login_api(identifier, password).await;
            assert_eq!(r.status(), 400);
            let flow: Value = r.json().await.unwrap();
            assert_valid("loginFlow", &flow);
            // Both paths verify exactly one password (the unknown identifier against a stand-in hash).
            assert_eq!(metrics.password_verifications(), before + 1, "{identifier}");
            assert_eq!(message_ids(&flow), [4000006]);
            assert_eq!(
                node(&flow, "identifier").unwrap()["attributes"]["value"],
                identifier
            );
            assert!(
                node(&flow, "password").unwrap()["attributes"]
                    .get("value")
                    .is_none()
            );
            bodies.push(flow["ui"]["messages"].clone());
        }
        assert_eq!(
            bodies[0], bodies[1],
            "the two failures must be indistinguishable"
        );

        // The counter is on the admin metrics endpoint too.
        let text = app
            .api_client()
            .get(format!("{}/admin/metrics/prometheus", app.admin))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("hoplite_password_verifications_total 2"),
            "{text}"
        );

        // Missing fields are form errors on their nodes, not server errors.
        let flow: Value = api_login_flow(&app, None, "").await.json().await.unwrap();
        let r = submit(
            &app,
            flow["id"].as_str().unwrap(),
            json!({"method": "password"}),
        )
        .await;
        assert_eq!(r.status(), 400);
        let flow: Value = r.json().await.unwrap();
        assert_eq!(
            node(&flow, "password").unwrap()["messages"][0]["id"],
            4000002
        );
        assert_eq!(
            node(&flow, "identifier").unwrap()["messages"][0]["id"],
            4000002
        );
        // An unknown method is Kratos's "no strategy" message.
        let r = submit(
            &app,
            flow["id"].as_str().unwrap(),
            json!({"method": "carrier-pigeon"}),
        )
        .await;
        assert_eq!(r.status(), 400);
        let flow: Value = r.json().await.unwrap();
        assert_eq!(message_ids(&flow), [4010002]);
        // A malformed body is a 400 with the flow, and a missing flow id a JSON error.
        let r = app
            .api_client()
            .post(app.url(&format!(
                "/self-service/login?flow={}",
                flow["id"].as_str().unwrap()
            )))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = app
            .api_client()
            .post(app.url("/self-service/login"))
            .json(&json!({"method": "password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_valid("errorGeneric", &r.json::<Value>().await.unwrap());
    }
);

db_test!(session_already_available_and_refresh, json!({}), |app| {
    let token = app
        .registered_and_signed_in("cleo@example.com", PASSWORD)
        .await;
    let r = api_login_flow(&app, Some(&token), "").await;
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert_valid("errorGeneric", &err);
    assert_eq!(err["error"]["id"], "session_already_available");

    // aal2 without a session is refused; with refresh=true a flow for the same person is made.
    let r = api_login_flow(&app, None, "?aal=aal2").await;
    assert_eq!(r.status(), 401);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["id"], "session_aal1_required");

    let r = api_login_flow(&app, Some(&token), "?refresh=true").await;
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("loginFlow", &flow);
    assert_eq!(flow["refresh"], true);
    assert_eq!(message_ids(&flow), [1010003]);
    let identifier = node(&flow, "identifier").unwrap();
    assert_eq!(identifier["attributes"]["type"], "hidden");
    assert_eq!(identifier["attributes"]["value"], "cleo@example.com");

    // Re-authenticating renews the same session and adds a second authentication method.
    let (_, before) = app.whoami(&token).await;
    app.clock.advance(time::Duration::minutes(5));
    let r = app
        .api_client()
        .post(app.url(&format!(
            "/self-service/login?flow={}",
            flow["id"].as_str().unwrap()
        )))
        .header("X-Session-Token", &token)
        .json(
            &json!({"method": "password", "identifier": "cleo@example.com", "password": PASSWORD}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_valid_kratos("successfulNativeLogin", &body);
    assert_eq!(body["session"]["id"], before["id"]);
    assert_eq!(
        body["session"]["authentication_methods"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_ne!(
        body["session"]["authenticated_at"],
        before["authenticated_at"]
    );
});

db_test!(browser_login_then_logout, json!({}), |app| {
    assert_eq!(
        app.register_api("dora@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    let browser = app.browser();
    let r = browser
        .get(app.url("/self-service/login/browser?return_to=http://127.0.0.1:4455/after"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = location(&r);
    assert!(
        loc.starts_with("http://127.0.0.1:4455/login?flow="),
        "{loc}"
    );
    let id = loc.rsplit('=').next().unwrap().to_string();
    let r = browser
        .get(app.url(&format!("/self-service/login/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("loginFlow", &flow);
    assert_eq!(flow["return_to"], "http://127.0.0.1:4455/after");
    // Without the CSRF cookie the flow is not handed out.
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/login/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    let action = flow["ui"]["action"].as_str().unwrap().to_string();
    // A wrong CSRF token is refused (back to the form), the right one signs in.
    let r = browser
        .post(&action)
        .form(&[
            ("csrf_token", "wrong"),
            ("method", "password"),
            ("identifier", "dora@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // As in Kratos, a CSRF failure is not a form error: the browser goes to the error UI.
    assert!(
        location(&r).starts_with("http://127.0.0.1:4455/error?id="),
        "{}",
        location(&r)
    );
    let r = browser
        .post(&action)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("method", "password"),
            ("identifier", "dora@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "http://127.0.0.1:4455/after");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("ory_kratos_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");

    let r = browser
        .get(app.url("/sessions/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_valid("session", &r.json::<Value>().await.unwrap());

    // A second browser login with the session is sent on, not shown a form.
    let r = browser
        .get(app.url("/self-service/login/browser"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "http://127.0.0.1:4455/welcome");

    // Logout: the URL, then opening it.
    let r = browser
        .get(app.url("/self-service/logout/browser"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let logout: Value = r.json().await.unwrap();
    assert_valid("logoutFlow", &logout);
    let url = logout["logout_url"].as_str().unwrap();
    assert!(url.contains("token=ory_lo_"), "{url}");
    // The wrong token does not sign out.
    let r = browser
        .get(app.url("/self-service/logout?token=ory_lo_wrong"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = browser.get(url).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "http://127.0.0.1:4455/welcome");
    let cleared = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("ory_kratos_session="))
        .expect("cookie cleared");
    assert!(
        cleared.contains("Max-Age=0")
            || cleared.contains("Max-Age=-1")
            || cleared.starts_with("ory_kratos_session=;"),
        "{cleared}"
    );
    let r = browser
        .get(app.url("/sessions/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Without a session there is nothing to log out of.
    let r = browser
        .get(app.url("/self-service/logout/browser"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let err: Value = r.json().await.unwrap();
    assert_valid("errorGeneric", &err);
});

db_test!(expired_login_flow_is_replaced, json!({}), |app| {
    let flow: Value = api_login_flow(&app, None, "").await.json().await.unwrap();
    let id = flow["id"].as_str().unwrap().to_string();
    app.clock.advance(time::Duration::hours(2));
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/login/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["id"], "self_service_flow_expired");
    let r = submit(
        &app,
        &id,
        json!({"method": "password", "identifier": "x@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status(), 410);
    let body: Value = r.json().await.unwrap();
    let new_id = body["use_flow_id"].as_str().unwrap();
    assert_ne!(new_id, id);
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/login/flows?id={new_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("loginFlow", &flow);
    assert_eq!(message_ids(&flow), [4010001]);
});

db_test!(
    inactive_identity_cannot_sign_in_or_use_sessions,
    json!({}),
    |app| {
        let token = app
            .registered_and_signed_in("eve@example.com", PASSWORD)
            .await;
        assert_eq!(app.whoami(&token).await.0, 200);
        app.exec_sql("UPDATE identities SET state = 'inactive'")
            .await;
        assert_eq!(app.whoami(&token).await.0, 401);
        let r = app.login_api("eve@example.com", PASSWORD).await;
        assert_eq!(r.status(), 400);
        let flow: Value = r.json().await.unwrap();
        assert_valid("loginFlow", &flow);
        assert_eq!(message_ids(&flow), [4010011]);
    }
);

db_test!(my_sessions_list_and_revoke, json!({}), |app| {
    let first = app
        .registered_and_signed_in("finn@example.com", PASSWORD)
        .await;
    let r = app.login_api("finn@example.com", PASSWORD).await;
    let second: Value = r.json().await.unwrap();
    let second_token = second["session_token"].as_str().unwrap().to_string();
    let second_id = second["session"]["id"].as_str().unwrap().to_string();
    let (_, me) = app.whoami(&first).await;
    let first_id = me["id"].as_str().unwrap().to_string();

    let client = app.api_client();
    let r = client
        .get(app.url("/sessions"))
        .header("X-Session-Token", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let list: Value = r.json().await.unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_valid("session", s);
            s["id"].as_str().unwrap()
        })
        .collect();
    // The registration's session and the second sign-in; never the caller's own.
    assert!(ids.contains(&second_id.as_str()), "{ids:?}");
    assert!(!ids.contains(&first_id.as_str()), "{ids:?}");

    // The current session cannot be revoked here; another one can.
    let r = client
        .delete(app.url(&format!("/sessions/{first_id}")))
        .header("X-Session-Token", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = client
        .delete(app.url(&format!("/sessions/{second_id}")))
        .header("X-Session-Token", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.whoami(&second_token).await.0, 401);
    // Revoke all others: the registration's session is left to count.
    let r = client
        .delete(app.url("/sessions"))
        .header("X-Session-Token", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_valid("deleteMySessionsCount", &body);
    assert_eq!(body["count"], 1);
    assert_eq!(app.whoami(&first).await.0, 200);
    // Without a session: 401.
    let r = client.get(app.url("/sessions")).send().await.unwrap();
    assert_eq!(r.status(), 401);
});

db_test!(admin_sessions, json!({}), |app| {
    let token = app
        .registered_and_signed_in("gail@example.com", PASSWORD)
        .await;
    let (_, me) = app.whoami(&token).await;
    let sid = me["id"].as_str().unwrap().to_string();
    let identity_id = me["identity"]["id"].as_str().unwrap().to_string();
    let client = app.api_client();
    let admin = |p: &str| format!("{}{p}", app.admin);

    let r = client
        .get(admin("/admin/sessions?expand=identity&expand=devices"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let all: Value = r.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2, "registration and sign-in");
    for s in all.as_array().unwrap() {
        assert_valid_kratos("session", s);
        assert_eq!(s["identity"]["id"], identity_id.as_str());
    }
    let r = client
        .get(admin("/admin/sessions?expand=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = client
        .get(admin("/admin/sessions?page_size=1"))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        1
    );

    let r = client
        .get(admin(&format!("/admin/sessions/{sid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let one: Value = r.json().await.unwrap();
    assert_valid_kratos("session", &one);
    assert_eq!(one["identity"], Value::Null, "not expanded");
    let r = client
        .get(admin(&format!("/admin/sessions/{}", uuid::Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_valid("errorGeneric", &r.json::<Value>().await.unwrap());

    // Extending starts a new lifespan from now.
    app.clock.advance(time::Duration::hours(3));
    let r = client
        .patch(admin(&format!("/admin/sessions/{sid}/extend")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let extended: Value = r.json().await.unwrap();
    assert_valid_kratos("session", &extended);
    assert!(
        extended["expires_at"].as_str().unwrap() > one["expires_at"].as_str().unwrap(),
        "{} vs {}",
        extended["expires_at"],
        one["expires_at"]
    );

    let r = client
        .get(admin(&format!(
            "/admin/identities/{identity_id}/sessions?active=true"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        2
    );

    let r = client
        .delete(admin(&format!("/admin/sessions/{sid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.whoami(&token).await.0, 401);
    let r = client
        .get(admin(&format!(
            "/admin/identities/{identity_id}/sessions?active=false"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        1
    );

    let r = client
        .delete(admin(&format!("/admin/identities/{identity_id}/sessions")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = client
        .get(admin(&format!("/admin/identities/{identity_id}/sessions")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!([]));
    let r = client
        .delete(admin("/admin/sessions/not-a-uuid"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
});

db_test!(native_logout, json!({}), |app| {
    let token = app
        .registered_and_signed_in("hal@example.com", PASSWORD)
        .await;
    let client = app.api_client();
    let r = client
        .delete(app.url("/self-service/logout/api"))
        .json(&json!({"session_token": token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(app.whoami(&token).await.0, 401);
    let r = client
        .delete(app.url("/self-service/logout/api"))
        .json(&json!({"session_token": "ory_st_unknown"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_valid("errorGeneric", &r.json::<Value>().await.unwrap());
    let r = client
        .delete(app.url("/self-service/logout/api"))
        .header("content-type", "application/json")
        .body("[")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
});

db_test!(
    other_algorithms_are_rehashed_on_sign_in,
    json!({"hashers": {"algorithm": "argon2", "argon2": {"memory": "1MB", "iterations": 1, "parallelism": 1}}}),
    |app| {
        assert_eq!(
            app.register_api("ivy@example.com", PASSWORD).await.status(),
            200
        );
        // Swap the stored argon2 hash for a bcrypt one, as if imported from another system.
        let bcrypt_hash = bcrypt::hash(PASSWORD, 4).unwrap();
        let config = json!({"hashed_password": bcrypt_hash}).to_string();
        app.exec_sql(&format!(
            "UPDATE identity_credentials SET config = '{config}' WHERE identity_credential_type_id = '78c1b41d-8341-4507-aa60-aff1d4369670'"
        ))
        .await;
        let r = app.login_api("ivy@example.com", PASSWORD).await;
        assert_eq!(r.status(), 200);
        let id = app.identities().await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app
            .api_client()
            .get(format!(
                "{}/admin/identities/{id}?include_credential=password",
                app.admin
            ))
            .send()
            .await
            .unwrap();
        let identity: Value = r.json().await.unwrap();
        let stored = identity["credentials"]["password"]["config"]["hashed_password"]
            .as_str()
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        // And the new hash still signs in.
        assert_eq!(
            app.login_api("ivy@example.com", PASSWORD).await.status(),
            200
        );
    }
);

db_test!(
    imported_hashes_of_every_format_sign_in_and_are_upgraded,
    json!({}),
    |app| {
        // Independently generated hashes (see hoplite-core's hash::compare tests for how).
        let fixture: Vec<Value> = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/legacy_hashes.json"
        )))
        .unwrap();
        assert!(fixture.len() >= 33, "one entry per supported format");
        let client = app.api_client();
        for (i, entry) in fixture.iter().enumerate() {
            let format = entry["format"].as_str().unwrap();
            let email = format!("import{i}@example.com");
            let r = client
                .post(format!("{}/admin/identities", app.admin))
                .json(&json!({
                    "schema_id": "default",
                    "traits": {"email": email},
                    "credentials": {"password": {"config": {"hashed_password": entry["hash"]}}}
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "{format}: {}", r.text().await.unwrap());
            let created: Value = r.json().await.unwrap();
            let id = created["id"].as_str().unwrap();

            let wrong = app.login_api(&email, "not-the-password").await;
            assert_eq!(wrong.status(), 400, "{format}: a wrong password must fail");
            let r = app
                .login_api(&email, entry["password"].as_str().unwrap())
                .await;
            assert_eq!(r.status(), 200, "{format}: {}", r.text().await.unwrap());

            // The stored hash is now the configured hasher's (bcrypt, cost 4 in the tests).
            let r = client
                .get(format!(
                    "{}/admin/identities/{id}?include_credential=password",
                    app.admin
                ))
                .send()
                .await
                .unwrap();
            let identity: Value = r.json().await.unwrap();
            let stored = identity["credentials"]["password"]["config"]["hashed_password"]
                .as_str()
                .unwrap();
            // A bcrypt hash of the configured cost is kept as it is; every other one is replaced.
            let same_strength = format.starts_with("bcrypt")
                && entry["hash"].as_str().unwrap()[3..].starts_with("$04$");
            if same_strength {
                assert_eq!(stored, entry["hash"].as_str().unwrap(), "{format}");
            } else {
                assert!(stored.starts_with("$2a$04$"), "{format}: {stored}");
            }
            assert_eq!(
                app.login_api(&email, entry["password"].as_str().unwrap())
                    .await
                    .status(),
                200,
                "{format}: the upgraded hash signs in"
            );
        }
        // An unknown format is refused at import.
        let r = client
            .post(format!("{}/admin/identities", app.admin))
            .json(&json!({
                "schema_id": "default",
                "traits": {"email": "bad-hash@example.com"},
                "credentials": {"password": {"config": {"hashed_password": "$nope$abc"}}}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
);

db_test!(
    login_seed_endpoint_statuses_match_kratos,
    json!({}),
    |app| {
        // 404 for an unknown and for a malformed id.
        for id in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_string()] {
            let r = app
                .api_client()
                .get(app.url(&format!("/self-service/login/flows?id={id}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404, "{id}");
            let body: Value = r.json().await.unwrap();
            assert_valid("errorGeneric", &body);
            assert_eq!(body["error"]["code"], 404);
        }
        // 403 for a browser flow fetched without its CSRF cookie.
        let browser = app.browser();
        let r = browser
            .get(app.url("/self-service/login/browser"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let flow: Value = r.json().await.unwrap();
        assert_valid("loginFlow", &flow);
        let id = flow["id"].as_str().unwrap().to_string();
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/login/flows?id={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let body: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "security_csrf_violation");
        // 410 once the flow has expired (by moving the clock), with Kratos's details.
        let api = api_login_flow(&app, None, "").await;
        let api_flow: Value = api.json().await.unwrap();
        app.clock.advance(time::Duration::hours(2));
        let r = browser
            .get(app.url(&format!("/self-service/login/flows?id={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 410);
        let body: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "self_service_flow_expired");
        assert!(
            body["error"]["details"]["redirect_to"]
                .as_str()
                .is_some_and(|u| u.contains("/self-service/login/browser")),
            "{body}"
        );
        let r = app
            .api_client()
            .get(app.url(&format!(
                "/self-service/login/flows?id={}",
                api_flow["id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 410);
        let body: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &body);
        assert!(body["error"]["details"]["api"].is_string(), "{body}");
    }
);

db_test!(
    login_return_to_must_be_allowed_and_csrf_present,
    json!({}),
    |app| {
        let r = app
            .api_client()
            .get(app.url("/self-service/login/browser?return_to=https://evil.example.com/"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "self_service_flow_return_to_forbidden");
        let r = app
            .api_client()
            .get(app.url("/self-service/login/browser?return_to=https://evil.example.com/"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(location(&r).starts_with("http://127.0.0.1:4455/error?id="));

        // A browser submission without any CSRF token is refused like a wrong one.
        assert_eq!(
            app.register_api("erin@example.com", PASSWORD)
                .await
                .status(),
            200
        );
        let browser = app.browser();
        let flow = browser_login_flow(&app, &browser).await;
        let r = browser
            .post(flow["ui"]["action"].as_str().unwrap())
            .form(&[
                ("method", "password"),
                ("identifier", "erin@example.com"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            location(&r).starts_with("http://127.0.0.1:4455/error?id="),
            "{}",
            location(&r)
        );
        let r = browser
            .get(app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "no session without the CSRF token");
    }
);

db_test!(logout_returns_to_an_allowed_return_to, json!({}), |app| {
    assert_eq!(
        app.register_api("fay@example.com", PASSWORD).await.status(),
        200
    );
    let browser = browser_signed_in(&app, "fay@example.com").await;
    let r = browser
        .get(app.url("/self-service/logout/browser?return_to=http://127.0.0.1:4455/goodbye"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let logout: Value = r.json().await.unwrap();
    assert_valid("logoutFlow", &logout);
    let url = logout["logout_url"].as_str().unwrap();
    assert!(url.contains("return_to="), "{url}");
    let r = browser.get(url).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "http://127.0.0.1:4455/goodbye");
    let r = browser
        .get(app.url("/sessions/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
});

db_test!(
    extending_too_early_leaves_the_session_unchanged,
    json!({"session": {"lifespan": "24h", "earliest_possible_extend": "1h"}}),
    |app| {
        let token = app
            .registered_and_signed_in("gus@example.com", PASSWORD)
            .await;
        let (_, me) = app.whoami(&token).await;
        let sid = me["id"].as_str().unwrap().to_string();
        let first_expiry = me["expires_at"].as_str().unwrap().to_string();
        let extend = || {
            app.api_client()
                .patch(format!("{}/admin/sessions/{sid}/extend", app.admin))
                .send()
        };
        // 24 h left, more than the 1 h window: nothing changes.
        app.clock.advance(time::Duration::hours(1));
        let r = extend().await.unwrap();
        assert_eq!(r.status(), 200);
        let s: Value = r.json().await.unwrap();
        assert_valid_kratos("session", &s);
        assert_eq!(
            app.at_db_precision(&s["expires_at"]),
            app.at_db_precision(&Value::String(first_expiry.clone()))
        );
        // Within the last hour: a fresh 24 h from now.
        app.clock.advance(time::Duration::minutes(22 * 60 + 30));
        let r = extend().await.unwrap();
        assert_eq!(r.status(), 200);
        let s: Value = r.json().await.unwrap();
        assert_ne!(s["expires_at"], first_expiry.as_str());
        let (status, me) = app.whoami(&token).await;
        assert_eq!(status, 200);
        assert_eq!(
            app.at_db_precision(&me["expires_at"]),
            app.at_db_precision(&s["expires_at"])
        );
        // Still valid where the first lifespan would have ended.
        app.clock.advance(time::Duration::hours(2));
        assert_eq!(app.whoami(&token).await.0, 200);
    }
);
