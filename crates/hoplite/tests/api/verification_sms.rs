//! Verification of phone numbers by text message, as Kratos does it with an `sms` channel in
//! `courier.channels`: the registration hook texts a code to the number, the code verifies it
//! (1080005), the address form takes email or phone (1070018), and the texts go to the channel's
//! HTTP endpoint on loopback, on every database.

use crate::app::{TestApp, node};
use crate::courier::{Received, http_endpoint};
use crate::db_test;
use crate::mail::{free_port, message_ids};
use crate::openapi::assert_valid;
use crate::registration::schema_url;
use hoplite_core::courier::worker::dispatch_batch;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const PASSWORD: &str = "Correct-Horse-Battery-Staple-93";

fn schema() -> Value {
    json!({
        "$id": "https://example.com/phone.schema.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"traits": {"type": "object", "properties": {
            "email": {"type": "string", "format": "email", "ory.sh/kratos": {
                "credentials": {"password": {"identifier": true}}
            }},
            "phone": {"type": "string", "format": "tel", "ory.sh/kratos": {
                "verification": {"via": "sms"}
            }}
        }, "required": ["email", "phone"]}}
    })
}

fn config(port: u16) -> Value {
    json!({
        "identity": {"default_schema_id": "phone", "schemas": [{"id": "phone", "url": schema_url(&schema())}]},
        "selfservice": {"flows": {
            "verification": {"enabled": true, "ui_url": "http://127.0.0.1:4455/verification"},
            "registration": {"after": {"password": {"hooks": [{"hook": "show_verification_ui"}]}}}
        }},
        "courier": {
            "smtp": {"connection_uri": format!("smtp://127.0.0.1:{}/?disable_starttls=true", free_port())},
            "channels": [{"id": "sms", "type": "http", "request_config": {
                "url": format!("http://127.0.0.1:{port}/sms"),
                "method": "POST",
                "headers": {"X-Sms-Key": "k1"}
            }}]
        }
    })
}

/// The channel's endpoint.
async fn endpoint(app: &TestApp) -> Arc<Mutex<Vec<Received>>> {
    let url = &app.registry.config.courier.channel("sms").unwrap().url;
    let port = url::Url::parse(url).unwrap().port().unwrap();
    let status = Arc::new(std::sync::atomic::AtomicU16::new(200));
    http_endpoint(port, status).await.0
}

/// Delivers the queue; the code in the newest text to `to`, with the request's JSON body.
async fn texted_code(app: &TestApp, got: &Arc<Mutex<Vec<Received>>>, to: &str) -> (String, Value) {
    while dispatch_batch(&app.registry).await.unwrap() > 0 {}
    let body: Value = got
        .lock()
        .unwrap()
        .iter()
        .rev()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap())
        .find(|b| b["recipient"] == to)
        .unwrap_or_else(|| panic!("no text to {to}"));
    let text = body["body"].as_str().unwrap();
    let code: String = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a six-digit code")
        .to_string();
    (code, body)
}

