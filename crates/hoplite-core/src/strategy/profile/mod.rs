//! The `profile` method: the first screen of two-step registration.

pub mod registration;
