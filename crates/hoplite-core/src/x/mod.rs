//! Small helpers shared by every flow (Kratos's `x/` package): CSRF tokens, time formatting, the
//! outbound HTTP port, Go-compatible URLs and Go's string case mapping.

pub mod csrf;
pub mod gojson;
pub mod gostrings;
pub mod gourl;
pub mod http_client;
pub mod jsonpatch;
pub mod page_token;
pub mod pagination;
pub mod securecookie;
pub mod timefmt;
