//! Verification by code as Kratos serves it, on every database, with mail delivered to an SMTP
//! server on loopback: a registration sends the code, the API flow and a browser (cookie jar, form
//! posts, the link in the mail) verify the address, wrong codes up to the limit and past it, an
//! unknown address answered like a known one, and expiry.

use crate::app::{TestApp, node};
use crate::db_test;
use crate::mail::{code_sent_to as code_in_mail, free_port, link_sent_to, message_ids, sink};
use crate::openapi::assert_valid;
use crate::smtp_sink::SmtpSink;
use hoplite_core::courier::worker::dispatch_batch;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";

fn config(port: u16) -> Value {
    json!({
        "selfservice": {"flows": {"verification": {"enabled": true, "ui_url": "http://127.0.0.1:4455/verification"}}},
        "courier": {"smtp": {"connection_uri": format!("smtp://127.0.0.1:{port}/?disable_starttls=true")}}
    })
}

/// Delivers the queue and returns the code in the newest verification mail to `to`.
async fn code_sent_to(app: &TestApp, sink: &SmtpSink, to: &str) -> String {
    code_in_mail(app, sink, to, "verify").await
}

async fn api_flow(app: &TestApp) -> Value {
    let r = app
        .api_client()
        .get(app.url("/self-service/verification/api"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("verificationFlow", &flow);
    flow
}

async fn submit(app: &TestApp, id: &str, body: Value) -> reqwest::Response {
    app.api_client()
        .post(app.url(&format!("/self-service/verification?flow={id}")))
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn address_of(app: &TestApp, email: &str) -> Value {
    let ids = app.identities().await;
    let i = ids
        .iter()
        .find(|i| i["traits"]["email"] == email)
        .expect("identity");
    i["verifiable_addresses"][0].clone()
}

db_test!(
    a_registration_sends_a_code_that_verifies_the_address,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("ann@example.com", PASSWORD).await.status(),
            200
        );
        let before = address_of(&app, "ann@example.com").await;
        assert_eq!(before["verified"], false);
        assert_eq!(before["status"], "sent");
        let code = code_sent_to(&app, &sink, "ann@example.com").await;

        // The API flow: ask for a code again, a wrong code, then the right one.
        let flow = api_flow(&app).await;
        assert_eq!(flow["state"], "choose_method");
        assert_eq!(flow["active"], "code");
        let names: Vec<&str> = flow["ui"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["attributes"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["email", "method"]);
        let id = flow["id"].as_str().unwrap().to_string();
        let r = submit(
            &app,
            &id,
            json!({"method": "code", "email": "ann@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let sent: Value = r.json().await.unwrap();
        assert_valid("verificationFlow", &sent);
        assert_eq!(sent["state"], "sent_email");
        assert_eq!(message_ids(&sent), [1080003]);
        let names: Vec<&str> = sent["ui"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["attributes"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["method", "code", "method", "email"]);
        let fresh = code_sent_to(&app, &sink, "ann@example.com").await;
        // The registration's code belonged to another flow.
        let r = submit(&app, &id, json!({"method": "code", "code": code})).await;
        assert_eq!(r.status(), 200);
        let wrong: Value = r.json().await.unwrap();
        assert_eq!(message_ids(&wrong), [4070006]);
        assert_eq!(address_of(&app, "ann@example.com").await["verified"], false);

        let r = submit(&app, &id, json!({"method": "code", "code": fresh})).await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_valid("verificationFlow", &done);
        assert_eq!(done["state"], "passed_challenge");
        assert_eq!(message_ids(&done), [1080002]);
        assert_eq!(done["ui"]["method"], "GET");
        let anchor = done["ui"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["type"] == "a")
            .unwrap();
        assert_eq!(anchor["attributes"]["id"], "continue");
        assert_eq!(
            anchor["attributes"]["href"],
            "http://127.0.0.1:4455/welcome"
        );
        let after = address_of(&app, "ann@example.com").await;
        assert_eq!(after["verified"], true);
        assert_eq!(after["status"], "completed");
        assert!(after["verified_at"].is_string());

        // A used code, and a finished flow, cannot be used again.
        let r = submit(&app, &id, json!({"method": "code", "code": fresh})).await;
        assert_eq!(r.status(), 410);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["id"], "self_service_flow_replaced");
        assert!(err["use_flow_id"].is_string());
    }
);

db_test!(
    wrong_codes_are_limited_and_unknown_addresses_look_alike,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("bob@example.com", PASSWORD).await.status(),
            200
        );
        code_sent_to(&app, &sink, "bob@example.com").await;
        let before = sink.received().len();

        // An address nobody has: the same answer, and no mail.
        let flow = api_flow(&app).await;
        let id = flow["id"].as_str().unwrap().to_string();
        let r = submit(
            &app,
            &id,
            json!({"method": "code", "email": "nobody@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let sent: Value = r.json().await.unwrap();
        assert_eq!(sent["state"], "sent_email");
        assert_eq!(message_ids(&sent), [1080003]);
        while dispatch_batch(&app.registry).await.unwrap() > 0 {}
        assert_eq!(sink.received().len(), before);

        // Missing address and code: Kratos's required message on the address input.
        let flow = api_flow(&app).await;
        let id = flow["id"].as_str().unwrap().to_string();
        let r = submit(&app, &id, json!({"method": "code"})).await;
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_valid("verificationFlow", &body);
        let ids: Vec<i64> = node(&body, "email").unwrap()["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [4000002]);

        // Five wrong codes are answered as wrong; the sixth attempt is refused even when right.
        let r = submit(
            &app,
            &id,
            json!({"method": "code", "email": "bob@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let code = code_sent_to(&app, &sink, "bob@example.com").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            let r = submit(&app, &id, json!({"method": "code", "code": wrong})).await;
            assert_eq!(r.status(), 200);
            let f: Value = r.json().await.unwrap();
            assert_eq!(message_ids(&f), [4070006]);
        }
        let r = submit(&app, &id, json!({"method": "code", "code": code})).await;
        assert_eq!(r.status(), 410);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["id"], "self_service_flow_replaced");
        let replacement = err["use_flow_id"].as_str().unwrap();
        let r = app
            .api_client()
            .get(app.url(&format!(
                "/self-service/verification/flows?id={replacement}"
            )))
            .send()
            .await
            .unwrap();
        let f: Value = r.json().await.unwrap();
        assert_eq!(
            f["ui"]["messages"][0]["text"],
            "The request was submitted too often. Please request another code."
        );
        assert_eq!(address_of(&app, "bob@example.com").await["verified"], false);
    }
);

db_test!(
    a_browser_verifies_with_the_link_in_the_mail,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("cid@example.com", PASSWORD).await.status(),
            200
        );
        // The registration's own mail goes out first (MySQL keeps whole seconds, so two mails
        // queued within one second could go out in either order).
        code_sent_to(&app, &sink, "cid@example.com").await;
        let browser = app.browser();
        let r = browser
            .get(app.url("/self-service/verification/browser"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(
            to.starts_with("http://127.0.0.1:4455/verification?flow="),
            "{to}"
        );
        let flow = app
            .spa_flow(&browser, "/self-service/verification/browser")
            .await;
        assert_valid("verificationFlow", &flow);
        let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let action = flow["ui"]["action"].as_str().unwrap().to_string();
        let id = flow["id"].as_str().unwrap().to_string();
        // The address, by form post with the CSRF token: back to the UI.
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "code"),
                ("email", "cid@example.com"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            format!("http://127.0.0.1:4455/verification?flow={id}").as_str()
        );
        // Without the token, the form post is refused.
        let r = browser
            .post(&action)
            .form(&[("method", "code"), ("email", "cid@example.com")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .contains("/error?id=")
        );
        let code = code_sent_to(&app, &sink, "cid@example.com").await;

        // The link in the mail fills in the code; submitting it verifies.
        let link = link_sent_to(&app, &sink, "cid@example.com", "/self-service/verification").await;
        assert!(
            link.starts_with(&app.url("/self-service/verification?"))
                && link.contains(&format!("code={code}"))
                && link.contains(&format!("flow={id}")),
            "{link}"
        );
        let r = browser.get(&link).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let shown = app
            .spa_flow(
                &browser,
                &format!("/self-service/verification/flows?id={id}"),
            )
            .await;
        assert_eq!(
            node(&shown, "code").unwrap()["attributes"]["value"],
            code.as_str()
        );
        let r = browser
            .post(&action)
            .form(&[("method", "code"), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let done = app
            .spa_flow(
                &browser,
                &format!("/self-service/verification/flows?id={id}"),
            )
            .await;
        assert_eq!(done["state"], "passed_challenge");
        assert_eq!(
            address_of(&app, "cid@example.com").await["status"],
            "completed"
        );
    }
);

db_test!(expired_verification_flows, config(free_port()), |app| {
    let flow = api_flow(&app).await;
    let id = flow["id"].as_str().unwrap().to_string();
    app.clock.advance(time::Duration::minutes(61));
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/verification/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let err: Value = r.json().await.unwrap();
    assert_valid("errorGeneric", &err);
    assert!(err["error"].get("id").is_none());
    // A submission gets a new browser flow carrying 4070005, and the CSRF cookie that lets the
    // caller read it (Kratos's FromOldFlow turns an expired API flow into a browser flow).
    let client = app.browser();
    let r = client
        .post(app.url(&format!("/self-service/verification?flow={id}")))
        .header("accept", "application/json")
        .json(&json!({"method": "code", "email": "x@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with(&app.url("/self-service/verification/flows?id=")),
        "{to}"
    );
    let r = app.api_client().get(&to).send().await.unwrap();
    assert_eq!(r.status(), 403, "a browser flow without its CSRF cookie");
    let r = client.get(&to).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let replacement: Value = r.json().await.unwrap();
    assert_valid("verificationFlow", &replacement);
    assert_eq!(replacement["type"], "browser");
    assert_ne!(replacement["id"], id.as_str());
    assert_eq!(message_ids(&replacement), vec![4070005]);
});

db_test!(verification_is_off_by_default, json!({}), |app| {
    let r = app
        .api_client()
        .get(app.url("/self-service/verification/api"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let err: Value = r.json().await.unwrap();
    assert_eq!(
        err["error"]["reason"],
        "Verification is not allowed because it was disabled."
    );
});

db_test!(
    a_changed_email_gets_a_code_and_a_password_change_none,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("dee@example.com", PASSWORD)
            .await;
        code_sent_to(&app, &sink, "dee@example.com").await;
        let settings = |body: Value| {
            let app = &app;
            let token = token.clone();
            async move {
                let r = app
                    .api_client()
                    .get(app.url("/self-service/settings/api"))
                    .header("X-Session-Token", &token)
                    .send()
                    .await
                    .unwrap();
                let flow: Value = r.json().await.unwrap();
                app.api_client()
                    .post(app.url(&format!(
                        "/self-service/settings?flow={}",
                        flow["id"].as_str().unwrap()
                    )))
                    .header("X-Session-Token", &token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let before = sink.received().len();
        let r = settings(json!({"method": "password", "password": "Another-Long-Passphrase-4711"}))
            .await;
        assert_eq!(r.status(), 200);
        while dispatch_batch(&app.registry).await.unwrap() > 0 {}
        assert_eq!(
            sink.received().len(),
            before,
            "a password change sends no code"
        );

        let r = settings(json!({"method": "profile", "traits": {"email": "dee.new@example.com"}}))
            .await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_eq!(
            done["identity"]["verifiable_addresses"][0]["status"],
            "sent"
        );
        let code = code_sent_to(&app, &sink, "dee.new@example.com").await;
        assert_eq!(code.len(), 6);
    }
);

fn config_show_ui(port: u16) -> Value {
    let mut c = config(port);
    c["selfservice"]["flows"]["registration"] = json!({"after": {"password": {"hooks": [{"hook": "session"}, {"hook": "show_verification_ui"}]}}});
    c
}

db_test!(
    show_verification_ui_announces_the_flow,
    config_show_ui(free_port()),
    |app| {
        let _sink = sink(&app).await;
        let r = app.register_api("fin@example.com", PASSWORD).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        let items = body["continue_with"].as_array().unwrap();
        assert_eq!(items[0]["action"], "show_verification_ui");
        assert_eq!(items[0]["flow"]["verifiable_address"], "fin@example.com");
        assert!(
            items[0]["flow"].get("url").is_none(),
            "no url for api flows"
        );
        assert_eq!(items[1]["action"], "set_ory_session_token");
        let vf = items[0]["flow"]["id"].as_str().unwrap();
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/verification/flows?id={vf}")))
            .send()
            .await
            .unwrap();
        let flow: Value = r.json().await.unwrap();
        assert_eq!(flow["state"], "sent_email");
        assert_eq!(flow["type"], "api");

        // A browser's form post lands on the verification page.
        let browser = app.browser();
        let flow = app
            .spa_flow(&browser, "/self-service/registration/browser")
            .await;
        let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let action = flow["ui"]["action"].as_str().unwrap().to_string();
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "profile"),
                ("traits.email", "gil@example.com"),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection());
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "password"),
                ("traits.email", "gil@example.com"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(
            to.starts_with("http://127.0.0.1:4455/verification?flow="),
            "{to}"
        );
        // The verification flow reads with the cookie the answer set.
        let id = to.split("flow=").nth(1).unwrap();
        let shown = app
            .spa_flow(
                &browser,
                &format!("/self-service/verification/flows?id={id}"),
            )
            .await;
        assert_eq!(shown["state"], "sent_email");
    }
);

fn config_login_verification(port: u16) -> Value {
    let mut c = config(port);
    c["selfservice"]["flows"]["login"] = json!({"ui_url": "http://127.0.0.1:4455/login", "after": {"password": {"hooks": [{"hook": "verification"}, {"hook": "show_verification_ui"}]}}});
    c
}

db_test!(
    a_sign_in_with_an_unverified_address_mails_a_code_and_shows_verification,
    config_login_verification(free_port()),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("lou@example.com", PASSWORD).await.status(),
            200
        );
        // The sign-up's own code goes out first (MySQL's whole-second times could otherwise
        // deliver the two in either order).
        code_sent_to(&app, &sink, "lou@example.com").await;
        let r = app.login_api("lou@example.com", PASSWORD).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_valid("successfulNativeLogin", &body);
        assert!(body["session_token"].is_string(), "signed in all the same");
        let items = body["continue_with"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{body}");
        assert_eq!(items[0]["action"], "show_verification_ui");
        assert_eq!(items[0]["flow"]["verifiable_address"], "lou@example.com");
        let vf = items[0]["flow"]["id"].as_str().unwrap().to_string();
        let code = code_sent_to(&app, &sink, "lou@example.com").await;
        assert_eq!(sink.received().len(), 2);
        let r = submit(&app, &vf, json!({"method": "code", "code": code})).await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_eq!(done["state"], "passed_challenge");
        assert_eq!(address_of(&app, "lou@example.com").await["verified"], true);

        // Verified now: the next sign-in announces nothing.
        let r = app.login_api("lou@example.com", PASSWORD).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert!(body["session_token"].is_string(), "{body}");
        assert!(body["continue_with"].is_null(), "{body}");

        // A browser's form post with an unverified address lands on the verification page.
        assert_eq!(
            app.register_api("liv@example.com", PASSWORD).await.status(),
            200
        );
        let browser = app.browser();
        let flow = app.spa_flow(&browser, "/self-service/login/browser").await;
        let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let r = browser
            .post(flow["ui"]["action"].as_str().unwrap())
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "password"),
                ("identifier", "liv@example.com"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(
            to.starts_with("http://127.0.0.1:4455/verification?flow="),
            "{to}"
        );
        let id = to.split("flow=").nth(1).unwrap();
        let shown = app
            .spa_flow(
                &browser,
                &format!("/self-service/verification/flows?id={id}"),
            )
            .await;
        assert_eq!(shown["state"], "sent_email");
        assert_eq!(shown["type"], "browser");
        let r = browser
            .get(app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "the browser is signed in");
    }
);

fn config_require_verified(port: u16, legacy: bool) -> Value {
    let mut c = config(port);
    c["selfservice"]["flows"]["login"] = json!({"ui_url": "http://127.0.0.1:4455/login", "after": {"hooks": [{"hook": "require_verified_address"}]}});
    c["feature_flags"] = json!({"legacy_require_verified_login_error": legacy});
    c
}

db_test!(
    an_unverified_address_is_sent_to_verification_at_sign_in,
    config_require_verified(free_port(), false),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("hal@example.com", PASSWORD).await.status(),
            200
        );
        code_sent_to(&app, &sink, "hal@example.com").await;
        let r = app.login_api("hal@example.com", PASSWORD).await;
        assert_eq!(r.status(), 403);
        let body: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &body);
        assert_eq!(body["error"]["id"], "session_verified_address_required");
        assert_eq!(body["error"]["code"], 400);
        let item = &body["error"]["details"]["continue_with"][0];
        assert_eq!(item["action"], "show_verification_ui");
        assert_eq!(item["flow"]["verifiable_address"], "hal@example.com");
        let flow_id = item["flow"]["id"].as_str().unwrap().to_string();
        // The code it sent verifies the address; then the sign-in goes through.
        let code = code_sent_to(&app, &sink, "hal@example.com").await;
        let r = submit(&app, &flow_id, json!({"method": "code", "code": code})).await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            app.login_api("hal@example.com", PASSWORD).await.status(),
            200
        );
    }
);

db_test!(
    the_legacy_flag_keeps_the_form_error,
    config_require_verified(free_port(), true),
    |app| {
        let _sink = sink(&app).await;
        assert_eq!(
            app.register_api("ira@example.com", PASSWORD).await.status(),
            200
        );
        let r = app.login_api("ira@example.com", PASSWORD).await;
        assert_eq!(r.status(), 400);
        let flow: Value = r.json().await.unwrap();
        assert_eq!(message_ids(&flow), [4000010]);
    }
);

fn config_settings_show_ui(port: u16) -> Value {
    let mut c = config(port);
    c["selfservice"]["flows"]["settings"] =
        json!({"after": {"profile": {"hooks": [{"hook": "show_verification_ui"}]}}});
    c
}

db_test!(
    show_verification_ui_after_a_changed_email,
    config_settings_show_ui(free_port()),
    |app| {
        let _sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("jo@example.com", PASSWORD)
            .await;
        let r = app
            .api_client()
            .get(app.url("/self-service/settings/api"))
            .header("X-Session-Token", &token)
            .send()
            .await
            .unwrap();
        let flow: Value = r.json().await.unwrap();
        let r = app
            .api_client()
            .post(app.url(&format!(
                "/self-service/settings?flow={}",
                flow["id"].as_str().unwrap()
            )))
            .header("X-Session-Token", &token)
            .json(&json!({"method": "profile", "traits": {"email": "jo.new@example.com"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_valid("settingsFlow", &done);
        assert_eq!(done["continue_with"][0]["action"], "show_verification_ui");
        assert_eq!(
            done["continue_with"][0]["flow"]["verifiable_address"],
            "jo.new@example.com"
        );
    }
);

db_test!(
    a_code_outlives_a_profile_change_that_keeps_its_address,
    config(free_port()),
    |app| {
        // An identity update keeps the stored addresses the new traits still have (Kratos's
        // diff of associations), and with them the codes sent to them: changing one's name
        // between asking for a code and entering it must not void the code.
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("ann@example.com", PASSWORD)
            .await;
        code_sent_to(&app, &sink, "ann@example.com").await;
        let before = address_of(&app, "ann@example.com").await;
        let flow = api_flow(&app).await;
        let id = flow["id"].as_str().unwrap().to_string();
        let r = submit(
            &app,
            &id,
            json!({"method": "code", "email": "ann@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let code = code_sent_to(&app, &sink, "ann@example.com").await;

        let traits = json!({"email": "ann@example.com", "name": {"first": "Ann", "last": "Lee"}});
        let (status, body) = app.change_profile_api(&token, traits).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["state"], "success");
        let after = address_of(&app, "ann@example.com").await;
        assert_eq!(after["id"], before["id"], "the address row is kept");

        let r = submit(&app, &id, json!({"method": "code", "code": code})).await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_eq!(done["state"], "passed_challenge", "{done}");
        assert_eq!(message_ids(&done), [1080002]);
        assert_eq!(address_of(&app, "ann@example.com").await["verified"], true);
    }
);
