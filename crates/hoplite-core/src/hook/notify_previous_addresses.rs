//! The `notify_previous_addresses` settings hook (`ory/kratos:
//! selfservice/hook/notify_previous_addresses.go`, spec §2.14): after a profile change that
//! changed the set of verifiable addresses, the previous addresses hear about it
//! (`verifiable_address_changed`), so a taken-over account's owner learns of it at the address
//! the attacker removed. The change is stored already; a mail that cannot be queued is logged and
//! never fails the flow.

use crate::identity::{Identity, VerifiableAddress};
use crate::registry::Registry;
use serde_json::{Value, json};
use std::collections::HashSet;

/// The previous addresses to tell, per `recipients` (`removed`, `all_verified`, `all`): none when
/// the set of (channel, value) pairs did not change (a status or verification change alone is
/// not an address change).
pub fn targets<'a>(
    recipients: &str,
    previous: &'a [VerifiableAddress],
    updated: &[VerifiableAddress],
) -> Vec<&'a VerifiableAddress> {
    let pairs = |list: &[VerifiableAddress]| -> HashSet<(String, String)> {
        list.iter()
            .map(|a| (a.via.clone(), a.value.clone()))
            .collect()
    };
    let before = pairs(previous);
    let changed = previous.len() != updated.len()
        || updated
            .iter()
            .any(|a| !before.contains(&(a.via.clone(), a.value.clone())));
    if !changed {
        return Vec::new();
    }
    let kept = pairs(updated);
    previous
        .iter()
        .filter(|a| match recipients {
            "all" => true,
            "all_verified" => a.verified,
            _ => !kept.contains(&(a.via.clone(), a.value.clone())),
        })
        .collect()
}

/// Runs the hook: queues `verifiable_address_changed` to every address [`targets`] picks, by
/// email or, for phone numbers, by text message (through the `sms` channel of
/// `courier.channels`; skipped with a warning when there is none).
pub async fn run(reg: &Registry, recipients: &str, previous: &Identity, updated: &Identity) {
    let to = targets(
        recipients,
        &previous.verifiable_addresses,
        &updated.verifiable_addresses,
    );
    if to.is_empty() {
        return;
    }
    let identity = serde_json::to_value(updated.public_view()).unwrap_or(Value::Null);
    // Kratos's RFC 3339 in UTC, whole seconds.
    let now = reg.now().to_offset(time::UtcOffset::UTC);
    let changed_at = crate::x::timefmt::rfc3339_nano(now.replace_nanosecond(0).unwrap_or(now));
    for address in to {
        let data = json!({
            "to": address.value,
            "identity": identity,
            "changed_at": changed_at,
            "transient_payload": null,
        });
        let queued = match address.via.as_str() {
            "email" => {
                crate::courier::queue_email(reg, &address.value, "verifiable_address_changed", data)
                    .await
            }
            "sms" if reg.config.courier.channel("sms").is_some() => {
                crate::courier::queue_sms(reg, &address.value, "verifiable_address_changed", data)
                    .await
            }
            via => {
                tracing::warn!(
                    via,
                    "notify_previous_addresses: no courier channel for this address; skipped"
                );
                continue;
            }
        };
        if let Err(e) = queued {
            tracing::warn!(
                error = %e.reason,
                "notify_previous_addresses: the notification could not be queued"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn addr(value: &str, via: &str, verified: bool) -> VerifiableAddress {
        VerifiableAddress {
            id: Uuid::new_v4(),
            value: value.into(),
            verified,
            via: via.into(),
            status: if verified { "completed" } else { "pending" }.into(),
            verified_at: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn values(v: Vec<&VerifiableAddress>) -> Vec<&str> {
        v.into_iter().map(|a| a.value.as_str()).collect()
    }

    #[test]
    fn recipients_as_kratos_picks_them() {
        let before = vec![
            addr("a@example.com", "email", true),
            addr("b@example.com", "email", false),
            addr("+4915112345678", "sms", true),
        ];
        // b replaced by c.
        let after = vec![
            addr("a@example.com", "email", true),
            addr("c@example.com", "email", false),
            addr("+4915112345678", "sms", true),
        ];
        assert_eq!(
            values(targets("removed", &before, &after)),
            ["b@example.com"]
        );
        assert_eq!(
            values(targets("all_verified", &before, &after)),
            ["a@example.com", "+4915112345678"]
        );
        assert_eq!(targets("all", &before, &after).len(), 3);
        // An unknown value behaves as the default.
        assert_eq!(values(targets("", &before, &after)), ["b@example.com"]);
    }

    #[test]
    fn a_status_change_alone_is_no_address_change() {
        let before = vec![addr("a@example.com", "email", false)];
        let after = vec![addr("a@example.com", "email", true)];
        assert!(targets("all", &before, &after).is_empty());
        // The same value moving to another channel is a change.
        let moved = vec![addr("a@example.com", "sms", false)];
        assert_eq!(
            values(targets("removed", &before, &moved)),
            ["a@example.com"]
        );
        // An address added (none removed): removed tells nobody, all tells the old one.
        let added = vec![
            addr("a@example.com", "email", false),
            addr("z@example.com", "email", false),
        ];
        assert!(targets("removed", &before, &added).is_empty());
        assert_eq!(values(targets("all", &before, &added)), ["a@example.com"]);
    }
}
