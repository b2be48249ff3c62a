//! A built-in, dependency-free UI (`/ui/registration`, `/ui/login`, `/ui/settings`, `/ui/error`,
//! `/ui/welcome`) that renders any flow from its nodes, like Kratos's reference UI does.
//! `serve --dev` points the flow URLs here, so a fresh install has working sign-up, sign-in and
//! account pages with no other service.

use crate::render::html_escape as esc;
use crate::request::request_info;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Response;
use axum::http::request::Parts;
use hoplite_core::flow::Body as ReplyBody;
use hoplite_core::flow::registration::handler;
use hoplite_core::registry::Registry;
use serde_json::Value;
use std::fmt::Write;
use std::sync::Arc;

type Reg = State<Arc<Registry>>;

fn page(title: &str, body: &str) -> Response<Body> {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title><style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#222}}label{{display:block;margin:.8rem 0 .2rem}}input:not([type=submit]){{width:100%;padding:.5rem;box-sizing:border-box}}input[type=submit]{{margin-top:1rem;padding:.5rem 1rem}}.msg{{padding:.4rem;margin:.4rem 0;border-radius:4px}}.error{{background:#fde8e8;color:#8a1c1c}}.info{{background:#eef4fd}}</style></head><body><h1>{t}</h1>{b}</body></html>",
        t = esc(title),
        b = body
    );
    Response::builder()
        .status(200)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::from(html))
        .expect("valid response")
}

/// A 303 written like Go's `http.Redirect` (HTML body on GET).
fn redirect(parts: &Parts, to: &str) -> Response<Body> {
    crate::render::redirect_response(&parts.method, parts.uri.path(), to, 303)
}

fn messages(list: Option<&Value>) -> String {
    let mut out = String::new();
    for m in list.and_then(Value::as_array).into_iter().flatten() {
        let kind = m["type"].as_str().unwrap_or("info");
        let class = if kind == "error" { "error" } else { "info" };
        let _ = write!(
            out,
            "<div class=\"msg {class}\" data-message-id=\"{}\">{}</div>",
            m["id"],
            esc(m["text"].as_str().unwrap_or(""))
        );
    }
    out
}

/// Renders the form of a flow: one input per node, labels from `meta.label`, messages inline.
fn render_form(flow: &Value) -> String {
    let ui = &flow["ui"];
    let mut out = messages(ui.get("messages"));
    out.push_str(&form(ui, ui["nodes"].as_array().into_iter().flatten()));
    out
}

/// One `<form>` posting to the flow's action with `nodes`.
fn form<'a>(ui: &Value, nodes: impl Iterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<form method=\"{}\" action=\"{}\">",
        esc(ui["method"].as_str().unwrap_or("POST")),
        esc(ui["action"].as_str().unwrap_or(""))
    );
    for node in nodes {
        out.push_str(&render_node(node));
    }
    out.push_str("</form>");
    out
}

