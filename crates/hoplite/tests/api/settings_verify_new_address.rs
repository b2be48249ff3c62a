//! The `verify_new_address` settings hook: a profile change that adds an address waits in
//! `identity_pending_traits_changes` until the code mailed to the new address is used; then it
//! is written with that address verified, unless the session that asked is gone or the identity
//! changed meanwhile. On every database, with mail delivered to an SMTP server on loopback.

use crate::app::{TestApp, node};
use crate::db_test;
use crate::mail::{code_sent_to, free_port, message_ids, sink, subjects_to};
use crate::openapi::assert_valid;
use crate::registration::schema_url;
use serde_json::{Value, json};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";

fn config(port: u16) -> Value {
    json!({
        "selfservice": {"flows": {
            "verification": {"enabled": true, "ui_url": "http://127.0.0.1:4455/verification"},
            "settings": {"ui_url": "http://127.0.0.1:4455/settings", "after": {"profile": {"hooks": [
                {"hook": "verify_new_address"},
                {"hook": "notify_previous_addresses"}
            ]}}}
        }},
        "courier": {"smtp": {"connection_uri": format!("smtp://127.0.0.1:{port}/?disable_starttls=true")}}
    })
}

fn traits(email: &str, first: &str) -> Value {
    json!({"email": email, "name": {"first": first, "last": "Lovelace"}})
}

async fn change(app: &TestApp, token: &str, traits: Value) -> (u16, Value) {
    app.change_profile_api(token, traits).await
}

