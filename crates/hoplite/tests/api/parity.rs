//! The answers a side-by-side run with Kratos found different (issue 9), each as Kratos gives it:
//! admin identity API, session lists and pagination, routing, Cache-Control, refresh sign-ins,
//! email format messages, and the disabled recovery and verification flows.

use crate::app::{TestApp, link_rel, node};
use crate::db_test;
use crate::openapi::assert_valid;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

async fn admin_call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = app
        .api_client()
        .request(method, format!("{}{path}", app.admin));
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap()
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

db_test!(admin_identity_answers_as_kratos_does, json!({}), |app| {
    use reqwest::Method;
    // An empty list still carries the first page's link.
    let r = admin_call(&app, Method::GET, "/admin/identities", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "link").as_deref(),
        Some(
            "</admin/identities?page_size=250&page_token=00000000-0000-0000-0000-000000000000>; rel=\"first\""
        )
    );
    assert_eq!(r.json::<Value>().await.unwrap(), json!([]));

    let create = |email: &str| {
        let body = json!({"schema_id": "default", "traits": {"email": email}});
        admin_call(&app, Method::POST, "/admin/identities", Some(body))
    };
    let r = create("a@example.com").await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    assert!(
        created.get("metadata_admin").is_none(),
        "no metadata_admin key in the create answer: {created}"
    );
    let id = created["id"].as_str().unwrap().to_string();

    // 1. A taken identifier: herodot's conflict message.
    let r = create("a@example.com").await;
    assert_eq!(r.status(), 409);
    let e: Value = r.json().await.unwrap();
    assert_valid("errorGeneric", &e);
    assert_eq!(
        e["error"],
        json!({
            "code": 409,
            "status": "Conflict",
            "reason": "This identity conflicts with another identity that already exists.",
            "message": "The resource could not be created due to a conflict"
        })
    );

    // The list carries credentials only when some are asked for.
    let r = admin_call(&app, Method::GET, "/admin/identities", None).await;
    let v: Value = r.json().await.unwrap();
    assert!(v[0].get("credentials").is_none(), "{v}");
    let r = admin_call(
        &app,
        Method::GET,
        "/admin/identities?include_credential=password",
        None,
    )
    .await;
    let v: Value = r.json().await.unwrap();
    assert!(v[0]["credentials"]["password"]["config"].is_object(), "{v}");

    // 2. Read back, the NULL column shows as `null`, in get and list.
    let r = admin_call(&app, Method::GET, &format!("/admin/identities/{id}"), None).await;
    let got: Value = r.json().await.unwrap();
    assert_valid("identity", &got);
    assert_eq!(got.get("metadata_admin"), Some(&Value::Null), "{got}");
    let list = app.identities().await;
    assert_eq!(list[0].get("metadata_admin"), Some(&Value::Null));

    // 3. `add` below a metadata field that is null works (parents are created).
    let r = admin_call(
        &app,
        Method::PATCH,
        &format!("/admin/identities/{id}"),
        Some(json!([
            {"op": "add", "path": "/metadata_admin/tier", "value": 2},
            {"op": "add", "path": "/metadata_public/plan", "value": "pro"},
            {"op": "replace", "path": "/metadata_public/seats", "value": 3}
        ])),
    )
    .await;
    assert_eq!(r.status(), 200);
    let patched: Value = r.json().await.unwrap();
    assert_valid("identity", &patched);
    assert_eq!(patched["metadata_admin"], json!({"tier": 2}));
    assert_eq!(
        patched["metadata_public"],
        json!({"plan": "pro", "seats": 3})
    );

    // 4. The patch errors, with their messages.
    for (patch, message) in [
        (
            json!([{"op": "replace", "path": "/id", "value": "x"}]),
            "patch includes denied path: /id",
        ),
        (
            json!([{"op": "remove", "path": "/credentials"}]),
            "patch includes denied path: /credentials",
        ),
        (
            json!([{"op": "test", "path": "/state", "value": "active"}]),
            "unsupported operation: test",
        ),
        (
            json!([{"op": "remove", "path": "/traits/nope"}]),
            "error in remove for path: '/traits/nope': unable to remove nonexistent key: nope: missing value",
        ),
        // A path that would pad an array to a huge length, or nest without end: refused.
        (
            json!([{"op": "add", "path": "/metadata_public/x/100000000000/y", "value": 1}]),
            "Unable to access invalid index: 100000000000: invalid index referenced",
        ),
        (
            json!([{"op": "add", "path": "", "value": {}}]),
            "patch includes denied path: ",
        ),
    ] {
        let r = admin_call(
            &app,
            Method::PATCH,
            &format!("/admin/identities/{id}"),
            Some(patch.clone()),
        )
        .await;
        assert_eq!(r.status(), 400, "{patch}");
        let e: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &e);
        assert_eq!(
            e["error"]["reason"], "failed to apply JSON patch",
            "{patch}"
        );
        assert_eq!(e["error"]["message"], message, "{patch}");
    }

    // 5. Keyset pages: first and next, relative, the next page continues.
    for email in ["b@example.com", "c@example.com"] {
        let r = create(email).await;
        assert_eq!(r.status(), 201);
    }
    let r = admin_call(&app, Method::GET, "/admin/identities?page_size=2", None).await;
    let link = header(&r, "link").unwrap();
    let first: Vec<Value> = r.json().await.unwrap();
    for i in &first {
        assert_valid("identity", i);
    }
    assert_eq!(first.len(), 2);
    assert_eq!(
        link_rel(&link, "first").as_deref(),
        Some("/admin/identities?page_size=2&page_token=00000000-0000-0000-0000-000000000000")
    );
    let next = link_rel(&link, "next").expect("a next page");
    let r = admin_call(&app, Method::GET, &next, None).await;
    let link = header(&r, "link").unwrap();
    let second: Vec<Value> = r.json().await.unwrap();
    assert_eq!(second.len(), 1);
    assert!(!first.contains(&second[0]));
    assert!(link_rel(&link, "next").is_none(), "{link}");
    // The legacy page mode: offsets, a total, `per_page`/`page` links.
    let r = admin_call(
        &app,
        Method::GET,
        "/admin/identities?page=0&per_page=2",
        None,
    )
    .await;
    assert_eq!(header(&r, "x-total-count").as_deref(), Some("3"));
    let link = header(&r, "link").unwrap();
    let p0: Vec<Value> = r.json().await.unwrap();
    assert_eq!(p0.len(), 2);
    assert_eq!(
        link,
        "</admin/identities?page=1&per_page=2>; rel=\"next\",</admin/identities?page=1&per_page=2>; rel=\"last\""
    );
    let r = admin_call(
        &app,
        Method::GET,
        "/admin/identities?page=1&per_page=2",
        None,
    )
    .await;
    let p1: Vec<Value> = r.json().await.unwrap();
    assert_eq!(p1.len(), 1);
    assert!(!p0.contains(&p1[0]));
    let r = admin_call(
        &app,
        Method::GET,
        "/admin/identities?page=3&per_page=500",
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_valid("errorGeneric", &e);
    assert_eq!(
        e["error"]["reason"],
        "Legacy pagination is not supported for enumerating over 1000 items. Please switch to using page_token and page_size."
    );
    // A lone `per_page` is the keyset `page_size`.
    let r = admin_call(&app, Method::GET, "/admin/identities?per_page=2", None).await;
    let link = header(&r, "link").unwrap();
    assert_eq!(r.json::<Vec<Value>>().await.unwrap().len(), 2);
    assert!(
        link.starts_with("</admin/identities?page_size=2&page_token="),
        "{link}"
    );
    assert!(!link.contains("per_page"), "{link}");
    // Sizes above 500 are brought down to it, not refused.
    let r = admin_call(&app, Method::GET, "/admin/identities?page_size=5000", None).await;
    assert_eq!(r.status(), 200);
    assert!(header(&r, "link").unwrap().contains("page_size=500"));
});

