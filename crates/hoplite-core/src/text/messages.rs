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

/// 4000028: duplicate credentials with login hints (`login_hints: true`), as Kratos's
/// `NewErrorValidationDuplicateCredentialsWithHints` words it. Both lists are sorted here, as
/// Kratos sorts them before building the message; the context keeps the providers as given while
/// the text title-cases them.
pub fn duplicate_credentials_with_hints(
    available_credential_types: &[String],
    available_oidc_providers: &[String],
    credential_identifier_hint: &str,
) -> Message {
    let mut types = available_credential_types.to_vec();
    types.sort();
    let mut providers = available_oidc_providers.to_vec();
    providers.sort();

    let identifier = if credential_identifier_hint.is_empty() {
        "an email, phone, or username"
    } else {
        credential_identifier_hint
    };
    let mut text = format!(
        "You tried signing in with {identifier} which is already in use by another account."
    );
    if !types.is_empty() {
        let mut readable: Vec<&str> = types
            .iter()
            .filter_map(|t| match t.as_str() {
                "password" => Some("your password"),
                "oidc" | "saml" => Some("social sign in"),
                "webauthn" => Some("your passkey or a security key"),
                "passkey" => Some("your passkey"),
                _ => None,
            })
            .collect();
        if readable.is_empty() {
            // Kratos falls back to the raw type names so that some hint is shown.
            readable = types.iter().map(String::as_str).collect();
        }
        let mut unique: Vec<String> = Vec::with_capacity(readable.len());
        for r in readable {
            if !unique.iter().any(|u| u == r) {
                unique.push(r.to_string());
            }
        }
        if unique.len() > 1 {
            let last = unique.len() - 1;
            unique[last] = format!("or {}", unique[last]);
        }
        text.push_str(&format!(" You can sign in using {}.", unique.join(", ")));
    }
    if !providers.is_empty() {
        let titled: Vec<String> = providers
            .iter()
            .map(|p| {
                // Kratos keeps templated names such as `{provider}` unchanged.
                if p.contains(['{', '}']) {
                    p.clone()
                } else {
                    title_case(p)
                }
            })
            .collect();
        text.push_str(&format!(
            " You can sign in using one of the following social sign in providers: {}.",
            titled.join(", ")
        ));
    }
    Message::with_context(
        4000028,
        MessageType::Error,
        text,
        json!({
            "available_credential_types": types,
            "available_oidc_providers": providers,
            "credential_identifier_hint": credential_identifier_hint,
        }),
    )
}

