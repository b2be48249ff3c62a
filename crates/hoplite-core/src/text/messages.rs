//! Constructors for the UI messages registration emits, named after Kratos's `text.New*` functions.
//! Ids and texts are checked against `shared/reference/messages.tsv` in the tests below.

use super::{Message, MessageType};
use serde_json::json;

/// 1040001 `Sign up`.
pub fn info_registration() -> Message {
    Message::new(1040001, MessageType::Info, "Sign up")
}

/// 1040008 `Back`.
pub fn info_registration_back() -> Message {
    Message::new(1040008, MessageType::Info, "Back")
}

/// 1040009, shown on the credential-selection screen of two-step registration.
pub fn info_choose_credentials() -> Message {
    Message::new(
        1040009,
        MessageType::Info,
        "Please choose a credential to authenticate yourself with.",
    )
}

/// 1070001 `Password` (label of the password input).
pub fn info_node_input_password() -> Message {
    Message::new(1070001, MessageType::Info, "Password")
}

/// 4000001: a generic validation error whose text is the reason.
pub fn validation_generic(reason: &str) -> Message {
    Message::with_context(
        4000001,
        MessageType::Error,
        reason,
        json!({ "reason": reason }),
    )
}

/// 4000002 `Property <p> is missing.`
pub fn validation_required(property: &str) -> Message {
    Message::with_context(
        4000002,
        MessageType::Error,
        format!("Property {property} is missing."),
        json!({ "property": property }),
    )
}

/// 4000005: a password policy violation with a free-text reason.
pub fn password_policy_generic(reason: &str) -> Message {
    Message::with_context(
        4000005,
        MessageType::Error,
        format!("The password can not be used because {reason}."),
        json!({ "reason": reason }),
    )
}

/// 4000007: duplicate credentials (Kratos's default, `login_hints: false`).
pub fn duplicate_credentials() -> Message {
    Message::new(
        4000007,
        MessageType::Error,
        "An account with the same identifier (email, phone, username, ...) exists already.",
    )
}

/// 4000009: the schema marks no trait as a login identifier, or the identifier is empty.
pub fn identifier_missing() -> Message {
    Message::new(
        4000009,
        MessageType::Error,
        "Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration.",
    )
}

/// 4000033 `The password must be at most 72 characters long, but got <n>.`
pub fn password_max_length(max: usize, actual: usize) -> Message {
    Message::with_context(
        4000033,
        MessageType::Error,
        format!("The password must be at most {max} characters long, but got {actual}."),
        json!({ "max_length": max, "actual_length": actual }),
    )
}

/// 4010003: no strategy claimed the submission.
pub fn registration_no_strategy_found() -> Message {
    Message::new(
        4010003,
        MessageType::Error,
        "Could not find a strategy to sign you up with. Did you fill out the form correctly?",
    )
}

/// 4010011: the identity is not active.
pub fn identity_disabled() -> Message {
    Message::new(
        4010011,
        MessageType::Error,
        "This account has been disabled. Please contact support for assistance.",
    )
}

/// 4040001 `The registration flow expired <m> minutes ago, please try again.`
pub fn registration_flow_expired(
    expired_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> Message {
    let minutes = (now - expired_at).as_seconds_f64() / 60.0;
    Message::with_context(
        4040001,
        MessageType::Error,
        format!("The registration flow expired {minutes:.2} minutes ago, please try again."),
        json!({
            "expired_at": crate::x::timefmt::rfc3339_nano(expired_at),
            "expired_at_unix": expired_at.unix_timestamp(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// id → (type, template) from the reference catalogue.
    fn catalogue() -> HashMap<i64, (String, String)> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/reference/messages.tsv"
        );
        let text = std::fs::read_to_string(path).expect("messages.tsv beside the repository");
        text.lines()
            .skip(1)
            .filter_map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                Some((
                    cols[0].parse().ok()?,
                    (cols[1].to_string(), cols[3].to_string()),
                ))
            })
            .collect()
    }

    fn render(template: &str, m: &Message) -> String {
        let mut out = template.to_string();
        if let Some(ctx) = &m.context {
            for (k, v) in ctx {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out = out.replace(&format!("{{{k}}}"), &v);
            }
        }
        out
    }

    #[test]
    fn every_constructor_matches_the_catalogue() {
        let cat = catalogue();
        let messages = vec![
            info_registration(),
            info_registration_back(),
            info_choose_credentials(),
            info_node_input_password(),
            validation_generic("some reason"),
            validation_required("email"),
            password_policy_generic("it is bad"),
            duplicate_credentials(),
            identifier_missing(),
            password_max_length(72, 80),
            registration_no_strategy_found(),
            identity_disabled(),
        ];
        for m in messages {
            let (kind, template) = cat
                .get(&m.id)
                .unwrap_or_else(|| panic!("id {} not in catalogue", m.id));
            assert_eq!(
                serde_json::to_value(m.kind).unwrap(),
                serde_json::json!(kind),
                "type of {}",
                m.id
            );
            assert_eq!(render(template, &m), m.text, "text of {}", m.id);
        }
    }

    #[test]
    fn expired_message_formats_minutes_with_two_decimals() {
        let at = time::macros::datetime!(2024-01-01 00:00:00 UTC);
        let m = registration_flow_expired(at, at + time::Duration::seconds(31));
        assert_eq!(m.id, 4040001);
        assert_eq!(
            m.text,
            "The registration flow expired 0.52 minutes ago, please try again."
        );
        let cat = catalogue();
        assert!(
            cat[&4040001]
                .1
                .starts_with("The registration flow expired {minutes_ago:%.2f}")
        );
    }
}
