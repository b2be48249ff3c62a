//! Password hashing with Kratos's hashers and hash string formats (`ory/kratos: hash/`), run off the
//! async executor with bounded concurrency.

pub mod compare;
pub mod hasher;
pub use compare::{ImportRefusal, check_import, is_supported, needs_rehash, verify};
pub use hasher::{HashError, PasswordHasher, busy_error, measure_hash_rate};

/// The 400 reason Kratos gives for an imported `hashed_password` that can not be used, or `None`
/// when hoplite can verify it (every format [`compare`] verifies, within its cost bounds).
pub fn imported_hash_problem(hash: &str) -> Option<&'static str> {
    match check_import(hash) {
        Ok(()) => None,
        Err(ImportRefusal::UnknownFormat) => {
            Some("The imported password does not match any known hash format.")
        }
        Err(ImportRefusal::Unparseable) => Some("The imported password hash could not be parsed."),
        Err(ImportRefusal::OutOfBounds) => Some(
            "The imported password hash declares cost parameters that exceed the bounds enforced by Ory. Re-hash the password with a more conservative configuration before importing.",
        ),
    }
}
