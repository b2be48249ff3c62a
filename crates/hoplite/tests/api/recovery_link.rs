//! Recovery by link (`selfservice.flows.recovery.use: link`) as Kratos serves it, on every
//! database, with mail delivered to an SMTP server on loopback: the link in the mail signs the
//! browser in and opens a settings flow, once; an unknown address is answered like a known one; a
//! link submission on a code flow; the admin link endpoint with `revoke_active_sessions`.

use crate::app::TestApp;
use crate::db_test;
use crate::mail::{free_port, link_sent_to, message_ids, sink};
use crate::openapi::assert_valid;
use hoplite_core::courier::worker::dispatch_batch;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";
const UI: &str = "http://127.0.0.1:4455/recovery";
const SETTINGS_UI: &str = "http://127.0.0.1:4455/settings";

fn config(port: u16, strategy: &str) -> Value {
    json!({
        "selfservice": {
            "flows": {
                "recovery": {"enabled": true, "use": strategy, "ui_url": UI, "after": {"hooks": [{"hook": "revoke_active_sessions"}]}},
                "settings": {"ui_url": SETTINGS_UI}
            },
            "methods": {"link": {"enabled": true}}
        },
        "courier": {"smtp": {"connection_uri": format!("smtp://127.0.0.1:{port}/?disable_starttls=true")}}
    })
}

