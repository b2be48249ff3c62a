//! The courier's admin API (`ory/kratos: courier/handler.go`): `listCourierMessages` and
//! `getCourierMessage`.

use super::MessageStatus;
use crate::error::ErrorObject;
use crate::flow::{Reply, RequestInfo};
use crate::persistence::SessionCursor;
use crate::registry::Registry;
use crate::x::pagination;
use serde_json::Value;
use uuid::Uuid;

/// Admin routes.
pub const ROUTE_MESSAGES: &str = "/admin/courier/messages";

/// What `GET /admin/courier/messages` selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub status: Option<MessageStatus>,
    /// Exact recipient.
    pub recipient: Option<String>,
}

/// Kratos hides bodies and subjects outside `--dev`.
fn shown(reg: &Registry, mut v: Value) -> Value {
    if !reg.config.dev
        && let Some(o) = v.as_object_mut()
    {
        for k in ["body", "subject"] {
            o.insert(k.into(), Value::String("<redacted-unless-dev-mode>".into()));
        }
    }
    v
}

/// The first page's cursor: past every row (newest first), as Kratos's `DefaultPageToken`.
fn first_cursor() -> SessionCursor {
    SessionCursor {
        created_at: time::macros::datetime!(2200-12-31 23:59:59 UTC),
        id: Uuid::nil(),
    }
}

/// `GET /admin/courier/messages` (`listCourierMessages`): newest first, keyset pages.
pub async fn list_courier_messages(reg: &Registry, req: &RequestInfo) -> Reply {
    let rid = req.request_id.as_deref();
    let size = match req.query_param("page_size").filter(|s| !s.is_empty()) {
        None => 10,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n <= 0 => 10,
            Ok(n) => n.min(500) as u32,
            Err(_) => {
                let err =
                    ErrorObject::bad_request().with_message("could not parse parameter page_size");
                return Reply::error(&err, rid);
            }
        },
    };
    // Kratos's sealed page tokens (`x::page_token`); the first page's token names the cursor
    // past every row.
    let keys = crate::x::page_token::keys(&reg.config.secrets.pagination);
    let after = match req.query_param("page_token").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match crate::x::page_token::open(&keys, t, reg.now()) {
            Ok(c) if c == first_cursor() => None,
            Ok(c) => Some(c),
            Err(e) => return Reply::error(&e, rid),
        },
    };
    let status = match req.query_param("status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match MessageStatus::parse(s) {
            Some(s) => Some(s),
            None => {
                let err = ErrorObject::bad_request().with_reason("Message status is not valid");
                return Reply::error(&err, rid);
            }
        },
    };
    let filter = MessageFilter {
        status,
        recipient: req
            .query_param("recipient")
            .filter(|r| !r.is_empty())
            .map(str::to_string),
    };
    let (messages, next) = match reg.persister.list_messages(&filter, after, size).await {
        Ok(page) => page,
        Err(e) => return Reply::error(&e.into(), rid),
    };
    let body: Vec<Value> = messages
        .iter()
        .map(|m| shown(reg, serde_json::to_value(m).expect("message serialises")))
        .collect();
    let now = reg.now();
    let next = next
        .as_ref()
        .map(|c| crate::x::page_token::seal(&keys, c, now));
    let first = crate::x::page_token::seal(&keys, &first_cursor(), now);
    let link = pagination::keyset_link(req, size, &first, next.as_deref());
    Reply::json(200, Value::Array(body)).with_header("link", link)
}

/// Go's `uuid.FromString` complaint about a malformed id.
pub(crate) fn uuid_error(s: &str) -> ErrorObject {
    let message = match s.len() {
        32 | 36 | 38 | 41 | 45 => format!("uuid: incorrect UUID format in string \"{s}\""),
        n => format!("uuid: incorrect UUID length {n} in string \"{s}\""),
    };
    ErrorObject::bad_request().with_message(message)
}

/// `GET /admin/courier/messages/{id}` (`getCourierMessage`), with its delivery attempts.
pub async fn get_courier_message(reg: &Registry, req: &RequestInfo, id: &str) -> Reply {
    let rid = req.request_id.as_deref();
    let Ok(id) = Uuid::parse_str(id) else {
        return Reply::error(&uuid_error(id), rid);
    };
    match reg.persister.get_message(id).await {
        Ok(Some(m)) => Reply::json(
            200,
            shown(reg, serde_json::to_value(&m).expect("message serialises")),
        ),
        Ok(None) => Reply::error(&ErrorObject::row_not_found(), rid),
        Err(e) => Reply::error(&e.into(), rid),
    }
}

/// Keeps the cursor type of the session lists for messages too.
pub type MessageCursor = SessionCursor;
