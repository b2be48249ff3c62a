//! Message templates (`ory/kratos: courier/template/`): each part (subject, plain-text body, HTML
//! body) comes from, first hit wins, a URI configured under `courier.templates.*`
//! (`file://`, `base64://`, `http(s)://`), a file under `courier.template_override_path`
//! (`<dir>/<part>.gotmpl`, parsed with its siblings so `{{define}}` blocks work), or the built-in
//! template. Operator templates are Go templates rendered with Kratos's model names (`.To`,
//! `.VerificationCode`, `.Identity.traits.email`, ...); HTML parts escape as Go's `html/template`.
//! The built-in wording is hoplite's own, under Kratos's template types and data fields.

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
        "verification_valid" => {
            let url = field(data, "verification_url");
            let mins = minutes(data);
            Rendered {
                subject: "Please verify your email address".into(),
                text: format!(
                    "Hi,\n\nplease verify your account by opening this link:\n\n{url}\n\nThe link expires in {mins} minutes.\n"
                ),
                html: format!(
                    "<p>Hi,</p><p>please verify your account by opening <a href=\"{}\">this link</a>.</p><p>The link expires in {} minutes.</p>",
                    esc(url),
                    esc(&mins)
                ),
            }
        }
        "verification_invalid" => render("verification_code_invalid", data)?,
        "recovery_valid" => {
            let url = field(data, "recovery_url");
            let mins = minutes(data);
            Rendered {
                subject: "Recover access to your account".into(),
                text: format!(
                    "Hi,\n\nto recover access to your account, open this link:\n\n{url}\n\nThe link expires in {mins} minutes. If you did not ask for it, you can ignore this email.\n"
                ),
                html: format!(
                    "<p>Hi,</p><p>to recover access to your account, open <a href=\"{}\">this link</a>.</p><p>The link expires in {} minutes. If you did not ask for it, you can ignore this email.</p>",
                    esc(url),
                    esc(&mins)
                ),
            }
        }
        "recovery_invalid" => render("recovery_code_invalid", data)?,
        "verifiable_address_changed" => {
            let at = field(data, "changed_at");
            Rendered {
                subject: "A verifiable address on your account was changed".into(),
                text: format!(
                    "Hi,\n\nthe email addresses or phone numbers of your account changed at {at} (UTC). If you made this change, there is nothing to do. If you did not, recover your account right away and check its settings.\n"
                ),
                html: format!(
                    "<p>Hi,</p><p>the email addresses or phone numbers of your account changed at {} (UTC). If you made this change, there is nothing to do.</p><p>If you did not, recover your account right away and check its settings.</p>",
                    esc(at)
                ),
            }
        }
        // hoplite's own (enumeration-safe sign-up); Kratos has no such template.
        "registration_taken" => {
            let login = field(data, "login_url");
            let recovery = field(data, "recovery_url");
            let (text_recover, html_recover) = if recovery.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    format!(" If you forgot your password, recover your account here:\n\n{recovery}\n\n"),
                    format!(" If you forgot your password, <a href=\"{}\">recover your account</a>.", esc(recovery)),
                )
            };
            Rendered {
                subject: "You already have an account".into(),
                text: format!(
                    "Hi,\n\nsomeone, perhaps you, tried to sign up with this email address, but you already have an account. Sign in here:\n\n{login}\n\n{text_recover}If it was not you, you can ignore this email: nothing was changed.\n"
                ),
                html: format!(
                    "<p>Hi,</p><p>someone, perhaps you, tried to sign up with this email address, but you already have an account. <a href=\"{}\">Sign in</a>.{}</p><p>If it was not you, you can ignore this email: nothing was changed.</p>",
                    esc(login),
                    html_recover
                ),
            }
        }
        _ => return None,
    })
}

/// Kratos's directory of a template type under the override path (`verification_code/valid/`).
fn directory(template_type: &str) -> Option<&'static str> {
    Some(match template_type {
        "recovery_valid" => "recovery/valid",
        "recovery_invalid" => "recovery/invalid",
        "recovery_code_valid" => "recovery_code/valid",
        "recovery_code_invalid" => "recovery_code/invalid",
        "verification_valid" => "verification/valid",
        "verification_invalid" => "verification/invalid",
        "verification_code_valid" => "verification_code/valid",
        "verification_code_invalid" => "verification_code/invalid",
        "login_code_valid" => "login_code/valid",
        "registration_code_valid" => "registration_code/valid",
        "registration_taken" => "registration_taken/valid",
        "verifiable_address_changed" => "verifiable_address_changed",
        _ => return None,
    })
}

