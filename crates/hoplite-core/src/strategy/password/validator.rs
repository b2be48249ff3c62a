//! Kratos's password policy (`ory/kratos: selfservice/strategy/password/validator.go`): minimum
//! length, similarity to the identifier. (The breached-password check is separate, in
//! [`super::hibp`]: it needs HTTP and a cache.)

use serde_json::json;

use crate::config::PasswordMethod;
use crate::hash::hasher::BCRYPT_MAX_PASSWORD_LENGTH;
use crate::text::{Message, MessageType};
use crate::x::gostrings::go_to_lower;

/// Operands longer than this (in bytes, before and after lower-casing) skip the similarity check,
/// as in Kratos: it bounds the O(n·m) comparison, and real identifiers are far shorter.
const MAX_SIMILARITY_CHECK_LENGTH: usize = 256;
/// A Levenshtein distance below this means "too similar".
const MIN_IDENTIFIER_PASSWORD_DISTANCE: usize = 5;
/// A longest-common-substring share of the password above this means "too similar".
const MAX_IDENTIFIER_PASSWORD_SUBSTRING_RATIO: f32 = 0.5;

/// Checks `password` against the policy for one `identifier`; the error is the UI message to put on
/// the `password` node (4000032 too short, 4000031 too similar).
pub fn validate_password(
    cfg: &PasswordMethod,
    identifier: &str,
    password: &str,
) -> Result<(), Message> {
    // Kratos compares the byte length, so "é" counts as two characters here.
    if password.len() < cfg.min_password_length {
        return Err(min_length_message(cfg.min_password_length, password.len()));
    }

    if cfg.identifier_similarity_check_enabled
        && !identifier.is_empty()
        && identifier.len() <= MAX_SIMILARITY_CHECK_LENGTH
        && password.len() <= MAX_SIMILARITY_CHECK_LENGTH
    {
        let identifier = go_to_lower(identifier);
        let password = go_to_lower(password);
        // Lower-casing can change the byte length, so Kratos checks the bound again.
        if identifier.len() <= MAX_SIMILARITY_CHECK_LENGTH
            && password.len() <= MAX_SIMILARITY_CHECK_LENGTH
            && too_similar(&identifier, &password)
        {
            return Err(too_similar_message());
        }
    }

    Ok(())
}

/// 4000032 `The password must be at least <min> characters long, but got <actual>.`
pub fn min_length_message(min: usize, actual: usize) -> Message {
    Message::with_context(
        4000032,
        MessageType::Error,
        format!("The password must be at least {min} characters long, but got {actual}."),
        json!({ "min_length": min, "actual_length": actual }),
    )
}

/// 4000031 `The password can not be used because it is too similar to the identifier.`
pub fn too_similar_message() -> Message {
    Message::new(
        4000031,
        MessageType::Error,
        "The password can not be used because it is too similar to the identifier.",
    )
}

/// 4000033 for a bcrypt password of `len` bytes (the hasher's [`crate::hash::HashError::TooLong`]).
pub fn too_long_message(len: usize) -> Message {
    crate::text::messages::password_max_length(BCRYPT_MAX_PASSWORD_LENGTH, len)
}

fn too_similar(identifier: &str, password: &str) -> bool {
    if levenshtein(identifier, password) < MIN_IDENTIFIER_PASSWORD_DISTANCE {
        return true;
    }
    // Kratos divides a character count by a byte length, in float32. An empty password gives
    // 0/0 = NaN, which compares false in Go and Rust alike.
    let ratio = go_lcs_length(identifier, password) as f32 / password.len() as f32;
    ratio > MAX_IDENTIFIER_PASSWORD_SUBSTRING_RATIO
}