fn render_node(node: &Value) -> String {
    let mut out = String::new();
    let a = &node["attributes"];
    if node["type"] == "a" {
        let _ = write!(
            out,
            "<p><a id=\"{}\" href=\"{}\">{}</a></p>",
            esc(a["id"].as_str().unwrap_or("")),
            esc(a["href"].as_str().unwrap_or("")),
            esc(a["title"]["text"].as_str().unwrap_or(""))
        );
        return out;
    }
    let name = a["name"].as_str().unwrap_or("");
    let kind = a["type"].as_str().unwrap_or("text");
    let label = node["meta"]["label"]["text"].as_str().unwrap_or(name);
    let value = match &a["value"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if kind == "submit" {
        let _ = write!(
            out,
            "<button type=\"submit\" name=\"{}\" value=\"{}\">{}</button> ",
            esc(name),
            esc(&value),
            esc(label)
        );
        return out;
    }
    if kind != "hidden" {
        let _ = write!(out, "<label for=\"{0}\">{1}</label>", esc(name), esc(label));
    }
    let _ = write!(
        out,
        "<input id=\"{0}\" name=\"{0}\" type=\"{1}\" value=\"{2}\"{3}{4}>",
        esc(name),
        esc(kind),
        esc(&value),
        if a["required"] == Value::Bool(true) && kind != "hidden" {
            " required"
        } else {
            ""
        },
        a["autocomplete"]
            .as_str()
            .map(|v| format!(" autocomplete=\"{}\"", esc(v)))
            .unwrap_or_default()
    );
    out.push_str(&messages(node.get("messages")));
    out
}

/// Renders a settings flow as Kratos's reference UI does: one form per method group (each with
/// the CSRF token and its own submit button), so saving the profile does not ask for a password.
fn render_settings(flow: &Value) -> String {
    let ui = &flow["ui"];
    let nodes: Vec<&Value> = ui["nodes"].as_array().into_iter().flatten().collect();
    let mut groups: Vec<&str> = Vec::new();
    for n in &nodes {
        let g = n["group"].as_str().unwrap_or("default");
        if g != "default" && !groups.contains(&g) {
            groups.push(g);
        }
    }
    let mut out = messages(ui.get("messages"));
    for g in groups {
        let title = match g {
            "profile" => "Profile",
            "password" => "Password",
            other => other,
        };
        let _ = write!(out, "<h2 id=\"{0}\">{1}</h2>", esc(g), esc(title));
        out.push_str(&form(
            ui,
            nodes
                .iter()
                .copied()
                .filter(|n| matches!(n["group"].as_str(), Some("default")) || n["group"] == g),
        ));
    }
    out
}

/// `GET /ui/registration?flow=`: renders the flow, or starts a new one when there is none or it
/// can no longer be used.
pub async fn registration(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (mut info, _) = request_info(&reg, &parts, None, true);
    let restart = "/self-service/registration/browser";
    if info.query_param("flow").is_none() {
        return redirect(&parts, restart);
    }
    let flow_id = info.query_param("flow").unwrap_or("").to_string();
    info.query = vec![("id".into(), flow_id)];
    let reply = handler::get_registration_flow(&reg, &info).await;
    match success_json(&reply) {
        Some(flow) => page("Sign up", &render_form(&flow)),
        None => redirect(&parts, restart),
    }
}

/// `GET /ui/login?flow=`: renders a login flow, or starts a new one.
pub async fn login(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (mut info, _) = request_info(&reg, &parts, None, true);
    let restart = "/self-service/login/browser";
    let Some(flow_id) = info.query_param("flow").map(str::to_string) else {
        return redirect(&parts, restart);
    };
    info.query = vec![("id".into(), flow_id)];
    let reply = hoplite_core::flow::login::handler::get_login_flow(&reg, &info).await;
    match (&reply.body, reply.status) {
        (ReplyBody::Json(flow), 200) => {
            let forgot = if reg.config.selfservice.recovery.enabled {
                " <a id=\"forgot-password\" href=\"/ui/recovery\">Forgot password?</a>"
            } else {
                ""
            };
            page(
                "Sign in",
                &format!(
                    "{}<p><a href=\"/ui/registration\">Create an account</a>{forgot}</p>",
                    render_form(flow)
                ),
            )
        }
        _ => redirect(&parts, restart),
    }
}

/// `GET /ui/settings?flow=`: renders a settings flow of the signed-in person, or starts a new one
/// (which sends a visitor without a session to sign in first).
pub async fn settings(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (mut info, _) = request_info(&reg, &parts, None, true);
    let restart = "/self-service/settings/browser";
    let Some(flow_id) = info.query_param("flow").map(str::to_string) else {
        return redirect(&parts, restart);
    };
    info.query = vec![("id".into(), flow_id)];
    info.is_json_request = true;
    let reply = hoplite_core::flow::settings::handler::get_settings_flow(&reg, &info).await;
    match success_json(&reply) {
        Some(flow) => page(
            "Account settings",
            &format!(
                "{}<p><a href=\"/ui/welcome\">Back</a></p>",
                render_settings(&flow)
            ),
        ),
        None => redirect(&parts, restart),
    }
}

/// Renders the flow `id` from `fetch` (its JSON answer) on a page, or sends the browser to
/// `restart` for a new flow.
async fn flow_page<F, Fut>(
    reg: Arc<Registry>,
    req: Request,
    title: &str,
    restart: &str,
    fetch: F,
) -> Response<Body>
where
    F: FnOnce(Arc<Registry>, hoplite_core::flow::RequestInfo) -> Fut,
    Fut: std::future::Future<Output = hoplite_core::flow::Reply>,
{
    let (parts, _) = req.into_parts();
    let (mut info, _) = request_info(&reg, &parts, None, true);
    let Some(flow_id) = info.query_param("flow").map(str::to_string) else {
        return redirect(&parts, restart);
    };
    info.query = vec![("id".into(), flow_id)];
    info.is_json_request = true;
    let reply = fetch(reg.clone(), info).await;
    match success_json(&reply) {
        Some(flow) => page(
            title,
            &format!(
                "{}<p><a href=\"/ui/welcome\">Home</a></p>",
                render_form(&flow)
            ),
        ),
        None => redirect(&parts, restart),
    }
}

/// `GET /ui/verification?flow=`: renders a verification flow, or starts a new one.
pub async fn verification(State(reg): Reg, req: Request) -> Response<Body> {
    flow_page(
        reg,
        req,
        "Verify your email address",
        "/self-service/verification/browser",
        |reg, info| async move {
            hoplite_core::flow::verification::handler::get_verification_flow(&reg, &info).await
        },
    )
    .await
}

/// `GET /ui/recovery?flow=`: renders a recovery flow, or starts a new one.
pub async fn recovery(State(reg): Reg, req: Request) -> Response<Body> {
    flow_page(
        reg,
        req,
        "Recover your account",
        "/self-service/recovery/browser",
        |reg, info| async move {
            hoplite_core::flow::recovery::handler::get_recovery_flow(&reg, &info).await
        },
    )
    .await
}

/// `GET /ui/error?id=`: shows a stored self-service error.
pub async fn error(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply = hoplite_core::flow::errorx::get_flow_error(&reg, &info).await;
    let text = match &reply.body {
        ReplyBody::Json(v) => {
            let e = &v["error"];
            format!(
                "<div class=\"msg error\" data-error-id=\"{}\">{}</div><p>{}</p>",
                esc(e["id"].as_str().unwrap_or("")),
                esc(e["message"].as_str().unwrap_or("")),
                esc(e["reason"].as_str().unwrap_or(""))
            )
        }
        _ => "<div class=\"msg error\">This error is unknown or expired.</div>".to_string(),
    };
    page(
        "Something went wrong",
        &format!("{text}<p><a href=\"/ui/registration\">Back to sign up</a></p>"),
    )
}

/// `GET /ui/welcome`: who is signed in.
pub async fn welcome(State(reg): Reg, req: Request) -> Response<Body> {
    let (parts, _) = req.into_parts();
    let (info, _) = request_info(&reg, &parts, None, true);
    let reply = hoplite_core::session::handler::whoami(&reg, &info).await;
    let body = match success_json(&reply) {
        Some(s) => {
            let logout = hoplite_core::flow::logout::create_browser_logout_flow(&reg, &info).await;
            let link = match &logout.body {
                ReplyBody::Json(l) => format!(
                    " <a id=\"sign-out\" href=\"{}\">Sign out</a>",
                    esc(l["logout_url"].as_str().unwrap_or(""))
                ),
                _ => String::new(),
            };
            let unverified = s["identity"]["verifiable_addresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["verified"] == Value::Bool(false)));
            let verify = if unverified && reg.config.selfservice.verification_enabled {
                " <a id=\"verify\" href=\"/ui/verification\">Verify your email address</a>"
            } else {
                ""
            };
            format!(
                "<p id=\"signed-in\">You are signed in as <strong>{}</strong>.{link} <a id=\"settings\" href=\"/ui/settings\">Account settings</a>{verify}</p>",
                esc(&identity_label(&s["identity"]))
            )
        }
        _ => "<p id=\"signed-out\">You are not signed in. <a href=\"/ui/login\">Sign in</a> or <a href=\"/ui/registration\">sign up</a>.</p>".to_string(),
    };
    page("Welcome", &body)
}

/// The body of a handler's 200 answer as JSON, whether it was built as a tree or serialised
/// already; `None` for any other answer.
fn success_json(reply: &hoplite_core::flow::Reply) -> Option<Value> {
    match (&reply.body, reply.status) {
        (ReplyBody::Json(v), 200) => Some(v.clone()),
        (ReplyBody::JsonText(text), 200) => serde_json::from_slice(text).ok(),
        (ReplyBody::JsonShared(text), 200) => serde_json::from_slice(text).ok(),
        _ => None,
    }
}

fn identity_label(identity: &Value) -> String {
    identity["traits"]["email"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| identity["id"].as_str().unwrap_or("").to_string())
}