async fn register(app: &TestApp, email: &str, phone: &str) -> Value {
    let flow = app.api_flow().await;
    let id = flow["id"].as_str().unwrap();
    let traits = json!({"email": email, "phone": phone});
    let r = app
        .submit_api(id, json!({"method": "profile", "traits": traits}))
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .submit_api(
            id,
            json!({"method": "password", "password": PASSWORD, "traits": traits}),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
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

async fn flow(app: &TestApp, id: &str) -> Value {
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
    a_phone_number_is_verified_by_text,
    config(free_port()),
    |app| {
        let got = endpoint(&app).await;
        let signed_up = register(&app, "pat@example.com", "+1 415 555 0100").await;
        assert_valid("successfulNativeRegistration", &signed_up);
        let address = &signed_up["identity"]["verifiable_addresses"][0];
        assert_eq!(address["via"], "sms");
        assert_eq!(address["value"], "+14155550100");

        // The hook's flow: 1080004, and a resend button named after the channel.
        let started = signed_up["continue_with"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["action"] == "show_verification_ui")
            .expect("the verification flow is announced")
            .clone();
        let id = started["flow"]["id"].as_str().unwrap().to_string();
        let shown = flow(&app, &id).await;
        assert_valid("verificationFlow", &shown);
        assert_eq!(message_ids(&shown), [1080004]);
        assert_eq!(
            node(&shown, "sms").unwrap()["attributes"]["value"],
            "+14155550100"
        );

        // The text went to the channel's endpoint, with its header.
        let (code, body) = texted_code(&app, &got, "+14155550100").await;
        assert_eq!(body["template_type"], "verification_code_valid");
        assert!(
            got.lock().unwrap()[0]
                .head
                .to_ascii_lowercase()
                .contains("x-sms-key: k1")
        );
        let r = app
            .api_client()
            .get(format!("{}/admin/courier/messages", app.admin))
            .send()
            .await
            .unwrap();
        let messages: Vec<Value> = r.json().await.unwrap();
        let text = messages
            .iter()
            .find(|m| m["recipient"] == "+14155550100")
            .unwrap();
        // Kratos sends `sms` although its OpenAPI enum says `email` or `phone`: the rest of
        // the message is checked against the schema.
        assert_eq!(text["type"], "sms");
        let mut as_documented = text.clone();
        as_documented["type"] = json!("phone");
        assert_valid("message", &as_documented);
        assert_eq!(text["channel"], "sms");
        assert_eq!(text["subject"], "");
        assert_eq!(text["status"], "sent");

        // A wrong code, then the right one: 1080005, and the number is verified.
        let r = submit(&app, &id, json!({"method": "code", "code": "000000"})).await;
        assert_eq!(r.status(), 200);
        let r = submit(&app, &id, json!({"method": "code", "code": code})).await;
        assert_eq!(r.status(), 200);
        let done: Value = r.json().await.unwrap();
        assert_valid("verificationFlow", &done);
        assert_eq!(done["state"], "passed_challenge");
        assert_eq!(message_ids(&done), [1080005]);
        let identity_id = signed_up["identity"]["id"].as_str().unwrap();
        let r = app
            .api_client()
            .get(format!("{}/admin/identities/{identity_id}", app.admin))
            .send()
            .await
            .unwrap();
        let identity: Value = r.json().await.unwrap();
        assert_eq!(identity["verifiable_addresses"][0]["verified"], true);
        assert_eq!(identity["verifiable_addresses"][0]["status"], "completed");
    }
);

db_test!(the_form_takes_a_phone_number, config(free_port()), |app| {
    let got = endpoint(&app).await;
    register(&app, "quinn@example.com", "+14155550111").await;
    texted_code(&app, &got, "+14155550111").await;

    // With an SMS channel the address input is text, labelled "Email or phone number".
    let r = app
        .api_client()
        .get(app.url("/self-service/verification/api"))
        .send()
        .await
        .unwrap();
    let fresh: Value = r.json().await.unwrap();
    assert_valid("verificationFlow", &fresh);
    let input = node(&fresh, "email").unwrap();
    assert_eq!(input["attributes"]["type"], "text");
    assert_eq!(input["meta"]["label"]["id"], 1070018);
    let id = fresh["id"].as_str().unwrap().to_string();

    // The number typed another way still finds the address; a text goes out.
    let r = submit(
        &app,
        &id,
        json!({"method": "code", "email": "+1 (415) 555-0111"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let sent: Value = r.json().await.unwrap();
    assert_eq!(message_ids(&sent), [1080004]);
    assert_eq!(
        node(&sent, "email").unwrap()["attributes"]["type"],
        "submit"
    );
    let before = got.lock().unwrap().len();
    let (code, _) = texted_code(&app, &got, "+14155550111").await;
    assert_eq!(got.lock().unwrap().len(), before + 1);
    let r = submit(&app, &id, json!({"method": "code", "code": code})).await;
    let done: Value = r.json().await.unwrap();
    assert_eq!(message_ids(&done), [1080005]);
});

db_test!(
    without_a_channel_the_form_asks_for_an_email,
    json!({"selfservice": {"flows": {"verification": {"enabled": true}}}}),
    |app| {
        let r = app
            .api_client()
            .get(app.url("/self-service/verification/api"))
            .send()
            .await
            .unwrap();
        let fresh: Value = r.json().await.unwrap();
        let input = node(&fresh, "email").unwrap();
        assert_eq!(input["attributes"]["type"], "email");
        assert_eq!(input["meta"]["label"]["id"], 1070007);
    }
);

db_test!(
    a_replaced_number_hears_of_the_change,
    {
        let mut c = config(free_port());
        c["selfservice"]["flows"]["settings"] = json!({"after": {"profile": {"hooks": [
            {"hook": "notify_previous_addresses"}
        ]}}});
        c
    },
    |app| {
        let got = endpoint(&app).await;
        register(&app, "ray@example.com", "+14155550122").await;
        let r = app.login_api("ray@example.com", PASSWORD).await;
        assert_eq!(r.status(), 200);
        let signed_in: Value = r.json().await.unwrap();
        let token = signed_in["session_token"].as_str().unwrap().to_string();
        texted_code(&app, &got, "+14155550122").await;
        let traits = json!({"email": "ray@example.com", "phone": "+14155550133"});
        let (status, body) = app.change_profile_api(&token, traits).await;
        assert_eq!(status, 200, "{body}");
        while dispatch_batch(&app.registry).await.unwrap() > 0 {}
        let to_old: Vec<Value> = got
            .lock()
            .unwrap()
            .iter()
            .map(|r| serde_json::from_str::<Value>(&r.body).unwrap())
            .filter(|b| b["recipient"] == "+14155550122")
            .collect();
        assert_eq!(to_old.len(), 2, "the code, then the notice");
        assert_eq!(to_old[1]["template_type"], "verifiable_address_changed");
    }
);

db_test!(
    an_sms_template_override_is_used,
    {
        use base64::Engine as _;
        let mut c = config(free_port());
        let t = base64::engine::general_purpose::STANDARD
            .encode("Code {{ .VerificationCode }} for {{ .To }} ({{ .RequestURLDomain }})");
        c["courier"]["templates"] = json!({"verification_code": {"valid": {"email": {}, "sms": {"body": {"plaintext": format!("base64://{t}")}}}}});
        c
    },
    |app| {
        let got = endpoint(&app).await;
        register(&app, "sam@example.com", "+14155550144").await;
        let (code, body) = texted_code(&app, &got, "+14155550144").await;
        let domain = url::Url::parse(&app.public)
            .unwrap()
            .host_str()
            .unwrap()
            .to_string();
        assert_eq!(
            body["body"],
            format!("Code {code} for +14155550144 ({domain})")
        );
    }
);
