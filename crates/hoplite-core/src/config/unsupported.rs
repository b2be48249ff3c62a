//! The `kratos.yml` keys that turn on what hoplite does not implement yet. `serve` refuses a
//! configuration that enables any of them unless the operator accepts it
//! (`hoplite.accept_unsupported_features: true` or `serve --accept-unsupported-features`), and then
//! warns once per key. As each feature lands, its entry leaves [`UNSUPPORTED`].

use serde_json::Value;

/// What a key turns on, and how hoplite behaves meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedKey {
    /// The key path as written in `kratos.yml` (with list indexes for hooks).
    pub key: String,
    /// What is missing, in a few words.
    pub why: String,
}

/// A switch that enables a feature: the key, the value that enables it, what it is.
struct Switch {
    key: &'static str,
    enabled: fn(&Value) -> bool,
    why: &'static str,
}

fn is_true(v: &Value) -> bool {
    v == &Value::Bool(true)
}

fn is_set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// Every feature switch hoplite does not honour yet. One table: a feature that lands takes its
/// line out (and the test of this table says which keys are left).
const UNSUPPORTED: &[Switch] = &[
    Switch {
        key: "feature_flags.choose_recovery_address",
        enabled: is_true,
        why: "recovery with a choice of address (recovery v2) is not implemented yet",
    },
    Switch {
        key: "selfservice.methods.code.passwordless_enabled",
        enabled: is_true,
        why: "sign-up and sign-in with a one-time code are not implemented yet",
    },
    Switch {
        key: "selfservice.methods.code.mfa_enabled",
        enabled: is_true,
        why: "one-time codes as a second factor are not implemented yet",
    },
    Switch {
        key: "selfservice.methods.oidc.enabled",
        enabled: is_true,
        why: "social sign-in (OpenID Connect) is not implemented yet",
    },
    Switch {
        key: "selfservice.methods.webauthn.enabled",
        enabled: is_true,
        why: "WebAuthn is not implemented yet",
    },
    Switch {
        key: "selfservice.methods.passkey.enabled",
        enabled: is_true,
        why: "passkeys are not implemented yet",
    },
    Switch {
        key: "selfservice.methods.totp.enabled",
        enabled: is_true,
        why: "TOTP is not implemented yet",
    },
    Switch {
        key: "selfservice.methods.lookup_secret.enabled",
        enabled: is_true,
        why: "lookup secrets (recovery codes) are not implemented yet",
    },
    Switch {
        key: "selfservice.methods.password.config.migrate_hook.enabled",
        enabled: is_true,
        why: "the password migration web hook is not implemented yet",
    },
    Switch {
        key: "oauth2_provider.url",
        enabled: is_set,
        why: "OAuth2 login challenges (Ory Hydra) are not implemented yet",
    },
];

/// The hooks hoplite runs, per place (`registration.after.<method>`, `login.after`, ...); every
/// other hook configured anywhere is unsupported.
fn hook_supported(flow: &str, position: &str, hook: &str) -> bool {
    matches!(
        (flow, position, hook),
        ("registration", "after", "session" | "show_verification_ui")
            | (
                "login",
                "after",
                "revoke_active_sessions"
                    | "require_verified_address"
                    | "verification"
                    | "show_verification_ui"
            )
            | (
                "settings",
                "after",
                "revoke_active_sessions"
                    | "show_verification_ui"
                    | "notify_previous_addresses"
                    | "verify_new_address"
            )
            | ("recovery", "after", "revoke_active_sessions")
    )
}

fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |v, k| v.get(k))
}

