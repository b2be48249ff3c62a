//! Password hashing with Kratos's hashers and hash string formats (`ory/kratos: hash/`), run off the
//! async executor with bounded concurrency.

pub mod compare;
pub mod hasher;
pub use compare::{is_supported, needs_rehash, verify};
pub use hasher::{HashError, PasswordHasher, busy_error, measure_hash_rate};

/// Whether an imported `hashed_password` is in a format hoplite can verify (Kratos answers 400
/// "The imported password does not match any known hash format." otherwise): every format
/// [`compare`] verifies.
pub fn is_supported_hash(hash: &str) -> bool {
    is_supported(hash)
}
