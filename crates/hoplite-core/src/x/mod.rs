//! Small helpers shared by every flow (Kratos's `x/` package): CSRF tokens, identifier
//! normalisation, time formatting, random strings, the outbound HTTP port, Go-compatible URLs.

pub mod csrf;
pub mod gourl;
pub mod http_client;
pub mod normalize;
pub mod timefmt;
