//! Small helpers shared by every flow (Kratos's `x/` package): CSRF tokens, identifier
//! normalisation, time formatting, random strings.

pub mod csrf;
pub mod normalize;
pub mod timefmt;
