//! The courier's HTTP delivery strategy (`ory/kratos: courier/http_channel.go`,
//! `request/builder.go`): each message becomes one request to `courier.http.request_config.url`,
//! its body produced by the configured Jsonnet template from Kratos's `ctx`
//! (`recipient`, `subject`, `body`, `html_body`, `template_type`, `template_data`,
//! `message_type`, `request_headers`). Any 2xx is a delivery.

use super::{DeliveryError, Message, template};
use crate::config::HttpRequestConfig;
use crate::registry::Registry;
use serde_json::{Value, json};
use std::time::Duration;

fn failed(message: impl Into<String>) -> DeliveryError {
    DeliveryError {
        reason: "failed to send message via http".into(),
        message: message.into(),
    }
}

fn load<'p>(
    program: &mut rsjsonnet_lang::program::Program<'p>,
    text: &[u8],
    name: &str,
) -> Result<rsjsonnet_lang::program::Thunk<'p>, String> {
    let (span_ctx, _) = program.span_manager_mut().insert_source_context(text.len());
    program
        .load_source(span_ctx, text, true, name)
        .map_err(|e| format!("{name}: {e:?}"))
}

/// Evaluates a Jsonnet template (`function(ctx) {...}`) with `ctx` and returns the JSON it
/// manifests. No imports; the stack is bounded, and the caller bounds the time.
pub fn evaluate(source: &str, ctx: &Value) -> Result<Value, String> {
    use rsjsonnet_lang::program::{
        Callbacks, EvalStackTraceItem, ImportError, NativeError, Program, Thunk, Value as JValue,
    };
    struct NoImports;
    impl<'p> Callbacks<'p> for NoImports {
        fn import(
            &mut self,
            _: &mut Program<'p>,
            _: rsjsonnet_lang::span::SpanId,
            _: &str,
        ) -> Result<Thunk<'p>, ImportError> {
            Err(ImportError)
        }
        fn import_str(
            &mut self,
            _: &mut Program<'p>,
            _: rsjsonnet_lang::span::SpanId,
            _: &str,
        ) -> Result<String, ImportError> {
            Err(ImportError)
        }
        fn import_bin(
            &mut self,
            _: &mut Program<'p>,
            _: rsjsonnet_lang::span::SpanId,
            _: &str,
        ) -> Result<Vec<u8>, ImportError> {
            Err(ImportError)
        }
        fn trace(&mut self, _: &mut Program<'p>, _: &str, _: &[EvalStackTraceItem]) {}
        fn native_call(
            &mut self,
            _: &mut Program<'p>,
            _: rsjsonnet_lang::interner::InternedStr<'p>,
            _: &[JValue<'p>],
        ) -> Result<JValue<'p>, NativeError> {
            Err(NativeError)
        }
    }
    let arena = rsjsonnet_lang::arena::Arena::new();
    let mut program = Program::new(&arena);
    program.set_max_stack(200);
    let mut callbacks = NoImports;
    let func = load(&mut program, source.as_bytes(), "template.jsonnet")?;
    let ctx_text = serde_json::to_vec(ctx).map_err(|e| e.to_string())?;
    let ctx_thunk = load(&mut program, &ctx_text, "ctx")?;
    let func_value = program
        .eval_value(&func, &mut callbacks)
        .map_err(|e| format!("{e:?}"))?;
    let func_thunk = program.value_to_thunk(&func_value);
    let name = program.intern_str("ctx");
    let out = program
        .eval_call(&func_thunk, &[], &[(name, ctx_thunk)], &mut callbacks)
        .map_err(|e| format!("{e:?}"))?;
    let text = program
        .manifest_json(&out, false)
        .map_err(|e| format!("{e:?}"))?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Delivers `msg` by HTTP.
pub async fn deliver(
    reg: &Registry,
    cfg: &HttpRequestConfig,
    msg: &Message,
) -> Result<(), DeliveryError> {
    let html = if msg.message_type == super::MessageType::Email {
        template::render_part(
            reg,
            &msg.template_type,
            template::Part::Html,
            &msg.template_data,
        )
        .await
        .ok()
        .flatten()
    } else {
        None
    };
    let mut ctx = json!({
        "recipient": msg.recipient,
        "subject": msg.subject,
        "body": msg.body,
        "template_type": msg.template_type,
        "template_data": msg.template_data,
        "message_type": if msg.message_type == super::MessageType::Sms { "sms" } else { "email" },
        "request_headers": if msg.request_headers.is_null() { json!({}) } else { msg.request_headers.clone() },
    });
    if let Some(h) = html.filter(|h| !h.is_empty()) {
        ctx["html_body"] = Value::String(h);
    }
    let source = template::load_uri(reg, &cfg.body).await.map_err(failed)?;
    // Kratos sandboxes the evaluation; here it runs on a blocking thread with a deadline.
    let evaluated = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::task::spawn_blocking(move || evaluate(&source, &ctx)),
    )
    .await
    .map_err(|_| failed("the Jsonnet template took too long"))?
    .map_err(|e| failed(e.to_string()))?
    .map_err(|e| failed(format!("the Jsonnet template failed: {e}")))?;

    let mut headers = cfg.headers.clone();
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase());
    let body = match content_type.as_deref() {
        None | Some("application/json") => {
            if content_type.is_none() {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            serde_json::to_vec(&evaluated).map_err(|e| failed(e.to_string()))?
        }
        Some(ct) if ct.starts_with("application/x-www-form-urlencoded") => {
            let Value::Object(fields) = &evaluated else {
                return Err(failed("a form body must be an object of strings"));
            };
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (k, v) in fields {
                let Some(v) = v.as_str() else {
                    return Err(failed("a form body must be an object of strings"));
                };
                form.append_pair(k, v);
            }
            form.finish().into_bytes()
        }
        Some(ct) if ct.starts_with("application/json") => {
            serde_json::to_vec(&evaluated).map_err(|e| failed(e.to_string()))?
        }
        Some(other) => return Err(failed(format!("unsupported content type {other}"))),
    };
    add_auth(cfg.auth.as_ref(), &mut headers);
    let body = (!cfg.method.eq_ignore_ascii_case("TRACE")).then_some(body);
    let response = reg
        .http
        .send(
            &cfg.method.to_ascii_uppercase(),
            &cfg.url,
            &headers,
            body,
            Duration::from_secs(10),
            1024,
        )
        .await
        .map_err(failed)?;
    if !(200..300).contains(&response.status) {
        tracing::warn!(
            status = response.status,
            body = %String::from_utf8_lossy(&response.body),
            "courier: the HTTP delivery endpoint refused a message"
        );
        return Err(failed(format!(
            "unable to dispatch mail delivery because upstream server replied with status code {}",
            response.status
        )));
    }
    Ok(())
}

