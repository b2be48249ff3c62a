//! Password hashing with Kratos's hashers and hash string formats (`ory/kratos: hash/`), run off the
//! async executor with bounded concurrency.

pub mod compare;
pub mod hasher;
pub use compare::{is_supported, needs_rehash, verify};
pub use hasher::{HashError, PasswordHasher};
