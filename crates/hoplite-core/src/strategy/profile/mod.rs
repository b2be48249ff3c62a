//! The `profile` method: the first screen of two-step registration, and trait changes in the
//! settings flow.

pub mod registration;
pub mod settings;
