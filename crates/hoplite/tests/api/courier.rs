//! The courier on every database: queued messages delivered to a real SMTP server on loopback
//! (with their HTML part), an SMTP outage survived with every message delivered once, retries
//! ending in `abandoned`, two workers on one database never sending a message twice, and the admin
//! API (`/admin/courier/messages`) as Kratos answers it.

use crate::app::TestApp;
use crate::db_test;
use crate::mail::{free_port, smtp_port};
use crate::openapi::assert_valid;
use crate::smtp_sink::SmtpSink;
use hoplite_core::courier::{queue_email, worker::dispatch_batch};
use serde_json::{Value, json};

fn courier_config(port: u16, retries: u32) -> Value {
    json!({"courier": {
        "smtp": {
            "connection_uri": format!("smtp://127.0.0.1:{port}/?disable_starttls=true"),
            "from_address": "accounts@example.com",
            "from_name": "Example Accounts",
            "headers": {"X-Test": "courier"}
        },
        "message_retries": retries
    }})
}

async fn queue(app: &TestApp, to: &str, code: &str) -> uuid::Uuid {
    queue_email(
        &app.registry,
        to,
        "verification_code_valid",
        json!({"to": to, "verification_code": code, "verification_url": format!("http://127.0.0.1:4433/self-service/verification?code={code}&flow=f"), "expires_in_minutes": 60}),
    )
    .await
    .unwrap()
}

async fn message(app: &TestApp, id: uuid::Uuid) -> Value {
    let r = app
        .api_client()
        .get(format!("{}/admin/courier/messages/{id}", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_valid("message", &m);
    m
}

db_test!(
    queued_mail_reaches_the_smtp_server,
    courier_config(free_port(), 5),
    |app| {
        let sink = SmtpSink::start_at(smtp_port(&app)).await;
        let id = queue(&app, "ann@example.com", "123456").await;
        let queued = message(&app, id).await;
        assert_eq!(queued["status"], "queued");
        assert_eq!(queued["type"], "email");
        assert_eq!(queued["channel"], "email");
        assert_eq!(queued["subject"], "Use code 123456 to verify your account");
        assert_eq!(queued["send_count"], 0);
        assert!(queued.get("dispatches").is_none());
        assert!(queued.get("template_data").is_none());

        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 1);
        let mails = sink.received();
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        assert_eq!(mail.to, ["<ann@example.com>"]);
        assert!(mail.from.contains("accounts@example.com"));
        assert!(
            mail.data
                .contains("Subject: Use code 123456 to verify your account")
        );
        assert!(
            mail.data
                .contains("From: \"Example Accounts\" <accounts@example.com>")
        );
        assert!(mail.data.contains("X-Test: courier"));
        assert!(mail.data.contains("text/plain") && mail.data.contains("text/html"));
        assert!(mail.data.contains("123456"));

        let sent = message(&app, id).await;
        assert_eq!(sent["status"], "sent");
        assert_eq!(sent["send_count"], 1);
        assert_eq!(sent["dispatches"][0]["status"], "success");
        // Nothing is left to send.
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 0);
        assert_eq!(sink.received().len(), 1);
    }
);

db_test!(
    an_smtp_outage_loses_no_mail_and_sends_none_twice,
    courier_config(free_port(), 5),
    |app| {
        let port = smtp_port(&app);
        let first = queue(&app, "bea@example.com", "111111").await;
        let second = queue(&app, "cid@example.com", "222222").await;
        // The server is down: both attempts fail, both messages wait.
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 2);
        for id in [first, second] {
            let m = message(&app, id).await;
            assert_eq!(m["status"], "queued");
            assert_eq!(m["send_count"], 1);
            assert_eq!(m["dispatches"][0]["status"], "failed");
            assert_eq!(
                m["dispatches"][0]["error"]["reason"],
                "failed to send email via smtp"
            );
        }
        // It comes back: each message arrives once.
        let sink = SmtpSink::start_at(port).await;
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 2);
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 0);
        let mut to: Vec<String> = sink.received().into_iter().flat_map(|m| m.to).collect();
        to.sort();
        assert_eq!(to, ["<bea@example.com>", "<cid@example.com>"]);
        let m = message(&app, first).await;
        assert_eq!(m["status"], "sent");
        assert_eq!(m["send_count"], 2);
        let statuses: Vec<&str> = m["dispatches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses.len(), 2);
        assert!(statuses.contains(&"success") && statuses.contains(&"failed"));
    }
);

