//! The `password` method (`ory/kratos: selfservice/strategy/password/`): registration, the password
//! policy and the breached-password check.

pub mod hibp;
pub mod login;
pub mod registration;
pub mod settings;
pub mod validator;
