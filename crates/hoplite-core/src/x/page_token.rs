//! The sealed page tokens of Kratos's newer keyset pagination (`ory/x:
//! pagination/keysetpagination_v2`), which the admin courier list uses: the last row's keys as
//! JSON, sealed with XChaCha20-Poly1305 under `secrets.pagination` and sent as URL-safe base64
//! (with padding) of nonce and ciphertext. Tokens expire an hour after they are made.
//!
//! - The key is SHA-512/256 of a `secrets.pagination` entry. The first seals, every one opens.
//! - Without `secrets.pagination`, a well-known all-zero key seals (the token is then only
//!   obscured); that key is always tried last.
//! - The additional data is `ory/keysetpagination_v2/page_token`, so a token sealed for
//!   another purpose under the same key does not open.
//!
//! A token made by Kratos opens here and the reverse, so a UI paging through messages keeps
//! working when one server replaces the other.

use crate::error::ErrorObject;
use crate::persistence::SessionCursor;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde_json::{Value, json};
use sha2::Digest as _;
use time::OffsetDateTime;
use uuid::Uuid;

const CONTEXT: &[u8] = b"ory/keysetpagination_v2/page_token";
const NONCE: usize = 24;

/// The keys of `secrets.pagination` (SHA-512/256 of each, as Kratos derives them).
pub fn keys(secrets: &[String]) -> Vec<[u8; 32]> {
    secrets
        .iter()
        .map(|s| sha2::Sha512_256::digest(s.as_bytes()).into())
        .collect()
}

/// Kratos's error for a token that does not open or does not fit (`ErrInvalidPaginationToken`).
pub fn invalid() -> ErrorObject {
    ErrorObject::bad_request().with_message("invalid pagination token")
}

/// The token of a page of rows ordered by `created_at` descending, then `id` (ascending), that
/// starts after `cursor`; it expires an hour after `now`.
pub fn seal(keys: &[[u8; 32]], cursor: &SessionCursor, now: OffsetDateTime) -> String {
    let body = json!({
        "e": crate::x::timefmt::rfc3339_nano(now + time::Duration::hours(1)),
        "c": [
            {"n": "created_at", "o": 1, "vt": crate::x::timefmt::rfc3339_nano(cursor.created_at)},
            {"n": "id", "vu": cursor.id.to_string()},
        ],
    });
    let key = keys.first().copied().unwrap_or([0; 32]);
    let cipher = XChaCha20Poly1305::new(&key.into());
    let nonce: [u8; NONCE] = rand::random();
    let plain = serde_json::to_vec(&body).expect("token serialises");
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &plain,
                aad: CONTEXT,
            },
        )
        .expect("XChaCha20-Poly1305 seals any length a page token has");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    URL_SAFE.encode(out)
}

