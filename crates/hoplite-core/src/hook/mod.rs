//! Hooks other flows run after they succeed (`ory/kratos: selfservice/hook/`).

pub mod notify_previous_addresses;
pub mod verification;
pub mod verify_new_address;
