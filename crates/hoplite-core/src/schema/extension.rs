//! What the `ory.sh/kratos` keyword extracts from a set of traits (`ory/kratos:
//! identity/extension_credentials.go`, `extension_verification.go`, `extension_recovery.go`).

use super::errors::EXTENSION_KEYWORD_SEPARATOR;
use jsonschema::{Keyword, ValidationError};
use serde_json::{Map, Value};
use std::cell::RefCell;
use unicode_normalization::UnicodeNormalization;

/// The keyword Kratos hangs its identity extension on.
pub const EXTENSION_NAME: &str = "ory.sh/kratos";

/// Identifiers and addresses found while validating traits, already normalised the way Kratos
/// stores them (identifiers and address values lower-cased and trimmed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extensions {
    /// `credentials.password.identifier: true` values, de-duplicated, in document order.
    pub password_identifiers: Vec<String>,
    /// `verification.via` addresses: (via, value).
    pub verifiable_addresses: Vec<(String, String)>,
    /// `recovery.via` addresses: (via, value).
    pub recovery_addresses: Vec<(String, String)>,
}

impl Extensions {
    fn add_identifier(&mut self, value: String) {
        if !self.password_identifiers.contains(&value) {
            self.password_identifiers.push(value);
        }
    }

    fn add_address(list: &mut Vec<(String, String)>, via: &str, value: String) {
        let entry = (via.to_string(), value);
        if !list.contains(&entry) {
            list.push(entry);
        }
    }
}

thread_local! {
    /// Validation is synchronous, so the keyword reports what it finds to the thread running
    /// `validate_traits` (the compiled validator is shared between requests).
    static COLLECTOR: RefCell<Option<Extensions>> = const { RefCell::new(None) };
}

/// Runs `f` with a fresh collector and returns what the keyword collected meanwhile.
pub(crate) fn collect<T>(f: impl FnOnce() -> T) -> (T, Extensions) {
    let previous = COLLECTOR.with(|c| c.borrow_mut().replace(Extensions::default()));
    let out = f();
    let collected = COLLECTOR.with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
    (out, collected.unwrap_or_default())
}

/// The parsed keyword content of one schema node, plus that node's `format`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KratosKeyword {
    password_identifier: bool,
    verification_via: String,
    recovery_via: String,
    /// `Some("")` is impossible; `None` = no `format`, `Some(Err)` = a non-string format.
    format: Option<Result<String, ()>>,
}

