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

/// `<public><route>?flow=<id>&token=<token>` (keys sorted, as Go writes them).
pub fn link_url(
    reg: &crate::registry::Registry,
    route: &str,
    flow_id: Uuid,
    token: &str,
) -> String {
    use crate::flow::{public_url, with_query_param};
    with_query_param(
        &with_query_param(
            &public_url(reg.public_base(), route),
            "flow",
            &flow_id.to_string(),
        ),
        "token",
        token,
    )
}

/// What opening a link found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// A live token of the flow, used up now.
    Live(UsedToken),
    /// No unused token of the flow matches (wrong, made up, or used before).
    Invalid,
    /// The token matched but expired at this time; it is used up all the same, as in Kratos.
    Expired(OffsetDateTime),
}

/// Consumes the token of `flow_id` a link carried (Kratos's `Use*Token`, then `Valid`).
pub async fn open(
    reg: &crate::registry::Registry,
    kind: TokenKind,
    flow_id: Uuid,
    token: &str,
    now: OffsetDateTime,
) -> Result<Opened, crate::persistence::StoreError> {
    let hmacs = crate::strategy::code::hmac_candidates(reg, token);
    Ok(
        match reg
            .persister
            .use_link_token(kind, flow_id, &hmacs, now)
            .await?
        {
            None => Opened::Invalid,
            Some(t) if t.expires_at < now => Opened::Expired(t.expires_at),
            Some(t) => Opened::Live(t),
        },
    )
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
