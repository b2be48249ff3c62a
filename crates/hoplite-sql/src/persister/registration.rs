//! Registration flows (`ory/kratos: persistence/sql/persister_registration.go`).

use super::kept::OnKept;
use super::{Fields, SqlPersister, json_text, s};
use crate::codec::{Ty, parse_json, parse_ts, parse_uuid};
use hoplite_core::flow::FlowType;
use hoplite_core::flow::registration::{RegistrationFlow, RegistrationFlowView};
use hoplite_core::persistence::StoreError;
use uuid::Uuid;

pub(super) async fn create_registration_flow(
    p: &SqlPersister,
    f: &RegistrationFlow,
) -> Result<(), StoreError> {
    let now = p.ts(f.issued_at);
    sqlx::query(p.q(
        "INSERT INTO selfservice_registration_flows (id, nid, type, issued_at, expires_at, request_url, active_method, csrf_token, ui, internal_context, state, organization_id, identity_schema_id, created_at, updated_at) VALUES (?::uuid, ?::uuid, ?, ?::ts, ?::ts, ?, ?, ?, ?::json, ?::json, ?, ?::uuid, ?, ?::ts, ?::ts)",
    ))
    .bind(f.id.to_string())
    .bind(p.nid()?)
    .bind(f.flow_type.as_str())
    .bind(p.ts(f.issued_at))
    .bind(p.ts(f.expires_at))
    .bind(&f.request_url)
    .bind(&f.active)
    .bind(&f.csrf_token)
    .bind(serde_json::to_string(&f.ui).expect("ui serialises"))
    .bind(json_text(&f.internal_context))
    .bind(&f.state)
    .bind(f.organization_id.map(|o| o.to_string()))
    // The default schema as Kratos stores it: an empty text, not NULL.
    .bind(f.identity_schema.clone().unwrap_or_default())
    .bind(&now)
    .bind(&now)
    .execute_kept(p)
    .await?;
    Ok(())
}

pub(super) async fn get_registration_flow(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<RegistrationFlow>, StoreError> {
    let row = sqlx::query(p.q(whole_flow_sql(p.kind)))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    row.map(|r| flow_from_row(&r)).transpose()
}

/// The columns [`view_from_row`] reads (all but `internal_context`).
/// The columns the seed endpoint's view of a flow is read from.
const VIEW_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Uuid),
    ("type", Ty::Plain),
    ("expires_at", Ty::Ts),
    ("issued_at", Ty::Ts),
    ("request_url", Ty::Plain),
    ("active_method", Ty::Plain),
    ("ui", Ty::Json),
    ("organization_id", Ty::Uuid),
    ("state", Ty::Plain),
    ("identity_schema_id", Ty::Plain),
    ("csrf_token", Ty::Plain),
];

/// [`VIEW_COLS`] and `internal_context`: a whole flow.
fn flow_cols() -> Vec<(&'static str, Ty)> {
    let mut cols = VIEW_COLS.to_vec();
    cols.push(("internal_context", Ty::Json));
    cols
}

/// One flow's `cols` by id and network (two placeholders).
fn flow_sql(kind: hoplite_core::config::DatabaseKind, cols: &[(&str, Ty)]) -> String {
    format!(
        "SELECT {} FROM selfservice_registration_flows WHERE id = ?::uuid AND nid = ?::nid",
        crate::codec::select_list(kind, None, "", cols)
    )
}

pub(super) async fn get_registration_flow_view(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<std::sync::Arc<RegistrationFlowView>>, StoreError> {
    use hoplite_core::config::DatabaseKind;
    match p.kind {
        DatabaseKind::Postgres => get_view_unless_known(p, id).await,
        _ => {
            let row = sqlx::query(p.q(view_sql(p.kind)))
                .bind(id.to_string())
                .bind(p.nid()?)
                .fetch_optional_kept(p)
                .await?;
            let Some(mut view) = row.map(|r| view_from_row(&r)).transpose()? else {
                return Ok(None);
            };
            if p.kind == DatabaseKind::Mysql {
                // MySQL's whole-second `updated_at` cannot tell two changes within a second
                // apart, so the UI read is compared with the one kept instead.
                view.ui = match p.kept_uis.get(&id) {
                    Some((text, ui)) if *text == *view.ui.get() => ui,
                    _ => {
                        let ui = in_kratos_order(&view.ui)?;
                        p.kept_uis.keep(id, view.ui.get().into(), ui.clone());
                        ui
                    }
                };
            }
            Ok(Some(std::sync::Arc::new(view)))
        }
    }
}

/// The seed endpoint's read in `kind`'s SQL, built once.
pub(super) fn view_sql(kind: hoplite_core::config::DatabaseKind) -> &'static str {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    SQL.get(kind, || flow_sql(kind, VIEW_COLS))
}

