//! Password hashing with Kratos's hashers and hash string formats (`ory/kratos: hash/`), run off the
//! async executor with bounded concurrency.

pub mod compare;
pub mod hasher;
pub use compare::{is_supported, needs_rehash, verify};
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

/// Whether an imported `hashed_password` is in a format hoplite can verify (Kratos answers 400
/// "The imported password does not match any known hash format." otherwise). For now bcrypt
/// (`$2a$`, `$2b$`, `$2y$`) and argon2 (`$argon2id$`, `$argon2i$`); the full set of Kratos's
/// import formats replaces this check.
pub fn is_supported_hash(hash: &str) -> bool {
    ["$2a$", "$2b$", "$2y$", "$argon2id$", "$argon2i$"]
        .iter()
        .any(|prefix| hash.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    #[test]
    fn supported_hash_prefixes() {
        assert!(super::is_supported_hash("$2a$04$abc"));
        assert!(super::is_supported_hash("$argon2id$v=19$m=16,t=2,p=1$x$y"));
        assert!(!super::is_supported_hash("$argon2d$v=19$x"));
        assert!(!super::is_supported_hash("{SSHA}abc"));
        assert!(!super::is_supported_hash(""));
    }
}
