//! The admin identity API, the part registration needs (`ory/kratos: identity/handler.go`).

use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::registry::Registry;
use serde_json::{Value, json};

/// The credential types Kratos's `ParseCredentialsType` accepts (`identity/credentials.go`): not
/// `profile` nor `identifier_first`, but the recovery types `link_recovery` and `code_recovery`.
const CREDENTIAL_TYPES: &[&str] = &[
    "password",
    "oidc",
    "saml",
    "totp",
    "lookup_secret",
    "webauthn",
    "code",
    "link_recovery",
    "code_recovery",
    "deviceauthn",
    "passkey",
];

/// Which value an `include_credential` error reason shows.
#[derive(Clone, Copy)]
enum Reason {
    /// The invalid value itself (`listIdentities`).
    Value,
    /// Go's `%s` of the types parsed before the invalid one, e.g. `[]` or `[password oidc]`
    /// (`getIdentity` formats its `declassify` slice).
    ParsedSoFar,
}

/// The `include_credential` query values; an unknown type is a 400 as in Kratos.
fn include_credentials(req: &RequestInfo, reason: Reason) -> Result<Vec<&str>, ErrorObject> {
    let mut out = Vec::new();
    for (k, v) in &req.query {
        if k != "include_credential" {
            continue;
        }
        if !CREDENTIAL_TYPES.contains(&v.as_str()) {
            let shown = match reason {
                Reason::Value => v.clone(),
                Reason::ParsedSoFar => format!("[{}]", out.join(" ")),
            };
            return Err(ErrorObject::bad_request().with_reason(format!(
                "Invalid value `{shown}` for parameter `include_credential`."
            )));
        }
        out.push(v.as_str());
    }
    Ok(out)
}

/// `GET /admin/identities/{id}` (`getIdentity`); credential configs only with `include_credential`.
pub async fn get_identity(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let Ok(uuid) = uuid::Uuid::parse_str(id) else {
        return Reply::error(&ErrorObject::row_not_found(), rid);
    };
    match reg.persister.get_identity(uuid).await {
        Ok(Some(identity)) => {
            let include = match include_credentials(req, Reason::ParsedSoFar) {
                Ok(i) => i,
                Err(e) => return Reply::error(&e, rid),
            };
            let view = identity.admin_view(&include);
            Reply::json(
                200,
                serde_json::to_value(&view).expect("identity serialises"),
            )
        }
        Ok(None) => Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// `GET /admin/identities` (`listIdentities`) with keyset pagination (`page_size`, `page_token`).
/// Returns the body and the `Link` header value for the next page, if any.
pub async fn list_identities(reg: &Registry, req: &RequestInfo) -> (Reply, Option<String>) {
    let rid = req.request_id.as_deref();
    // Kratos parses `include_credential` before the pagination parameters.
    let include = match include_credentials(req, Reason::Value) {
        Ok(i) => i,
        Err(e) => return (Reply::error(&e, rid), None),
    };
    let page_size = match req.query_param("page_size").map(str::parse::<u32>) {
        None => 250,
        Some(Ok(n)) if (1..=1000).contains(&n) => n,
        Some(_) => {
            let err = ErrorObject::bad_request()
                .with_reason("Parameter page_size must be an integer between 1 and 1000.");
            return (Reply::error(&err, rid), None);
        }
    };
    let after = match req.query_param("page_token").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match uuid::Uuid::parse_str(t) {
            Ok(u) => Some(u),
            Err(_) => {
                let err = ErrorObject::bad_request().with_reason("The page_token is invalid.");
                return (Reply::error(&err, rid), None);
            }
        },
    };
    match reg.persister.list_identities(after, page_size).await {
        Ok(page) => {
            let mut body: Vec<Value> = Vec::new();
            for i in page.identities {
                body.push(
                    serde_json::to_value(i.admin_view(&include)).expect("identity serialises"),
                );
            }
            let admin = reg
                .config
                .serve
                .admin_base_url
                .trim_end_matches('/')
                .to_string();
            let link = page.next.map(|n| {
                format!(
                    "<{admin}/admin/identities?page_size={page_size}&page_token={n}>; rel=\"next\""
                )
            });
            (Reply::json(200, json!(body)), link)
        }
        Err(e) => (Reply::error(&e.into(), rid), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(values: &[&str]) -> RequestInfo {
        RequestInfo {
            query: values
                .iter()
                .map(|v| ("include_credential".to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    fn reason(r: Result<Vec<&str>, ErrorObject>) -> String {
        serde_json::to_value(r.unwrap_err()).unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn accepts_exactly_kratos_parse_credentials_type() {
        let all = [
            "password",
            "oidc",
            "saml",
            "totp",
            "lookup_secret",
            "webauthn",
            "code",
            "link_recovery",
            "code_recovery",
            "deviceauthn",
            "passkey",
        ];
        let r = req(&all);
        assert_eq!(include_credentials(&r, Reason::Value).unwrap(), all);
        for bad in ["profile", "identifier_first", "Password", ""] {
            assert!(
                include_credentials(&req(&[bad]), Reason::Value).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn reasons_as_kratos_formats_them() {
        assert_eq!(
            reason(include_credentials(&req(&["nope"]), Reason::ParsedSoFar)),
            "Invalid value `[]` for parameter `include_credential`."
        );
        assert_eq!(
            reason(include_credentials(
                &req(&["password", "oidc", "nope", "totp"]),
                Reason::ParsedSoFar
            )),
            "Invalid value `[password oidc]` for parameter `include_credential`."
        );
        assert_eq!(
            reason(include_credentials(
                &req(&["password", "nope"]),
                Reason::Value
            )),
            "Invalid value `nope` for parameter `include_credential`."
        );
    }
}
