//! Recovery by code as Kratos serves it, on every database, with mail delivered to an SMTP server
//! on loopback: the code from the mail signs the person in and opens a settings flow where the new
//! password is set; wrong codes, the attempt limit, an unknown address answered like a known one,
//! `revoke_active_sessions`, the admin code endpoint, a signed-in caller and expiry.

use crate::app::{TestApp, node};
use crate::db_test;
use crate::mail::{code_sent_to as code_in_mail, free_port, message_ids, sink};
use crate::openapi::assert_valid;
use crate::smtp_sink::SmtpSink;
use hoplite_core::courier::worker::dispatch_batch;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";
const NEW_PASSWORD: &str = "Another-Long-Passphrase-4711";

fn config(port: u16, transitions: bool) -> Value {
    json!({
        "selfservice": {"flows": {
            "recovery": {"enabled": true, "ui_url": "http://127.0.0.1:4455/recovery", "after": {"hooks": [{"hook": "revoke_active_sessions"}]}},
            "settings": {"ui_url": "http://127.0.0.1:4455/settings"}
        }},
        "feature_flags": {"use_continue_with_transitions": transitions},
        "courier": {"smtp": {"connection_uri": format!("smtp://127.0.0.1:{port}/?disable_starttls=true")}}
    })
}

/// Delivers the queue and returns the code in the newest recovery mail to `to`.
async fn code_sent_to(app: &TestApp, sink: &SmtpSink, to: &str) -> String {
    code_in_mail(app, sink, to, "recover").await
}