db_test!(
    a_message_that_never_goes_through_is_abandoned,
    courier_config(free_port(), 1),
    |app| {
        let id = queue(&app, "dan@example.com", "333333").await;
        // message_retries: 1 means two attempts, then the worker gives up.
        for _ in 0..2 {
            assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 1);
            assert_eq!(message(&app, id).await["status"], "queued");
        }
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 1);
        let m = message(&app, id).await;
        assert_eq!(m["status"], "abandoned");
        assert_eq!(m["send_count"], 2);
        assert_eq!(m["dispatches"].as_array().unwrap().len(), 2);
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 0);
    }
);

db_test!(
    two_workers_never_send_a_message_twice,
    courier_config(free_port(), 5),
    |app| {
        let sink = SmtpSink::start_at(smtp_port(&app)).await;
        for i in 0..30 {
            queue(&app, &format!("user{i}@example.com"), &format!("{i:06}")).await;
        }
        // Two workers race for the same queue until it is empty.
        loop {
            let (a, b) = tokio::join!(dispatch_batch(&app.registry), dispatch_batch(&app.registry));
            if a.unwrap() + b.unwrap() == 0 {
                break;
            }
        }
        let mut to: Vec<String> = sink.received().into_iter().flat_map(|m| m.to).collect();
        assert_eq!(to.len(), 30, "every message once");
        to.sort();
        to.dedup();
        assert_eq!(to.len(), 30, "no message twice");
    }
);

db_test!(
    the_admin_api_lists_and_filters_messages,
    courier_config(free_port(), 5),
    |app| {
        let a = queue(&app, "eve@example.com", "444444").await;
        app.clock.advance(time::Duration::seconds(2));
        let b = queue(&app, "fay@example.com", "555555").await;
        app.clock.advance(time::Duration::seconds(2));
        let c = queue(&app, "eve@example.com", "666666").await;
        let client = app.api_client();
        let list = |query: &'static str| {
            let client = client.clone();
            let url = format!("{}/admin/courier/messages{query}", app.admin);
            async move { client.get(url).send().await.unwrap() }
        };
        let r = list("").await;
        assert_eq!(r.status(), 200);
        let link = r.headers()["link"].to_str().unwrap().to_string();
        assert!(link.contains("rel=\"first\""), "{link}");
        let all: Vec<Value> = r.json().await.unwrap();
        for m in &all {
            assert_valid("message", m);
        }
        let ids: Vec<String> = all
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            ids,
            [c.to_string(), b.to_string(), a.to_string()],
            "newest first"
        );

        let r = list("?recipient=eve@example.com").await;
        let eve: Vec<Value> = r.json().await.unwrap();
        assert_eq!(eve.len(), 2);
        let r = list("?status=sent").await;
        assert_eq!(r.json::<Vec<Value>>().await.unwrap().len(), 0);
        let r = list("?status=bogus").await;
        assert_eq!(r.status(), 400);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["reason"], "Message status is not valid");

        // Pages of one, following the `next` links.
        let mut seen = Vec::new();
        let mut url = format!("{}/admin/courier/messages?page_size=1", app.admin);
        loop {
            let r = client.get(&url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let link = r.headers()["link"].to_str().unwrap().to_string();
            let page: Vec<Value> = r.json().await.unwrap();
            seen.extend(page.iter().map(|m| m["id"].as_str().unwrap().to_string()));
            match crate::app::link_rel(&link, "next") {
                Some(next) => url = format!("{}{}", app.admin, next),
                None => break,
            }
            assert!(seen.len() <= 3, "pagination does not end");
        }
        assert_eq!(seen, ids);
        // Kratos's sealed tokens: the first-page link lists from the start, and a token this
        // server did not seal is refused as Kratos refuses it.
        let r = client
            .get(format!("{}/admin/courier/messages?page_size=1", app.admin))
            .send()
            .await
            .unwrap();
        let link = r.headers()["link"].to_str().unwrap().to_string();
        let first = crate::app::link_rel(&link, "first").expect("first link");
        let r = client
            .get(format!("{}{first}", app.admin))
            .send()
            .await
            .unwrap();
        let page: Vec<Value> = r.json().await.unwrap();
        assert_eq!(page[0]["id"], ids[0].as_str());
        let r = list("?page_token=aWQ9MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw").await;
        assert_eq!(r.status(), 400);
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["error"]["message"], "invalid pagination token");

        let r = client
            .get(format!("{}/admin/courier/messages/not-a-uuid", app.admin))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let err: Value = r.json().await.unwrap();
        assert_eq!(
            err["error"]["message"],
            "uuid: incorrect UUID length 10 in string \"not-a-uuid\""
        );
        let r = client
            .get(format!(
                "{}/admin/courier/messages/{}",
                app.admin,
                uuid::Uuid::new_v4()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
    }
);