/// The cursor a token carries: opened with each key, then the well-known one; expired, or not
/// made for rows ordered as [`seal`] orders them, is refused with Kratos's errors.
pub fn open(
    keys: &[[u8; 32]],
    token: &str,
    now: OffsetDateTime,
) -> Result<SessionCursor, ErrorObject> {
    let raw = URL_SAFE.decode(token).map_err(|_| invalid())?;
    if raw.len() < NONCE {
        return Err(invalid());
    }
    let (nonce, sealed) = raw.split_at(NONCE);
    let nonce = XNonce::from(<[u8; NONCE]>::try_from(nonce).map_err(|_| invalid())?);
    let plain = keys
        .iter()
        .chain(std::iter::once(&[0; 32]))
        .find_map(|key| {
            XChaCha20Poly1305::new(&(*key).into())
                .decrypt(
                    &nonce,
                    Payload {
                        msg: sealed,
                        aad: CONTEXT,
                    },
                )
                .ok()
        })
        .ok_or_else(invalid)?;
    let body: Value = serde_json::from_slice(&plain).map_err(|_| invalid())?;
    let time_of = |v: &Value| {
        v.as_str().and_then(|s| {
            OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        })
    };
    let expires = time_of(&body["e"]).ok_or_else(invalid)?;
    if expires < now {
        return Err(ErrorObject::bad_request()
            .with_message("page token expired, do not persist page tokens"));
    }
    let cols = body["c"].as_array().ok_or_else(invalid)?;
    let shape = |c: &Value| {
        (
            c["n"].as_str().unwrap_or_default().to_string(),
            c["o"].as_i64().unwrap_or(0),
            c["nl"].as_bool().unwrap_or(false),
        )
    };
    let expected = [
        ("created_at".to_string(), 1, false),
        ("id".to_string(), 0, false),
    ];
    if cols.len() != 2 || cols.iter().map(shape).ne(expected) {
        return Err(invalid());
    }
    let created_at = time_of(&cols[0]["vt"]).ok_or_else(invalid)?;
    let id = cols[1]["vu"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(invalid)?;
    Ok(SessionCursor { created_at, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    }

    #[test]
    fn a_token_opens_with_any_configured_key_and_not_with_another() {
        let now = at("2026-12-06T10:00:00Z");
        let cursor = SessionCursor {
            created_at: at("2026-12-06T09:28:54.391092Z"),
            id: Uuid::parse_str("fff5880b-2155-4075-bfb1-d2dff211f094").unwrap(),
        };
        let rotated = keys(&["new secret".into(), "old secret".into()]);
        let old = keys(&["old secret".into()]);
        let token = seal(&old, &cursor, now);
        assert_eq!(open(&rotated, &token, now).unwrap(), cursor);
        assert_eq!(
            open(&keys(&["other".into()]), &token, now)
                .unwrap_err()
                .message,
            "invalid pagination token"
        );
        // No configured secret: the well-known key, which every server also tries.
        let open_token = seal(&[], &cursor, now);
        assert_eq!(open(&rotated, &open_token, now).unwrap(), cursor);
    }

    #[test]
    fn tokens_expire_after_an_hour_and_tampering_is_refused() {
        let now = at("2026-12-06T10:00:00Z");
        let cursor = SessionCursor {
            created_at: at("2026-12-06T09:00:00Z"),
            id: Uuid::nil(),
        };
        let k = keys(&["s".into()]);
        let token = seal(&k, &cursor, now);
        assert!(open(&k, &token, now + time::Duration::minutes(59)).is_ok());
        let late = open(&k, &token, now + time::Duration::minutes(61)).unwrap_err();
        assert_eq!(
            late.message,
            "page token expired, do not persist page tokens"
        );
        let mut raw = URL_SAFE.decode(&token).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(open(&k, &URL_SAFE.encode(raw), now).is_err());
        assert!(open(&k, "not base64!", now).is_err());
        assert!(open(&k, "", now).is_err());
    }

    #[test]
    fn a_token_sealed_by_go_opens() {
        // Sealed by a throwaway Go program with `golang.org/x/crypto/chacha20poly1305` as
        // `keysetpagination_v2` seals (key SHA-512/256 of the secret, random nonce in front,
        // the context as additional data), expiring in 2100.
        let token = "UFPMswHeB19D2en_mrOl-WGKBi1exlA4DyChZnMDzEBgwy7UlftbLt8RGB9XVsEtFrvq4BfVZXon58Kjuqiop7R_FZLSjdr2Uruv6SbbyRQO8WgghUH1EHWxWq2MDNvx6hvQJFp-hQHVddWHqwT1As9cEQhdXNPTQjGv5pbwEORYfYUgZmufh56QKjXU8tK6qnW3u15du9oqe-hJ0UI_s6uEOTSc915B5rr4Gl5YMb2C4wQg94siBMxLqMz3";
        let cursor = open(
            &keys(&["kratos pagination secret".into()]),
            token,
            at("2026-12-06T10:00:00Z"),
        )
        .unwrap();
        assert_eq!(cursor.created_at, at("2026-12-06T09:28:54.391092Z"));
        assert_eq!(
            cursor.id.to_string(),
            "fff5880b-2155-4075-bfb1-d2dff211f094"
        );
    }

    #[test]
    fn the_sha512_256_key_is_kratos_s() {
        // `printf 'secret' | openssl dgst -sha512-256`
        assert_eq!(
            keys(&["secret".into()])[0]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
            "4407cbbbec93609705d83608b3790da3837b3a619dc73346d10b6133dceb5eb7"
        );
    }
}