/// A part of a message: an email's three, or a text message's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Subject,
    Html,
    Plaintext,
    Sms,
}

impl Part {
    /// The override file name (without `.gotmpl`).
    fn file(self) -> &'static str {
        match self {
            Part::Subject => "email.subject",
            Part::Html => "email.body",
            Part::Plaintext => "email.body.plaintext",
            Part::Sms => "sms.body",
        }
    }
    /// The key under `courier.templates.<group>[.<valid|invalid>]`.
    fn config_key(self) -> &'static str {
        match self {
            Part::Subject => "email.subject",
            Part::Html => "email.body.html",
            Part::Plaintext => "email.body.plaintext",
            Part::Sms => "sms.body.plaintext",
        }
    }
}

/// The operator's source for a part, when there is one.
async fn operator_source(
    reg: &crate::registry::Registry,
    template_type: &str,
    part: Part,
) -> Result<Option<Source>, String> {
    let Some(dir) = directory(template_type) else {
        return Ok(None);
    };
    let key = format!(
        "courier.templates.{}.{}",
        dir.replace('/', "."),
        part.config_key()
    );
    let configured = key
        .split('.')
        .try_fold(&reg.config.raw, |v, k| v.get(k))
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty());
    if let Some(uri) = configured {
        return Ok(Some(Source::Text(load_uri(reg, uri).await?)));
    }
    let Some(root) = reg
        .config
        .raw
        .pointer("/courier/template_override_path")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
    else {
        return Ok(None);
    };
    let folder = std::path::Path::new(root).join(dir);
    let main = folder.join(format!("{}.gotmpl", part.file()));
    if !main.is_file() {
        return Ok(None);
    }
    // Every file of the folder whose name starts with the part's: `{{define}}` blocks in siblings.
    let mut files: Vec<String> = std::fs::read_dir(&folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(part.file()) && n.ends_with(".gotmpl"))
        })
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    Ok(Some(Source::Files {
        main: format!("{}.gotmpl", part.file()),
        files,
    }))
}

enum Source {
    Text(String),
    Files { main: String, files: Vec<String> },
}

/// Reads a template URI (`file://`, `base64://`, `http(s)://`).
pub(crate) async fn load_uri(reg: &crate::registry::Registry, uri: &str) -> Result<String, String> {
    use base64::Engine;
    if let Some(path) = uri.strip_prefix("file://") {
        return std::fs::read_to_string(path).map_err(|e| format!("{uri}: {e}"));
    }
    if let Some(data) = uri.strip_prefix("base64://") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(data.trim()))
            .map_err(|e| format!("{uri}: {e}"))?;
        return String::from_utf8(bytes).map_err(|e| format!("{uri}: {e}"));
    }
    if uri.starts_with("http://") || uri.starts_with("https://") {
        let r = reg
            .http
            .get(uri, std::time::Duration::from_secs(10), 1 << 20)
            .await?;
        if !(200..300).contains(&r.status) {
            return Err(format!("{uri}: status {}", r.status));
        }
        return String::from_utf8(r.body).map_err(|e| format!("{uri}: {e}"));
    }
    Err(format!("{uri}: unsupported template URI scheme"))
}

/// The template model: the stored data under Kratos's Go field names (`verification_code` →
/// `VerificationCode`, `request_url` → `RequestURL`); nested maps (the identity) keep their keys.
fn model(data: &Value) -> gotmpl::Value {
    let mut map = std::collections::BTreeMap::new();
    if let Value::Object(o) = data {
        for (k, v) in o {
            let name: String = k
                .split('_')
                .map(|w| match w {
                    "url" => "URL".to_string(),
                    "oauth2" => "OAuth2".to_string(),
                    w => {
                        let mut c = w.chars();
                        c.next()
                            .map(|f| f.to_uppercase().chain(c).collect())
                            .unwrap_or_default()
                    }
                })
                .collect();
            map.insert(std::sync::Arc::<str>::from(name.as_str()), to_value(v));
        }
    }
    gotmpl::Value::Map(std::sync::Arc::new(map))
}

