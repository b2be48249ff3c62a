//! Small helpers shared by every flow (Kratos's `x/` package): CSRF tokens, identifier
//! normalisation, time formatting, random strings, the outbound HTTP port.

pub mod csrf;
pub mod http_client;
pub mod normalize;
pub mod timefmt;
