//! Password hashing with Kratos's hashers and hash string formats (`ory/kratos: hash/`), run off the
//! async executor with bounded concurrency.

pub mod hasher;
pub use hasher::{HashError, PasswordHasher};

/// Whether a stored hash should be replaced by one from the configured hasher after a successful
/// sign-in: another algorithm, or bcrypt with a lower cost than configured.
pub fn needs_rehash(stored: &str, configured: &crate::config::Hashers) -> bool {
    use crate::config::Hashers;
    let is_bcrypt = ["$2a$", "$2b$", "$2y$", "$2x$"]
        .iter()
        .any(|p| stored.starts_with(p));
    match configured {
        Hashers::Bcrypt { cost } => {
            if !is_bcrypt {
                return true;
            }
            let stored_cost = stored
                .get(4..6)
                .and_then(|c| c.parse::<u32>().ok())
                .unwrap_or(0);
            stored_cost < *cost
        }
        Hashers::Argon2 { .. } => !stored.starts_with("$argon2id$"),
    }
}