fn to_value(v: &Value) -> gotmpl::Value {
    match v {
        Value::Null => gotmpl::Value::Nil,
        Value::Bool(b) => gotmpl::Value::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => gotmpl::Value::Int(i),
            (None, Some(f)) => gotmpl::Value::Float(f),
            _ => gotmpl::Value::Nil,
        },
        Value::String(s) => gotmpl::Value::String(s.as_str().into()),
        Value::Array(a) => gotmpl::Value::List(a.iter().map(to_value).collect()),
        Value::Object(o) => gotmpl::Value::Map(std::sync::Arc::new(
            o.iter()
                .map(|(k, v)| (std::sync::Arc::<str>::from(k.as_str()), to_value(v)))
                .collect(),
        )),
    }
}

fn execute(source: &Source, part: Part, data: &Value) -> Result<String, String> {
    let m = model(data);
    let err = |e: gotmpl::TemplateError| e.to_string();
    match (source, part) {
        (Source::Text(text), Part::Html) => gotmpl::html::Template::new("body")
            .funcs(super::sprig::funcs())
            .parse(text)
            .and_then(|t| t.execute_to_string(&m))
            .map_err(err),
        (Source::Text(text), _) => gotmpl::Template::new("part")
            .funcs(super::sprig::funcs())
            .parse(text)
            .and_then(|t| t.execute_to_string(&m))
            .map_err(err),
        (Source::Files { main, files }, Part::Html) => {
            let names: Vec<&str> = files.iter().map(String::as_str).collect();
            gotmpl::html::Template::new(main)
                .funcs(super::sprig::funcs())
                .parse_files(&names)
                .and_then(|t| t.execute_to_string(&m))
                .map_err(err)
        }
        (Source::Files { main, files }, _) => {
            let names: Vec<&str> = files.iter().map(String::as_str).collect();
            gotmpl::Template::new(main)
                .funcs(super::sprig::funcs())
                .parse_files(&names)
                .and_then(|t| t.execute_to_string(&m))
                .map_err(err)
        }
    }
}

/// One part of `template_type` for `data`: the operator's template when configured, else the
/// built-in one. `Ok(None)`: hoplite has no such template.
pub async fn render_part(
    reg: &crate::registry::Registry,
    template_type: &str,
    part: Part,
    data: &Value,
) -> Result<Option<String>, String> {
    if let Some(source) = operator_source(reg, template_type, part).await? {
        return execute(&source, part, data).map(Some);
    }
    if part == Part::Sms {
        return Ok(render_sms(template_type, data));
    }
    Ok(render(template_type, data).map(|r| match part {
        Part::Subject => r.subject,
        Part::Html => r.html,
        Part::Plaintext | Part::Sms => r.text,
    }))
}

/// The built-in text message of `template_type`; `None` where hoplite has none. The code
/// messages end with the Web OTP line (`@<domain> #<code>`) when the flow's domain is known, so
/// browsers can offer the code.
pub fn render_sms(template_type: &str, data: &Value) -> Option<String> {
    let otp = |code: &str| {
        let domain = field(data, "request_url_domain");
        if domain.is_empty() {
            String::new()
        } else {
            format!("\n\n@{domain} #{code}")
        }
    };
    Some(match template_type {
        "verification_code_valid" => {
            let code = field(data, "verification_code");
            format!(
                "Your verification code is: {code}\nIt expires in {} minutes.{}",
                minutes(data),
                otp(code)
            )
        }
        "verifiable_address_changed" => format!(
            "The email addresses or phone numbers of your account changed at {} (UTC). If this was not you, recover your account now.",
            field(data, "changed_at")
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operator_templates_see_kratos_model_names() {
        let data = json!({"to": "a@x", "verification_code": "012345", "verification_url": "http://v?a=1&b=2", "identity": {"traits": {"email": "a@x"}}, "expires_in_minutes": 60});
        let text = execute(
            &Source::Text("{{ .VerificationCode }} for {{ .Identity.traits.email }} within {{ .ExpiresInMinutes }} at {{ .VerificationURL }}".into()),
            Part::Plaintext,
            &data,
        )
        .unwrap();
        assert_eq!(text, "012345 for a@x within 60 at http://v?a=1&b=2");
        let html = execute(
            &Source::Text("<a href=\"{{ .VerificationURL }}\">{{ .To }}</a>".into()),
            Part::Html,
            &data,
        )
        .unwrap();
        assert!(html.contains("http://v?a=1&amp;b=2"), "{html}");
    }

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
