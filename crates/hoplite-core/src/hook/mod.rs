//! Hooks other flows run after they succeed (`ory/kratos: selfservice/hook/`).

pub mod verification;
