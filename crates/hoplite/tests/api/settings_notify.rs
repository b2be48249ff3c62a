//! The `notify_previous_addresses` settings hook: after a profile change that changed the
//! identity's addresses, the previous ones get Kratos's `verifiable_address_changed` mail, chosen
//! by `recipients`, delivered to an SMTP server on loopback, on every database.

use crate::app::TestApp;
use crate::db_test;
use crate::mail::{free_port, sink, subjects_to};
use crate::openapi::assert_valid;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";

fn config(port: u16, recipients: Option<&str>) -> Value {
    let hook = match recipients {
        Some(r) => json!({"hook": "notify_previous_addresses", "config": {"recipients": r}}),
        None => json!({"hook": "notify_previous_addresses"}),
    };
    json!({
        "selfservice": {"flows": {"settings": {"after": {"profile": {"hooks": [hook]}}}}},
        "courier": {"smtp": {"connection_uri": format!("smtp://127.0.0.1:{port}/?disable_starttls=true")}}
    })
}

/// Changes the signed-in identity's email (and first name) over the API settings flow.
async fn change_email(app: &TestApp, token: &str, email: &str, first: &str) {
    let traits = json!({"email": email, "name": {"first": first, "last": "Lovelace"}});
    let (status, body) = app.change_profile_api(token, traits).await;
    assert_eq!(status, 200, "{body}");
}

/// The courier messages of `template_type`, as the admin API lists them.
async fn messages_of(app: &TestApp, template_type: &str) -> Vec<Value> {
    let r = app
        .api_client()
        .get(format!("{}/admin/courier/messages", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let all: Vec<Value> = r.json().await.unwrap();
    all.into_iter()
        .filter(|m| m["template_type"] == template_type)
        .collect()
}

const SUBJECT: &str = "A verifiable address on your account was changed";

db_test!(
    the_removed_address_hears_of_the_change,
    config(free_port(), None),
    |app| {
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("ann@example.com", PASSWORD)
            .await;
        change_email(&app, &token, "ann.new@example.com", "Ann").await;
        assert_eq!(subjects_to(&app, &sink, "ann@example.com").await, [SUBJECT]);
        assert!(
            subjects_to(&app, &sink, "ann.new@example.com")
                .await
                .is_empty()
        );
        let sent = messages_of(&app, "verifiable_address_changed").await;
        assert_eq!(sent.len(), 1);
        assert_valid("message", &sent[0]);
        assert_eq!(sent[0]["recipient"], "ann@example.com");
        assert_eq!(sent[0]["status"], "sent");
        // The template data: the identity as it is now, and the time in RFC 3339 seconds.
        let id = sent[0]["id"].as_str().unwrap().parse().unwrap();
        let stored = app.registry.persister.get_message(id).await.unwrap();
        let data = stored.expect("the message").template_data;
        assert_eq!(data["to"], "ann@example.com");
        assert_eq!(data["identity"]["traits"]["email"], "ann.new@example.com");
        assert!(data["identity"].get("credentials").is_none());
        let at = data["changed_at"].as_str().unwrap();
        assert!(
            at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
            "{at}"
        );

        // A change that keeps the addresses tells nobody.
        change_email(&app, &token, "ann.new@example.com", "Annie").await;
        assert_eq!(
            messages_of(&app, "verifiable_address_changed").await.len(),
            1
        );
    }
);

db_test!(
    all_verified_skips_an_unverified_address,
    config(free_port(), Some("all_verified")),
    |app| {
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("bo@example.com", PASSWORD)
            .await;
        change_email(&app, &token, "bo.new@example.com", "Bo").await;
        assert!(subjects_to(&app, &sink, "bo@example.com").await.is_empty());
        assert!(
            messages_of(&app, "verifiable_address_changed")
                .await
                .is_empty()
        );

        // An identity whose address is verified (imported so) is told.
        let r = app
            .api_client()
            .post(format!("{}/admin/identities", app.admin))
            .json(&json!({
                "schema_id": "default",
                "traits": {"email": "di@example.com", "name": {"first": "Di", "last": "Lovelace"}},
                "verifiable_addresses": [{"value": "di@example.com", "via": "email", "verified": true, "status": "completed"}],
                "credentials": {"password": {"config": {"password": PASSWORD}}}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let r = app.login_api("di@example.com", PASSWORD).await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        let token = body["session_token"].as_str().unwrap().to_string();
        change_email(&app, &token, "di.new@example.com", "Di").await;
        assert_eq!(subjects_to(&app, &sink, "di@example.com").await, [SUBJECT]);
    }
);

db_test!(
    all_tells_every_previous_address,
    config(free_port(), Some("all")),
    |app| {
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("cy@example.com", PASSWORD)
            .await;
        change_email(&app, &token, "cy.new@example.com", "Cy").await;
        assert_eq!(subjects_to(&app, &sink, "cy@example.com").await, [SUBJECT]);
    }
);