impl KratosKeyword {
    pub(crate) fn from_schema(parent: &Map<String, Value>, value: &Value) -> Self {
        let s = |p: &str| {
            value
                .pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        KratosKeyword {
            password_identifier: value.pointer("/credentials/password/identifier")
                == Some(&Value::Bool(true)),
            verification_via: s("/verification/via"),
            recovery_via: s("/recovery/via"),
            format: parent
                .get("format")
                .map(|f| f.as_str().map(str::to_string).ok_or(())),
        }
    }

    /// The runners in Kratos's order (credentials, verification, recovery); the first error
    /// stops the rest for this value, as `ExtensionRunner` does.
    fn run(&self, value: &Value, out: &mut Extensions) -> Result<(), (String, String)> {
        let text = go_sprint_s(value);
        if self.password_identifier {
            out.add_identifier(graceful_normalize(&text));
        }
        self.run_verification(value, &text, out)?;
        self.run_recovery(value, &text, out)
    }

    fn run_verification(
        &self,
        value: &Value,
        text: &str,
        out: &mut Extensions,
    ) -> Result<(), (String, String)> {
        let via = self.verification_via.as_str();
        if via.is_empty() {
            return Ok(());
        }
        let format = match &self.format {
            None => String::new(),
            Some(Ok(f)) => f.clone(),
            // Kratos silently skips a non-string format here.
            Some(Err(())) => return Ok(()),
        };
        if format.is_empty() {
            if via == "email" {
                if !value.as_str().is_some_and(is_email) {
                    return Err((
                        "format".into(),
                        format!("{} is not valid \"email\"", go_q(value)),
                    ));
                }
            } else {
                return Err((
                    "format".into(),
                    "no format specified. A format is required if verification is enabled. If this was intentional, please set \"format\" to \"no-validate\"".into(),
                ));
            }
        }
        let effective = if format.is_empty() {
            "email"
        } else {
            format.as_str()
        };
        let normalized = match effective {
            "email" | "tel" => strict_normalize(text, via).ok_or_else(|| {
                (
                    "format".to_string(),
                    format!(
                        "{} can not be normalized for format \"{effective}\"",
                        go_q(value)
                    ),
                )
            })?,
            _ => text.trim().to_string(),
        };
        Extensions::add_address(
            &mut out.verifiable_addresses,
            via,
            graceful_normalize(&normalized),
        );
        Ok(())
    }

    fn run_recovery(
        &self,
        value: &Value,
        text: &str,
        out: &mut Extensions,
    ) -> Result<(), (String, String)> {
        match self.recovery_via.as_str() {
            "" => Ok(()),
            "email" => {
                let format = match &self.format {
                    None => String::new(),
                    Some(Ok(f)) => f.clone(),
                    Some(Err(())) => {
                        return Err((
                            "format".into(),
                            "the \"format\" field must be a string".into(),
                        ));
                    }
                };
                if (format.is_empty() || format == "email") && !value.as_str().is_some_and(is_email)
                {
                    return Err((
                        "format".into(),
                        format!("{} is not valid \"email\"", go_q(value)),
                    ));
                }
                Extensions::add_address(
                    &mut out.recovery_addresses,
                    "email",
                    graceful_normalize(text),
                );
                Ok(())
            }
            "sms" => {
                let normalized = strict_normalize(text, "sms").ok_or_else(|| {
                    (
                        "format".to_string(),
                        format!("{} is not valid \"tel\" for \"sms\"", go_q(value)),
                    )
                })?;
                Extensions::add_address(&mut out.recovery_addresses, "sms", normalized);
                Ok(())
            }
            other => Err((
                String::new(),
                format!(
                    "recovery.via has unknown value {}",
                    crate::ui::gofmt::go_quote(other)
                ),
            )),
        }
    }
}

/// Go's `fmt.Sprintf("%s", value)` for the JSON types a trait can have.
fn go_sprint_s(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => crate::ui::gofmt::go_v(Some(other)),
    }
}

/// Go's `%q` of an `interface{}` trait value.
fn go_q(value: &Value) -> String {
    match value {
        Value::String(s) => crate::ui::gofmt::go_quote(s),
        other => format!("%!q({})", crate::ui::gofmt::go_v(Some(other))),
    }
}

/// The `ory.sh/kratos` keyword as seen by the `jsonschema` crate: it never fails on its own
/// except for the extension errors Kratos raises, and it records what it extracts.
pub(crate) struct KratosKeywordValidator(pub(crate) KratosKeyword);

impl KratosKeywordValidator {
    fn check(&self, instance: &Value) -> Result<(), (String, String)> {
        COLLECTOR.with(|c| {
            let mut guard = c.borrow_mut();
            let mut scratch = Extensions::default();
            let out = guard.as_mut().unwrap_or(&mut scratch);
            self.0.run(instance, out)
        })
    }
}

impl<'i> Keyword<'i> for KratosKeywordValidator {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        self.check(instance).map_err(|(keyword, text)| {
            ValidationError::custom(format!("{keyword}{EXTENSION_KEYWORD_SEPARATOR}{text}"))
        })
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        self.check(instance).is_ok()
    }
}

fn is_forbidden(c: char) -> bool {
    let u = c as u32;
    c.is_control()
        || (0x200b..=0x200f).contains(&u)
        || (0x202a..=0x202e).contains(&u)
        || (0x2060..=0x206f).contains(&u)
        || u == 0xfeff
        || u == 0xad
}