/// A whole flow's read in `kind`'s SQL, built once.
pub(super) fn whole_flow_sql(kind: hoplite_core::config::DatabaseKind) -> &'static str {
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    SQL.get(kind, || flow_sql(kind, &flow_cols()))
}

/// How many flows are kept per persister (see [`get_view_unless_known`]).
const KEPT: usize = 4096;

/// What was last read, per key, with the stamp it was read under, at most `CAP` entries (all
/// dropped when full): registration flows by id with their stored UI text or `updated_at`, and
/// whoami's answers by token (`session::KeptWhoami`).
pub(super) struct Kept<K, S, V, const CAP: usize>(
    std::sync::Mutex<std::collections::HashMap<K, (S, V)>>,
);

impl<K, S, V, const CAP: usize> Default for Kept<K, S, V, CAP> {
    fn default() -> Self {
        Kept(Default::default())
    }
}

impl<K: std::hash::Hash + Eq, S: Clone, V: Clone, const CAP: usize> Kept<K, S, V, CAP> {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<K, (S, V)>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What is kept for `key`, with its stamp.
    pub(super) fn get(&self, key: &K) -> Option<(S, V)> {
        self.lock().get(key).cloned()
    }

    pub(super) fn keep(&self, key: K, stamp: S, value: V) {
        let mut kept = self.lock();
        if kept.len() >= CAP {
            kept.clear();
        }
        kept.insert(key, (stamp, value));
    }

    pub(super) fn forget(&self, key: &K) {
        self.lock().remove(key);
    }
}

/// MySQL: flows' UIs in Kratos's key order, by the stored text they were made from.
pub(super) type KeptUis = Kept<Uuid, Box<str>, Box<serde_json::value::RawValue>, KEPT>;

/// PostgreSQL: whole flow views (with their rendered answer), by the row's `updated_at`.
pub(super) type KeptViews = Kept<Uuid, Box<str>, std::sync::Arc<RegistrationFlowView>, KEPT>;

/// The seed endpoint on PostgreSQL. Every change to a flow, by hoplite or by Kratos, sets its
/// `updated_at` (to the microsecond), so a view read under a stamp is the row as long as the row
/// carries that stamp. A flow this instance read before is checked with a read of `updated_at`
/// alone, as cheap as a primary-key lookup gets, and answered from the kept view and its
/// rendered body; a flow it never read, or one changed since, is read whole (the UI only when its
/// stamp differs from a kept one) and kept. Several instances may serve one database: each
/// one's copy is checked against the row on every read. This instance's own writes forget the
/// flow, so its next read is one round trip.
async fn get_view_unless_known(
    p: &SqlPersister,
    id: Uuid,
) -> Result<Option<std::sync::Arc<RegistrationFlowView>>, StoreError> {
    static STAMP_SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    static SQL: crate::codec::PerDialect = crate::codec::PerDialect::new();
    // Taken before the read: another read may replace it meanwhile.
    let known = p.kept_views.get(&id);
    if let Some((known_stamp, view)) = &known {
        let sql = STAMP_SQL.get(p.kind, || {
            format!(
                "SELECT {} FROM selfservice_registration_flows WHERE id = ?::uuid AND nid = ?::nid",
                crate::codec::select_list(p.kind, None, "", &[("updated_at", Ty::Ts)])
            )
        });
        let row = sqlx::query(p.q(sql))
            .bind(id.to_string())
            .bind(p.nid()?)
            .fetch_optional_kept(p)
            .await?;
        let Some(row) = row else {
            p.kept_views.forget(&id);
            return Ok(None);
        };
        if *s(&row, "updated_at")? == **known_stamp {
            return Ok(Some(view.clone()));
        }
    }
    let sql = SQL.get(p.kind, || {
        let cols: Vec<(&str, Ty)> = VIEW_COLS
            .iter()
            .copied()
            .filter(|(c, _)| *c != "ui")
            .chain([("updated_at", Ty::Ts)])
            .collect();
        format!(
            "SELECT {}, CASE WHEN updated_at = ?::ts THEN NULL ELSE ui::text END AS ui FROM selfservice_registration_flows WHERE id = ?::uuid AND nid = ?::nid",
            crate::codec::select_list(p.kind, None, "", &cols)
        )
    });
    let row = sqlx::query(p.q(sql))
        .bind(known.as_ref().map(|(stamp, _)| stamp.to_string()))
        .bind(id.to_string())
        .bind(p.nid()?)
        .fetch_optional_kept(p)
        .await?;
    let Some(row) = row else {
        p.kept_views.forget(&id);
        return Ok(None);
    };
    let stamp = s(&row, "updated_at")?;
    let mut view = view_from_row(&row)?;
    // The database left the UI out exactly when the stamp sent is the row's (the row changed
    // back to the kept stamp between the two reads).
    match known {
        Some((known_stamp, kept)) if *known_stamp == *stamp => {
            view.ui = kept.ui.to_owned();
        }
        _ => view.ui = in_kratos_order(&view.ui)?,
    }
    let view = std::sync::Arc::new(view);
    p.kept_views.keep(id, stamp.into(), view.clone());
    Ok(Some(view))
}

