//! The built-in message templates, under Kratos's template types and model fields
//! (`template_data` keys such as `to`, `verification_code`, `verification_url`,
//! `expires_in_minutes`). The wording is hoplite's own; operator overrides in Go template syntax
//! (`courier.template_override_path`, `courier.templates.*`) are not read yet.

use serde_json::Value;

/// A rendered message.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn field<'a>(data: &'a Value, key: &str) -> &'a str {
    data.get(key).and_then(Value::as_str).unwrap_or("")
}

fn minutes(data: &Value) -> String {
    data.get("expires_in_minutes")
        .map(|v| match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        })
        .unwrap_or_default()
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Renders `template_type` with `data`; `None` for a type hoplite has no template for.
pub fn render(template_type: &str, data: &Value) -> Option<Rendered> {
    Some(match template_type {
        "verification_code_valid" => {
            let code = field(data, "verification_code");
            let url = field(data, "verification_url");
            let mins = minutes(data);
            Rendered {
                subject: format!("Use code {code} to verify your account"),
                text: format!(
                    "Hi,\n\nplease verify your account by entering this code:\n\n{code}\n\nor by opening this link:\n\n{url}\n\nThe code expires in {mins} minutes.\n"
                ),
                html: format!(
                    "<p>Hi,</p><p>please verify your account by entering this code:</p><p><strong>{}</strong></p><p>or by opening <a href=\"{}\">this link</a>.</p><p>The code expires in {} minutes.</p>",
                    esc(code),
                    esc(url),
                    esc(&mins)
                ),
            }
        }
        "verification_code_invalid" => Rendered {
            subject: "Someone tried to verify this email address".into(),
            text: "Hi,\n\nsomeone asked to verify this email address, but we have no account with it. If it was you, check that you typed the address you signed up with. Otherwise you can ignore this email.\n".into(),
            html: "<p>Hi,</p><p>someone asked to verify this email address, but we have no account with it. If it was you, check that you typed the address you signed up with. Otherwise you can ignore this email.</p>".into(),
        },
        "recovery_code_valid" => {
            let code = field(data, "recovery_code");
            let mins = minutes(data);
            Rendered {
                subject: format!("Use code {code} to recover access to your account"),
                text: format!(
                    "Hi,\n\nto recover access to your account, enter this code:\n\n{code}\n\nThe code expires in {mins} minutes. If you did not ask for it, you can ignore this email.\n"
                ),
                html: format!(
                    "<p>Hi,</p><p>to recover access to your account, enter this code:</p><p><strong>{}</strong></p><p>The code expires in {} minutes. If you did not ask for it, you can ignore this email.</p>",
                    esc(code),
                    esc(&mins)
                ),
            }
        }
        "recovery_code_invalid" => Rendered {
            subject: "Account access attempted".into(),
            text: "Hi,\n\nsomeone asked to recover an account with this email address, but we have no account with it. If it was you, check that you typed the address you signed up with. Otherwise you can ignore this email.\n".into(),
            html: "<p>Hi,</p><p>someone asked to recover an account with this email address, but we have no account with it. If it was you, check that you typed the address you signed up with. Otherwise you can ignore this email.</p>".into(),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_verification_code_mail_carries_the_code_link_and_lifetime() {
        let r = render(
            "verification_code_valid",
            &json!({"to": "a@example.com", "verification_code": "012345", "verification_url": "http://x/v?code=012345&flow=f", "expires_in_minutes": 60}),
        )
        .unwrap();
        assert_eq!(r.subject, "Use code 012345 to verify your account");
        assert!(r.text.contains("012345") && r.text.contains("http://x/v?code=012345&flow=f"));
        assert!(r.text.contains("60 minutes"));
        assert!(r.html.contains("code=012345&amp;flow=f"));
        assert!(render("nope", &json!({})).is_none());
    }
}
