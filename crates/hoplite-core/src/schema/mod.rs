//! Identity JSON schemas: loading (`file://`, `base64://`), the Kratos meta-schema check, trait
//! validation and the `ory.sh/kratos` extension (`ory/kratos: schema/`, `identity/extension_*.go`).

pub mod errors;
pub mod extension;
pub mod handler;
pub mod registry;

pub use errors::FieldMessage;
pub use extension::Extensions;
pub use registry::{IdentitySchema, SchemaRegistry};
