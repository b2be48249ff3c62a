//! Verification by link (`selfservice.flows.verification.use: link`) as Kratos serves it, on
//! every database, with mail delivered to an SMTP server on loopback: a registration mails a
//! link, the API flow mails another, opening a link verifies the address once, an unknown
//! address is answered like a known one, and an expired link starts over with 4070005.

use crate::app::TestApp;
use crate::db_test;
use crate::mail::{free_port, link_sent_to, message_ids, sink};
use crate::openapi::assert_valid;
use hoplite_core::courier::worker::dispatch_batch;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";
const UI: &str = "http://127.0.0.1:4455/verification";

fn config(port: u16) -> Value {
    json!({
        "selfservice": {
            "flows": {"verification": {"enabled": true, "use": "link", "ui_url": UI}},
            "methods": {"link": {"enabled": true, "config": {"lifespan": "10m"}}}
        },
        "courier": {"smtp": {"connection_uri": format!("smtp://127.0.0.1:{port}/?disable_starttls=true")}}
    })
}

async fn address_of(app: &TestApp, email: &str) -> Value {
    let ids = app.identities().await;
    let i = ids
        .iter()
        .find(|i| i["traits"]["email"] == email)
        .expect("identity");
    i["verifiable_addresses"][0].clone()
}

fn names_and_groups(flow: &Value) -> Vec<(String, String)> {
    flow["ui"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["attributes"]["name"]
                    .as_str()
                    .or(n["attributes"]["id"].as_str())
                    .unwrap()
                    .to_string(),
                n["group"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Opens `link` as the mail's reader would (no cookies) and returns where it sends them.
async fn open(app: &TestApp, link: &str) -> String {
    let r = app.api_client().get(link).send().await.unwrap();
    assert_eq!(r.status(), 303, "{link}");
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn get_flow(app: &TestApp, id: &str) -> Value {
    let r = app
        .api_client()
        .get(app.url(&format!("/self-service/verification/flows?id={id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

db_test!(
    a_link_in_the_mail_verifies_the_address_once,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("lin@example.com", PASSWORD).await.status(),
            200
        );
        assert_eq!(address_of(&app, "lin@example.com").await["status"], "sent");
        let first =
            link_sent_to(&app, &sink, "lin@example.com", "/self-service/verification").await;
        assert!(
            first.starts_with(&app.url("/self-service/verification?flow=")),
            "{first}"
        );
        let token = first.split("&token=").nth(1).unwrap();
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));

        // The API flow offers the link form and mails another link.
        let r = app
            .api_client()
            .get(app.url("/self-service/verification/api"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let flow: Value = r.json().await.unwrap();
        assert_valid("verificationFlow", &flow);
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
        let submit = |body: Value| {
            let app = &app;
            let id = id.clone();
            async move {
                app.api_client()
                    .post(app.url(&format!("/self-service/verification?flow={id}")))
                    .header("accept", "application/json")
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let r = submit(json!({"method": "link", "email": "lin@example.com"})).await;
        assert_eq!(r.status(), 200);
        let sent: Value = r.json().await.unwrap();
        assert_valid("verificationFlow", &sent);
        assert_eq!(sent["state"], "sent_email");
        assert_eq!(message_ids(&sent), [1080001]);
        let email = sent["ui"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["attributes"]["name"] == "email")
            .unwrap();
        assert_eq!(email["attributes"]["value"], "lin@example.com");
        let second =
            link_sent_to(&app, &sink, "lin@example.com", "/self-service/verification").await;
        assert_ne!(first, second);
        assert!(second.contains(&format!("flow={id}&token=")), "{second}");

        // Opening the link verifies the address and shows the success state.
        assert_eq!(address_of(&app, "lin@example.com").await["verified"], false);
        assert_eq!(open(&app, &second).await, format!("{UI}?flow={id}"));
        let after = address_of(&app, "lin@example.com").await;
        assert_eq!(after["verified"], true);
        assert_eq!(after["status"], "completed");
        let done = get_flow(&app, &id).await;
        assert_valid("verificationFlow", &done);
        assert_eq!(done["state"], "passed_challenge");
        assert_eq!(message_ids(&done), [1080002]);
        let anchor = &done["ui"]["nodes"].as_array().unwrap()[0];
        assert_eq!(anchor["type"], "a");
        assert_eq!(anchor["group"], "link");
        assert_eq!(
            anchor["attributes"]["href"],
            "http://127.0.0.1:4455/welcome"
        );

        // The same link again: a new browser flow carrying 4070001.
        let again = open(&app, &second).await;
        assert!(again.starts_with(&format!("{UI}?flow=")), "{again}");
        assert!(!again.contains(&id), "{again}");
        let replacement = again.split("flow=").nth(1).unwrap();
        let stored = app
            .registry
            .persister
            .get_verification_flow(replacement.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.flow_type, hoplite_core::flow::FlowType::Browser);
        assert_eq!(
            stored.ui.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
            [4070001]
        );
        // A made-up token for this flow too.
        let second_token = second.split("&token=").nth(1).unwrap();
        let forged = second.replace(second_token, &"A".repeat(32));
        assert_ne!(forged, second);
        let to = open(&app, &forged).await;
        let replacement = to.split("flow=").nth(1).unwrap();
        let stored = app
            .registry
            .persister
            .get_verification_flow(replacement.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.ui.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
            [4070001]
        );
    }
);

db_test!(
    unknown_addresses_look_alike_and_expired_links_start_over,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        assert_eq!(
            app.register_api("old@example.com", PASSWORD).await.status(),
            200
        );
        let link = link_sent_to(&app, &sink, "old@example.com", "/self-service/verification").await;
        let before = sink.received().len();

        let ask = |email: &'static str| {
            let app = &app;
            async move {
                let flow: Value = app
                    .api_client()
                    .get(app.url("/self-service/verification/api"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let id = flow["id"].as_str().unwrap().to_string();
                let r = app
                    .api_client()
                    .post(app.url(&format!("/self-service/verification?flow={id}")))
                    .header("accept", "application/json")
                    .json(&json!({"method": "link", "email": email}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                let v: Value = r.json().await.unwrap();
                (v["state"].clone(), message_ids(&v))
            }
        };
        let known = ask("old@example.com").await;
        assert_eq!(known, (json!("sent_email"), vec![1080001]));
        assert_eq!(ask("nobody@example.com").await, known);

        // A code submission on a link flow is no method's: 4010006, and the flow is parked on
        // `default`, where every later submission gets the same answer.
        let flow: Value = app
            .api_client()
            .get(app.url("/self-service/verification/api"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = flow["id"].as_str().unwrap().to_string();
        for body in [
            json!({"method": "code", "email": "old@example.com"}),
            json!({"method": "link", "email": "old@example.com"}),
        ] {
            let r = app
                .api_client()
                .post(app.url(&format!("/self-service/verification?flow={id}")))
                .header("accept", "application/json")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 400);
            let wrong: Value = r.json().await.unwrap();
            assert_valid("verificationFlow", &wrong);
            assert_eq!(wrong["active"], "default");
            assert_eq!(*message_ids(&wrong).last().unwrap(), 4010006);
        }
        while dispatch_batch(&app.registry).await.unwrap() > 0 {}
        let after = sink.received();
        assert_eq!(after.len(), before + 1, "a mail to the known address only");
        assert!(
            !after
                .iter()
                .any(|m| m.to.iter().any(|t| t.contains("nobody@")))
        );

        // The registration's link, opened after its 10 minutes: a new flow with 4070005, and
        // the address stays unverified.
        app.clock.advance(time::Duration::minutes(11));
        let to = open(&app, &link).await;
        let replacement = to.split("flow=").nth(1).unwrap();
        let stored = app
            .registry
            .persister
            .get_verification_flow(replacement.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.ui.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
            [4070005]
        );
        assert_eq!(address_of(&app, "old@example.com").await["verified"], false);
    }
);
