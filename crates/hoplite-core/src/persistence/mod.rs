//! The storage contract the domain needs (`ory/kratos: persistence/reference.go`); `hoplite-sql`
//! implements it on SQLite, PostgreSQL and MySQL.

use crate::flow::login::LoginFlow;
use crate::flow::registration::{RegistrationFlow, RegistrationFlowView};
use crate::identity::Identity;
use crate::session::Session;
use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// A storage failure, already classified.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (e.g. the identifier exists already).
    #[error("a resource with that value exists already")]
    Conflict,
    #[error("storage error: {0}")]
    Other(String),
}

/// A storage failure as the error Kratos's SQL layer reports: a conflict is 409, anything else a
/// 500 whose detail is logged here and never sent.
impl From<StoreError> for crate::error::ErrorObject {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => crate::error::ErrorObject::conflict(),
            StoreError::Other(detail) => {
                tracing::error!(error = %detail, "database error");
                crate::error::ErrorObject::internal()
            }
        }
    }
}

/// A stored self-service error (`selfservice_errors`).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredError {
    pub id: Uuid,
    pub error: Value,
    pub csrf_token: String,
    pub was_seen: bool,
    pub seen_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One page of identities, ordered by id.
#[derive(Debug, Clone)]
pub struct IdentityPage {
    pub identities: Vec<Identity>,
    /// The id to continue after, if there are more.
    pub next: Option<Uuid>,
}

/// One filter of `GET /admin/identities` (Kratos allows only one at a time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityFilter {
    /// Identities among these ids (unknown ids are ignored).
    Ids(Vec<Uuid>),
    /// Identities of this organization.
    Organization(Uuid),
    /// Identities with a credential identifier that equals (or, with `prefix`, starts with) the
    /// value: `normalized` is compared with password, webauthn and code identifiers (stored
    /// normalised), `raw` with oidc and saml identifiers (stored as given).
    CredentialsIdentifier {
        normalized: String,
        raw: String,
        prefix: bool,
    },
}

/// Where the identifier or address that collided with a new identity's was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictSource {
    /// A login identifier of this credential type (`password`, `oidc`, ...).
    CredentialIdentifier(String),
    /// A verifiable address sent via this channel (`email`, `sms`).
    VerifiableAddress(String),
    /// A recovery address sent via this channel.
    RecoveryAddress(String),
}

/// The existing identity a new one collided with (`ory/kratos: identity/manager.go`,
/// `ConflictingIdentity`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictingIdentity {
    /// The existing identity, with addresses and credentials.
    pub identity: Identity,
    /// The stored identifier or address value that matched.
    pub matched: String,
    pub source: ConflictSource,
}

