//! A profile change waiting for its new address to be verified (`verify_new_address`, Kratos's
//! `identity.PendingTraitsChange` in `identity_pending_traits_changes`): the proposed traits are
//! applied only when the code or link sent to the new address is used.

use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// One waiting change.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingTraitsChange {
    pub id: Uuid,
    pub identity_id: Uuid,
    /// The address being added, as the schema's extension made it (E.164 for `sms`).
    pub new_address_value: String,
    pub new_address_via: String,
    /// [`hash_stored_traits`] of the traits when the change was asked for: the change applies
    /// only to that identity state.
    pub original_traits_hash: String,
    pub proposed_traits: Value,
    pub verification_flow_id: Uuid,
    /// `pending`; Kratos never writes another value (the flow's state and the one-time code are
    /// what stop a second use).
    pub status: String,
    /// The session that asked; the change dies with it.
    pub session_id: Option<Uuid>,
    /// The settings flow it came from.
    pub origin_settings_flow_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Kratos's `HashTraits` of the traits as stored: the hex SHA-256 of the column's text with the
/// whitespace between tokens removed and nothing else changed (Go's `json.Compact`: keys in the
/// stored order, strings with the stored escapes, such as the `\u003c` Go writes for `<` in
/// SQLite and MySQL text), or of the text itself when it is not JSON. Hashing the text rather than
/// the parsed traits is what makes a change Kratos parked apply in hoplite, and the reverse.
pub fn hash_stored_traits(stored: &str) -> String {
    let bytes = match serde_json::from_str::<serde::de::IgnoredAny>(stored) {
        Ok(_) => compact(stored),
        Err(_) => stored.as_bytes().to_vec(),
    };
    hex(&Sha256::digest(&bytes))
}

/// The hash of traits that were not read from the database (the identity changed between the
/// session's read and the change): Kratos hashes its copy in memory, which no stored text
/// matches once it differs.
pub fn hash_traits(traits: &Value) -> String {
    hex(&Sha256::digest(
        serde_json::to_vec(traits).unwrap_or_default(),
    ))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Valid JSON text without the spaces, tabs and line breaks between its tokens.
fn compact(json: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in json.as_bytes() {
        if in_string {
            out.push(b);
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            in_string = b == b'"';
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_stored_text_is_hashed_compacted_and_otherwise_as_is() {
        // `printf '{"email":"a@example.com"}' | sha256sum`: PostgreSQL's `jsonb` text, with its
        // spaces, hashes as the compact text.
        let expected = "7f777fc16f227ee680879e727d3570771de182ef1de65af190f52b4dc878e6ed";
        assert_eq!(
            hash_stored_traits(r#"{"email": "a@example.com"}"#),
            expected
        );
        assert_eq!(
            hash_stored_traits("{\n \"email\":\t\"a@example.com\"\r}"),
            expected
        );
        // Spaces inside strings, escapes and key order are kept:
        // `printf '{"n":"a \\u003c b","e":"x\\"y"}' | sha256sum`
        assert_eq!(
            hash_stored_traits(r#"{"n": "a \u003c b", "e": "x\"y"}"#),
            "7cbecf903d77c923f687910a1f822f49d926721908a0d126645dab4caa29e50f"
        );
        assert_ne!(
            hash_stored_traits(r#"{"n":"a \u003c b"}"#),
            hash_stored_traits(r#"{"n":"a < b"}"#)
        );
        // Not JSON: the text as it is.
        assert_eq!(
            hash_stored_traits("{"),
            "021fb596db81e6d02bf3d2586ee3981fe519f275c0ac9ca76bbcf2ebb4097d96"
        );
    }

    #[test]
    fn the_hash_is_sha256_of_compact_json() {
        // `printf '{"email":"a@example.com"}' | sha256sum`
        assert_eq!(
            hash_traits(&json!({"email": "a@example.com"})),
            "7f777fc16f227ee680879e727d3570771de182ef1de65af190f52b4dc878e6ed"
        );
    }
}