/// A template override folder as Kratos reads one: a subject (with Sprig functions) and an HTML
/// body whose greeting comes from a `{{define}}` block in a sibling file.
fn override_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "hoplite-templates-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let folder = dir.join("verification_code/valid");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("email.subject.gotmpl"),
        "Your code is {{ .VerificationCode }}, {{ .To | upper | trimSuffix \"@EXAMPLE.COM\" }}",
    )
    .unwrap();
    std::fs::write(
        folder.join("email.body.gotmpl"),
        "{{ template \"greeting\" . }}<b>{{ .VerificationCode }}</b><a href=\"{{ .VerificationURL }}\">go</a>",
    )
    .unwrap();
    std::fs::write(
        folder.join("email.body.greeting.gotmpl"),
        "{{ define \"greeting\" }}<p>Hello {{ .Identity.traits.email }}</p>{{ end }}",
    )
    .unwrap();
    dir
}

fn override_config() -> Value {
    let mut c = courier_config(free_port(), 5);
    c["courier"]["template_override_path"] = json!(override_dir().display().to_string());
    // A configured URI wins over the folder, and over the built-in template.
    use base64::Engine as _;
    let plain = base64::engine::general_purpose::STANDARD
        .encode("Hi {{ .Identity.traits.name | default \"friend\" | title }}: code {{ .VerificationCode }} expires in {{ .ExpiresInMinutes }} minutes.");
    c["courier"]["templates"] = json!({"verification_code": {"valid": {"email": {"body": {"plaintext": format!("base64://{plain}")}}}}});
    c
}

db_test!(
    operator_templates_override_the_built_in_ones,
    override_config(),
    |app| {
        let sink = SmtpSink::start_at(smtp_port(&app)).await;
        let id = queue_email(
        &app.registry,
        "ida@example.com",
        "verification_code_valid",
        json!({"to": "ida@example.com", "verification_code": "424242", "verification_url": "http://127.0.0.1:4433/self-service/verification?code=424242&flow=f", "identity": {"traits": {"email": "ida@example.com"}}, "expires_in_minutes": 60}),
    )
    .await
    .unwrap();
        let m = message(&app, id).await;
        // Sprig functions work in both, as in Kratos.
        assert_eq!(m["subject"], "Your code is 424242, IDA");
        assert_eq!(m["body"], "Hi Friend: code 424242 expires in 60 minutes.");
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 1);
        let mail = &sink.received()[0];
        let data = mail.data.replace("=\r\n", "").replace("=3D", "=");
        assert!(
            data.contains("<p>Hello ida@example.com</p><b>424242</b>"),
            "{data}"
        );
        assert!(data.contains("code=424242&amp;flow=f"), "{data}");
        let dir = app.registry.config.raw["courier"]["template_override_path"]
            .as_str()
            .unwrap()
            .to_string();
        let _ = std::fs::remove_dir_all(dir);
    }
);