/// Everything the flows read and write.
///
/// Transactions: `create_identity` and `create_session` each write all their rows in one
/// transaction; the flow and error inserts/updates are single statements. The multi-statement
/// reads (`get_identity`, `list_identities`, `find_conflicting_identity`, `get_session_by_token`),
/// `read_error` (a read, then marking it seen) and `get_or_init_value` (an insert, then a read)
/// run their statements without a shared transaction.
#[async_trait]
pub trait Persister: Send + Sync + 'static {
    /// Whether the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Reads the network's row by its primary key, through the connections the hot reads use:
    /// the benchmark suite's baseline for one lookup (`hoplite.bench.primary_key_lookup`).
    async fn read_network(&self) -> Result<(), StoreError>;

    async fn create_registration_flow(&self, flow: &RegistrationFlow) -> Result<(), StoreError>;
    async fn get_registration_flow(&self, id: Uuid)
    -> Result<Option<RegistrationFlow>, StoreError>;
    /// The flow as the seed endpoint shows it, its UI left as stored (see
    /// [`RegistrationFlowView`]); shared, as a persister may keep it cached. The default builds it
    /// from [`Persister::get_registration_flow`].
    async fn get_registration_flow_view(
        &self,
        id: Uuid,
    ) -> Result<Option<std::sync::Arc<RegistrationFlowView>>, StoreError> {
        Ok(self
            .get_registration_flow(id)
            .await?
            .map(|f| std::sync::Arc::new(f.view())))
    }
    async fn update_registration_flow(&self, flow: &RegistrationFlow) -> Result<(), StoreError>;

    /// Inserts the identity with its credentials, identifiers and addresses atomically; a unique
    /// violation on any identifier or address is [`StoreError::Conflict`] and writes nothing.
    async fn create_identity(&self, identity: &Identity) -> Result<(), StoreError>;
    /// Inserts all of `identities` in one transaction, or none of them: any error (a unique
    /// violation is [`StoreError::Conflict`]) writes nothing. The batch import's fast path.
    async fn create_identities(&self, identities: &[Identity]) -> Result<(), StoreError>;
    /// Finds the existing identity that holds one of `identity`'s credential identifiers or
    /// addresses, checked in Kratos's order: credential identifiers (credential types in sorted
    /// order), then verifiable addresses, then recovery addresses; the first match wins.
    async fn find_conflicting_identity(
        &self,
        identity: &Identity,
    ) -> Result<Option<ConflictingIdentity>, StoreError>;
    /// Loads an identity with addresses and credentials (several reads, no shared transaction).
    async fn get_identity(&self, id: Uuid) -> Result<Option<Identity>, StoreError>;
    /// The session a token names, with its devices and its identity (without credentials), in
    /// as few reads as the storage allows; `None` when the token or the identity is unknown.
    async fn get_session_with_identity(&self, token: &str) -> Result<Option<Session>, StoreError>;
    /// [`Self::get_session_with_identity`] as whoami answers it. A storage may hand out one view
    /// for as long as the rows it was made from are unchanged; every call still reads them.
    async fn get_whoami_view(
        &self,
        token: &str,
    ) -> Result<Option<std::sync::Arc<crate::session::WhoamiView>>, StoreError> {
        Ok(self
            .get_session_with_identity(token)
            .await?
            .map(|s| std::sync::Arc::new(crate::session::WhoamiView::of(s))))
    }
    /// Identities ordered by id, after `after`, at most `limit`.
    async fn list_identities(
        &self,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<IdentityPage, StoreError>;

    // Admin identity API
    /// Replaces the identity's row and all of its credentials, identifiers and addresses in one
    /// transaction. `Ok(false)` when there is no such identity; a unique violation on an
    /// identifier, address or external id is [`StoreError::Conflict`] and changes nothing.
    async fn update_identity(&self, identity: &Identity) -> Result<bool, StoreError>;
    /// [`Persister::update_identity`] only while the stored traits still hash to `traits_hash`
    /// ([`crate::identity::pending::hash_stored_traits`], checked in the same transaction);
    /// `Ok(None)` when they changed.
    /// The identity's `traits` column as stored (text), for Kratos's traits hash
    /// ([`crate::identity::pending::hash_stored_traits`]); `None` when there is no such identity.
    async fn stored_traits(&self, identity_id: Uuid) -> Result<Option<String>, StoreError>;
    async fn update_identity_if_traits(
        &self,
        identity: &Identity,
        traits_hash: &str,
    ) -> Result<Option<bool>, StoreError>;
    /// Deletes the identity with its credentials, addresses, sessions and devices in one
    /// transaction; `Ok(false)` when there was none.
    async fn delete_identity(&self, id: Uuid) -> Result<bool, StoreError>;
    /// Identities matching `filter`, ordered by id, after `after`, at most `limit` (keyset
    /// pagination as in [`Persister::list_identities`]).
    async fn list_identities_filtered(
        &self,
        filter: &IdentityFilter,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<IdentityPage, StoreError>;
    /// Identities in id order from row `offset`, at most `limit`, those `filter` selects when
    /// given (the list's legacy `page`/`per_page` mode).
    async fn list_identities_at(
        &self,
        filter: Option<&IdentityFilter>,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<Identity>, StoreError>;
    /// How many identities there are.
    async fn count_identities(&self) -> Result<u64, StoreError>;

    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;
    /// Inserts a new identity with its parts and its first session: all of it or, on any error
    /// (a taken identifier is [`StoreError::Conflict`]), nothing.
    async fn create_identity_with_session(
        &self,
        identity: &Identity,
        session: &Session,
    ) -> Result<(), StoreError>;
    /// Inserts a new session and marks the login flow that issued it as used: both or neither.
    /// A flow that succeeds changes nothing but its method and time (`active`, `updated_at`);
    /// only those are written.
    async fn create_session_for_login(
        &self,
        session: &Session,
        flow: &LoginFlow,
    ) -> Result<(), StoreError>;
    /// The session for a token, without its identity.
    async fn get_session_by_token(&self, token: &str) -> Result<Option<Session>, StoreError>;

    async fn create_error(&self, error: &StoredError) -> Result<(), StoreError>;
    /// Loads a stored error and marks it seen (two statements, not one transaction).
    async fn read_error(
        &self,
        id: Uuid,
        now: OffsetDateTime,
    ) -> Result<Option<StoredError>, StoreError>;

    /// Returns the value stored under `key`, storing `candidate` first if there is none (used for
    /// generated secrets, so every instance on one database agrees and restarts keep them).
    async fn get_or_init_value(&self, key: &str, candidate: &str) -> Result<String, StoreError>;

    // Login flows and sign-in.
    async fn create_login_flow(&self, flow: &LoginFlow) -> Result<(), StoreError>;
    async fn get_login_flow(&self, id: Uuid) -> Result<Option<LoginFlow>, StoreError>;
    /// Writes the mutable fields (ui, active method, request URL, csrf token, `updated_at`, ...).
    async fn update_login_flow(&self, flow: &LoginFlow) -> Result<(), StoreError>;
    /// The identity (with credentials and addresses) holding a credential of type
    /// `credential_type` with one of `candidates` as identifier; earlier candidates win.
    async fn find_identity_by_identifier(
        &self,
        credential_type: &str,
        candidates: &[String],
    ) -> Result<Option<Identity>, StoreError>;
    /// Replaces the `config` of one credential of an identity (e.g. an upgraded password hash).
    async fn update_credential_config(
        &self,
        identity_id: Uuid,
        credential_type: &str,
        config: &Value,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    // Settings flows.
    async fn create_settings_flow(
        &self,
        flow: &crate::flow::settings::SettingsFlow,
    ) -> Result<(), StoreError>;
    /// The stored flow, its `identity` not loaded (`None`).
    async fn get_settings_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<crate::flow::settings::SettingsFlow>, StoreError>;
    /// Writes the mutable fields (ui, state, active method, internal context, `updated_at`).
    async fn update_settings_flow(
        &self,
        flow: &crate::flow::settings::SettingsFlow,
    ) -> Result<(), StoreError>;

    // Continuity containers.
    async fn create_continuity_container(
        &self,
        container: &crate::continuity::Container,
    ) -> Result<(), StoreError>;
    /// Reads and deletes a container (one use): `None` when there is none.
    async fn take_continuity_container(
        &self,
        id: Uuid,
    ) -> Result<Option<crate::continuity::Container>, StoreError>;
    async fn delete_continuity_container(&self, id: Uuid) -> Result<(), StoreError>;

    // Verification.
    async fn create_verification_flow(
        &self,
        flow: &crate::flow::verification::VerificationFlow,
    ) -> Result<(), StoreError>;
    async fn get_verification_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<crate::flow::verification::VerificationFlow>, StoreError>;
    /// Writes the mutable fields (ui, state, active method, CSRF token, internal context).
    async fn update_verification_flow(
        &self,
        flow: &crate::flow::verification::VerificationFlow,
    ) -> Result<(), StoreError>;
    /// Deletes the flow's codes (a new one replaces them, or the address is unknown).
    async fn delete_verification_codes(&self, flow_id: Uuid) -> Result<(), StoreError>;
    async fn create_verification_code(
        &self,
        code: &crate::strategy::code::VerificationCode,
    ) -> Result<(), StoreError>;
    /// Counts one attempt on the flow (atomically), then, within `max_submissions`, consumes the
    /// live code whose HMAC is one of `hmacs` with a conditional update (two submissions of one
    /// code cannot both succeed).
    async fn use_verification_code(
        &self,
        flow_id: Uuid,
        hmacs: &[String],
        now: OffsetDateTime,
        max_submissions: i64,
    ) -> Result<crate::strategy::code::CodeUse, StoreError>;
    /// The verifiable address with this channel and value: its id and its identity's.
    async fn find_verifiable_address(
        &self,
        via: &str,
        value: &str,
    ) -> Result<Option<(Uuid, Uuid)>, StoreError>;
    /// Sets an address's `status` (`sent`), or marks it verified (`completed`, `verified_at`).
    async fn update_verifiable_address_status(
        &self,
        id: Uuid,
        status: &str,
        verified_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Stores a link token (verification or recovery).
    async fn create_link_token(
        &self,
        kind: crate::strategy::link::TokenKind,
        token: &crate::strategy::link::LinkToken,
    ) -> Result<(), StoreError>;
    /// Consumes the flow's unused token whose HMAC is one of `hmacs` with a conditional update
    /// (two clicks of one link cannot both succeed); `None` when there is none. Expired tokens
    /// are consumed too: the caller checks `expires_at`.
    async fn use_link_token(
        &self,
        kind: crate::strategy::link::TokenKind,
        flow_id: Uuid,
        hmacs: &[String],
        now: OffsetDateTime,
    ) -> Result<Option<crate::strategy::link::UsedToken>, StoreError>;

    // Recovery.
    async fn create_recovery_flow(
        &self,
        flow: &crate::flow::recovery::RecoveryFlow,
    ) -> Result<(), StoreError>;
    async fn get_recovery_flow(
        &self,
        id: Uuid,
    ) -> Result<Option<crate::flow::recovery::RecoveryFlow>, StoreError>;
    /// Writes the mutable fields (ui, state, active method, CSRF token, recovered identity).
    async fn update_recovery_flow(
        &self,
        flow: &crate::flow::recovery::RecoveryFlow,
    ) -> Result<(), StoreError>;
    async fn delete_recovery_codes(&self, flow_id: Uuid) -> Result<(), StoreError>;
    async fn create_recovery_code(
        &self,
        code: &crate::strategy::code::RecoveryCode,
    ) -> Result<(), StoreError>;
    /// As [`Persister::use_verification_code`], for recovery codes.
    async fn use_recovery_code(
        &self,
        flow_id: Uuid,
        hmacs: &[String],
        now: OffsetDateTime,
        max_submissions: i64,
    ) -> Result<crate::strategy::code::RecoveryCodeUse, StoreError>;
    /// The recovery address with this channel and value: its id and its identity's.
    async fn find_recovery_address(
        &self,
        via: &str,
        value: &str,
    ) -> Result<Option<(Uuid, Uuid)>, StoreError>;
    /// The value of a recovery address.
    async fn recovery_address_value(&self, id: Uuid) -> Result<Option<String>, StoreError>;
    /// Stores a change waiting for its new address to be verified.
    async fn create_pending_change(
        &self,
        change: &crate::identity::pending::PendingTraitsChange,
    ) -> Result<(), StoreError>;
    /// The change a verification flow was started for.
    async fn pending_change_of_verification_flow(
        &self,
        flow_id: Uuid,
    ) -> Result<Option<crate::identity::pending::PendingTraitsChange>, StoreError>;
    /// Drops every waiting change of an identity (a new one replaces them).
    async fn delete_pending_changes_of_identity(&self, identity_id: Uuid)
    -> Result<(), StoreError>;
    /// The channel (`via`) of a verifiable address.
    async fn verifiable_address_via(&self, id: Uuid) -> Result<Option<String>, StoreError>;
    /// Marks verified every verifiable address of `identity_id` whose value is `value`.
    async fn verify_addresses_with_value(
        &self,
        identity_id: Uuid,
        value: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;

    // The courier.
    /// Stores a new message.
    async fn queue_message(&self, message: &crate::courier::Message) -> Result<(), StoreError>;
    /// Claims up to `limit` messages for delivery, oldest first: queued ones, and ones left
    /// `processing` since before `stale_before` (a worker that died). Each is claimed with a
    /// conditional update, so no two workers get the same message.
    async fn claim_messages(
        &self,
        limit: u32,
        now: OffsetDateTime,
        stale_before: OffsetDateTime,
    ) -> Result<Vec<crate::courier::Message>, StoreError>;
    async fn set_message_status(
        &self,
        id: Uuid,
        status: crate::courier::MessageStatus,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
    async fn increment_send_count(&self, id: Uuid, now: OffsetDateTime) -> Result<(), StoreError>;
    async fn record_dispatch(&self, dispatch: &crate::courier::Dispatch) -> Result<(), StoreError>;
    /// Messages `filter` selects, newest first, after `after`, at most `limit`, and the cursor of
    /// the next page when there is one.
    async fn list_messages(
        &self,
        filter: &crate::courier::handler::MessageFilter,
        after: Option<SessionCursor>,
        limit: u32,
    ) -> Result<(Vec<crate::courier::Message>, Option<SessionCursor>), StoreError>;
    /// One message with its delivery attempts, newest first.
    async fn get_message(&self, id: Uuid) -> Result<Option<crate::courier::Message>, StoreError>;

    // Sessions.
    /// A session by id, with its devices but without its identity.
    async fn get_session(&self, id: Uuid) -> Result<Option<Session>, StoreError>;
    /// The session a logout token belongs to.
    async fn get_session_by_logout_token(&self, token: &str)
    -> Result<Option<Session>, StoreError>;
    /// Rewrites a stored session's state (active flag, AAL, methods, times) and stores devices
    /// it does not have yet; one transaction.
    async fn update_session(&self, session: &Session) -> Result<(), StoreError>;
    /// The sessions `filter` selects, newest first (`created_at` descending, then id), after
    /// `after`, at most `limit`; with devices, without identities (`ListSessions`).
    async fn list_sessions(
        &self,
        filter: &SessionFilter,
        after: Option<SessionCursor>,
        limit: u32,
    ) -> Result<SessionPage, StoreError>;
    /// The sessions `filter` selects, newest first, `limit` of them from row `offset`, and how
    /// many it selects in all (`ListSessionsByIdentity`: one read snapshot).
    async fn list_sessions_at(
        &self,
        filter: &SessionFilter,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Session>, u64), StoreError>;
    /// Marks every active session of an identity inactive, except `except`; returns how many.
    async fn revoke_sessions_of_identity(
        &self,
        identity_id: Uuid,
        except: Option<Uuid>,
    ) -> Result<u64, StoreError>;
    /// Marks one session inactive; `false` when there is no such session (of that identity, when
    /// `identity_id` is given).
    async fn revoke_session(&self, id: Uuid, identity_id: Option<Uuid>)
    -> Result<bool, StoreError>;
    /// Deletes every session of an identity; returns how many.
    async fn delete_sessions_of_identity(&self, identity_id: Uuid) -> Result<u64, StoreError>;
    /// Disables (`delete` false: marks inactive, counting only sessions that were active) or
    /// deletes the sessions `target` names; at most `limit` of them for [`SessionTarget::All`].
    /// Returns how many it processed. One transaction.
    async fn manage_sessions(
        &self,
        target: SessionTarget,
        delete: bool,
        limit: u32,
    ) -> Result<u64, StoreError>;

    // Session token exchange.
    /// Stores the codes issued with a flow.
    async fn create_session_token_exchanger(
        &self,
        e: &crate::session::token_exchange::Exchanger,
    ) -> Result<(), StoreError>;
    /// The row both codes belong to (neither empty), whether or not it has a session yet.
    async fn get_session_token_exchanger(
        &self,
        init_code: &str,
        return_to_code: &str,
    ) -> Result<Option<crate::session::token_exchange::Exchanger>, StoreError>;
}

/// Which sessions a bulk operation touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionTarget {
    /// Every session of these identities.
    Identities(Vec<Uuid>),
    /// These sessions.
    Sessions(Vec<Uuid>),
    /// Any sessions, a batch at a time.
    All,
}

/// Which sessions a list shows.
#[derive(Debug, Clone)]
pub struct SessionFilter {
    /// Only this identity's.
    pub identity_id: Option<Uuid>,
    /// `Some(true)`: the `active` flag set and not expired at `now`; `Some(false)`: the others.
    pub active: Option<bool>,
    /// Leave this session out (the caller's own, in `GET /sessions`).
    pub except: Option<Uuid>,
    /// The time expiry is judged at.
    pub now: time::OffsetDateTime,
}

/// A position in the newest-first session order: the last row of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCursor {
    pub created_at: time::OffsetDateTime,
    pub id: Uuid,
}

/// One page of sessions, newest first.
#[derive(Debug, Clone)]
pub struct SessionPage {
    pub sessions: Vec<Session>,
    /// Where the next page starts, if there are more.
    pub next: Option<SessionCursor>,
}