/// Every configured hook: (key path of its `hook` entry, flow, before/after, name).
fn configured_hooks(doc: &Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for flow in [
        "registration",
        "login",
        "settings",
        "recovery",
        "verification",
    ] {
        for position in ["before", "after"] {
            let base = format!("selfservice.flows.{flow}.{position}");
            let Some(Value::Object(block)) = lookup(doc, &base) else {
                continue;
            };
            let mut lists: Vec<(String, &Value)> = Vec::new();
            for (k, v) in block {
                if k == "hooks" {
                    lists.push((format!("{base}.hooks"), v));
                } else if let Some(hooks) = v.get("hooks") {
                    lists.push((format!("{base}.{k}.hooks"), hooks));
                }
            }
            for (path, list) in lists {
                for (i, item) in list.as_array().into_iter().flatten().enumerate() {
                    if let Some(name) = item.get("hook").and_then(Value::as_str) {
                        out.push((
                            format!("{path}.{i}.hook"),
                            flow.to_string(),
                            position.to_string(),
                            name.to_string(),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The keys of the effective configuration `doc` that enable something hoplite does not honour,
/// in table order, then the hooks in configuration order.
pub fn unsupported_keys(doc: &Value) -> Vec<UnsupportedKey> {
    let mut out: Vec<UnsupportedKey> = UNSUPPORTED
        .iter()
        .filter(|s| lookup(doc, s.key).is_some_and(|v| (s.enabled)(v)))
        .map(|s| UnsupportedKey {
            key: s.key.to_string(),
            why: s.why.to_string(),
        })
        .collect();
    for (key, flow, position, name) in configured_hooks(doc) {
        if !hook_supported(&flow, &position, &name) {
            out.push(UnsupportedKey {
                key: format!("{key} = {name}"),
                why: format!("the {name} hook is not run by hoplite yet"),
            });
        }
    }
    out
}

/// The start-up error that lists every unsupported key and names the way to accept them.
pub fn refusal(keys: &[UnsupportedKey]) -> String {
    let mut msg = String::from(
        "this configuration enables features hoplite does not implement yet; it refuses to start rather than fail your users later:\n",
    );
    for k in keys {
        msg.push_str(&format!("  - {}: {}\n", k.key, k.why));
    }
    msg.push_str(
        "To start anyway (each key is then logged as a warning), set hoplite.accept_unsupported_features: true \
         (HOPLITE_ACCEPT_UNSUPPORTED_FEATURES=true) or pass --accept-unsupported-features.",
    );
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_lists_exactly_what_is_not_implemented() {
        let keys: Vec<&str> = UNSUPPORTED.iter().map(|s| s.key).collect();
        assert_eq!(
            keys,
            [
                "feature_flags.choose_recovery_address",
                "selfservice.methods.code.passwordless_enabled",
                "selfservice.methods.code.mfa_enabled",
                "selfservice.methods.oidc.enabled",
                "selfservice.methods.webauthn.enabled",
                "selfservice.methods.passkey.enabled",
                "selfservice.methods.totp.enabled",
                "selfservice.methods.lookup_secret.enabled",
                "selfservice.methods.password.config.migrate_hook.enabled",
                "oauth2_provider.url",
            ]
        );
    }

    #[test]
    fn enabled_keys_and_unsupported_hooks_are_found() {
        let doc = json!({
            "selfservice": {
                "flows": {
                    "recovery": {"enabled": true, "use": "link"},
                    "verification": {"enabled": false},
                    "registration": {"after": {"password": {"hooks": [
                        {"hook": "session"}, {"hook": "web_hook"}
                    ]}}},
                    "login": {"after": {"hooks": [{"hook": "revoke_active_sessions"}, {"hook": "web_hook"}]}}
                },
                "methods": {"totp": {"enabled": true}, "code": {"enabled": true}}
            },
            "courier": {"smtp": {"connection_uri": "smtp://x"}, "channels": [{"id": "sms"}]},
            "feature_flags": {"choose_recovery_address": true}
        });
        let keys: Vec<String> = unsupported_keys(&doc).into_iter().map(|k| k.key).collect();
        assert_eq!(
            keys,
            [
                "feature_flags.choose_recovery_address",
                "selfservice.methods.totp.enabled",
                "selfservice.flows.registration.after.password.hooks.1.hook = web_hook",
                "selfservice.flows.login.after.hooks.1.hook = web_hook",
            ]
        );
        assert!(unsupported_keys(&json!({})).is_empty());
        let msg = refusal(&unsupported_keys(&doc));
        assert!(msg.contains("hoplite.accept_unsupported_features"), "{msg}");
        assert!(msg.contains("--accept-unsupported-features"), "{msg}");
    }
}
