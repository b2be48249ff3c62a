//! The bounded hashing pool over real HTTP: when every slot is busy and the queue is full, a
//! registration is refused at once with 429, Kratos's error envelope and `Retry-After`, nothing is
//! stored for it, and no request fails with a 5xx. The metrics endpoint shows the pool and routes.

use crate::db_test;
use crate::openapi::assert_valid;
use serde_json::{Value, json};

db_test!(
    a_full_hashing_queue_answers_429_with_retry_after,
    json!({
        "selfservice": {"flows": {"registration": {"style": "unified"}}},
        // One slot, no queue, and a hash that takes a while (bcrypt cost 10 in a debug build).
        "hashers": {"algorithm": "bcrypt", "bcrypt": {"cost": 10}},
        "hoplite": {"hashing": {"pool_size": 1, "queue_size": 0}}
    }),
    |app| {
        let mut flows = Vec::new();
        for _ in 0..8 {
            flows.push(app.api_flow().await["id"].as_str().unwrap().to_string());
        }
        let mut tasks = Vec::new();
        for (i, id) in flows.into_iter().enumerate() {
            let client = app.api_client();
            let url = app.url(&format!("/self-service/registration?flow={id}"));
            tasks.push(tokio::spawn(async move {
                let r = client
                    .post(url)
                    .json(&json!({
                        "method": "password",
                        "password": "Correct-Horse-Battery-Staple-93",
                        "traits": {"email": format!("busy{i}@example.com")}
                    }))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let retry = r
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string());
                let body: Value = r.json().await.unwrap_or(Value::Null);
                (status, retry, body)
            }));
        }
        let mut ok = 0;
        let mut busy = 0;
        for t in tasks {
            let (status, retry, body) = t.await.unwrap();
            match status {
                200 => ok += 1,
                429 => {
                    busy += 1;
                    assert_valid("errorGeneric", &body);
                    assert_eq!(body["error"]["code"], 429);
                    let secs: u64 = retry.expect("Retry-After").parse().unwrap();
                    assert!(secs >= 1);
                }
                other => panic!("unexpected status {other}: {body}"),
            }
        }
        assert!(ok >= 1, "the first registration gets the slot");
        assert!(
            busy >= 1,
            "eight at once cannot all fit one slot and no queue"
        );
        // Exactly the successful registrations were stored.
        assert_eq!(app.identities().await.len(), ok);

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
            text.contains(&format!("hoplite_hashing_rejected_total {busy}")),
            "{text}"
        );
        assert!(
            text.contains("hoplite_hashing_work_seconds_count"),
            "{text}"
        );
        assert!(
            text.contains("route=\"/self-service/registration\",method=\"POST\",status=\"429\""),
            "{text}"
        );
        assert!(
            text.contains("route=\"/self-service/registration/api\",method=\"GET\",status=\"200\""),
            "{text}"
        );
    }
);
