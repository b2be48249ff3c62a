//! Kratos's nosurf-style double-submit CSRF tokens (`ory/kratos: x/nosurfx`, `ory/nosurf`): a random
//! 32-byte "real" token lives in an HttpOnly cookie; forms carry a per-request *masked* copy.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const TOKEN_LEN: usize = 32;

/// `csrf_token_<hex sha256(public base URL)>`: the name depends on the URL string exactly as
/// configured, trailing slash included, as in Kratos.
pub fn cookie_name(public_base_url: &str) -> String {
    let digest = Sha256::digest(public_base_url.as_bytes());
    let mut name = String::from("csrf_token_");
    for b in digest {
        name.push_str(&format!("{b:02x}"));
    }
    name
}

/// A fresh real token: standard base64 (padded) of 32 random bytes.
pub fn generate_real_token() -> String {
    let mut bytes = [0u8; TOKEN_LEN];
    rand::rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// A new CSRF cookie value (see [`generate_real_token`]) and a masked token from it, for a flow
/// that stores the token of the cookie its answer sets.
pub fn fresh_token() -> (String, String) {
    let real = generate_real_token();
    let masked = decode_real(&real).map(|r| mask(&r)).unwrap_or_default();
    (real, masked)
}

/// The real token's bytes when a cookie value is a valid token (base64 of exactly 32 bytes).
pub fn decode_real(value: &str) -> Option<[u8; TOKEN_LEN]> {
    let bytes = STANDARD.decode(value).ok()?;
    bytes.try_into().ok()
}

/// A masked token: base64 of 32 random key bytes followed by (real XOR key); new on every call.
pub fn mask(real: &[u8; TOKEN_LEN]) -> String {
    let mut key = [0u8; TOKEN_LEN];
    rand::rng().fill_bytes(&mut key);
    let mut out = Vec::with_capacity(TOKEN_LEN * 2);
    out.extend_from_slice(&key);
    out.extend(real.iter().zip(key.iter()).map(|(r, k)| r ^ k));
    STANDARD.encode(out)
}

/// Decodes a sent token that is either masked (64 bytes) or plain (32 bytes).
fn unmask(sent: &str) -> Option<[u8; TOKEN_LEN]> {
    let bytes = STANDARD.decode(sent).ok()?;
    match bytes.len() {
        TOKEN_LEN => bytes.try_into().ok(),
        n if n == TOKEN_LEN * 2 => {
            let (key, masked) = bytes.split_at(TOKEN_LEN);
            let mut real = [0u8; TOKEN_LEN];
            for i in 0..TOKEN_LEN {
                real[i] = key[i] ^ masked[i];
            }
            Some(real)
        }
        _ => None,
    }
}

/// Whether a sent token (masked or not) matches the real token, in constant time.
pub fn verify(sent: &str, real: &[u8; TOKEN_LEN]) -> bool {
    match unmask(sent) {
        Some(s) => bool::from(s.ct_eq(real)),
        None => false,
    }
}

/// Whether two tokens (each masked or plain) carry the same real token.
pub fn tokens_match(a: &str, b: &str) -> bool {
    match (unmask(a), unmask(b)) {
        (Some(a), Some(b)) => bool::from(a.ct_eq(&b)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_name_matches_kratos_for_the_default_url() {
        assert_eq!(
            cookie_name("http://127.0.0.1:4433/"),
            "csrf_token_806060ca5bf70dff3caa0e5c860002aade9d470a5a4dce73bcfa7ba10778f481"
        );
    }

    #[test]
    fn masked_tokens_differ_but_verify() {
        let real = decode_real(&generate_real_token()).unwrap();
        let a = mask(&real);
        let b = mask(&real);
        assert_ne!(a, b);
        assert!(verify(&a, &real));
        assert!(tokens_match(&a, &b));
        let other = decode_real(&generate_real_token()).unwrap();
        assert!(!verify(&a, &other));
        assert!(!verify("not base64!", &real));
        assert!(!verify("", &real));
    }
}
