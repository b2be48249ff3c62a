//! Password hashing with Kratos's hashers and hash string formats (`ory/kratos: hash/`), run off the
//! async executor with bounded concurrency.

pub mod hasher;
pub use hasher::{HashError, PasswordHasher};
