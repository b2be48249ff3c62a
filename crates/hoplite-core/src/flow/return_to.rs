//! The `return_to` a flow remembers and the URLs it may name, shared by every flow (`ory/kratos:
//! x/redir/secure_redirect.go` `SecureRedirectAllowSelfServiceURLs`, and the flows' `NewFlow`
//! reading `return_to` from the request URL).

use crate::flow::public_url;
use crate::registry::Registry;

/// The allow-list for return_to: configured URLs plus the public `/self-service` prefix.
pub fn return_to_allow_list(reg: &Registry) -> Vec<String> {
    let mut list = reg.config.selfservice.allowed_return_urls.clone();
    list.push(public_url(reg.public_base(), "/self-service"));
    list
}

/// The `return_to` query parameter of a request URL.
pub fn return_to_of(request_url: &str) -> Option<String> {
    let query = request_url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}