/// `request_config.auth`: an API key in a header or cookie, or HTTP basic authentication.
fn add_auth(auth: Option<&Value>, headers: &mut Vec<(String, String)>) {
    use base64::Engine;
    let Some(auth) = auth else {
        return;
    };
    let cfg = &auth["config"];
    let text = |k: &str| cfg[k].as_str().unwrap_or_default().to_string();
    match auth["type"].as_str() {
        Some("api_key") => {
            if text("in") == "cookie" {
                headers.push((
                    "Cookie".into(),
                    format!("{}={}", text("name"), text("value")),
                ));
            } else {
                headers.push((text("name"), text("value")));
            }
        }
        Some("basic_auth") => {
            let token = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                text("user"),
                text("password")
            ));
            headers.push(("Authorization".into(), format!("Basic {token}")));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kratos_default_body_template_renders() {
        use base64::Engine;
        let uri = crate::config::config_schema()["definitions"]["httpRequestConfig"]["properties"]
            ["body"]["default"]
            .as_str()
            .unwrap()
            .to_string();
        let source = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(uri.trim_start_matches("base64://"))
                .unwrap(),
        )
        .unwrap();
        let out = evaluate(
            &source,
            &json!({"recipient": "a@x", "subject": "s", "body": "b", "template_type": "verification_code_valid", "template_data": {"to": "a@x", "verification_code": "123456"}}),
        )
        .unwrap();
        assert_eq!(out["recipient"], "a@x");
        assert_eq!(out["verification_code"], "123456");
        assert_eq!(out["recovery_code"], Value::Null);
        assert_eq!(out["subject"], "s");
    }

    #[test]
    fn runaway_templates_fail_instead_of_crashing() {
        let err = evaluate("function(ctx) local f(x) = f(x + 1); f(0)", &json!({})).unwrap_err();
        assert!(!err.is_empty());
        assert!(evaluate("function(ctx) import 'x.jsonnet'", &json!({})).is_err());
    }
}
