//! The `link` method (`ory/kratos: selfservice/strategy/link/`): a 32-character token in a URL
//! sent by the courier, stored only as an HMAC (keyed like one-time codes). So far it verifies
//! addresses.

pub mod recovery;
pub mod verification;

use time::OffsetDateTime;
use uuid::Uuid;

/// A fresh token: 32 characters from `[A-Za-z0-9]`, uniformly random.
pub fn generate_token() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Which table a token lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `identity_verification_tokens`.
    Verification,
    /// `identity_recovery_tokens`.
    Recovery,
}

/// A stored link token.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkToken {
    pub id: Uuid,
    /// [`crate::strategy::code::hmac_code`] of the token.
    pub token_hmac: String,
    /// The address it was sent to; `None` for recovery tokens the admin API made.
    pub address_id: Option<Uuid>,
    /// Recovery tokens only: the identity it recovers.
    pub identity_id: Option<Uuid>,
    pub flow_id: Uuid,
    /// Recovery tokens only (Kratos's `token_type`): 1 made by the admin API, 2 self-service.
    pub token_type: i64,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A token that was live (not used) and is used up now. Whether it had expired is for the
/// caller to say, as Kratos consumes first and checks the time after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsedToken {
    pub address_id: Option<Uuid>,
    pub identity_id: Option<Uuid>,
    pub token_type: i64,
    pub expires_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_32_alphanumerics() {
        let t = super::generate_token();
        assert_eq!(t.len(), 32);
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(t, super::generate_token());
    }
}