async fn api_flow(app: &TestApp) -> Value {
    let r = app
        .api_client()
        .get(app.url("/self-service/recovery/api"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_valid("recoveryFlow", &flow);
    flow
}

async fn submit(app: &TestApp, id: &str, body: Value) -> reqwest::Response {
    app.api_client()
        .post(app.url(&format!("/self-service/recovery?flow={id}")))
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap()
}

db_test!(
    a_code_recovers_the_account_and_leads_to_settings,
    config(free_port(), true),
    |app| {
        let sink = sink(&app).await;
        let old = app
            .registered_and_signed_in("ann@example.com", PASSWORD)
            .await;
        let flow = api_flow(&app).await;
        assert_eq!(flow["state"], "choose_method");
        let id = flow["id"].as_str().unwrap().to_string();

        let r = submit(
            &app,
            &id,
            json!({"method": "code", "email": "ann@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let sent: Value = r.json().await.unwrap();
        assert_valid("recoveryFlow", &sent);
        assert_eq!(sent["state"], "sent_email");
        assert_eq!(message_ids(&sent), [1060003]);
        let code = code_sent_to(&app, &sink, "ann@example.com").await;

        let wrong = if code == "000000" { "111111" } else { "000000" };
        let r = submit(&app, &id, json!({"code": wrong})).await;
        assert_eq!(r.status(), 200);
        let again: Value = r.json().await.unwrap();
        assert_eq!(message_ids(&again), [4060006]);

        // With continue-with transitions an API client gets its session token and the settings flow.
        let r = submit(&app, &id, json!({"code": code})).await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_valid("recoveryFlow", &done);
        assert_eq!(done["state"], "passed_challenge");
        let items = done["continue_with"].as_array().unwrap();
        assert_eq!(items[0]["action"], "set_ory_session_token");
        assert_eq!(items[1]["action"], "show_settings_ui");
        let token = items[0]["ory_session_token"].as_str().unwrap().to_string();
        let settings_id = items[1]["flow"]["id"].as_str().unwrap().to_string();
        assert_eq!(
            items[1]["flow"]["url"],
            format!("http://127.0.0.1:4455/settings?flow={settings_id}")
        );
        let (status, me) = app.whoami(&token).await;
        assert_eq!(status, 200);
        assert_eq!(me["authentication_methods"][0]["method"], "code_recovery");
        // revoke_active_sessions: the session from before is gone.
        assert_eq!(app.whoami(&old).await.0, 401);
        // The address the code went to is verified now.
        let ids = app.identities().await;
        assert_eq!(ids[0]["verifiable_addresses"][0]["verified"], true);

        // The settings flow says how long the new session may set a password; it does.
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/settings/flows?id={settings_id}")))
            .header("X-Session-Token", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let settings: Value = r.json().await.unwrap();
        assert_eq!(message_ids(&settings), [1060001]);
        let r = app
            .api_client()
            .post(app.url(&format!("/self-service/settings?flow={settings_id}")))
            .header("X-Session-Token", &token)
            .json(&json!({"method": "password", "password": NEW_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            app.login_api("ann@example.com", NEW_PASSWORD)
                .await
                .status(),
            200
        );
        assert_eq!(
            app.login_api("ann@example.com", PASSWORD).await.status(),
            400
        );

        // A finished flow cannot be used again: with continue-with transitions a JSON caller
        // gets a 400 naming a new flow that carries 4060001 (Kratos fails on this path).
        let r = submit(
            &app,
            &id,
            json!({"method": "code", "email": "ann@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 400);
        let err: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &err);
        let next = err["error"]["details"]["continue_with"][0]["flow"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let fresh: Value = app
            .api_client()
            .get(app.url(&format!("/self-service/recovery/flows?id={next}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(message_ids(&fresh), [4060001]);
    }
);

db_test!(
    without_transitions_json_callers_are_sent_to_settings,
    config(free_port(), false),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("bob@example.com", PASSWORD).await.status(),
            200
        );
        let flow = api_flow(&app).await;
        let id = flow["id"].as_str().unwrap().to_string();
        assert_eq!(
            submit(
                &app,
                &id,
                json!({"method": "code", "email": "bob@example.com"})
            )
            .await
            .status(),
            200
        );
        let code = code_sent_to(&app, &sink, "bob@example.com").await;
        let r = submit(&app, &id, json!({"code": code})).await;
        assert_eq!(r.status(), 422);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["id"], "browser_location_change_required");
        assert!(
            err["redirect_browser_to"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:4455/settings?flow=")
        );
    }
);

db_test!(
    unknown_addresses_look_alike_and_attempts_are_limited,
    config(free_port(), true),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("cid@example.com", PASSWORD).await.status(),
            200
        );
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
        assert_eq!(message_ids(&sent), [1060003]);
        while dispatch_batch(&app.registry).await.unwrap() > 0 {}
        assert!(sink.received().is_empty(), "no mail for an unknown address");

        // Missing address: Kratos's required message.
        let flow = api_flow(&app).await;
        let id = flow["id"].as_str().unwrap().to_string();
        let r = submit(&app, &id, json!({"method": "code"})).await;
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        let ids: Vec<i64> = node(&body, "email").unwrap()["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [4000002]);

        assert_eq!(
            submit(
                &app,
                &id,
                json!({"method": "code", "email": "cid@example.com"})
            )
            .await
            .status(),
            200
        );
        let code = code_sent_to(&app, &sink, "cid@example.com").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            let r = submit(&app, &id, json!({"code": wrong})).await;
            let f: Value = r.json().await.unwrap();
            assert_eq!(message_ids(&f), [4060006]);
        }
        // The sixth attempt is refused even with the right code: a new flow says why. With
        // continue-with transitions a JSON caller gets the error, naming the new flow.
        let r = submit(&app, &id, json!({"code": code})).await;
        assert_eq!(r.status(), 400);
        let err: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &err);
        assert_eq!(
            err["error"]["reason"],
            "The request was submitted too often. Please request another code."
        );
        let item = &err["error"]["details"]["continue_with"][0];
        assert_eq!(item["action"], "show_recovery_ui");
        let to = app.url(&format!(
            "/self-service/recovery/flows?id={}",
            item["flow"]["id"].as_str().unwrap()
        ));
        let fresh: Value = app
            .api_client()
            .get(&to)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            fresh["ui"]["messages"][0]["text"],
            "The request was submitted too often. Please request another code."
        );
    }
);

db_test!(
    a_browser_recovers_with_forms,
    config(free_port(), false),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("dee@example.com", PASSWORD).await.status(),
            200
        );
        let browser = app.browser();
        let r = browser
            .get(app.url("/self-service/recovery/browser"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let flow = app
            .spa_flow(&browser, "/self-service/recovery/browser")
            .await;
        assert_valid("recoveryFlow", &flow);
        let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let action = flow["ui"]["action"].as_str().unwrap().to_string();
        let id = flow["id"].as_str().unwrap().to_string();
        let r = browser
            .post(&action)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "code"),
                ("email", "dee@example.com"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            format!("http://127.0.0.1:4455/recovery?flow={id}").as_str()
        );
        let code = code_sent_to(&app, &sink, "dee@example.com").await;
        let r = browser
            .post(&action)
            .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        assert!(
            to.starts_with("http://127.0.0.1:4455/settings?flow="),
            "{to}"
        );
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .any(|c| c.to_str().unwrap().starts_with("ory_kratos_session="))
        );
        let me = browser
            .get(app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200);
        // The settings form it leads to works with the cookies this answer set: a new password.
        let settings_id = to.split("flow=").nth(1).unwrap().to_string();
        let settings = app
            .spa_flow(
                &browser,
                &format!("/self-service/settings/flows?id={settings_id}"),
            )
            .await;
        let token = node(&settings, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let r = browser
            .post(settings["ui"]["action"].as_str().unwrap())
            .form(&[
                ("csrf_token", token.as_str()),
                ("method", "password"),
                ("password", NEW_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"],
            format!("http://127.0.0.1:4455/settings?flow={settings_id}").as_str()
        );
        assert_eq!(
            app.login_api("dee@example.com", NEW_PASSWORD)
                .await
                .status(),
            200
        );
        // Signed in now: a new recovery flow is refused.
        let r = browser
            .get(app.url("/self-service/recovery/browser"))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["id"], "session_already_available");
    }
);

db_test!(
    the_admin_api_makes_recovery_codes,
    config(free_port(), true),
    |app| {
        assert_eq!(
            app.register_api("eve@example.com", PASSWORD).await.status(),
            200
        );
        let identity = app.identities().await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let admin = |body: Value| {
            let app = &app;
            async move {
                app.api_client()
                    .post(format!("{}/admin/recovery/code", app.admin))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let r = admin(json!({"identity_id": identity, "flow_type": "api"})).await;
        assert_eq!(r.status(), 201);
        let made: Value = r.json().await.unwrap();
        assert_valid("recoveryCodeForIdentity", &made);
        let link = made["recovery_link"].as_str().unwrap();
        assert!(
            link.starts_with("http://127.0.0.1:4455/recovery?flow="),
            "{link}"
        );
        let flow_id = link.split("flow=").nth(1).unwrap().to_string();
        let r = submit(&app, &flow_id, json!({"code": made["recovery_code"]})).await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_eq!(done["state"], "passed_challenge");

        assert_eq!(
            admin(json!({"identity_id": uuid::Uuid::new_v4()}))
                .await
                .status(),
            404
        );
        let r = admin(json!({"identity_id": identity, "expires_in": "soon"})).await;
        assert_eq!(r.status(), 400);
        let r = admin(json!({"identity_id": identity, "expires_in": "-1m"})).await;
        assert_eq!(r.status(), 400);
        let err: Value = r.json().await.unwrap();
        assert_eq!(
            err["error"]["reason"],
            "Value from \"expires_in\" must result to a future time: -1m"
        );
        let r = admin(json!({"identity_id": identity, "flow_type": "mobile"})).await;
        assert_eq!(r.status(), 400);
        let r = admin(json!({"identity_id": "not-a-uuid"})).await;
        assert_eq!(r.status(), 400);
        let err: Value = r.json().await.unwrap();
        assert_eq!(
            err["error"]["message"],
            "uuid: incorrect UUID length 10 in string \"not-a-uuid\""
        );
        let r = app
            .api_client()
            .post(format!("{}/admin/recovery/link", app.admin))
            .json(&json!({"identity_id": identity}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
);

db_test!(
    expired_api_flows_with_transitions_answer_410,
    config(free_port(), true),
    |app| {
        let flow = api_flow(&app).await;
        let id = flow["id"].as_str().unwrap().to_string();
        app.clock.advance(time::Duration::minutes(61));
        let r = submit(
            &app,
            &id,
            json!({"method": "code", "email": "x@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 410);
        let err: Value = r.json().await.unwrap();
        assert_valid("selfServiceFlowExpiredError", &err);
        assert_eq!(err["error"]["id"], "self_service_flow_expired");
        let new_id = err["use_flow_id"].as_str().unwrap().to_string();
        assert_eq!(
            err["error"]["details"]["continue_with"][0],
            json!({"action": "show_recovery_ui", "flow": {"id": new_id}})
        );
        let fresh: Value = app
            .api_client()
            .get(app.url(&format!("/self-service/recovery/flows?id={new_id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(fresh["type"], "api");
        assert_eq!(message_ids(&fresh), [4060005]);
    }
);

db_test!(expired_recovery_flows, config(free_port(), false), |app| {
    let flow = api_flow(&app).await;
    let id = flow["id"].as_str().unwrap().to_string();
    app.clock.advance(time::Duration::minutes(61));
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/recovery/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let err: Value = r.json().await.unwrap();
    assert_eq!(err["error"]["id"], "self_service_flow_expired");
    let r = submit(
        &app,
        &id,
        json!({"method": "code", "email": "x@example.com"}),
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let fresh: Value = app
        .api_client()
        .get(&to)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(message_ids(&fresh), [4060005]);
});