async fn api_flow(app: &TestApp) -> Value {
    let r = app
        .api_client()
        .get(app.url("/self-service/recovery/api"))
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

fn names_and_groups(flow: &Value) -> Vec<(String, String)> {
    flow["ui"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["attributes"]["name"].as_str().unwrap().to_string(),
                n["group"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Opens `link` in `browser` and checks it lands on a settings flow carrying 1060001, with a
/// `link_recovery` session; returns the settings flow.
async fn open_and_land_in_settings(app: &TestApp, browser: &reqwest::Client, link: &str) -> Value {
    let r = browser.get(link).send().await.unwrap();
    assert_eq!(r.status(), 303, "{link}");
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with(&format!("{SETTINGS_UI}?flow=")), "{to}");
    let r = browser
        .get(app.url("/sessions/whoami"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let session: Value = r.json().await.unwrap();
    assert_valid("session", &session);
    assert_eq!(
        session["authentication_methods"][0]["method"],
        "link_recovery"
    );
    let id = to.split("flow=").nth(1).unwrap();
    let r = browser
        .get(app.url(&format!("/self-service/settings/flows?id={id}")))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let settings: Value = r.json().await.unwrap();
    assert_valid("settingsFlow", &settings);
    assert_eq!(settings["type"], "browser");
    assert_eq!(message_ids(&settings), [1060001]);
    settings
}

async fn verified(app: &TestApp, email: &str) -> bool {
    let ids = app.identities().await;
    let i = ids
        .iter()
        .find(|i| i["traits"]["email"] == email)
        .expect("identity");
    i["verifiable_addresses"][0]["verified"] == true
}

db_test!(
    the_link_in_the_mail_recovers_the_account_once,
    config(free_port(), "link"),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("rae@example.com", PASSWORD).await.status(),
            200
        );
        let flow = api_flow(&app).await;
        assert_eq!(flow["active"], "link");
        assert_eq!(
            names_and_groups(&flow),
            [
                ("csrf_token".into(), "default".into()),
                ("email".into(), "link".into()),
                ("method".into(), "link".into())
            ]
        );
        let id = flow["id"].as_str().unwrap().to_string();
        let r = submit(
            &app,
            &id,
            json!({"method": "link", "email": "rae@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let sent: Value = r.json().await.unwrap();
        assert_valid("recoveryFlow", &sent);
        assert_eq!(sent["state"], "sent_email");
        assert_eq!(message_ids(&sent), [1060002]);

        // An unknown address gets the same answer and no mail.
        let other = api_flow(&app).await;
        let r = submit(
            &app,
            other["id"].as_str().unwrap(),
            json!({"method": "link", "email": "nobody@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let unknown: Value = r.json().await.unwrap();
        assert_eq!(
            (unknown["state"].clone(), message_ids(&unknown)),
            (sent["state"].clone(), message_ids(&sent))
        );
        // A submission that is no method's: 4010005.
        let r = submit(&app, &id, json!({"method": "password"})).await;
        assert_eq!(r.status(), 400);
        let none: Value = r.json().await.unwrap();
        assert_eq!(*message_ids(&none).last().unwrap(), 4010005);

        let link = link_sent_to(&app, &sink, "rae@example.com", "/self-service/recovery").await;
        assert!(
            sink.received()
                .iter()
                .all(|m| !m.to.iter().any(|t| t.contains("nobody@")))
        );
        assert!(
            link.starts_with(&app.url(&format!("/self-service/recovery?flow={id}&token="))),
            "{link}"
        );
        assert!(!verified(&app, "rae@example.com").await);
        let browser = app.browser();
        open_and_land_in_settings(&app, &browser, &link).await;
        // A link the flow mailed proves the address.
        assert!(verified(&app, "rae@example.com").await);

        // Used once: the same link again starts a new browser flow carrying 4060004.
        let r = app.api_client().get(&link).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap();
        assert!(to.starts_with(&format!("{UI}?flow=")), "{to}");
        let replacement = to.split("flow=").nth(1).unwrap();
        let stored = app
            .registry
            .persister
            .get_recovery_flow(replacement.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.flow_type, hoplite_core::flow::FlowType::Browser);
        assert_eq!(stored.active, "link");
        assert_eq!(
            stored.ui.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
            [4060004]
        );
    }
);

db_test!(
    a_code_flow_sends_a_link_when_asked,
    config(free_port(), "code"),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("cal@example.com", PASSWORD).await.status(),
            200
        );
        let flow = api_flow(&app).await;
        assert_eq!(flow["active"], "code");
        let id = flow["id"].as_str().unwrap().to_string();
        let r = submit(
            &app,
            &id,
            json!({"method": "link", "email": "cal@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 200);
        let sent: Value = r.json().await.unwrap();
        assert_eq!(sent["active"], "link");
        assert_eq!(message_ids(&sent), [1060002]);
        let link = link_sent_to(&app, &sink, "cal@example.com", "/self-service/recovery").await;
        open_and_land_in_settings(&app, &app.browser(), &link).await;
    }
);

db_test!(
    the_admin_api_makes_recovery_links,
    config(free_port(), "code"),
    |app| {
        assert_eq!(
            app.register_api("ada@example.com", PASSWORD).await.status(),
            200
        );
        let identity = app.identities().await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        // Two sessions from earlier sign-ins; the recovery's hook revokes them.
        let mut tokens = Vec::new();
        for _ in 0..2 {
            let r = app.login_api("ada@example.com", PASSWORD).await;
            assert_eq!(r.status(), 200);
            let body: Value = r.json().await.unwrap();
            tokens.push(body["session_token"].as_str().unwrap().to_string());
        }
        let admin = |body: Value| {
            let app = &app;
            async move {
                app.api_client()
                    .post(format!("{}/admin/recovery/link", app.admin))
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let r = admin(json!({"identity_id": identity, "expires_in": "5m"})).await;
        assert_eq!(r.status(), 200);
        let raw = r.text().await.unwrap();
        assert!(
            raw.contains("&token="),
            "written without HTML escaping: {raw}"
        );
        let made: Value = serde_json::from_str(&raw).unwrap();
        assert_valid("recoveryLinkForIdentity", &made);
        let link = made["recovery_link"].as_str().unwrap().to_string();
        assert!(
            link.starts_with(&app.url("/self-service/recovery?flow=")),
            "{link}"
        );

        for (body, reason) in [
            (
                json!({"identity_id": uuid::Uuid::new_v4()}),
                "The requested identity id does not exist.",
            ),
            (
                json!({"identity_id": identity, "expires_in": "soon"}),
                "Unable to parse \"expires_in\" as a duration string (e.g. \"1h\", \"1m30s\", \"500ms\"): soon",
            ),
            (
                json!({"identity_id": identity, "expires_in": "-1m"}),
                "Value from \"expires_in\" must be result to a future time: -1m",
            ),
        ] {
            let r = admin(body).await;
            assert_eq!(r.status(), 400);
            let err: Value = r.json().await.unwrap();
            assert_valid("errorGeneric", &err);
            assert_eq!(err["error"]["reason"], reason);
        }

        open_and_land_in_settings(&app, &app.browser(), &link).await;
        // An admin link proves no address; the earlier sessions are gone.
        assert!(!verified(&app, "ada@example.com").await);
        for t in &tokens {
            assert_eq!(app.whoami(t).await.0, 401);
        }
        // An admin link is handed to the caller, never mailed.
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 0);
    }
);

db_test!(
    admin_links_need_the_link_method,
    json!({"selfservice": {"flows": {"recovery": {"enabled": true}}}}),
    |app| {
        let r = app
            .api_client()
            .post(format!("{}/admin/recovery/link", app.admin))
            .json(&json!({"identity_id": uuid::Uuid::new_v4()}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        // And a link submission on a code flow is refused the same way.
        let flow = api_flow(&app).await;
        let r = submit(
            &app,
            flow["id"].as_str().unwrap(),
            json!({"method": "link", "email": "x@example.com"}),
        )
        .await;
        assert_eq!(r.status(), 404);
    }
);
