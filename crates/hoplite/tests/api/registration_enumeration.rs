//! Enumeration-safe sign-up (`hoplite.registration.enumeration_safe`, hoplite's own): a sign-up
//! with a taken address answers exactly as one with a new address, apart from ids and times
//! (compared here byte for byte after masking them), stores nothing, and mails the owner; on
//! every database, over the API and as a browser asking for JSON.

use crate::app::TestApp;
use crate::db_test;
use crate::mail::{free_port, sink};
use crate::openapi::assert_valid;
use hoplite_core::courier::worker::dispatch_batch;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";

fn config(port: u16) -> Value {
    json!({
        "hoplite": {"registration": {"enumeration_safe": true}},
        "selfservice": {"flows": {
            "registration": {"after": {"password": {"hooks": [{"hook": "show_verification_ui"}]}}},
            "verification": {"enabled": true, "ui_url": "http://127.0.0.1:4455/verification"},
            "recovery": {"enabled": true}
        }},
        "courier": {"smtp": {"connection_uri": format!("smtp://127.0.0.1:{port}/?disable_starttls=true")}}
    })
}

fn is_uuid_at(b: &[u8], i: usize) -> bool {
    b.len() >= i + 36
        && (0..36).all(|k| match k {
            8 | 13 | 18 | 23 => b[i + k] == b'-',
            _ => b[i + k].is_ascii_hexdigit(),
        })
}

/// Every UUID inside a string becomes `<id>`, every RFC 3339 time `<time>`.
fn mask(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            if time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .is_ok()
            {
                return Value::String("<time>".into());
            }
            let b = s.as_bytes();
            let (mut out, mut i) = (String::new(), 0);
            while i < b.len() {
                if is_uuid_at(b, i) {
                    out.push_str("<id>");
                    i += 36;
                } else {
                    let c = s[i..].chars().next().unwrap();
                    out.push(c);
                    i += c.len_utf8();
                }
            }
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(mask).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), mask(v))).collect()),
        other => other.clone(),
    }
}

/// Signs up `email` as a browser asking for JSON (an SPA) and returns status and body.
async fn register_spa(app: &TestApp, email: &str) -> (u16, Value) {
    let browser = app.browser();
    let flow = app
        .spa_flow(&browser, "/self-service/registration/browser")
        .await;
    let csrf = flow["ui"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["attributes"]["name"] == "csrf_token")
        .unwrap()["attributes"]["value"]
        .clone();
    let r = browser
        .post(flow["ui"]["action"].as_str().unwrap())
        .header("accept", "application/json")
        .json(&json!({"method": "password", "password": PASSWORD, "traits": {"email": email}, "csrf_token": csrf}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

db_test!(
    a_taken_address_is_answered_like_a_new_one,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        let r = app.register_api("own@example.com", PASSWORD).await;
        assert_eq!(r.status(), 200);
        let new: Value = r.json().await.unwrap();
        assert_valid("successfulNativeRegistration", &new);
        let r = app.register_api("own@example.com", PASSWORD).await;
        assert_eq!(r.status(), 200);
        let taken: Value = r.json().await.unwrap();
        assert_valid("successfulNativeRegistration", &taken);
        assert_ne!(new["identity"]["id"], taken["identity"]["id"]);
        assert_eq!(mask(&new), mask(&taken));
        assert_eq!(
            taken["continue_with"][0]["action"], "show_verification_ui",
            "{taken}"
        );
        // The announced verification flow is real.
        let flow_id = taken["continue_with"][0]["flow"]["id"].as_str().unwrap();
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/verification/flows?id={flow_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        // A browser asking for JSON: the same.
        let (s1, b1) = register_spa(&app, "spa@example.com").await;
        let (s2, b2) = register_spa(&app, "spa@example.com").await;
        assert_eq!((s1, s2), (200, 200));
        assert_ne!(b1["identity"]["id"], b2["identity"]["id"]);
        assert_eq!(mask(&b1), mask(&b2));

        // Nothing was stored for the second attempts.
        assert_eq!(app.identities().await.len(), 2);

        // The owners were told (and got their verification code the first time).
        while dispatch_batch(&app.registry).await.unwrap() > 0 {}
        let mails = sink.received();
        for owner in ["own@example.com", "spa@example.com"] {
            let to_owner: Vec<_> = mails
                .iter()
                .filter(|m| m.to.iter().any(|t| t.contains(owner)))
                .collect();
            assert_eq!(to_owner.len(), 2, "{owner}: a code and the notice");
            // Queued in that order, but MySQL's whole-second times may deliver them either way.
            let notice = &to_owner
                .iter()
                .find(|m| m.data.contains("Subject: You already have an account"))
                .unwrap_or_else(|| panic!("no notice to {owner}"))
                .data;
            assert!(
                to_owner
                    .iter()
                    .any(|m| m.data.contains("to verify your account")),
                "{owner}: the code"
            );
            assert!(notice.contains("/self-service/login/browser"), "{notice}");
            assert!(
                notice.contains("/self-service/recovery/browser"),
                "{notice}"
            );
        }
    }
);