/// A flow's UI as Kratos serialises it: PostgreSQL's `jsonb` (and MySQL's `JSON`) hand the
/// document back with its keys reordered, and Kratos answers with its struct's field order.
fn in_kratos_order(
    stored: &serde_json::value::RawValue,
) -> Result<Box<serde_json::value::RawValue>, StoreError> {
    let ui: hoplite_core::ui::Container = serde_json::from_str(stored.get())
        .map_err(|e| StoreError::Other(format!("bad ui column: {e}")))?;
    serde_json::value::to_raw_value(&ui).map_err(|e| StoreError::Other(format!("ui: {e}")))
}

pub(super) async fn update_registration_flow(
    p: &SqlPersister,
    f: &RegistrationFlow,
) -> Result<(), StoreError> {
    let now = p.ts(hoplite_core::clock::Clock::now(
        &hoplite_core::clock::SystemClock,
    ));
    sqlx::query(p.q(
        "UPDATE selfservice_registration_flows SET active_method = ?, csrf_token = ?, ui = ?::json, internal_context = ?::json, state = ?, organization_id = ?::uuid, updated_at = ?::ts WHERE id = ?::uuid AND nid = ?::nid",
    ))
    .bind(&f.active)
    .bind(&f.csrf_token)
    .bind(serde_json::to_string(&f.ui).expect("ui serialises"))
    .bind(json_text(&f.internal_context))
    .bind(&f.state)
    .bind(f.organization_id.map(|o| o.to_string()))
    .bind(now)
    .bind(f.id.to_string())
    .bind(p.nid()?)
    .execute_kept(p)
    .await?;
    // The next read of this flow is then one round trip (see `get_view_unless_known`).
    p.kept_views.forget(&f.id);
    Ok(())
}

pub(super) fn flow_from_row<R: Fields>(row: &R) -> Result<RegistrationFlow, StoreError> {
    let v = view_from_row(row)?;
    Ok(RegistrationFlow {
        id: v.id,
        flow_type: v.flow_type,
        expires_at: v.expires_at,
        issued_at: v.issued_at,
        return_to: v.return_to,
        request_url: v.request_url,
        active: v.active,
        ui: serde_json::from_str(v.ui.get())
            .map_err(|e| StoreError::Other(format!("bad ui column: {e}")))?,
        organization_id: v.organization_id,
        transient_payload: None,
        session_token_exchange_code: None,
        state: v.state,
        identity_schema: v.identity_schema,
        csrf_token: v.csrf_token,
        internal_context: parse_json(&row.text("internal_context")?)?,
    })
}

/// A row as the seed endpoint shows it; the `ui` column is checked to be JSON but not parsed
/// into the UI tree.
pub(super) fn view_from_row<R: Fields>(row: &R) -> Result<RegistrationFlowView, StoreError> {
    let get = |c: &str| row.text(c);
    let get_opt = |c: &str| row.opt_text(c);
    let request_url = get("request_url")?;
    Ok(RegistrationFlowView {
        id: parse_uuid(&get("id")?)?,
        flow_type: if get("type")? == "api" {
            FlowType::Api
        } else {
            FlowType::Browser
        },
        expires_at: parse_ts(&get("expires_at")?)?,
        issued_at: parse_ts(&get("issued_at")?)?,
        return_to: RegistrationFlow::return_to_of(&request_url),
        request_url,
        active: get("active_method")?,
        ui: serde_json::value::RawValue::from_string(
            get_opt("ui")?.unwrap_or_else(|| "null".into()),
        )
        .map_err(|e| StoreError::Other(format!("bad ui column: {e}")))?,
        organization_id: get_opt("organization_id")?
            .map(|s| parse_uuid(&s))
            .transpose()?,
        state: get_opt("state")?.unwrap_or_default(),
        // Kratos writes an empty text for "the default schema" (and reads NULL the same way).
        identity_schema: get_opt("identity_schema_id")?.filter(|s| !s.is_empty()),
        csrf_token: get("csrf_token")?,
        rendered: std::sync::OnceLock::new(),
    })
}
