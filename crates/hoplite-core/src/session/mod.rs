//! Sessions (`ory/kratos: session/session.go`).

pub mod cookie;
pub mod handler;
pub mod manager;
pub mod token_exchange;

use crate::identity::Identity;
use crate::x::timefmt::serde_rfc3339;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// `session`. The token is never serialised (spec §16.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: Uuid,
    /// The stored flag (`sessions.active`), serialised as is; whether the session authenticates a
    /// request also depends on expiry and the identity's state ([`Session::is_active`]).
    pub active: bool,
    #[serde(with = "serde_rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub authenticated_at: OffsetDateTime,
    pub authenticator_assurance_level: String,
    pub authentication_methods: Vec<AuthenticationMethod>,
    #[serde(with = "serde_rfc3339")]
    pub issued_at: OffsetDateTime,
    pub identity: Option<Identity>,
    pub devices: Vec<Device>,
    #[serde(skip)]
    pub identity_id: Uuid,
    #[serde(skip)]
    pub token: String,
    #[serde(skip)]
    pub logout_token: String,
}

/// A session as `whoami` answers it: what decides whether it authenticates a request, and the
/// rendered answer (the identity's public view, no credentials or admin metadata), made once.
/// A storage may hand the same view to every whoami that reads the same rows.
#[derive(Debug)]
pub struct WhoamiView {
    pub identity_id: Uuid,
    active: bool,
    expires_at: OffsetDateTime,
    identity_active: bool,
    pub body: std::sync::Arc<[u8]>,
}

impl WhoamiView {
    /// The view of `session` (read with its identity).
    pub fn of(mut session: Session) -> Self {
        let identity_active = session
            .identity
            .as_ref()
            .is_none_or(|i| i.state == "active");
        session.identity = session.identity.map(|i| i.public_view());
        WhoamiView {
            identity_id: session.identity_id,
            active: session.active,
            expires_at: session.expires_at,
            identity_active,
            // As Go writes it (escaped, with the newline).
            body: crate::x::gojson::go_escape(
                serde_json::to_vec(&session).expect("session serialises"),
            )
            .into(),
        }
    }

    /// [`Session::is_active`] of the session this view was made from.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.active && self.expires_at > now && self.identity_active
    }
}

/// `sessionAuthenticationMethod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationMethod {
    pub method: String,
    pub aal: String,
    #[serde(with = "serde_rfc3339")]
    pub completed_at: OffsetDateTime,
}

/// `sessionDevice`. Kratos's fields are pointers: `ip_address` and `location` are always set, but
/// `user_agent` is `null` when the request had no `User-Agent` header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: Uuid,
    pub ip_address: String,
    pub user_agent: Option<String>,
    pub location: String,
}

impl Session {
    /// Whether the session authenticates requests at `now` (identity state is checked only when the
    /// identity was loaded, as Kratos does).
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.active
            && self.expires_at > now
            && self.identity.as_ref().is_none_or(|i| i.state == "active")
    }
}

/// A random string of `n` ASCII letters and digits (Kratos's `randx.AlphaNum`).
pub fn random_alphanumeric(n: usize) -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

/// A random string of `n` ASCII letters (Kratos's `randx.Alpha`).
pub fn random_letters(n: usize) -> String {
    use rand::Rng;
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(LETTERS[rng.random_range(0..LETTERS.len())]))
        .collect()
}

/// `ory_st_` + 32 alphanumerics (≈ 190 bits), as Kratos makes them: Kratos's `sessions.token`
/// column holds 39 characters, and hoplite serves Kratos's tables.
pub fn new_session_token() -> String {
    format!("ory_st_{}", random_alphanumeric(32))
}

/// `ory_lo_` + 32 alphanumerics.
pub fn new_logout_token() -> String {
    format!("ory_lo_{}", random_alphanumeric(32))
}