/// Signs in again with a new API login flow; returns the session token.
async fn sign_in(app: &TestApp, email: &str) -> String {
    let r = app.login_api(email, PASSWORD).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["session_token"].as_str().unwrap().to_string()
}

db_test!(session_lists_answer_as_kratos_does, json!({}), |app| {
    use reqwest::Method;
    let reg = app.register_api("s@example.com", PASSWORD).await;
    assert_eq!(reg.status(), 200);
    let reg: Value = reg.json().await.unwrap();
    let s1 = reg["session"]["id"].as_str().unwrap().to_string();
    let identity_id = reg["identity"]["id"].as_str().unwrap().to_string();
    // A second apart: Kratos's MySQL columns keep whole seconds, and sessions of one second
    // list in id order there.
    app.clock.advance(time::Duration::seconds(1));
    let t2 = sign_in(&app, "s@example.com").await;
    app.clock.advance(time::Duration::seconds(1));
    let t3 = sign_in(&app, "s@example.com").await;
    let s2 = app.whoami(&t2).await.1["id"].as_str().unwrap().to_string();
    let s3 = app.whoami(&t3).await.1["id"].as_str().unwrap().to_string();
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mine = |query: String| {
        let c = app.api_client();
        let url = app.url(&format!("/sessions{query}"));
        let t3 = t3.clone();
        async move {
            c.get(url)
                .header("X-Session-Token", t3)
                .send()
                .await
                .unwrap()
        }
    };

    // 7/8. The caller's other sessions, newest first, counted, with Kratos's links.
    let r = mine(String::new()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-total-count").as_deref(), Some("2"));
    let link = header(&r, "link").unwrap();
    assert!(
        link.starts_with("</sessions?page=0&page_size=2&page_token="),
        "{link}"
    );
    assert!(link.ends_with("; rel=\"first\""), "{link}");
    let all: Value = r.json().await.unwrap();
    for s in all.as_array().unwrap() {
        assert_valid("session", s);
    }
    assert_eq!(ids(&all), [s2.as_str(), s1.as_str()]);
    // Page by page: following `next` gives the next row, never the first one again.
    let r = mine("?page_size=1".into()).await;
    let link = header(&r, "link").unwrap();
    assert_eq!(ids(&r.json().await.unwrap()), [s2.as_str()]);
    assert!(link_rel(&link, "last").is_some(), "{link}");
    let next = link_rel(&link, "next").expect("a next page");
    let r = mine(next.trim_start_matches("/sessions").to_string()).await;
    assert_eq!(header(&r, "x-total-count").as_deref(), Some("2"));
    let link = header(&r, "link").unwrap();
    assert_eq!(ids(&r.json().await.unwrap()), [s1.as_str()]);
    assert!(link_rel(&link, "next").is_none(), "{link}");
    assert!(link_rel(&link, "prev").is_some(), "{link}");

    // The admin list: newest first, keyset pages with first and next.
    let r = admin_call(&app, Method::GET, "/admin/sessions?page_size=2", None).await;
    let link = header(&r, "link").unwrap();
    assert!(header(&r, "x-total-count").is_none());
    assert_eq!(ids(&r.json().await.unwrap()), [s3.as_str(), s2.as_str()]);
    assert!(link_rel(&link, "first").is_some(), "{link}");
    let next = link_rel(&link, "next").expect("a next page");
    let r = admin_call(&app, Method::GET, &next, None).await;
    assert_eq!(r.status(), 200);
    let link = header(&r, "link").unwrap();
    assert_eq!(ids(&r.json().await.unwrap()), [s1.as_str()]);
    assert!(link_rel(&link, "next").is_none(), "{link}");
    for token in ["bm9wZQ", "abc"] {
        let r = admin_call(
            &app,
            Method::GET,
            &format!("/admin/sessions?page_token={token}"),
            None,
        )
        .await;
        assert_eq!(r.status(), 400);
        let e: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &e);
        assert_eq!(
            e["error"]["reason"],
            "The page token is invalid, do not craft your own page tokens"
        );
    }
    // Admin answers put `identity` after `devices`, and list the identity's row only (no
    // addresses, no credentials) with its admin metadata; a single session has its addresses.
    let r = admin_call(
        &app,
        Method::GET,
        "/admin/sessions?expand=identity&expand=devices",
        None,
    )
    .await;
    let v: Value = r.json().await.unwrap();
    let keys: Vec<&String> = v[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.last().unwrap().as_str(), "identity", "{keys:?}");
    let identity = v[0]["identity"].as_object().unwrap();
    assert!(identity.contains_key("metadata_admin"));
    for absent in ["credentials", "verifiable_addresses", "recovery_addresses"] {
        assert!(!identity.contains_key(absent), "{absent}");
    }
    let r = admin_call(
        &app,
        Method::GET,
        &format!("/admin/sessions/{s1}?expand=identity"),
        None,
    )
    .await;
    let one: Value = r.json().await.unwrap();
    assert_valid("session", &one);
    assert_eq!(
        one.as_object().unwrap().keys().next_back().unwrap(),
        "identity"
    );
    assert!(one["identity"]["verifiable_addresses"].is_array());
    assert!(one["identity"].get("credentials").is_none());

    // The per-identity list, with the active filter (a revoked session is inactive).
    let r = app
        .api_client()
        .delete(app.url(&format!("/sessions/{s1}")))
        .header("X-Session-Token", &t3)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let per_identity = |q: &str| {
        let path = format!("/admin/identities/{identity_id}/sessions{q}");
        let app = &app;
        async move { admin_call(app, Method::GET, &path, None).await }
    };
    let r = per_identity("").await;
    assert_eq!(header(&r, "x-total-count").as_deref(), Some("3"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(ids(&v), [s3.as_str(), s2.as_str(), s1.as_str()]);
    for s in v.as_array().unwrap() {
        assert_valid("session", s);
    }
    assert!(
        v[0]["identity"].get("metadata_admin").is_some(),
        "the admin view"
    );
    let r = per_identity("?active=true").await;
    assert_eq!(header(&r, "x-total-count").as_deref(), Some("2"));
    assert_eq!(ids(&r.json().await.unwrap()), [s3.as_str(), s2.as_str()]);
    let r = per_identity("?active=false").await;
    assert_eq!(ids(&r.json().await.unwrap()), [s1.as_str()]);
    let v: Value = per_identity("").await.json().await.unwrap();
    let active: Vec<&Value> = v.as_array().unwrap().iter().map(|s| &s["active"]).collect();
    assert_eq!(active, [&json!(true), &json!(true), &json!(false)]);
    // Expired counts as inactive, in the filter and in `active`.
    app.clock.advance(time::Duration::seconds(2 * 24 * 3600));
    let r = per_identity("?active=true").await;
    assert_eq!(header(&r, "x-total-count").as_deref(), Some("0"));
    let v: Value = per_identity("?active=false").await.json().await.unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert!(v.as_array().unwrap().iter().all(|s| s["active"] == false));
    // An unknown identity simply has none.
    let r = admin_call(
        &app,
        Method::GET,
        &format!("/admin/identities/{}/sessions", uuid::Uuid::new_v4()),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "x-total-count").as_deref(), Some("0"));

    // 10. Deleting the sessions of an identity that has none is "not found".
    let path = format!("/admin/identities/{identity_id}/sessions");
    let r = admin_call(&app, Method::DELETE, &path, None).await;
    assert_eq!(r.status(), 204);
    let r = admin_call(&app, Method::DELETE, &path, None).await;
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert_valid("errorGeneric", &e);
    assert_eq!(e["error"]["message"], "Unable to locate the resource");
});

db_test!(
    extend_answers_the_session_with_its_identity,
    json!({}),
    |app| {
        let token = app
            .registered_and_signed_in("x@example.com", PASSWORD)
            .await;
        let (_, me) = app.whoami(&token).await;
        let id = me["id"].as_str().unwrap();
        app.clock.advance(time::Duration::seconds(3600));
        let r = admin_call(
            &app,
            reqwest::Method::PATCH,
            &format!("/admin/sessions/{id}/extend"),
            None,
        )
        .await;
        assert_eq!(r.status(), 200);
        let s: Value = r.json().await.unwrap();
        assert_valid("session", &s);
        assert_eq!(s["identity"]["id"], me["identity"]["id"]);
        assert!(s["identity"].get("metadata_admin").is_none());
        assert_eq!(s["devices"], json!([]));
        assert!(s["expires_at"].as_str() > me["expires_at"].as_str());
    }
);

db_test!(routing_answers_as_kratos_does, json!({}), |app| {
    let c = app.api_client();
    // 11. Public routes on the admin port, with or without the prefix, redirect to the public URL.
    for path in ["/admin/sessions/whoami?x=1", "/sessions/whoami?x=1"] {
        let r = c.get(format!("{}{path}", app.admin)).send().await.unwrap();
        assert_eq!(r.status(), 307, "{path}");
        assert_eq!(
            header(&r, "location").unwrap(),
            format!("{}/sessions/whoami?x=1", app.public)
        );
    }
    let r = c
        .delete(format!("{}/admin/sessions", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 307);
    assert_eq!(header(&r, "location").unwrap(), app.url("/sessions"));
    // Admin routes answer without the prefix too.
    let r = c
        .get(format!("{}/identities", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // 12. whoami answers every method: 401 in the error envelope without a session.
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = c
            .request(m, app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{method}");
        let e: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &e);
        assert_eq!(
            e["error"]["reason"], "No valid session credentials found in the request.",
            "{method}"
        );
    }

    // 16. Cache-Control on every GET, whatever the answer; none on other methods.
    const NO_CACHE: &str = "private, no-cache, no-store, must-revalidate";
    for url in [
        app.url("/self-service/registration/api"),
        app.url("/health/alive"),
        app.url("/nope"),
        app.url("/sessions/whoami"),
        format!("{}/admin/identities", app.admin),
        format!("{}/admin/version", app.admin),
    ] {
        let r = c.get(&url).send().await.unwrap();
        assert_eq!(
            header(&r, "cache-control").as_deref(),
            Some(NO_CACHE),
            "{url}"
        );
    }
    let flow = app.api_flow().await;
    let r = app
        .submit_api(
            flow["id"].as_str().unwrap(),
            json!({"method": "profile", "traits": {"email": "c@example.com"}}),
        )
        .await;
    assert!(header(&r, "cache-control").is_none());

    // 17. Unknown routes: Go's plain-text 404 on both ports; a known route with another method:
    // Go's 405 with the allowed methods.
    for url in [app.url("/nope"), format!("{}/admin/nope", app.admin)] {
        let r = c.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(
            header(&r, "content-type").unwrap(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(header(&r, "x-content-type-options").unwrap(), "nosniff");
        assert_eq!(r.text().await.unwrap(), "404 page not found\n");
    }
    let r = c
        .post(format!(
            "{}/admin/identities/{}/credentials/password",
            app.admin,
            uuid::Uuid::new_v4()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(header(&r, "allow").unwrap(), "DELETE");
    assert_eq!(r.text().await.unwrap(), "Method Not Allowed\n");
    let r = c
        .put(format!("{}/admin/sessions", app.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(header(&r, "allow").unwrap(), "DELETE, GET, HEAD, POST");

    // 18. The version on the admin port.
    let r = c
        .get(format!("{}/admin/version", app.admin))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(v["version"].is_string());
});

db_test!(a_refresh_sign_in_keeps_the_session, json!({}), |app| {
    let token = app
        .registered_and_signed_in("r@example.com", PASSWORD)
        .await;
    let (_, before) = app.whoami(&token).await;
    app.clock.advance(time::Duration::seconds(90));
    let c = app.api_client();
    let r = c
        .get(app.url("/self-service/login/api?refresh=true"))
        .header("X-Session-Token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let flow: Value = r.json().await.unwrap();
    assert_eq!(flow["refresh"], true);
    let r = c
        .post(app.url(&format!(
            "/self-service/login?flow={}",
            flow["id"].as_str().unwrap()
        )))
        .header("X-Session-Token", &token)
        .json(&json!({"method": "password", "identifier": "r@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["session_token"],
        token.as_str(),
        "the same session token"
    );
    let (_, after) = app.whoami(&token).await;
    assert_eq!(after["id"], before["id"]);
    assert_eq!(after["issued_at"], before["issued_at"], "issued_at is kept");
    assert!(after["authenticated_at"].as_str() > before["authenticated_at"].as_str());
    assert_eq!(
        after["authentication_methods"].as_array().unwrap().len(),
        before["authentication_methods"].as_array().unwrap().len() + 1
    );
    assert_eq!(after["devices"], before["devices"], "no device is added");
    assert_eq!(body["session"]["issued_at"], before["issued_at"]);
});

/// A schema whose email is only a password identifier (no verification or recovery address).
fn identifier_only_schema() -> String {
    use base64::Engine as _;
    let schema = json!({
        "$id": "https://example.com/identifier-only.schema.json",
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"traits": {"type": "object", "properties": {"email": {
            "type": "string", "format": "email",
            "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}
        }}, "required": ["email"]}}
    });
    format!(
        "base64://{}",
        base64::engine::general_purpose::STANDARD.encode(schema.to_string())
    )
}

/// The messages on `traits.email` after the profile step with `email`.
async fn email_messages(app: &TestApp, email: &str) -> Vec<Value> {
    let flow = app.api_flow().await;
    let r = app
        .submit_api(
            flow["id"].as_str().unwrap(),
            json!({"method": "profile", "traits": {"email": email}}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let flow: Value = r.json().await.unwrap();
    node(&flow, "traits.email").unwrap()["messages"]
        .as_array()
        .unwrap()
        .clone()
}

db_test!(
    an_invalid_email_gets_kratos_messages,
    json!({"identity": {"schemas": [{"id": "default", "url": identifier_only_schema()}]}}),
    |app| {
        // 14. Without a verification address, the format check is the only message.
        let m = email_messages(&app, "not-an-email").await;
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0]["id"], 4000040);
        assert_eq!(m[0]["text"], "Enter a valid email address");
        assert_eq!(m[0]["context"], json!({"value": "not-an-email"}));
    }
);

db_test!(
    the_identity_extension_speaks_only_when_the_schema_passes,
    json!({}),
    |app| {
        // Kratos validates the submitted traits against the plain schema first; the identity
        // extension (here: verification and recovery via email) only sees traits that pass.
        // Observed on Kratos b86338da with the quickstart schema.
        for (email, expected) in [
            ("not-an-email", vec![4000040]),
            ("ab", vec![4000040, 4000003]),
            ("foo@bar.com ", vec![4000040]),
            // The format passes, the normalization does not: only the extension's message.
            ("foo\u{200b}@ory.sh", vec![4000001]),
            ("a\u{202e}@b.com", vec![4000001]),
            ("FOO@Example.COM", vec![]),
        ] {
            let m = email_messages(&app, email).await;
            let ids: Vec<i64> = m.iter().map(|m| m["id"].as_i64().unwrap()).collect();
            assert_eq!(ids, expected, "{email:?}: {m:?}");
        }
        let m = email_messages(&app, "foo\u{200b}@ory.sh").await;
        assert_eq!(
            m[0]["text"],
            "\"foo\\u200b@ory.sh\" can not be normalized for format \"email\""
        );
    }
);

db_test!(
    disabled_recovery_and_verification_answer_as_kratos,
    json!({}),
    |app| {
        for (path, reason) in [
            (
                "recovery",
                "Recovery is not allowed because it was disabled.",
            ),
            (
                "verification",
                "Verification is not allowed because it was disabled.",
            ),
        ] {
            for endpoint in ["api", "browser", "flows?id=x"] {
                let url = app.url(&format!("/self-service/{path}/{endpoint}"));
                // A JSON caller gets the error.
                let r = app
                    .api_client()
                    .get(&url)
                    .header("accept", "application/json")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 400, "{url}");
                let e: Value = r.json().await.unwrap();
                assert_valid("errorGeneric", &e);
                assert_eq!(e["error"]["reason"], reason);
                // A browser is sent to the error UI, where the error can be read.
                let b = app.browser();
                let r = b.get(&url).send().await.unwrap();
                assert_eq!(r.status(), 303, "{url}");
                let location = header(&r, "location").unwrap();
                assert!(
                    location.starts_with("http://127.0.0.1:4455/error?id="),
                    "{location}"
                );
                let id = location.rsplit('=').next().unwrap();
                let r = b
                    .get(app.url(&format!("/self-service/errors?id={id}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                let stored: Value = r.json().await.unwrap();
                assert_eq!(stored["error"]["reason"], reason);
            }
        }
    }
);

db_test!(
    session_token_exchange_codes_as_kratos_issues_them,
    json!({}),
    |app| {
        let c = app.api_client();
        let get = |path: &str| c.get(app.url(path)).send();
        // 15. Registration: exactly `true` asks for a code; it is in the create answer only.
        let r = get("/self-service/registration/api?return_session_token_exchange_code=true")
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let flow: Value = r.json().await.unwrap();
        assert_valid("registrationFlow", &flow);
        let init = flow["session_token_exchange_code"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(init.len(), 64);
        assert!(init.bytes().all(|b| b.is_ascii_alphanumeric()), "{init}");
        let flow_id = flow["id"].as_str().unwrap().to_string();
        let seed: Value = get(&format!("/self-service/registration/flows?id={flow_id}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(seed.get("session_token_exchange_code").is_none(), "{seed}");
        let r = get("/self-service/registration/api?return_session_token_exchange_code=1")
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        assert!(v.get("session_token_exchange_code").is_none());
        // Login parses a boolean.
        let r = get("/self-service/login/api?return_session_token_exchange_code=1")
            .await
            .unwrap();
        let login: Value = r.json().await.unwrap();
        assert_valid("loginFlow", &login);
        assert_eq!(
            login["session_token_exchange_code"].as_str().map(str::len),
            Some(64)
        );

        // The exchange.
        let exchange = |q: String| {
            c.get(app.url(&format!("/sessions/token-exchange{q}")))
                .send()
        };
        let r = exchange(format!("?init_code={init}")).await.unwrap();
        assert_eq!(r.status(), 400);
        let e: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &e);
        assert_eq!(
            e["error"]["reason"],
            "\"init_code\" and \"return_to_code\" query params must be set"
        );
        let r = exchange(format!("?init_code={init}&return_to_code=nope"))
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let e: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &e);
        assert_eq!(e["error"]["reason"], "no session yet for this \"code\"");
        let return_to = app
            .query_text(&format!(
                "SELECT return_to_code FROM session_token_exchanges WHERE init_code = '{init}'"
            ))
            .await;
        assert_eq!(return_to.len(), 64);
        // No session yet: the flow, with 422.
        let r = exchange(format!("?init_code={init}&return_to_code={return_to}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let pending: Value = r.json().await.unwrap();
        assert_valid("registrationFlow", &pending);
        assert_eq!(pending["id"], flow_id.as_str());
        // Once the flow issued a session (Kratos links it at the end of an OpenID Connect sign-in;
        // a database Kratos wrote has such rows), the pair buys the session token, more than once.
        let reg = app.register_api("t@example.com", PASSWORD).await;
        let reg: Value = reg.json().await.unwrap();
        let sid = reg["session"]["id"].as_str().unwrap();
        app.exec_sql(&format!(
            "UPDATE session_token_exchanges SET session_id = '{sid}' WHERE init_code = '{init}'"
        ))
        .await;
        for _ in 0..2 {
            let r = exchange(format!("?init_code={init}&return_to_code={return_to}"))
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            assert_valid("successfulNativeLogin", &v);
            assert_eq!(v["session_token"], reg["session_token"]);
            assert_eq!(v["session"]["id"], sid);
            assert_eq!(v["session"]["identity"]["id"], reg["identity"]["id"]);
            assert_eq!(v["session"]["devices"], json!([]));
        }
    }
);

/// A session cookie Kratos sealed (gorilla/securecookie, Go 1.26) with this secret at Unix time
/// [`GO_COOKIE_SIGNED_AT`], holding the session token [`GO_COOKIE_TOKEN`].
const GO_COOKIE_SECRET: &str = "PLEASE-CHANGE-ME-I-AM-VERY-INSECURE";
const GO_COOKIE: &str = "MTc5NjUwMjkzM3w3TWUyOXhjdFkxRUJiLUs5ajNUVFNCWUtYanpGODl0RENYakpqYW5xX0NTMGdwWVlTU0ZoM0Vwd1BPbTQ2eXdYLV9scGdfbllNMlprNkszSWlmZk5EUEItZjRJb3BSaXZMcWRsY2xyWi1QZjJrSExnX2VmZnlRVkdfRmVsbTU5VkJaZ2ZOakl1LWd5Mzg2VTQyX0M4enZfWDdmSWdkcHhPT2I5X08xcE9wTnJPeHdpbURHZTNFWEFOQ1ZTQVBWYXZMWk8zdTVDSlFxV1FfeVdkRTVoaDdEWEFyb2xRSG1OdjF5dTMwc2NhMXRjeTlJNkRFUF9abXRIaUZpM3VaZTNFaXVTbXdKM0ktQ2RER0RIcjU0a1AyV2Z5Z1prPXzuIO_KKRUQ9yhlOZJQzcUHpC-LmE8HUvsIdY1FG7jAKw==";
const GO_COOKIE_SIGNED_AT: i64 = 1796502933;
const GO_COOKIE_TOKEN: &str = "ory_st_abcdefghijklmnopqrstuvwxyz0123456789ABCD";

db_test!(
    session_cookies_are_sealed_as_kratos_seals_them,
    json!({"secrets": {"cookie": [GO_COOKIE_SECRET]}}),
    |app| {
        // The Go cookie below was sealed by a Go program with a token longer than Kratos's own
        // (`varchar(39)` on PostgreSQL and MySQL): the column is widened for it there, before the
        // server has prepared any statement that reads it (PostgreSQL refuses a cached plan whose
        // result type changed).
        match app.dsn.split(':').next() {
            Some("postgres") => {
                app.exec_sql("ALTER TABLE sessions ALTER COLUMN token TYPE VARCHAR(64)")
                    .await
            }
            Some("mysql") => {
                app.exec_sql("ALTER TABLE sessions MODIFY token VARCHAR(64) NULL")
                    .await
            }
            _ => {}
        }
        // A browser sign-in: the cookie is sealed, and it signs the browser in.
        let reg = app.register_api("c@example.com", PASSWORD).await;
        let reg: Value = reg.json().await.unwrap();
        let sid = reg["session"]["id"].as_str().unwrap().to_string();
        let browser = app.browser();
        let flow = app.spa_flow(&browser, "/self-service/login/browser").await;
        let csrf = node(&flow, "csrf_token").unwrap()["attributes"]["value"]
            .as_str()
            .unwrap()
            .to_string();
        let r = browser
            .post(app.url(&format!(
                "/self-service/login?flow={}",
                flow["id"].as_str().unwrap()
            )))
            .header("accept", "application/json")
            .json(&json!({"method": "password", "identifier": "c@example.com", "password": PASSWORD, "csrf_token": csrf}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let set_cookie: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let session_cookie = set_cookie
            .iter()
            .find(|c| c.starts_with("ory_kratos_session="))
            .expect("a session cookie");
        assert!(!session_cookie.contains("ory_st_"), "{session_cookie}");
        let r = browser
            .get(app.url("/sessions/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        // The cookie Kratos sealed signs in here too, once its token is a session of this
        // database (as after switching from Kratos on the same database).
        app.exec_sql(&format!(
            "UPDATE sessions SET token = '{GO_COOKIE_TOKEN}' WHERE id = '{sid}'"
        ))
        .await;
        let real_now = app.registry.now().unix_timestamp();
        app.clock
            .advance(time::Duration::seconds(GO_COOKIE_SIGNED_AT + 60 - real_now));
        let whoami = |cookie: String| {
            app.api_client()
                .get(app.url("/sessions/whoami"))
                .header("cookie", cookie)
                .send()
        };
        let r = whoami(format!("ory_kratos_session={GO_COOKIE}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let me: Value = r.json().await.unwrap();
        assert_eq!(me["id"], sid.as_str());
        // A tampered cookie gives no session (other secrets: the unit tests of the codec).
        let r = whoami(format!(
            "ory_kratos_session={}",
            GO_COOKIE.replace('w', "x")
        ))
        .await
        .unwrap();
        assert_eq!(r.status(), 401);
    }
);

db_test!(
    sessions_are_managed_in_bulk_as_kratos_does,
    json!({}),
    |app| {
        use reqwest::Method;
        let manage = |body: Value| admin_call(&app, Method::POST, "/admin/sessions", Some(body));
        let reg = app.register_api("m1@example.com", PASSWORD).await;
        let reg: Value = reg.json().await.unwrap();
        let s1 = reg["session"]["id"].as_str().unwrap().to_string();
        let i1 = reg["identity"]["id"].as_str().unwrap().to_string();
        let t2 = sign_in(&app, "m1@example.com").await;
        let other = app.register_api("m2@example.com", PASSWORD).await;
        assert_eq!(other.status(), 200);

        // Disable one session: counted once, not again.
        for expected in [1, 0] {
            let r = manage(json!({"action": "disable", "sessions": [s1]})).await;
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            assert_valid("manageSessionsResponse", &v);
            assert_eq!(v, json!({"processed": expected, "more": false}));
        }
        // Disable an identity's sessions: only the one still active counts, and it stops working.
        let r = manage(json!({"action": "disable", "identities": [i1]})).await;
        assert_eq!(r.json::<Value>().await.unwrap()["processed"], 1);
        assert_eq!(app.whoami(&t2).await.0, 401);
        // Delete them (both rows), then everything left, a batch at a time.
        let r = manage(json!({"action": "delete", "identities": [i1]})).await;
        assert_eq!(r.json::<Value>().await.unwrap()["processed"], 2);
        let r = manage(json!({"action": "delete", "identities": ["*"]})).await;
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"processed": 1, "more": false})
        );
        let r = admin_call(&app, Method::GET, "/admin/sessions", None).await;
        assert_eq!(r.json::<Value>().await.unwrap(), json!([]));

        // Kratos's refusals.
        let many: Vec<String> = (0..501).map(|_| uuid::Uuid::new_v4().to_string()).collect();
        for (body, reason) in [
            (
                json!({"action": "nope", "sessions": [s1]}),
                "The 'action' field must be one of 'disable' or 'delete'.",
            ),
            (
                json!({"action": "delete", "sessions": [s1], "identities": [i1]}),
                "Exactly one of 'identities' or 'sessions' must be a non-empty array.",
            ),
            (
                json!({"action": "delete", "sessions": []}),
                "Exactly one of 'identities' or 'sessions' must be a non-empty array.",
            ),
            (
                json!({"action": "delete", "sessions": ["*"]}),
                "Could not parse 'sessions' field: the wildcard '*' is not accepted here",
            ),
            (
                json!({"action": "delete", "identities": ["x"]}),
                "Could not parse 'identities' field: could not parse \"x\" as UUID: uuid: incorrect UUID length 1 in string \"x\"",
            ),
            (
                json!({"action": "delete", "identities": many}),
                "Could not parse 'identities' field: at most 500 IDs may be provided per call",
            ),
        ] {
            let r = manage(body.clone()).await;
            assert_eq!(r.status(), 400, "{body}");
            let e: Value = r.json().await.unwrap();
            assert_valid("errorGeneric", &e);
            assert_eq!(e["error"]["reason"], reason, "{body}");
        }
        let r = app
            .api_client()
            .post(format!("{}/admin/sessions", app.admin))
            .body("{nope")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let e: Value = r.json().await.unwrap();
        assert_valid("errorGeneric", &e);
        assert_eq!(e["error"]["reason"], "Invalid JSON body.");
    }
);