/// One request the test's HTTP endpoint received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub head: String,
    pub body: String,
}

/// A loopback HTTP endpoint that answers every request with the status `status` holds and keeps
/// what it got.
pub(crate) async fn http_endpoint(
    port: u16,
    status: std::sync::Arc<std::sync::atomic::AtomicU16>,
) -> (
    std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    tokio::task::JoinHandle<()>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = crate::mail::listen_on(port).await;
    let got: std::sync::Arc<std::sync::Mutex<Vec<Received>>> = Default::default();
    let store = got.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                let n = stream.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i + 4);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap_or(0))
                })
                .unwrap_or(0);
            while buf.len() < head_end + length {
                let n = stream.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&buf[head_end..]).to_string();
            store.lock().unwrap().push(Received { head, body });
            let code = status.load(std::sync::atomic::Ordering::SeqCst);
            let reply =
                format!("HTTP/1.1 {code} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            let _ = stream.write_all(reply.as_bytes()).await;
        }
    });
    (got, task)
}

fn http_config() -> Value {
    json!({"courier": {
        "delivery_strategy": "http",
        "http": {"request_config": {
            "url": format!("http://127.0.0.1:{}/mail", free_port()),
            "headers": {"X-Tenant": "acme"},
            "auth": {"type": "basic_auth", "config": {"user": "courier", "password": "s3cret"}}
        }}
    }})
}

db_test!(
    the_http_delivery_strategy_posts_kratos_default_body,
    http_config(),
    |app| {
        let url = app.registry.config.courier.http.clone().unwrap().url;
        let port = url::Url::parse(&url).unwrap().port().unwrap();
        let status = std::sync::Arc::new(std::sync::atomic::AtomicU16::new(202));
        let (got, task) = http_endpoint(port, status.clone()).await;
        let id = queue(&app, "kim@example.com", "737373").await;
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 1);
        let requests = got.lock().unwrap().clone();
        assert_eq!(requests.len(), 1);
        let head = requests[0].head.to_ascii_lowercase();
        assert!(head.starts_with("post /mail "), "{head}");
        assert!(head.contains("x-tenant: acme"), "{head}");
        assert!(head.contains("content-type: application/json"), "{head}");
        // basic_auth: courier:s3cret
        assert!(
            head.contains("authorization: basic y291cmllcjpzm2nyzxq="),
            "{head}"
        );
        let body: Value = serde_json::from_str(&requests[0].body).unwrap();
        assert_eq!(body["recipient"], "kim@example.com");
        assert_eq!(body["template_type"], "verification_code_valid");
        assert_eq!(body["verification_code"], "737373");
        assert_eq!(body["recovery_code"], Value::Null);
        assert_eq!(body["subject"], "Use code 737373 to verify your account");
        assert!(body["body"].as_str().unwrap().contains("737373"));
        assert_eq!(message(&app, id).await["status"], "sent");

        // An endpoint that refuses: the attempt fails and the message waits.
        status.store(500, std::sync::atomic::Ordering::SeqCst);
        let id = queue(&app, "lou@example.com", "757575").await;
        assert_eq!(dispatch_batch(&app.registry).await.unwrap(), 1);
        let m = message(&app, id).await;
        assert_eq!(m["status"], "queued");
        assert_eq!(
            m["dispatches"][0]["error"]["message"],
            "unable to dispatch mail delivery because upstream server replied with status code 500"
        );
        task.abort();
    }
);
