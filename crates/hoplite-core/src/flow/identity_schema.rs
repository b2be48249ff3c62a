//! The identity schema a flow asks for (`ory/kratos: selfservice/flow/flow_identity_schema.go`,
//! and the `identity_schema` query parameter the registration and login handlers read).

use crate::error::ErrorObject;
use crate::flow::RequestInfo;
use crate::registry::Registry;

/// The `identity_schema` query parameter of a flow-creating request: `None` when absent; an
/// error when it names a schema that does not exist or may not be used in self-service flows.
pub fn requested_identity_schema(
    reg: &Registry,
    req: &RequestInfo,
) -> Result<Option<String>, ErrorObject> {
    Ok(
        match req.query_param("identity_schema").filter(|s| !s.is_empty()) {
            None => None,
            Some(id) if id == reg.schemas.default_id => Some(id.to_string()),
            Some(id) => match reg.schemas.get(id) {
                None => {
                    return Err(ErrorObject::bad_request().with_reason(format!(
                        "Requested identity schema \"{id}\" does not exist."
                    )));
                }
                Some(s) if !s.selfservice_selectable => {
                    return Err(ErrorObject::bad_request().with_reason(format!(
                        "Requested identity schema \"{id}\" is not enabled for self-service flows."
                    )));
                }
                Some(_) => Some(id.to_string()),
            },
        },
    )
}
