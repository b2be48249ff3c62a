//! The admin identity API, the part registration needs (`ory/kratos: identity/handler.go`).

use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::persistence::IdentityFilter;
use crate::registry::Registry;
use crate::schema::extension::graceful_normalize;
use crate::x::pagination;
use serde_json::Value;

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

/// The filters of a `listIdentities` request (`parseListIdentitiesParameters`): `ids`,
/// `organization_id`, `credentials_identifier`, `preview_credentials_identifier_similar`.
fn list_filters(req: &RequestInfo) -> Result<Vec<IdentityFilter>, ErrorObject> {
    let mut filters = Vec::new();
    let ids: Vec<&str> = req
        .query
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.as_str())
        .collect();
    if !ids.is_empty() {
        let mut parsed = Vec::with_capacity(ids.len());
        for v in ids {
            let id = uuid::Uuid::parse_str(v).map_err(|_| {
                ErrorObject::bad_request()
                    .with_reason(format!("Invalid UUID value `{v}` for parameter `ids`."))
            })?;
            parsed.push(id);
        }
        if parsed.len() > MAX_IDS_FILTER {
            return Err(ErrorObject::bad_request().with_reason(format!(
                "The number of ids to filter must not exceed {MAX_IDS_FILTER}."
            )));
        }
        filters.push(IdentityFilter::Ids(parsed));
    }
    if let Some(org) = req.query_param("organization_id").filter(|o| !o.is_empty()) {
        let id = uuid::Uuid::parse_str(org).map_err(|_| {
            ErrorObject::bad_request().with_reason(format!(
                "Invalid UUID value `{org}` for parameter `organization_id`."
            ))
        })?;
        filters.push(IdentityFilter::Organization(id));
    }
    for (param, prefix) in [
        ("credentials_identifier", false),
        ("preview_credentials_identifier_similar", true),
    ] {
        if let Some(value) = req.query_param(param).filter(|v| !v.is_empty()) {
            filters.push(IdentityFilter::CredentialsIdentifier {
                normalized: graceful_normalize(value),
                raw: value.to_string(),
                prefix,
            });
        }
    }
    Ok(filters)
}

fn too_many_filters() -> ErrorObject {
    ErrorObject::bad_request().with_reason("You cannot combine multiple filters in this API")
}

/// At most this many `ids` (Kratos's limit).
const MAX_IDS_FILTER: usize = 500;

