//! The courier worker (`ory/kratos: courier/courier_dispatcher.go`, `cmd/courier/watch.go`): claims
//! a batch of queued messages, delivers each and records the attempt.
//!
//! Unlike Kratos, a message is claimed with a conditional update (`queued` → `processing`), so two
//! workers on one database never both send it, and a failure sends back only the message that
//! failed (Kratos re-queues the rest of the batch too, which another worker may then pick up while
//! this one still sends them). A message left `processing` by a worker that died is claimed again
//! after [`STALE_CLAIM`].

use super::{DeliveryError, Dispatch, Email, Message, MessageStatus, template};
use crate::persistence::StoreError;
use crate::registry::Registry;
use serde_json::json;
use uuid::Uuid;

/// How long a claimed message may stay `processing` before another worker may take it over.
pub const STALE_CLAIM: time::Duration = time::Duration::minutes(10);

/// Sends one batch; returns how many messages were claimed.
pub async fn dispatch_batch(reg: &Registry) -> Result<usize, StoreError> {
    let cfg = &reg.config.courier;
    let now = reg.now();
    let batch = reg
        .persister
        .claim_messages(cfg.pull_count, now, now - STALE_CLAIM)
        .await?;
    for msg in &batch {
        if msg.send_count > cfg.message_retries {
            reg.persister
                .set_message_status(msg.id, MessageStatus::Abandoned, reg.now())
                .await?;
            tracing::warn!(message_id = %msg.id, send_count = msg.send_count, "courier: message abandoned after its retries");
            continue;
        }
        reg.persister
            .increment_send_count(msg.id, reg.now())
            .await?;
        let outcome = deliver(reg, msg).await;
        let now = reg.now();
        let dispatch = Dispatch {
            id: Uuid::new_v4(),
            message_id: msg.id,
            status: if outcome.is_ok() { "success" } else { "failed" }.into(),
            error: outcome.as_ref().err().map(|e| {
                json!({"code": 500, "status": "Internal Server Error", "reason": e.reason, "message": e.message})
            }),
            created_at: now,
            updated_at: now,
        };
        match &outcome {
            Ok(()) => {
                reg.persister
                    .set_message_status(msg.id, MessageStatus::Sent, now)
                    .await?;
                tracing::debug!(message_id = %msg.id, "courier: message sent");
            }
            Err(e) => {
                tracing::warn!(message_id = %msg.id, reason = %e.reason, error = %e.message, "courier: delivery failed");
                reg.persister
                    .set_message_status(msg.id, MessageStatus::Queued, now)
                    .await?;
            }
        }
        if let Err(e) = reg.persister.record_dispatch(&dispatch).await {
            tracing::error!(message_id = %msg.id, error = %e, "courier: could not record the delivery attempt");
        }
    }
    Ok(batch.len())
}

/// Delivers through the message's channel (`email`, or a `courier.channels` entry such as
/// `sms`; rows without a channel are email).
async fn deliver(reg: &Registry, msg: &Message) -> Result<(), DeliveryError> {
    if !msg.channel.is_empty() && msg.channel != "email" {
        // `courier.channels` (SMS): always over HTTP.
        let Some(cfg) = reg.config.courier.channel(&msg.channel) else {
            return Err(DeliveryError {
                reason: "failed to send message".into(),
                message: format!("no courier channels configured for: {}", msg.channel),
            });
        };
        return super::http::deliver(reg, cfg, msg).await;
    }
    // The HTML part is rendered now; if that fails the mail goes out as text only, as in Kratos.
    if reg.config.courier.delivery_strategy == "http" {
        let Some(cfg) = &reg.config.courier.http else {
            return Err(DeliveryError {
                reason: "failed to send message via http".into(),
                message:
                    "courier.delivery_strategy is http but courier.http.request_config is not set"
                        .into(),
            });
        };
        return super::http::deliver(reg, cfg, msg).await;
    }
    let html = match template::render_part(
        reg,
        &msg.template_type,
        template::Part::Html,
        &msg.template_data,
    )
    .await
    {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(message_id = %msg.id, error = %e, "courier: the HTML part did not render; sending text only");
            None
        }
    };
    reg.mailer
        .send(&Email {
            to: msg.recipient.clone(),
            subject: msg.subject.clone(),
            text: msg.body.clone(),
            html,
        })
        .await
}

/// Runs batches until `shutdown` resolves, waiting `courier.worker.pull_wait` between them (Kratos's
/// `courier watch` loop). A failing database is logged and retried on the next round.
pub async fn watch(reg: std::sync::Arc<Registry>, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        if let Err(e) = dispatch_batch(&reg).await {
            tracing::error!(error = %e, "courier: could not dispatch the queue");
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(reg.config.courier.pull_wait) => {}
        }
    }
}
