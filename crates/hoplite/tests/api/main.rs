//! Flow tests over real HTTP against a spawned hoplite, on every configured database (one test
//! binary, so it compiles once).

mod admin_identities;
mod app;
mod cli_identities;
mod courier;
mod hashing;
mod hibp;
mod kratos_db;
mod login;
mod mail;
mod openapi;
mod parity;
mod persistence;
mod recovery;
mod recovery_link;
mod registration;
mod registration_enumeration;
mod settings;
mod settings_notify;
mod settings_verify_new_address;
mod smtp_sink;
mod verification;
mod verification_link;
mod verification_sms;