/// Levenshtein distance over Unicode code points (Kratos uses `github.com/arbovm/levenshtein`,
/// which works on runes), with unit costs.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The longest common substring length as Kratos computes it. Kratos walks both strings character
/// by character but indexes its dynamic-programming table by *byte* offsets and looks up the
/// predecessor at byte offset − 1. After a multi-byte character that offset is a continuation byte
/// whose cell is never written, so a run only extends when both preceding characters are
/// single-byte. For ASCII this is the exact longest common substring; for other text it is
/// smaller, and the result is in characters, not bytes. Reproduced for identical accept/reject
/// decisions.
fn go_lcs_length(a: &str, b: &str) -> usize {
    let width = b.len();
    let mut lengths = vec![0usize; a.len() * width];
    let mut greatest = 0;
    for (i, x) in a.char_indices() {
        for (j, y) in b.char_indices() {
            if x == y {
                let current = if i != 0 && j != 0 {
                    lengths[(i - 1) * width + j - 1] + 1
                } else {
                    1
                };
                greatest = greatest.max(current);
                lengths[i * width + j] = current;
            }
        }
    }
    greatest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tsv::assert_matches_tsv;

    fn policy(min: usize, similarity: bool) -> PasswordMethod {
        PasswordMethod {
            enabled: true,
            min_password_length: min,
            identifier_similarity_check_enabled: similarity,
            haveibeenpwned_enabled: false,
            haveibeenpwned_host: "api.pwnedpasswords.com".into(),
            max_breaches: 0,
            ignore_network_errors: true,
            profile_registration_node_group: "default".into(),
        }
    }

    #[test]
    fn messages_match_messages_tsv() {
        let short = min_length_message(8, 3);
        assert_matches_tsv(&short);
        assert_eq!(
            short.text,
            "The password must be at least 8 characters long, but got 3."
        );
        assert_eq!(
            serde_json::to_string(&short).unwrap(),
            r#"{"id":4000032,"text":"The password must be at least 8 characters long, but got 3.","type":"error","context":{"actual_length":3,"min_length":8}}"#
        );
        assert_matches_tsv(&too_similar_message());
        assert!(too_similar_message().context.is_none());
        let long = too_long_message(80);
        assert_matches_tsv(&long);
        assert_eq!(
            long.text,
            "The password must be at most 72 characters long, but got 80."
        );
    }

    #[test]
    fn too_short_passwords_are_rejected_by_byte_length() {
        let cfg = policy(8, false);
        assert_eq!(
            validate_password(&cfg, "", "1234567"),
            Err(min_length_message(8, 7))
        );
        assert_eq!(
            validate_password(&cfg, "", ""),
            Err(min_length_message(8, 0))
        );
        assert_eq!(validate_password(&cfg, "", "12345678"), Ok(()));
        // Four two-byte characters are eight bytes: long enough.
        assert_eq!(validate_password(&cfg, "", "éééé"), Ok(()));
        assert_eq!(
            validate_password(&cfg, "", "ééé"),
            Err(min_length_message(8, 6))
        );
    }

    #[test]
    fn length_is_checked_before_similarity() {
        let cfg = policy(8, true);
        assert_eq!(
            validate_password(&cfg, "foo@bar.com", "foo"),
            Err(min_length_message(8, 3))
        );
    }

    #[test]
    fn passwords_similar_to_the_identifier_are_rejected() {
        let cfg = policy(8, true);
        for (identifier, password) in [
            ("foo@bar.com", "foo@bar.com1"),
            ("foo@bar.com", "foo@bar.com"),
            // Case does not help.
            ("foo@bar.com", "FOO@BAR.COM12"),
            // Far in edit distance, but more than half of the password is the identifier.
            ("aaaaaaaaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaaaaaaaaTUmG7hz"),
            ("john.doe", "xjohn.doe!!aa"),
        ] {
            assert_eq!(
                validate_password(&cfg, identifier, password),
                Err(too_similar_message()),
                "{password}"
            );
        }
    }

    #[test]
    fn unrelated_passwords_are_accepted() {
        let cfg = policy(8, true);
        for (identifier, password) in [
            ("foo@bar.com", "9x!Lq#2vR%m8Zt"),
            ("foo@bar.com", "correct horse battery staple"),
            ("john.doe@example.org", "tr0ub4dor&3xyz"),
        ] {
            assert_eq!(
                validate_password(&cfg, identifier, password),
                Ok(()),
                "{password}"
            );
        }
    }

    #[test]
    fn similarity_check_can_be_disabled_or_skipped() {
        assert_eq!(
            validate_password(&policy(8, false), "foo@bar.com", "foo@bar.com1"),
            Ok(())
        );
        // No identifier: nothing to compare with.
        assert_eq!(
            validate_password(&policy(8, true), "", "foo@bar.com1"),
            Ok(())
        );
        // Over 256 bytes: skipped to bound the quadratic work.
        let long = "a".repeat(257);
        assert_eq!(validate_password(&policy(8, true), &long, &long), Ok(()));
        assert_eq!(validate_password(&policy(8, true), "a", &long), Ok(()));
        let exactly = "a".repeat(256);
        assert_eq!(
            validate_password(&policy(8, true), &exactly, &exactly),
            Err(too_similar_message())
        );
        // U+023A (2 bytes) lower-cases to U+2C65 (3 bytes): 128 of them grow from 256 to 384 bytes,
        // so the re-check after lower-casing skips the comparison.
        let grows = "\u{23A}".repeat(128);
        assert_eq!(grows.len(), 256);
        assert_eq!(validate_password(&policy(8, true), &grows, &grows), Ok(()));
    }

    #[test]
    fn levenshtein_counts_code_points() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        // One substitution, although the bytes differ in length.
        assert_eq!(levenshtein("é", "e"), 1);
        assert_eq!(levenshtein("日本語", "日本人"), 1);
    }

    #[test]
    fn lcs_is_exact_for_ascii() {
        assert_eq!(go_lcs_length("foo@bar.com", "xxbar.comyy"), 7);
        assert_eq!(go_lcs_length("abcdef", "zzzz"), 0);
        assert_eq!(go_lcs_length("", "abc"), 0);
        assert_eq!(go_lcs_length("abc", ""), 0);
        assert_eq!(go_lcs_length("ab", "ab"), 2);
    }

    #[test]
    fn lcs_reproduces_kratos_multibyte_quirk() {
        // A run continues only if both preceding characters are single-byte.
        assert_eq!(go_lcs_length("éé", "éé"), 1);
        assert_eq!(go_lcs_length("日本語", "日本語"), 1);
        // After an ASCII character the run goes on, and its length is in characters.
        assert_eq!(go_lcs_length("aé", "aé"), 2);
        assert_eq!(go_lcs_length("éab", "éab"), 2);
        // ... but a multi-byte character breaks it for what follows.
        assert_eq!(go_lcs_length("abéc", "abéc"), 3);
    }

    #[test]
    fn multibyte_similarity_follows_kratos() {
        let cfg = policy(8, true);
        // Edit distance 6. The exact longest common substring is the whole identifier (10 of 17
        // bytes: too similar), but Kratos's run breaks after `é`: max(5, 5) / 17, so it accepts.
        assert_eq!(
            validate_password(&cfg, "abcdéfghij", "abcdéfghijxyzwvu"),
            Ok(())
        );
        // Without the multi-byte character the same shape is rejected.
        assert_eq!(
            validate_password(&cfg, "abcdefghij", "abcdefghijxyzwvu"),
            Err(too_similar_message())
        );
    }
}