/// Title-cases like Go's `cases.Title(language.English)`: the first cased letter of every word is
/// upper-cased and the rest of the word lower-cased. Words are split as `golang.org/x/text/cases`
/// approximates Unicode word breaking: letters, digits and `_` never break, a single "mid"
/// character (`'`, `.`, `:`, ...) does not break but two in a row do, anything else breaks.
/// Exact for ASCII; for other scripts the special title-case mappings outside Latin are not
/// reproduced.
fn title_case(s: &str) -> String {
    fn is_mid(c: char) -> bool {
        matches!(
            c,
            '\'' | '.'
                | ':'
                | '\u{b7}'
                | '\u{387}'
                | '\u{5f4}'
                | '\u{2018}'
                | '\u{2019}'
                | '\u{2024}'
                | '\u{2027}'
                | '\u{fe13}'
                | '\u{fe52}'
                | '\u{fe55}'
                | '\u{ff07}'
                | '\u{ff0e}'
                | '\u{ff1a}'
        )
    }
    fn is_letter(c: char) -> bool {
        c.is_alphanumeric() || c == '_' || ('\u{300}'..='\u{36f}').contains(&c)
    }
    fn title_char(c: char, out: &mut String) {
        // The Latin digraphs have a title case of their own; other characters whose upper case
        // is several letters (`ß` → `Ss`) keep only the first one upper-cased.
        let digraph = match c {
            '\u{1c4}'..='\u{1c6}' => Some('\u{1c5}'),
            '\u{1c7}'..='\u{1c9}' => Some('\u{1c8}'),
            '\u{1ca}'..='\u{1cc}' => Some('\u{1cb}'),
            '\u{1f1}'..='\u{1f3}' => Some('\u{1f2}'),
            _ => None,
        };
        if let Some(d) = digraph {
            out.push(d);
            return;
        }
        for (i, u) in c.to_uppercase().enumerate() {
            if i == 0 {
                out.push(u);
            } else {
                out.extend(u.to_lowercase());
            }
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut mid_word = false;
    let mut prev_mid = false;
    for c in s.chars() {
        let mid = is_mid(c);
        if prev_mid && mid {
            mid_word = false;
        }
        if c.is_lowercase() || c.is_uppercase() {
            if mid_word {
                out.extend(c.to_lowercase());
            } else {
                title_char(c, &mut out);
                mid_word = true;
            }
        } else {
            out.push(c);
            if !mid && !is_letter(c) {
                mid_word = false;
            }
        }
        prev_mid = mid;
    }
    out
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
    flow_expired(4040001, "registration", expired_at, now)
}

/// 4010001 `The login flow expired <m> minutes ago, please try again.`
pub fn login_flow_expired(expired_at: time::OffsetDateTime, now: time::OffsetDateTime) -> Message {
    flow_expired(4010001, "login", expired_at, now)
}

fn flow_expired(
    id: i64,
    flow: &str,
    expired_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> Message {
    let minutes = (now - expired_at).as_seconds_f64() / 60.0;
    Message::with_context(
        id,
        MessageType::Error,
        format!("The {flow} flow expired {minutes:.2} minutes ago, please try again."),
        json!({
            "expired_at": crate::x::timefmt::rfc3339_nano(expired_at),
            "expired_at_unix": expired_at.unix_timestamp(),
        }),
    )
}

/// 1010001 `Sign in`.
pub fn info_login() -> Message {
    Message::new(1010001, MessageType::Info, "Sign in")
}

/// 1010003: shown when a login flow re-authenticates (`refresh=true`).
pub fn info_login_reauth() -> Message {
    Message::new(
        1010003,
        MessageType::Info,
        "Please confirm this action by verifying that it is you.",
    )
}

/// 1010004: shown when a login flow asks for a second factor.
pub fn info_login_mfa() -> Message {
    Message::new(
        1010004,
        MessageType::Info,
        "Please complete the second authentication challenge.",
    )
}

/// 1010022 `Sign in with password`.
pub fn info_login_password() -> Message {
    Message::new(1010022, MessageType::Info, "Sign in with password")
}

/// 1070004 `ID`: the identifier label when the schema offers no single title.
pub fn info_node_label_id() -> Message {
    Message::new(1070004, MessageType::Info, "ID")
}

/// 4000006: wrong password and unknown identifier alike.
pub fn invalid_credentials() -> Message {
    Message::new(
        4000006,
        MessageType::Error,
        "The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.",
    )
}

/// 4010002: no login strategy claimed the submission.
pub fn login_no_strategy_found() -> Message {
    Message::new(
        4010002,
        MessageType::Error,
        "Could not find a strategy to log you in with. Did you fill out the form correctly?",
    )
}

/// 1070003 `Save` (the settings methods' submit buttons).
pub fn info_node_label_save() -> Message {
    Message::new(1070003, MessageType::Info, "Save")
}

/// 1050001 `Your changes have been saved!`
pub fn settings_update_success() -> Message {
    Message::new(
        1050001,
        MessageType::Success,
        "Your changes have been saved!",
    )
}

/// 4010004: no settings strategy claimed the submission.
pub fn settings_no_strategy_found() -> Message {
    Message::new(
        4010004,
        MessageType::Error,
        "Could not find a strategy to update your settings. Did you fill out the form correctly?",
    )
}

/// 4050001 `The settings flow expired <m> minutes ago, please try again.`
pub fn settings_flow_expired(
    expired_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> Message {
    flow_expired(4050001, "settings", expired_at, now)
}

/// 4000039: the new password verifies against the current hash.
pub fn password_same_as_old() -> Message {
    Message::new(
        4000039,
        MessageType::Error,
        "The new password must be different from the old password.",
    )
}

/// 1070007 `Email` (the verification address input).
pub fn info_node_label_email() -> Message {
    Message::new(1070007, MessageType::Info, "Email")
}

/// 4050002: a profile change under `verify_new_address` changed more than one address.
pub fn settings_too_many_address_changes() -> Message {
    Message::new(
        4050002,
        MessageType::Error,
        "You can only change one address at a time. Please update each address separately.",
    )
}

/// 1070018 `Email or phone number`: the verification address input with an SMS channel.
pub fn info_node_label_email_or_phone() -> Message {
    Message::new(1070018, MessageType::Info, "Email or phone number")
}

/// 1070008 `Resend code`.
pub fn info_node_resend_code() -> Message {
    Message::new(1070008, MessageType::Info, "Resend code")
}

/// 1070009 `Continue`.
pub fn info_node_label_continue() -> Message {
    Message::new(1070009, MessageType::Info, "Continue")
}

/// 1070011 `Verification code`.
pub fn info_node_label_verification_code() -> Message {
    Message::new(1070011, MessageType::Info, "Verification code")
}

/// 1080002: an email address was verified.
pub fn verification_successful() -> Message {
    Message::new(
        1080002,
        MessageType::Success,
        "You successfully verified your email address.",
    )
}

/// 1080005: a phone number was verified.
pub fn verification_phone_successful() -> Message {
    Message::new(
        1080005,
        MessageType::Success,
        "You successfully verified your phone number.",
    )
}

/// 1080003: a verification code went out by email.
pub fn verification_code_sent() -> Message {
    Message::new(
        1080003,
        MessageType::Info,
        "An email containing a verification code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.",
    )
}

/// 1080004: a verification code went out by text message.
pub fn verification_code_sent_sms() -> Message {
    Message::new(
        1080004,
        MessageType::Info,
        "A text message containing a verification code has been sent to the phone number you provided. If you have not received a text message, check the spelling of the number and make sure to use the number you registered with.",
    )
}

/// 4010006: no verification strategy claimed the submission.
pub fn verification_no_strategy_found() -> Message {
    Message::new(
        4010006,
        MessageType::Error,
        "Could not find a strategy to verify your account with. Did you fill out the form correctly?",
    )
}

/// 4070002: the flow was completed already.
pub fn verification_retry_success() -> Message {
    Message::new(
        4070002,
        MessageType::Error,
        "The request was already completed successfully and can not be retried.",
    )
}

/// 4070003: the flow is in a failure state.
pub fn verification_state_failure() -> Message {
    Message::new(
        4070003,
        MessageType::Error,
        "The verification flow reached a failure state and must be retried.",
    )
}

/// 4070005 `The verification flow expired <m> minutes ago, please try again.`
pub fn verification_flow_expired(
    expired_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> Message {
    flow_expired(4070005, "verification", expired_at, now)
}

/// 4070006: a wrong, expired or used verification code.
pub fn verification_code_invalid() -> Message {
    Message::new(
        4070006,
        MessageType::Error,
        "The verification code is invalid or has already been used. Please try again.",
    )
}

/// 1080001: a verification link went out.
pub fn verification_email_sent() -> Message {
    Message::new(
        1080001,
        MessageType::Info,
        "An email containing a verification link has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.",
    )
}

/// 4070001: a wrong or used verification link.
pub fn verification_token_invalid() -> Message {
    Message::new(
        4070001,
        MessageType::Error,
        "The verification token is invalid or has already been used. Please retry the flow.",
    )
}

/// 1060002: a recovery link went out.
pub fn recovery_email_sent() -> Message {
    Message::new(
        1060002,
        MessageType::Info,
        "An email containing a recovery link has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.",
    )
}

/// 4060004: a wrong or used recovery link.
pub fn recovery_token_invalid() -> Message {
    Message::new(
        4060004,
        MessageType::Error,
        "The recovery token is invalid or has already been used. Please retry the flow.",
    )
}

/// 1070010 `Recovery code`.
pub fn info_node_label_recovery_code() -> Message {
    Message::new(1070010, MessageType::Info, "Recovery code")
}

/// 1060003: a recovery code went out by email.
pub fn recovery_code_sent() -> Message {
    Message::new(
        1060003,
        MessageType::Info,
        "An email containing a recovery code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.",
    )
}

/// 1060001: recovered; the session may change the password until `expires_at`.
pub fn recovery_successful(expires_at: time::OffsetDateTime, now: time::OffsetDateTime) -> Message {
    let minutes = (expires_at - now).as_seconds_f64() / 60.0;
    let at = crate::x::timefmt::rfc3339_nano(expires_at);
    Message::with_context(
        1060001,
        MessageType::Success,
        format!(
            "You successfully recovered your account. Please change your password or set up an alternative login method (e.g. social sign in) within the next {minutes:.2} minutes."
        ),
        json!({
            "privilegedSessionExpiresAt": at,
            "privileged_session_expires_at": at,
            "privileged_session_expires_at_unix": expires_at.unix_timestamp(),
        }),
    )
}

/// 4010005: no recovery strategy claimed the submission.
pub fn recovery_no_strategy_found() -> Message {
    Message::new(
        4010005,
        MessageType::Error,
        "Could not find a strategy to recover your account with. Did you fill out the form correctly?",
    )
}

/// 4060001: the recovery flow was completed already.
pub fn recovery_retry_success() -> Message {
    Message::new(
        4060001,
        MessageType::Error,
        "The request was already completed successfully and can not be retried.",
    )
}

/// 4060002: the recovery flow is in a failure state.
pub fn recovery_state_failure() -> Message {
    Message::new(
        4060002,
        MessageType::Error,
        "The recovery flow reached a failure state and must be retried.",
    )
}

/// 4060005 `The recovery flow expired <m> minutes ago, please try again.`
pub fn recovery_flow_expired(
    expired_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> Message {
    flow_expired(4060005, "recovery", expired_at, now)
}

/// 4060006: a wrong, expired or used recovery code.
pub fn recovery_code_invalid() -> Message {
    Message::new(
        4060006,
        MessageType::Error,
        "The recovery code is invalid or has already been used. Please try again.",
    )
}

/// 4010011: the account is disabled.
pub fn identity_disabled_recovery() -> Message {
    Message::new(
        4010011,
        MessageType::Error,
        "This account has been disabled. Please contact support for assistance.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// id → (type, template) from the reference catalogue.
    fn catalogue() -> HashMap<i64, (String, String)> {
        crate::text::tsv::rows()
            .iter()
            .map(|(id, row)| (*id, (row.kind.clone(), row.template.clone())))
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
            info_login(),
            info_login_reauth(),
            info_login_mfa(),
            info_login_password(),
            info_node_label_id(),
            invalid_credentials(),
            login_no_strategy_found(),
            info_node_label_save(),
            settings_update_success(),
            settings_no_strategy_found(),
            password_same_as_old(),
            info_node_label_email(),
            info_node_resend_code(),
            info_node_label_continue(),
            info_node_label_verification_code(),
            verification_successful(),
            verification_code_sent(),
            verification_code_sent_sms(),
            verification_no_strategy_found(),
            verification_retry_success(),
            verification_state_failure(),
            verification_code_invalid(),
            verification_email_sent(),
            verification_token_invalid(),
            recovery_email_sent(),
            recovery_token_invalid(),
            info_node_label_recovery_code(),
            recovery_code_sent(),
            recovery_no_strategy_found(),
            recovery_retry_success(),
            recovery_state_failure(),
            recovery_code_invalid(),
            identity_disabled_recovery(),
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

    /// A piece of a catalogue template: literal text, a `{...}` slot, or a `[...]` optional part.
    #[derive(Debug)]
    enum Piece {
        Literal(String),
        Slot,
        Optional(Vec<Piece>),
    }

    fn parse_template(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        while let Some(c) = chars.next() {
            match c {
                '{' => {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    // Slot descriptions nest braces (`{human-readable ...: password->'...'}`).
                    let mut depth = 1;
                    for c in chars.by_ref() {
                        depth += match c {
                            '{' => 1,
                            '}' => -1,
                            _ => 0,
                        };
                        if depth == 0 {
                            break;
                        }
                    }
                    pieces.push(Piece::Slot);
                }
                '[' => {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    pieces.push(Piece::Optional(parse_template(chars)));
                }
                ']' => break,
                c => literal.push(c),
            }
        }
        pieces.push(Piece::Literal(literal));
        pieces
    }

    /// Whether `text` can be produced by `pieces` (slots match one or more characters).
    fn matches(pieces: &[Piece], text: &str) -> bool {
        let Some((first, rest)) = pieces.split_first() else {
            return text.is_empty();
        };
        match first {
            Piece::Literal(l) => text
                .strip_prefix(l.as_str())
                .is_some_and(|t| matches(rest, t)),
            Piece::Slot => text
                .char_indices()
                .skip(1)
                .map(|(i, _)| i)
                .chain([text.len()])
                .any(|i| i > 0 && matches(rest, &text[i..])),
            Piece::Optional(inner) => {
                matches(rest, text)
                    || (1..=text.len())
                        .filter(|i| text.is_char_boundary(*i))
                        .any(|i| matches(inner, &text[..i]) && matches(rest, &text[i..]))
            }
        }
    }

    #[test]
    fn duplicate_credentials_with_hints_follows_the_catalogue() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (kind, template) = catalogue()[&4000028].clone();
        assert_eq!(kind, "error");
        let pieces = parse_template(&mut template.chars().peekable());
        let cases: Vec<(Vec<String>, Vec<String>, &str, &str)> = vec![
            (
                strings(&["password"]),
                vec![],
                "hint@example.com",
                "You tried signing in with hint@example.com which is already in use by another account. You can sign in using your password.",
            ),
            (
                vec![],
                vec![],
                "",
                "You tried signing in with an email, phone, or username which is already in use by another account.",
            ),
            (
                strings(&["webauthn", "password", "oidc"]),
                strings(&["google", "github"]),
                "a@b.c",
                "You tried signing in with a@b.c which is already in use by another account. You can sign in using social sign in, your password, or your passkey or a security key. You can sign in using one of the following social sign in providers: Github, Google.",
            ),
            (
                strings(&["oidc", "saml"]),
                strings(&["GitHub", "my-provider", "{tenant}-sso", "o'neil.x"]),
                "",
                "You tried signing in with an email, phone, or username which is already in use by another account. You can sign in using social sign in. You can sign in using one of the following social sign in providers: Github, My-Provider, O'neil.x, {tenant}-sso.",
            ),
            (
                strings(&["code"]),
                vec![],
                "+4915112345678",
                "You tried signing in with +4915112345678 which is already in use by another account. You can sign in using code.",
            ),
            (
                strings(&["passkey", "code", "password"]),
                vec![],
                "user",
                "You tried signing in with user which is already in use by another account. You can sign in using your passkey, or your password.",
            ),
            (
                vec![],
                strings(&["apple"]),
                "x",
                "You tried signing in with x which is already in use by another account. You can sign in using one of the following social sign in providers: Apple.",
            ),
        ];
        for (types, providers, hint, text) in cases {
            let m = duplicate_credentials_with_hints(&types, &providers, hint);
            assert_eq!(m.id, 4000028);
            assert_eq!(m.kind, MessageType::Error);
            assert_eq!(m.text, text);
            assert!(
                matches(&pieces, &m.text),
                "{} does not fit {template}",
                m.text
            );
            let mut sorted_types = types.clone();
            sorted_types.sort();
            let mut sorted_providers = providers.clone();
            sorted_providers.sort();
            assert_eq!(
                serde_json::to_value(&m).unwrap()["context"],
                json!({
                    "available_credential_types": sorted_types,
                    "available_oidc_providers": sorted_providers,
                    "credential_identifier_hint": hint,
                })
            );
        }
        assert!(!matches(
            &pieces,
            "You tried signing in with x which is already in use by another account. You can sign in using"
        ));
    }

    #[test]
    fn title_case_splits_words_like_go() {
        for (input, want) in [
            ("github", "Github"),
            ("GitHub", "Github"),
            ("my-provider two", "My-Provider Two"),
            ("my_provider", "My_provider"),
            ("1abc2def", "1Abc2def"),
            ("a.b..c", "A.b..C"),
            ("stra\u{df}e", "Stra\u{df}e"),
            ("\u{df}x", "Ssx"),
        ] {
            assert_eq!(title_case(input), want, "{input}");
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
        let m = login_flow_expired(at, at + time::Duration::seconds(90));
        assert_eq!(m.id, 4010001);
        assert_eq!(cat[&4010001].0, "error");
        assert_eq!(
            cat[&4010001].1,
            "The login flow expired {minutes_ago:%.2f} minutes ago, please try again."
        );
        assert_eq!(
            m.text,
            "The login flow expired 1.50 minutes ago, please try again."
        );
    }
}