/// `GET /admin/identities` (`listIdentities`) with keyset pagination (`page_size`, `page_token`)
/// and one optional filter. Returns the body and the `Link` header value for the next page, if any.
pub async fn list_identities(reg: &Registry, req: &RequestInfo) -> (Reply, Option<String>) {
    let rid = req.request_id.as_deref();
    // Kratos parses the filters, then `include_credential`, then checks that at most one filter
    // was given, then the pagination parameters.
    let mut filters = match list_filters(req) {
        Ok(f) => f,
        Err(e) => return (Reply::error(&e, rid), None),
    };
    let include = match include_credentials(req, Reason::Value) {
        Ok(i) => i,
        Err(e) => return (Reply::error(&e, rid), None),
    };
    if filters.len() > 1 {
        return (Reply::error(&too_many_filters(), rid), None);
    }
    let filter = filters.pop();
    let has = |k: &str| req.has_query_param(k);
    if !has("page_token") && !has("page_size") && has("page") {
        return list_identities_by_page(reg, req, filter.as_ref(), &include).await;
    }
    // Keyset pagination (`keysetpagination.Parse`): `per_page` alone stands for `page_size`; a
    // size that is not a number is refused, others are brought into 1..=500 (250 by default).
    let size_param = req
        .query_param("page_size")
        .or_else(|| req.query_param("per_page"))
        .filter(|s| !s.is_empty());
    let page_size = match size_param.map(|s| (s, s.parse::<i64>())) {
        None => DEFAULT_PAGE_SIZE,
        Some((_, Ok(n))) if n <= 0 => DEFAULT_PAGE_SIZE,
        Some((_, Ok(n))) => n.min(i64::from(MAX_PAGE_SIZE)) as u32,
        Some((raw, Err(_))) => {
            let err = ErrorObject::bad_request().with_reason(format!(
                "strconv.Atoi: parsing {}: invalid syntax",
                crate::x::gourl::quote_bytes(raw.as_bytes())
            ));
            return (Reply::error(&err, rid), None);
        }
    };
    let after = match req.query_param("page_token").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match uuid::Uuid::parse_str(t) {
            Ok(u) if u.is_nil() => None,
            Ok(u) => Some(u),
            Err(_) => {
                let err = ErrorObject::bad_request()
                    .with_reason("The page token is invalid, do not craft your own page tokens");
                return (Reply::error(&err, rid), None);
            }
        },
    };
    let page = match &filter {
        None => reg.persister.list_identities(after, page_size).await,
        Some(f) => {
            reg.persister
                .list_identities_filtered(f, after, page_size)
                .await
        }
    };
    match page {
        Ok(page) => {
            let body = list_body(page.identities, &include);
            let next = page.next.map(|n| n.to_string());
            // Kratos turns a lone `per_page` into `page_size` in the query its links are made of.
            let alias: &[&str] = if has("page_size") { &[] } else { &["per_page"] };
            let link = pagination::keyset_link_without(
                req,
                page_size,
                &uuid::Uuid::nil().to_string(),
                next.as_deref(),
                alias,
            );
            (Reply::json(200, body), Some(link))
        }
        Err(e) => (Reply::error(&e.into(), rid), None),
    }
}

/// The identities of a list answer: credentials only when some are asked for (Kratos loads
/// them for the list only then), configs of the `include`d types.
fn list_body(identities: Vec<crate::identity::Identity>, include: &[&str]) -> Value {
    let items = identities
        .into_iter()
        .map(|mut i| {
            if include.is_empty() {
                i.credentials.clear();
            }
            serde_json::to_value(i.admin_view(include)).expect("identity serialises")
        })
        .collect();
    Value::Array(items)
}

/// The legacy `page`/`per_page` mode of the identity list: an offset page, `X-Total-Count` (all
/// identities, or the page's own count with `credentials_identifier`, as Kratos counts) and
/// `pagepagination`'s `Link`.
async fn list_identities_by_page(
    reg: &Registry,
    req: &RequestInfo,
    filter: Option<&IdentityFilter>,
    include: &[&str],
) -> (Reply, Option<String>) {
    let rid = req.request_id.as_deref();
    let page = pagination::parse_legacy_page(req);
    if page.offset() > pagination::LEGACY_LIMIT {
        let err = ErrorObject::bad_request().with_reason(format!(
            "Legacy pagination is not supported for enumerating over {} items. Please switch to using page_token and page_size.",
            pagination::LEGACY_LIMIT
        ));
        return (Reply::error(&err, rid), None);
    }
    let limit = u32::try_from(page.per_page).unwrap_or(500);
    let identities = match reg
        .persister
        .list_identities_at(filter, page.offset(), limit)
        .await
    {
        Ok(i) => i,
        Err(e) => return (Reply::error(&e.into(), rid), None),
    };
    let by_identifier = matches!(filter, Some(IdentityFilter::CredentialsIdentifier { .. }));
    let total = if by_identifier {
        identities.len() as u64
    } else {
        match reg.persister.count_identities().await {
            Ok(n) => n,
            Err(e) => return (Reply::error(&e.into(), rid), None),
        }
    };
    let body = list_body(identities, include);
    let link = pagination::page_link(req, page, total);
    (
        Reply::json(200, body).with_header("x-total-count", total.to_string()),
        Some(link),
    )
}

/// Page sizes of the identity list (Kratos's paginator defaults; its documentation's 1000 is
/// not what it does).
const DEFAULT_PAGE_SIZE: u32 = 250;
const MAX_PAGE_SIZE: u32 = 500;

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
