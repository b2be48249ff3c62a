//! The courier (`ory/kratos: courier/`): messages are queued in the database by the flow change
//! that causes them and delivered later by a worker ([`worker`]), through the [`Mailer`] port
//! (SMTP lives in the binary). Rows are Kratos's `courier_messages` and
//! `courier_message_dispatches`.

pub mod handler;
pub mod http;
pub mod sprig;
pub mod template;
pub mod worker;

use crate::x::timefmt::serde_rfc3339;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// A message's state (`courier.MessageStatus`): numbers in the database, names on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Waiting for a worker, also after a failed attempt.
    Queued = 1,
    Sent = 2,
    /// Claimed by a worker.
    Processing = 3,
    /// Given up after the retries.
    Abandoned = 4,
}

impl MessageStatus {
    pub fn code(self) -> i64 {
        self as i64
    }
    pub fn from_code(code: i64) -> Option<MessageStatus> {
        Some(match code {
            1 => MessageStatus::Queued,
            2 => MessageStatus::Sent,
            3 => MessageStatus::Processing,
            4 => MessageStatus::Abandoned,
            _ => return None,
        })
    }
    /// The `status` query value of the admin list.
    pub fn parse(s: &str) -> Option<MessageStatus> {
        Some(match s {
            "queued" => MessageStatus::Queued,
            "sent" => MessageStatus::Sent,
            "processing" => MessageStatus::Processing,
            "abandoned" => MessageStatus::Abandoned,
            _ => return None,
        })
    }
}

/// `email` (1) or `sms` (2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    Email = 1,
    Sms = 2,
}

impl MessageType {
    pub fn code(self) -> i64 {
        self as i64
    }
    pub fn from_code(code: i64) -> MessageType {
        if code == 2 {
            MessageType::Sms
        } else {
            MessageType::Email
        }
    }
}

/// `courierMessage`, keys in Kratos's order. The template data and request headers are stored
/// but never shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: Uuid,
    pub status: MessageStatus,
    #[serde(rename = "type")]
    pub message_type: MessageType,
    pub recipient: String,
    /// The plain-text body, rendered when queued.
    pub body: String,
    pub subject: String,
    pub template_type: String,
    /// The channel id (`email`); `""` for rows that have none.
    pub channel: String,
    pub send_count: i64,
    /// Newest first; only when loaded (the single-message endpoint).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dispatches: Vec<Dispatch>,
    #[serde(with = "serde_rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The template's model as JSON (the HTML body is rendered from it when sent).
    #[serde(skip)]
    pub template_data: Value,
    /// Headers of the request that caused the message (`{}` for most templates).
    #[serde(skip)]
    pub request_headers: Value,
}

/// One delivery attempt (`courierMessageDispatch`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dispatch {
    pub id: Uuid,
    pub message_id: Uuid,
    /// `failed` or `success`.
    pub status: String,
    /// The failure, as a generic error object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    #[serde(with = "serde_rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "serde_rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An email ready to go out.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryError {
    /// The dispatch record's reason (`failed to send email via smtp`).
    pub reason: String,
    /// What the mail server or the connection said.
    pub message: String,
}

/// The delivery port (`courier.Channel`): the binary implements it with SMTP.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> Result<(), DeliveryError>;
}

/// The mailer of a server without `courier.smtp.connection_uri`: every delivery fails, as in
/// Kratos.
pub struct NoMailer;

#[async_trait::async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _: &Email) -> Result<(), DeliveryError> {
        Err(DeliveryError {
            reason: "failed to send email via smtp".into(),
            message:
                "Courier tried to deliver an email but courier.smtp.connection_uri is not set!"
                    .into(),
        })
    }
}

/// Queues an email of `template_type` to `to`, its subject and text rendered now from `data`
/// The identity as mail templates see it (`.Identity`): its public JSON, or null when it is gone.
pub async fn template_identity(
    reg: &crate::registry::Registry,
    id: Uuid,
) -> Result<Value, crate::error::ErrorObject> {
    Ok(reg
        .persister
        .get_identity(id)
        .await?
        .map(|i| serde_json::to_value(i.public_view()).unwrap_or_default())
        .unwrap_or(Value::Null))
}

fn render_failed(template_type: &str, e: String) -> crate::error::ErrorObject {
    tracing::error!(template_type, error = %e, "courier: rendering a template failed");
    crate::error::ErrorObject::internal().with_reason(format!(
        "Unable to render the {template_type} template: {e}"
    ))
}

fn unknown_template(template_type: &str) -> crate::error::ErrorObject {
    crate::error::ErrorObject::internal()
        .with_reason(format!("unknown courier template {template_type}"))
}

/// Queues an email: the subject and plain-text body are rendered now and stored with the data
/// (the HTML part is rendered when it is sent), as Kratos's `QueueEmail`.
pub async fn queue_email(
    reg: &crate::registry::Registry,
    to: &str,
    template_type: &str,
    data: Value,
) -> Result<Uuid, crate::error::ErrorObject> {
    let part = |p| template::render_part(reg, template_type, p, &data);
    let subject = part(template::Part::Subject)
        .await
        .map_err(|e| render_failed(template_type, e))?
        .ok_or_else(|| unknown_template(template_type))?;
    let text = part(template::Part::Plaintext)
        .await
        .map_err(|e| render_failed(template_type, e))?
        .ok_or_else(|| unknown_template(template_type))?;
    let kind = (MessageType::Email, "email");
    store(reg, kind, to, template_type, subject.trim(), text, data).await
}

/// Queues a text message for the `sms` channel (`courier.channels`): its body is rendered now
/// and stored with the data, the subject empty, as Kratos's `QueueSMS`.
pub async fn queue_sms(
    reg: &crate::registry::Registry,
    to: &str,
    template_type: &str,
    data: Value,
) -> Result<Uuid, crate::error::ErrorObject> {
    let body = template::render_part(reg, template_type, template::Part::Sms, &data)
        .await
        .map_err(|e| render_failed(template_type, e))?
        .ok_or_else(|| unknown_template(template_type))?;
    let kind = (MessageType::Sms, "sms");
    store(reg, kind, to, template_type, "", body, data).await
}

async fn store(
    reg: &crate::registry::Registry,
    (message_type, channel): (MessageType, &str),
    to: &str,
    template_type: &str,
    subject: &str,
    body: String,
    data: Value,
) -> Result<Uuid, crate::error::ErrorObject> {
    let now = reg.now();
    let message = Message {
        id: Uuid::new_v4(),
        status: MessageStatus::Queued,
        message_type,
        recipient: to.to_string(),
        body,
        subject: subject.to_string(),
        template_type: template_type.to_string(),
        channel: channel.into(),
        send_count: 0,
        dispatches: Vec::new(),
        created_at: now,
        updated_at: now,
        template_data: data,
        request_headers: serde_json::json!({}),
    };
    reg.persister.queue_message(&message).await?;
    Ok(message.id)
}