async fn verify(app: &TestApp, flow_id: &str, code: &str) -> (u16, Value) {
    let r = app
        .api_client()
        .post(app.url(&format!("/self-service/verification?flow={flow_id}")))
        .header("accept", "application/json")
        .json(&json!({"method": "code", "code": code}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn email_of(app: &TestApp, token: &str) -> Value {
    let (status, session) = app.whoami(token).await;
    assert_eq!(status, 200);
    session["identity"]["traits"]["email"].clone()
}

/// The verification flow a parked change announced.
fn announced(body: &Value) -> String {
    let item = body["continue_with"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["action"] == "show_verification_ui")
        .expect("the verification flow is announced");
    item["flow"]["id"].as_str().unwrap().to_string()
}

async fn pending_rows(app: &TestApp) -> String {
    app.query_text(
        "SELECT CASE COUNT(*) WHEN 0 THEN '0' WHEN 1 THEN '1' ELSE 'more' END FROM identity_pending_traits_changes",
    )
    .await
}

db_test!(
    a_new_address_is_written_once_verified,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("amy@example.com", PASSWORD)
            .await;
        code_sent_to(&app, &sink, "amy@example.com", "verify").await;

        let (status, body) = change(&app, &token, traits("amy.new@example.com", "Amy")).await;
        assert_eq!(status, 200, "{body}");
        assert_valid("settingsFlow", &body);
        assert_eq!(body["state"], "show_form");
        let item = &body["continue_with"][0];
        assert_eq!(item["flow"]["verifiable_address"], "amy.new@example.com");
        assert!(item["flow"].get("url").is_none(), "API flows carry no url");
        let flow_id = announced(&body);
        // Nothing is written yet: the old address still signs in, the change waits.
        assert_eq!(email_of(&app, &token).await, "amy@example.com");
        assert_eq!(pending_rows(&app).await, "1");
        let r = app
            .api_client()
            .get(app.url(&format!("/self-service/verification/flows?id={flow_id}")))
            .send()
            .await
            .unwrap();
        let shown: Value = r.json().await.unwrap();
        assert_valid("verificationFlow", &shown);
        assert_eq!(shown["state"], "sent_email");
        assert_eq!(message_ids(&shown), [1080003]);
        assert_eq!(
            node(&shown, "email").unwrap()["attributes"]["value"],
            "amy.new@example.com"
        );

        // The code goes to the new address; a wrong one changes nothing.
        let code = code_sent_to(&app, &sink, "amy.new@example.com", "verify").await;
        let (status, wrong) = verify(&app, &flow_id, "000000").await;
        assert_eq!(status, 200);
        assert_eq!(message_ids(&wrong), [4070006]);
        assert_eq!(email_of(&app, &token).await, "amy@example.com");

        let (status, done) = verify(&app, &flow_id, &code).await;
        assert_eq!(status, 200, "{done}");
        assert_valid("verificationFlow", &done);
        assert_eq!(done["state"], "passed_challenge");
        assert_eq!(message_ids(&done), [1080002]);
        let (_, session) = app.whoami(&token).await;
        let identity = &session["identity"];
        assert_eq!(identity["traits"]["email"], "amy.new@example.com");
        assert_eq!(
            identity["verifiable_addresses"][0]["value"],
            "amy.new@example.com"
        );
        assert_eq!(identity["verifiable_addresses"][0]["verified"], true);
        assert_eq!(identity["verifiable_addresses"][0]["status"], "completed");
        assert_eq!(
            identity["recovery_addresses"][0]["value"],
            "amy.new@example.com"
        );
        assert_eq!(
            app.login_api("amy@example.com", PASSWORD).await.status(),
            400
        );
        assert_eq!(
            app.login_api("amy.new@example.com", PASSWORD)
                .await
                .status(),
            200
        );
        // The profile's post-persist hooks ran on the applied change: the old address is told.
        let subjects = subjects_to(&app, &sink, "amy@example.com").await;
        assert_eq!(
            subjects.last().map(String::as_str),
            Some("A verifiable address on your account was changed")
        );

        // The same code again: the flow has passed, so Kratos answers with a replacement flow.
        let (status, again) = verify(&app, &flow_id, &code).await;
        assert_eq!(status, 410, "{again}");
        assert_eq!(again["error"]["id"], "self_service_flow_replaced");
        assert!(again["use_flow_id"].is_string());

        // A change that adds no address goes through at once.
        let (status, body) = change(&app, &token, traits("amy.new@example.com", "Amelia")).await;
        assert_eq!(status, 200);
        assert_eq!(body["state"], "success");
        assert!(
            body["continue_with"]
                .as_array()
                .is_none_or(|c| c.iter().all(|i| i["action"] != "show_verification_ui"))
        );
    }
);

db_test!(
    a_revoked_session_or_a_later_change_voids_it,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("bea@example.com", PASSWORD)
            .await;
        code_sent_to(&app, &sink, "bea@example.com", "verify").await;

        // The traits change meanwhile (a name change, which adds no address).
        let (_, body) = change(&app, &token, traits("bea.new@example.com", "Bea")).await;
        let flow_id = announced(&body);
        let code = code_sent_to(&app, &sink, "bea.new@example.com", "verify").await;
        let (status, _) = change(&app, &token, traits("bea@example.com", "Beatrice")).await;
        assert_eq!(status, 200);
        let (status, body) = verify(&app, &flow_id, &code).await;
        assert_eq!(status, 200);
        assert_eq!(message_ids(&body), [4070006]);
        assert_eq!(email_of(&app, &token).await, "bea@example.com");

        // The session that asked is revoked before the code is used.
        let (_, body) = change(&app, &token, traits("bea.other@example.com", "Beatrice")).await;
        let flow_id = announced(&body);
        let code = code_sent_to(&app, &sink, "bea.other@example.com", "verify").await;
        let r = app
            .api_client()
            .delete(app.url("/self-service/logout/api"))
            .json(&json!({"session_token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let (status, body) = verify(&app, &flow_id, &code).await;
        assert_eq!(status, 200);
        assert_eq!(message_ids(&body), [4070006]);
        assert_eq!(
            app.login_api("bea.other@example.com", PASSWORD)
                .await
                .status(),
            400
        );
        assert_eq!(
            app.login_api("bea@example.com", PASSWORD).await.status(),
            200
        );
    }
);

db_test!(
    a_taken_address_is_refused_at_once,
    config(free_port()),
    |app| {
        let _sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("cat@example.com", PASSWORD)
            .await;
        app.registered_and_signed_in("dan@example.com", PASSWORD)
            .await;
        let (status, body) = change(&app, &token, traits("dan@example.com", "Cat")).await;
        assert_eq!(status, 400, "{body}");
        assert_valid("settingsFlow", &body);
        assert_eq!(message_ids(&body), [4000007]);
        assert_eq!(pending_rows(&app).await, "0");
    }
);

fn two_addresses_config(port: u16) -> Value {
    let schema = json!({
        "$id": "https://example.com/two.schema.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"traits": {"type": "object", "properties": {
            "email": {"type": "string", "format": "email", "ory.sh/kratos": {
                "credentials": {"password": {"identifier": true}},
                "verification": {"via": "email"}
            }},
            "backup": {"type": "string", "format": "email", "ory.sh/kratos": {
                "verification": {"via": "email"}
            }}
        }, "required": ["email"]}}
    });
    let mut c = config(port);
    c["identity"] =
        json!({"default_schema_id": "two", "schemas": [{"id": "two", "url": schema_url(&schema)}]});
    c
}

db_test!(
    two_new_addresses_at_once_are_refused,
    two_addresses_config(free_port()),
    |app| {
        let _sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("eve@example.com", PASSWORD)
            .await;
        let (status, body) = change(
            &app,
            &token,
            json!({"email": "eve.new@example.com", "backup": "eve.backup@example.com"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(message_ids(&body), [4050002]);
        assert_eq!(email_of(&app, &token).await, "eve@example.com");
        assert_eq!(pending_rows(&app).await, "0");
    }
);

db_test!(
    a_browser_goes_to_the_verification_ui,
    config(free_port()),
    |app| {
        let sink = sink(&app).await;
        let browser = crate::settings::browser_signed_up(&app, "fay@example.com").await;
        code_sent_to(&app, &sink, "fay@example.com", "verify").await;
        let flow = app
            .spa_flow(&browser, "/self-service/settings/browser")
            .await;
        let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let r = browser
            .post(flow["ui"]["action"].as_str().unwrap())
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("method", "profile"),
                ("traits.email", "fay.new@example.com"),
                ("traits.name.first", "Fay"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap();
        assert!(
            to.starts_with("http://127.0.0.1:4455/verification?flow="),
            "{to}"
        );
        code_sent_to(&app, &sink, "fay.new@example.com", "verify").await;
    }
);

db_test!(
    with_links_the_link_applies_it,
    {
        let mut c = config(free_port());
        c["selfservice"]["flows"]["verification"]["use"] = json!("link");
        c["selfservice"]["methods"] = json!({"link": {"enabled": true}});
        c
    },
    |app| {
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("gus@example.com", PASSWORD)
            .await;
        crate::mail::link_sent_to(&app, &sink, "gus@example.com", "/self-service/verification")
            .await;
        let (status, body) = change(&app, &token, traits("gus.new@example.com", "Gus")).await;
        assert_eq!(status, 200, "{body}");
        let flow_id = announced(&body);
        let link = crate::mail::link_sent_to(
            &app,
            &sink,
            "gus.new@example.com",
            "/self-service/verification",
        )
        .await;
        assert!(link.contains(&format!("flow={flow_id}")), "{link}");
        assert_eq!(email_of(&app, &token).await, "gus@example.com");
        let r = app.browser().get(&link).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let (_, session) = app.whoami(&token).await;
        assert_eq!(
            session["identity"]["traits"]["email"],
            "gus.new@example.com"
        );
        assert_eq!(
            session["identity"]["verifiable_addresses"][0]["verified"],
            true
        );
    }
);

db_test!(
    a_change_is_parked_with_kratos_hash_of_the_stored_traits,
    config(free_port()),
    |app| {
        // Kratos's `HashTraits` is SHA-256 over the traits column's text with the whitespace
        // between tokens removed (Go's `json.Compact`), keys and escapes as stored: so a change
        // Kratos parked applies in hoplite, and the reverse. Go writes `<` as `\u003c` in the
        // text it stores in SQLite; PostgreSQL and MySQL store their own normal form.
        let sink = sink(&app).await;
        let token = app
            .registered_and_signed_in("cat@example.com", PASSWORD)
            .await;
        code_sent_to(&app, &sink, "cat@example.com", "verify").await;
        let go_text =
            r#"{"email":"cat@example.com","name":{"first":"a \u003c b","last":"Lovelace"}}"#;
        let literal = if app.dsn.starts_with("mysql") {
            go_text.replace('\\', "\\\\")
        } else {
            go_text.to_string()
        };
        app.exec_sql(&format!("UPDATE identities SET traits = '{literal}'"))
            .await;
        let as_text = if app.dsn.starts_with("postgres") {
            "traits::text"
        } else if app.dsn.starts_with("mysql") {
            "CAST(traits AS CHAR)"
        } else {
            "traits"
        };
        let stored = app
            .query_text(&format!("SELECT {as_text} FROM identities"))
            .await;
        if app.dsn.starts_with("sqlite") {
            assert_eq!(stored, go_text);
        }

        let (status, body) = change(&app, &token, traits("cat.new@example.com", "a < b")).await;
        assert_eq!(status, 200, "{body}");
        let flow_id = announced(&body);
        // The stored text without the spaces PostgreSQL and MySQL print after `:` and `,` (no
        // value here contains either), hashed as it is.
        let compact = if app.dsn.starts_with("sqlite") {
            stored.clone()
        } else {
            stored.replace(": ", ":").replace(", ", ",")
        };
        let expected: String = {
            use sha2::Digest as _;
            sha2::Sha256::digest(compact.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert_eq!(
            app.query_text("SELECT original_traits_hash FROM identity_pending_traits_changes")
                .await,
            expected,
            "stored traits: {stored}"
        );

        if app.dsn.starts_with("sqlite") {
            // Kratos scans `proposed_traits` into a `json.RawMessage`, which Go's SQLite driver
            // fills from a blob only: stored as Kratos stores it.
            assert_eq!(
                app.query_text(
                    "SELECT typeof(proposed_traits) FROM identity_pending_traits_changes"
                )
                .await,
                "blob"
            );
        }

        // And the change applies.
        let code = code_sent_to(&app, &sink, "cat.new@example.com", "verify").await;
        let (status, done) = verify(&app, &flow_id, &code).await;
        assert_eq!(status, 200, "{done}");
        assert_eq!(done["state"], "passed_challenge");
        assert_eq!(email_of(&app, &token).await, "cat.new@example.com");
        let (_, session) = app.whoami(&token).await;
        assert_eq!(session["identity"]["traits"]["name"]["first"], "a < b");
    }
);