/// `x.GracefulNormalization`: trim, NFKC, strip forbidden code points, lower-case; a valid
/// international phone number becomes E.164.
pub fn graceful_normalize(value: &str) -> String {
    let cleaned: String = value
        .trim()
        .nfkc()
        .filter(|c| !is_forbidden(*c))
        .collect::<String>()
        .to_lowercase();
    if let Some(e164) = parse_phone(&cleaned) {
        return e164;
    }
    cleaned
}

/// `x.NormalizeIdentifier` for a channel: `email` must parse as an address after the strict
/// profile (lower-case, NFKC, no forbidden code points); `sms` must be a valid international
/// number. `None` when the value can not be normalised.
pub fn strict_normalize(value: &str, via: &str) -> Option<String> {
    let trimmed = value.trim();
    match via {
        "sms" => parse_phone(&trimmed.nfkc().collect::<String>()),
        "email" => {
            if trimmed.chars().any(is_forbidden) {
                return None;
            }
            let v = trimmed.nfkc().collect::<String>().to_lowercase();
            is_email(&v).then(|| v.trim_start().to_string())
        }
        _ => Some(graceful_normalize(value)),
    }
}

/// A valid international number: `+`, then 7–15 digits (spaces, dashes, dots and brackets are
/// ignored); returned as E.164.
pub fn parse_phone(value: &str) -> Option<String> {
    let rest = value.trim().strip_prefix('+')?;
    let mut digits = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    ((7..=15).contains(&digits.len()) && !digits.starts_with('0')).then(|| format!("+{digits}"))
}

/// The `tel` format: a valid international phone number.
pub fn is_tel(value: &str) -> bool {
    parse_phone(value).is_some()
}

/// The `email` format as ory/jsonschema checks it (spec §17): at most 254 bytes, a local part of
/// at most 64 bytes, a hostname of ASCII labels, and an RFC 5322 `addr-spec` (leading folding
/// white space is tolerated, as Go's `mail.ParseAddress` skips it).
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 {
        return false;
    }
    let Some(at) = s.rfind('@') else { return false };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.len() > 64 || !is_hostname(domain) {
        return false;
    }
    let local = local.trim_start_matches([' ', '\t']);
    if let Some(quoted) = local.strip_prefix('"') {
        let Some(inner) = quoted.strip_suffix('"') else {
            return false;
        };
        let mut escaped = false;
        for c in inner.chars() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' || (c.is_control() && c != '\t') {
                return false;
            }
        }
        return !escaped;
    }
    !local.is_empty()
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control())
}

/// ory/jsonschema's `isHostname`.
pub fn is_hostname(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.len() > 253 || s.starts_with('-') {
        return false;
    }
    s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_format() {
        for ok in [
            "a@b.c",
            "foo.bar+x@example.com",
            " foo@example.com",
            "\"a b\"@example.com",
            "Foo@Example.COM",
        ] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "ab",
            "a@",
            "@b.c",
            "a..b@c.d",
            "a@b..c",
            "a@-b.c",
            "a@b-.c",
            "foo@example.com ",
            "a@b_c.d",
            "",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(!is_email(&format!("{}@b.c", "a".repeat(65))));
    }

    #[test]
    fn phone_format() {
        assert!(is_tel("+4917612345678"));
        assert!(is_tel("+1 (415) 555-0100"));
        assert!(!is_tel("4917612345678"));
        assert!(!is_tel("+12"));
        assert_eq!(
            parse_phone("+1 415 555 0100").as_deref(),
            Some("+14155550100")
        );
    }

    #[test]
    fn normalisation() {
        assert_eq!(
            graceful_normalize("  Foo@Example.COM \t"),
            "foo@example.com"
        );
        assert_eq!(graceful_normalize("ＦＯＯ@example.com"), "foo@example.com");
        assert_eq!(graceful_normalize("a\u{200b}b@x.y"), "ab@x.y");
        assert_eq!(
            strict_normalize(" Foo@Example.com ", "email").as_deref(),
            Some("foo@example.com")
        );
        assert_eq!(strict_normalize("a\u{200b}b@x.y", "email"), None);
        assert_eq!(strict_normalize("nope", "email"), None);
    }
}
