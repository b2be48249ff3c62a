//! The `code` method (`ory/kratos: selfservice/strategy/code/`): six-digit one-time codes sent by
//! the courier, stored only as an HMAC. So far it verifies addresses.

pub mod recovery;
pub mod verification;

use crate::registry::Registry;
use hmac::{Hmac, KeyInit, Mac};

/// A fresh code: six decimal digits, uniformly random (leading zeros possible).
pub fn generate_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..6)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// The secrets codes are keyed with, the first for new codes (Kratos's `SecretsSession`:
/// `secrets.cookie`, else `secrets.default`).
fn secrets(reg: &Registry) -> &[String] {
    let s = &reg.config.secrets;
    if s.cookie.is_empty() {
        &s.default
    } else {
        &s.cookie
    }
}

fn hmac_with(secret: &str, value: &str) -> String {
    let mut m = <Hmac<sha2::Sha512_256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes any key");
    m.update(value.as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The stored form of a new code: lowercase hex HMAC-SHA-512/256 with the first secret.
pub fn hmac_code(reg: &Registry, code: &str) -> String {
    hmac_with(secrets(reg).first().map_or("", String::as_str), code)
}

/// The stored forms a submitted code may have, one per secret (rotation).
pub fn hmac_candidates(reg: &Registry, code: &str) -> Vec<String> {
    secrets(reg).iter().map(|s| hmac_with(s, code)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = generate_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn the_hmac_is_go_s_hmac_sha512_256_in_hex() {
        // Go: hmac.New(sha512.New512_256, []byte("secret")); h.Write([]byte("123456")); %x
        let h = hmac_with("secret", "123456");
        assert_eq!(h.len(), 64);
        assert_eq!(h, hmac_with("secret", "123456"));
        assert_ne!(h, hmac_with("other", "123456"));
    }
}

/// A stored verification code (`identity_verification_codes`).
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationCode {
    pub id: uuid::Uuid,
    /// [`hmac_code`] of the code.
    pub code_hmac: String,
    /// The address it verifies; `None` for a code sent to the new address of a pending profile
    /// change (`verify_new_address`), which has no row yet.
    pub address_id: Option<uuid::Uuid>,
    pub flow_id: uuid::Uuid,
    pub issued_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
}

/// What submitting a code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeUse {
    /// A live code of the flow matched and is now used up; the address it verifies (`None`:
    /// the flow's pending profile change).
    Used { address_id: Option<uuid::Uuid> },
    /// No live code of the flow matches (wrong, expired or never sent).
    NotFound,
    /// It matched a code used before.
    AlreadyUsed,
    /// The flow had its attempts already (`max_submissions`), whatever was sent.
    TooOften,
}

/// A stored recovery code (`identity_recovery_codes`).
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryCode {
    pub id: uuid::Uuid,
    /// [`hmac_code`] of the code.
    pub code_hmac: String,
    /// The address it was sent to; `None` for codes the admin API made.
    pub address_id: Option<uuid::Uuid>,
    pub identity_id: uuid::Uuid,
    pub flow_id: uuid::Uuid,
    /// Kratos's `code_type`: 1 made by the admin API, 2 sent by the self-service flow.
    pub code_type: i64,
    pub issued_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
}

/// What submitting a recovery code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryCodeUse {
    /// A live code matched and is used up.
    Used {
        identity_id: uuid::Uuid,
        address_id: Option<uuid::Uuid>,
        code_type: i64,
    },
    NotFound,
    AlreadyUsed,
    TooOften,
}
