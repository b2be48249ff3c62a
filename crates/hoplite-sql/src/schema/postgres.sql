-- hoplite's PostgreSQL schema: the tables, columns, types, defaults, indexes and constraints that
-- Ory Kratos's migrations produce at Kratos b86338da04a0 (the version ../shared/reference/ describes),
-- so that Kratos and hoplite serve one database. Applied once, in one transaction, on an empty
-- database; hoplite then records every Kratos migration version in schema_migration.


SET statement_timeout = 0;

CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE continuity_containers (
    id uuid NOT NULL,
    identity_id uuid,
    name character varying(255) NOT NULL,
    payload jsonb,
    expires_at timestamp without time zone NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid
);

CREATE TABLE courier_message_dispatches (
    id uuid NOT NULL,
    message_id uuid NOT NULL,
    status character varying(7) NOT NULL,
    error json,
    nid uuid NOT NULL,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE TABLE courier_messages (
    id uuid NOT NULL,
    type integer NOT NULL,
    status integer NOT NULL,
    body text NOT NULL,
    subject character varying(255) NOT NULL,
    recipient character varying(255) NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    template_type character varying(255) DEFAULT ''::character varying NOT NULL,
    template_data bytea,
    nid uuid,
    send_count integer DEFAULT 0 NOT NULL,
    channel character varying(32),
    request_headers jsonb
);

CREATE TABLE identities (
    id uuid NOT NULL,
    schema_id character varying(2048) NOT NULL,
    traits jsonb NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid,
    state character varying(255) DEFAULT 'active'::character varying NOT NULL,
    state_changed_at timestamp without time zone,
    metadata_public jsonb,
    metadata_admin jsonb,
    available_aal character varying(4),
    organization_id uuid,
    external_id character varying(64),
    CONSTRAINT identities_external_id_check CHECK (((external_id IS NULL) OR ((external_id)::text <> ''::text)))
);

CREATE TABLE identity_credential_identifiers (
    id uuid NOT NULL,
    identifier character varying(255) NOT NULL,
    identity_credential_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid,
    identity_credential_type_id uuid NOT NULL,
    identity_id uuid NOT NULL
);

CREATE TABLE identity_credential_types (
    id uuid NOT NULL,
    name character varying(32) NOT NULL
);

CREATE TABLE identity_credentials (
    id uuid NOT NULL,
    config jsonb NOT NULL,
    identity_credential_type_id uuid NOT NULL,
    identity_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid,
    version integer DEFAULT 0 NOT NULL
);

CREATE TABLE identity_login_codes (
    id uuid NOT NULL,
    code character varying(64) NOT NULL,
    address character varying(255) NOT NULL,
    address_type character varying(36) NOT NULL,
    used_at timestamp without time zone,
    expires_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    issued_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    selfservice_login_flow_id uuid NOT NULL,
    identity_id uuid NOT NULL,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    nid uuid NOT NULL
);

CREATE TABLE identity_pending_traits_changes (
    id uuid NOT NULL,
    identity_id uuid NOT NULL,
    nid uuid NOT NULL,
    new_address_value character varying(255) NOT NULL,
    new_address_via character varying(16) NOT NULL,
    original_traits_hash character varying(64) NOT NULL,
    proposed_traits jsonb NOT NULL,
    verification_flow_id uuid NOT NULL,
    status character varying(16) DEFAULT 'pending'::character varying NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    session_id uuid,
    origin_settings_flow_id uuid
);

CREATE TABLE identity_recovery_addresses (
    id uuid NOT NULL,
    via character varying(16) NOT NULL,
    value character varying(400) NOT NULL,
    identity_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid,
    break_glass_for_organization uuid
);

CREATE TABLE identity_recovery_codes (
    id uuid NOT NULL,
    code character varying(64) NOT NULL,
    used_at timestamp without time zone,
    identity_recovery_address_id uuid,
    code_type integer NOT NULL,
    expires_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    issued_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    selfservice_recovery_flow_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid NOT NULL,
    identity_id uuid NOT NULL
);

CREATE TABLE identity_recovery_tokens (
    id uuid NOT NULL,
    token character varying(64) NOT NULL,
    used boolean DEFAULT false NOT NULL,
    used_at timestamp without time zone,
    identity_recovery_address_id uuid,
    selfservice_recovery_flow_id uuid,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    expires_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    issued_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    nid uuid,
    identity_id uuid NOT NULL,
    token_type integer DEFAULT 0 NOT NULL,
    CONSTRAINT identity_recovery_tokens_token_type_ck CHECK (((token_type = 1) OR (token_type = 2)))
);

CREATE TABLE identity_registration_codes (
    id uuid NOT NULL,
    code character varying(64) NOT NULL,
    address character varying(255) NOT NULL,
    address_type character varying(36) NOT NULL,
    used_at timestamp without time zone,
    expires_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    issued_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    selfservice_registration_flow_id uuid NOT NULL,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    nid uuid NOT NULL
);

CREATE TABLE identity_verifiable_addresses (
    id uuid NOT NULL,
    status character varying(16) NOT NULL,
    via character varying(16) NOT NULL,
    verified boolean NOT NULL,
    value character varying(400) NOT NULL,
    verified_at timestamp without time zone,
    identity_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid
);

CREATE TABLE identity_verification_codes (
    id uuid NOT NULL,
    code_hmac character varying(64) NOT NULL,
    used_at timestamp without time zone,
    identity_verifiable_address_id uuid,
    expires_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    issued_at timestamp without time zone DEFAULT '2000-01-01 00:00:00'::timestamp without time zone NOT NULL,
    selfservice_verification_flow_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid NOT NULL
);

CREATE TABLE identity_verification_tokens (
    id uuid NOT NULL,
    token character varying(64) NOT NULL,
    used boolean DEFAULT false NOT NULL,
    used_at timestamp without time zone,
    expires_at timestamp without time zone NOT NULL,
    issued_at timestamp without time zone NOT NULL,
    identity_verifiable_address_id uuid,
    selfservice_verification_flow_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    nid uuid
);

CREATE TABLE networks (
    id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

CREATE TABLE schema_migration (
    version character varying(48) NOT NULL,
    version_self integer DEFAULT 0 NOT NULL
);

CREATE TABLE selfservice_errors (
    id uuid NOT NULL,
    errors jsonb NOT NULL,
    seen_at timestamp without time zone,
    was_seen boolean NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    csrf_token character varying(255) DEFAULT ''::character varying NOT NULL,
    nid uuid
);

CREATE TABLE selfservice_login_flows (
    id uuid NOT NULL,
    request_url text NOT NULL,
    issued_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    expires_at timestamp without time zone NOT NULL,
    active_method character varying(32) NOT NULL,
    csrf_token character varying(255) NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    forced boolean DEFAULT false NOT NULL,
    type character varying(16) DEFAULT 'browser'::character varying NOT NULL,
    ui jsonb,
    nid uuid,
    requested_aal character varying(4) DEFAULT 'aal1'::character varying NOT NULL,
    internal_context jsonb NOT NULL,
    oauth2_login_challenge uuid,
    oauth2_login_challenge_data text,
    state character varying(255),
    submit_count integer DEFAULT 0 NOT NULL,
    organization_id uuid,
    identity_schema_id character varying(128),
    test_flow boolean
);

CREATE TABLE selfservice_recovery_flows (
    id uuid NOT NULL,
    request_url text NOT NULL,
    issued_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    expires_at timestamp without time zone NOT NULL,
    active_method character varying(32),
    csrf_token character varying(255) NOT NULL,
    state character varying(32) NOT NULL,
    recovered_identity_id uuid,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    type character varying(16) DEFAULT 'browser'::character varying NOT NULL,
    ui jsonb,
    nid uuid,
    submit_count integer DEFAULT 0 NOT NULL,
    skip_csrf_check boolean DEFAULT false NOT NULL,
    internal_context jsonb
);

CREATE TABLE selfservice_registration_flows (
    id uuid NOT NULL,
    request_url text NOT NULL,
    issued_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    expires_at timestamp without time zone NOT NULL,
    active_method character varying(32) NOT NULL,
    csrf_token character varying(255) NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    type character varying(16) DEFAULT 'browser'::character varying NOT NULL,
    ui jsonb,
    nid uuid,
    internal_context jsonb NOT NULL,
    oauth2_login_challenge uuid,
    oauth2_login_challenge_data text,
    state character varying(255),
    submit_count integer DEFAULT 0 NOT NULL,
    organization_id uuid,
    identity_schema_id character varying(128)
);

CREATE TABLE selfservice_settings_flows (
    id uuid NOT NULL,
    request_url text NOT NULL,
    issued_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    expires_at timestamp without time zone NOT NULL,
    identity_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    active_method character varying(32),
    state character varying(255) DEFAULT 'show_form'::character varying NOT NULL,
    type character varying(16) DEFAULT 'browser'::character varying NOT NULL,
    ui jsonb,
    nid uuid,
    internal_context jsonb NOT NULL,
    organization_id uuid
);

CREATE TABLE selfservice_verification_flows (
    id uuid NOT NULL,
    request_url text NOT NULL,
    issued_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    expires_at timestamp without time zone NOT NULL,
    csrf_token character varying(255) NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    type character varying(16) DEFAULT 'browser'::character varying NOT NULL,
    state character varying(255) DEFAULT 'show_form'::character varying NOT NULL,
    active_method character varying(32),
    ui jsonb,
    nid uuid,
    submit_count integer DEFAULT 0 NOT NULL,
    oauth2_login_challenge text,
    session_id uuid,
    identity_id uuid,
    authentication_methods json,
    internal_context jsonb
);

CREATE TABLE session_devices (
    id uuid NOT NULL,
    ip_address character varying(50) DEFAULT ''::character varying,
    user_agent character varying(512) DEFAULT ''::character varying,
    location character varying(512) DEFAULT ''::character varying,
    nid uuid NOT NULL,
    session_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    identity_id uuid NOT NULL
);

CREATE TABLE session_token_exchanges (
    id uuid NOT NULL,
    nid uuid NOT NULL,
    flow_id uuid NOT NULL,
    session_id uuid,
    init_code character varying(64) NOT NULL,
    return_to_code character varying(64) NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

CREATE TABLE sessions (
    id uuid NOT NULL,
    issued_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    expires_at timestamp without time zone NOT NULL,
    authenticated_at timestamp without time zone NOT NULL,
    identity_id uuid NOT NULL,
    created_at timestamp without time zone NOT NULL,
    updated_at timestamp without time zone NOT NULL,
    token character varying(39),
    active boolean DEFAULT false,
    nid uuid,
    logout_token character varying(39),
    aal character varying(4) DEFAULT 'aal1'::character varying NOT NULL,
    authentication_methods jsonb NOT NULL
);

ALTER TABLE ONLY continuity_containers
    ADD CONSTRAINT continuity_containers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY courier_message_dispatches
    ADD CONSTRAINT courier_message_dispatches_pkey PRIMARY KEY (id);

ALTER TABLE ONLY courier_messages
    ADD CONSTRAINT courier_messages_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identities
    ADD CONSTRAINT identities_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_credential_identifiers
    ADD CONSTRAINT identity_credential_identifiers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_credential_types
    ADD CONSTRAINT identity_credential_types_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_credentials
    ADD CONSTRAINT identity_credentials_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_login_codes
    ADD CONSTRAINT identity_login_codes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_pending_traits_changes
    ADD CONSTRAINT identity_pending_traits_changes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_recovery_addresses
    ADD CONSTRAINT identity_recovery_addresses_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_recovery_codes
    ADD CONSTRAINT identity_recovery_codes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_recovery_tokens
    ADD CONSTRAINT identity_recovery_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_registration_codes
    ADD CONSTRAINT identity_registration_codes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_verifiable_addresses
    ADD CONSTRAINT identity_verifiable_addresses_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_verification_codes
    ADD CONSTRAINT identity_verification_codes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY identity_verification_tokens
    ADD CONSTRAINT identity_verification_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY networks
    ADD CONSTRAINT networks_pkey PRIMARY KEY (id);

ALTER TABLE ONLY selfservice_errors
    ADD CONSTRAINT selfservice_errors_pkey PRIMARY KEY (id);

ALTER TABLE ONLY selfservice_login_flows
    ADD CONSTRAINT selfservice_login_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY selfservice_settings_flows
    ADD CONSTRAINT selfservice_profile_management_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY selfservice_recovery_flows
    ADD CONSTRAINT selfservice_recovery_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY selfservice_registration_flows
    ADD CONSTRAINT selfservice_registration_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY selfservice_verification_flows
    ADD CONSTRAINT selfservice_verification_requests_pkey PRIMARY KEY (id);

ALTER TABLE ONLY session_devices
    ADD CONSTRAINT session_devices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY session_token_exchanges
    ADD CONSTRAINT session_token_exchanges_pkey PRIMARY KEY (id);

ALTER TABLE ONLY sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY session_devices
    ADD CONSTRAINT unique_session_device UNIQUE (nid, session_id, ip_address, user_agent);

CREATE INDEX continuity_containers_identity_id_idx ON continuity_containers USING btree (identity_id);

CREATE INDEX continuity_containers_nid_idx ON continuity_containers USING btree (nid);

CREATE INDEX courier_message_dispatches_message_id_idx ON courier_message_dispatches USING btree (message_id, created_at DESC);

CREATE INDEX courier_message_dispatches_nid_idx ON courier_message_dispatches USING btree (nid);

CREATE INDEX courier_messages_nid_created_at_id_idx ON courier_messages USING btree (nid, created_at DESC, id);

CREATE INDEX courier_messages_nid_id_created_at_idx ON courier_messages USING btree (nid, id, created_at DESC);

CREATE INDEX courier_messages_nid_recipient_created_at_id_idx ON courier_messages USING btree (nid, recipient, created_at DESC);

CREATE INDEX courier_messages_nid_status_created_at_id_idx ON courier_messages USING btree (nid, status, created_at DESC);

CREATE INDEX courier_messages_status_created_at_idx ON courier_messages USING btree (status, created_at);

CREATE INDEX courier_messages_status_id_idx ON courier_messages USING btree (status, id);

CREATE UNIQUE INDEX identities_nid_external_id_idx ON identities USING btree (nid, external_id) WHERE (external_id IS NOT NULL);

CREATE INDEX identities_nid_id_idx ON identities USING btree (nid, id);

CREATE INDEX identities_nid_organization_id_idx ON identities USING btree (organization_id);

CREATE INDEX identity_credential_identifiers_ici_nid_i_idx ON identity_credential_identifiers USING btree (identity_credential_id, nid, identifier);

CREATE UNIQUE INDEX identity_credential_identifiers_identifier_nid_type_uq_idx ON identity_credential_identifiers USING btree (nid, identity_credential_type_id, identifier);

CREATE INDEX identity_credential_identifiers_identities_id_fk_idx ON identity_credential_identifiers USING btree (identity_id);

CREATE INDEX identity_credential_identifiers_nid_i_ici_idx ON identity_credential_identifiers USING btree (nid, identifier, identity_credential_id);

CREATE UNIQUE INDEX identity_credential_types_name_idx ON identity_credential_types USING btree (name);

CREATE INDEX identity_credentials_identity_id_idx ON identity_credentials USING btree (identity_id);

CREATE INDEX identity_login_codes_flow_id_idx ON identity_login_codes USING btree (selfservice_login_flow_id);

CREATE INDEX identity_login_codes_identity_id_idx ON identity_login_codes USING btree (identity_id);

CREATE INDEX identity_login_codes_nid_idx ON identity_login_codes USING btree (nid);

CREATE INDEX identity_pending_traits_changes_nid_identity_id_status_idx ON identity_pending_traits_changes USING btree (nid, identity_id, status);

CREATE UNIQUE INDEX identity_pending_traits_changes_nid_identity_pending_idx ON identity_pending_traits_changes USING btree (nid, identity_id) WHERE ((status)::text = 'pending'::text);

CREATE INDEX identity_pending_traits_changes_nid_origin_settings_flow_id_idx ON identity_pending_traits_changes USING btree (nid, origin_settings_flow_id);

CREATE INDEX identity_pending_traits_changes_nid_session_id_idx ON identity_pending_traits_changes USING btree (nid, session_id);

CREATE INDEX identity_pending_traits_changes_nid_verification_flow_id_idx ON identity_pending_traits_changes USING btree (nid, verification_flow_id);

CREATE UNIQUE INDEX identity_recovery_addresses_code_uq_idx ON identity_recovery_tokens USING btree (token);

CREATE INDEX identity_recovery_addresses_identity_id_idx ON identity_recovery_addresses USING btree (identity_id);

CREATE UNIQUE INDEX identity_recovery_addresses_status_via_uq_idx ON identity_recovery_addresses USING btree (nid, via, value);

CREATE INDEX identity_recovery_codes_flow_id_idx ON identity_recovery_codes USING btree (selfservice_recovery_flow_id);

CREATE INDEX identity_recovery_codes_identity_id_idx ON identity_recovery_codes USING btree (identity_id);

CREATE INDEX identity_recovery_codes_identity_recovery_address_id_idx ON identity_recovery_codes USING btree (identity_recovery_address_id);

CREATE INDEX identity_recovery_codes_nid_idx ON identity_recovery_codes USING btree (nid);

CREATE INDEX identity_recovery_tokens_identity_id_idx ON identity_recovery_tokens USING btree (identity_id);

CREATE INDEX identity_recovery_tokens_identity_recovery_address_id_idx ON identity_recovery_tokens USING btree (identity_recovery_address_id);

CREATE INDEX identity_recovery_tokens_nid_idx ON identity_recovery_tokens USING btree (nid);

CREATE INDEX identity_recovery_tokens_selfservice_recovery_flow_id_idx ON identity_recovery_tokens USING btree (selfservice_recovery_flow_id);

CREATE INDEX identity_registration_codes_flow_id_idx ON identity_registration_codes USING btree (selfservice_registration_flow_id);

CREATE INDEX identity_registration_codes_nid_idx ON identity_registration_codes USING btree (nid);

CREATE INDEX identity_verifiable_addresses_identity_id_idx ON identity_verifiable_addresses USING btree (identity_id);

CREATE UNIQUE INDEX identity_verifiable_addresses_status_via_uq_idx ON identity_verifiable_addresses USING btree (nid, via, value);

CREATE INDEX identity_verification_codes_flow_id_idx ON identity_verification_codes USING btree (selfservice_verification_flow_id);

CREATE INDEX identity_verification_codes_identity_verifiable_address_id_idx ON identity_verification_codes USING btree (identity_verifiable_address_id);

CREATE INDEX identity_verification_codes_nid_idx ON identity_verification_codes USING btree (nid);

CREATE INDEX identity_verification_tokens_nid_idx ON identity_verification_tokens USING btree (nid);

CREATE UNIQUE INDEX identity_verification_tokens_token_uq_idx ON identity_verification_tokens USING btree (token);

CREATE INDEX identity_verification_tokens_verifiable_address_id_idx ON identity_verification_tokens USING btree (identity_verifiable_address_id);

CREATE INDEX identity_verification_tokens_verification_flow_id_idx ON identity_verification_tokens USING btree (selfservice_verification_flow_id);

CREATE UNIQUE INDEX schema_migration_version_idx ON schema_migration USING btree (version);

CREATE INDEX schema_migration_version_self_idx ON schema_migration USING btree (version_self);

CREATE INDEX selfservice_errors_nid_idx ON selfservice_errors USING btree (nid);

CREATE INDEX selfservice_login_flows_nid_idx ON selfservice_login_flows USING btree (nid);

CREATE INDEX selfservice_recovery_flows_nid_idx ON selfservice_recovery_flows USING btree (nid);

CREATE INDEX selfservice_recovery_flows_recovered_identity_id_idx ON selfservice_recovery_flows USING btree (recovered_identity_id);

CREATE INDEX selfservice_registration_flows_nid_idx ON selfservice_registration_flows USING btree (nid);

CREATE INDEX selfservice_settings_flows_identity_id_idx ON selfservice_settings_flows USING btree (identity_id);

CREATE INDEX selfservice_settings_flows_nid_idx ON selfservice_settings_flows USING btree (nid);

CREATE INDEX selfservice_verification_flows_nid_idx ON selfservice_verification_flows USING btree (nid);

CREATE INDEX session_devices_identities_id_fk_idx ON session_devices USING btree (identity_id);

CREATE INDEX session_devices_nid_idx ON session_devices USING btree (nid);

CREATE INDEX session_devices_session_id_idx ON session_devices USING btree (session_id);

CREATE INDEX session_token_exchanges_flow_id_nid_init_code_idx ON session_token_exchanges USING btree (flow_id, nid, init_code);

CREATE INDEX session_token_exchanges_nid_init_code_idx ON session_token_exchanges USING btree (nid, init_code);

CREATE INDEX sessions_list_active_idx ON sessions USING btree (nid, expires_at, active, created_at DESC, id);

CREATE INDEX sessions_list_identity_idx ON sessions USING btree (identity_id, nid, created_at DESC);

CREATE INDEX sessions_list_idx ON sessions USING btree (nid, created_at DESC, id);

CREATE UNIQUE INDEX sessions_logout_token_uq_idx ON sessions USING btree (logout_token);

CREATE UNIQUE INDEX sessions_token_uq_idx ON sessions USING btree (token);

ALTER TABLE ONLY continuity_containers
    ADD CONSTRAINT continuity_containers_identity_id_fkey FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE CASCADE;

ALTER TABLE ONLY continuity_containers
    ADD CONSTRAINT continuity_containers_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY courier_message_dispatches
    ADD CONSTRAINT courier_message_dispatches_message_id_fk FOREIGN KEY (message_id) REFERENCES courier_messages(id) ON DELETE CASCADE;

ALTER TABLE ONLY courier_message_dispatches
    ADD CONSTRAINT courier_message_dispatches_nid_fk FOREIGN KEY (nid) REFERENCES networks(id) ON DELETE CASCADE;

ALTER TABLE ONLY courier_messages
    ADD CONSTRAINT courier_messages_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identities
    ADD CONSTRAINT identities_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_credential_identifiers
    ADD CONSTRAINT identity_credential_identifiers_identities_id_fk FOREIGN KEY (identity_id) REFERENCES identities(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_credential_identifiers
    ADD CONSTRAINT identity_credential_identifiers_identity_credential_id_fkey FOREIGN KEY (identity_credential_id) REFERENCES identity_credentials(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_credential_identifiers
    ADD CONSTRAINT identity_credential_identifiers_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_credential_identifiers
    ADD CONSTRAINT identity_credential_identifiers_type_id_fk_idx FOREIGN KEY (identity_credential_type_id) REFERENCES identity_credential_types(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_credentials
    ADD CONSTRAINT identity_credentials_identity_credential_type_id_fkey FOREIGN KEY (identity_credential_type_id) REFERENCES identity_credential_types(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_credentials
    ADD CONSTRAINT identity_credentials_identity_id_fkey FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_credentials
    ADD CONSTRAINT identity_credentials_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_login_codes
    ADD CONSTRAINT identity_login_codes_identity_id_fk FOREIGN KEY (identity_id) REFERENCES identities(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_login_codes
    ADD CONSTRAINT identity_login_codes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_login_codes
    ADD CONSTRAINT identity_login_codes_selfservice_login_flows_id_fk FOREIGN KEY (selfservice_login_flow_id) REFERENCES selfservice_login_flows(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_pending_traits_changes
    ADD CONSTRAINT identity_pending_traits_changes_identities_id_fk FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_pending_traits_changes
    ADD CONSTRAINT identity_pending_traits_changes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_pending_traits_changes
    ADD CONSTRAINT identity_pending_traits_changes_sessions_id_fk FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE SET NULL;

ALTER TABLE ONLY identity_pending_traits_changes
    ADD CONSTRAINT identity_pending_traits_changes_settings_flow_id_fk FOREIGN KEY (origin_settings_flow_id) REFERENCES selfservice_settings_flows(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_pending_traits_changes
    ADD CONSTRAINT identity_pending_traits_changes_verification_flows_id_fk FOREIGN KEY (verification_flow_id) REFERENCES selfservice_verification_flows(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_addresses
    ADD CONSTRAINT identity_recovery_addresses_identity_id_fkey FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_addresses
    ADD CONSTRAINT identity_recovery_addresses_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_codes
    ADD CONSTRAINT identity_recovery_codes_identity_id_fk FOREIGN KEY (identity_id) REFERENCES identities(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_codes
    ADD CONSTRAINT identity_recovery_codes_identity_recovery_addresses_id_fk FOREIGN KEY (identity_recovery_address_id) REFERENCES identity_recovery_addresses(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_codes
    ADD CONSTRAINT identity_recovery_codes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_codes
    ADD CONSTRAINT identity_recovery_codes_selfservice_recovery_flows_id_fk FOREIGN KEY (selfservice_recovery_flow_id) REFERENCES selfservice_recovery_flows(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_tokens
    ADD CONSTRAINT identity_recovery_tokens_identity_id_fk_idx FOREIGN KEY (identity_id) REFERENCES identities(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_tokens
    ADD CONSTRAINT identity_recovery_tokens_identity_recovery_address_id_fkey FOREIGN KEY (identity_recovery_address_id) REFERENCES identity_recovery_addresses(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_tokens
    ADD CONSTRAINT identity_recovery_tokens_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_recovery_tokens
    ADD CONSTRAINT identity_recovery_tokens_selfservice_recovery_request_id_fkey FOREIGN KEY (selfservice_recovery_flow_id) REFERENCES selfservice_recovery_flows(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_registration_codes
    ADD CONSTRAINT identity_registration_codes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_registration_codes
    ADD CONSTRAINT identity_registration_codes_selfservice_registration_flows_id_f FOREIGN KEY (selfservice_registration_flow_id) REFERENCES selfservice_registration_flows(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_verifiable_addresses
    ADD CONSTRAINT identity_verifiable_addresses_identity_id_fkey FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_verifiable_addresses
    ADD CONSTRAINT identity_verifiable_addresses_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_verification_codes
    ADD CONSTRAINT identity_verification_codes_identity_verifiable_addresses_id_fk FOREIGN KEY (identity_verifiable_address_id) REFERENCES identity_verifiable_addresses(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_verification_codes
    ADD CONSTRAINT identity_verification_codes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_verification_codes
    ADD CONSTRAINT identity_verification_codes_selfservice_verification_flows_id_f FOREIGN KEY (selfservice_verification_flow_id) REFERENCES selfservice_verification_flows(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_verification_tokens
    ADD CONSTRAINT identity_verification_tokens_identity_verifiable_address_i_fkey FOREIGN KEY (identity_verifiable_address_id) REFERENCES identity_verifiable_addresses(id) ON DELETE CASCADE;

ALTER TABLE ONLY identity_verification_tokens
    ADD CONSTRAINT identity_verification_tokens_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY identity_verification_tokens
    ADD CONSTRAINT identity_verification_tokens_selfservice_verification_flow_fkey FOREIGN KEY (selfservice_verification_flow_id) REFERENCES selfservice_verification_flows(id) ON DELETE CASCADE;

ALTER TABLE ONLY selfservice_errors
    ADD CONSTRAINT selfservice_errors_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY selfservice_login_flows
    ADD CONSTRAINT selfservice_login_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY selfservice_settings_flows
    ADD CONSTRAINT selfservice_profile_management_requests_identity_id_fkey FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE CASCADE;

ALTER TABLE ONLY selfservice_recovery_flows
    ADD CONSTRAINT selfservice_recovery_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY selfservice_recovery_flows
    ADD CONSTRAINT selfservice_recovery_requests_recovered_identity_id_fkey FOREIGN KEY (recovered_identity_id) REFERENCES identities(id) ON DELETE CASCADE;

ALTER TABLE ONLY selfservice_registration_flows
    ADD CONSTRAINT selfservice_registration_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY selfservice_settings_flows
    ADD CONSTRAINT selfservice_settings_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY selfservice_verification_flows
    ADD CONSTRAINT selfservice_verification_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY session_devices
    ADD CONSTRAINT session_devices_identities_id_fk FOREIGN KEY (identity_id) REFERENCES identities(id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE ONLY session_devices
    ADD CONSTRAINT session_metadata_nid_fk FOREIGN KEY (nid) REFERENCES networks(id) ON DELETE CASCADE;

ALTER TABLE ONLY session_devices
    ADD CONSTRAINT session_metadata_sessions_id_fk FOREIGN KEY (session_id) REFERENCES sessions(id) ON DELETE CASCADE;

ALTER TABLE ONLY session_token_exchanges
    ADD CONSTRAINT session_token_exchanges_nid_fk FOREIGN KEY (nid) REFERENCES networks(id) ON DELETE CASCADE;

ALTER TABLE ONLY sessions
    ADD CONSTRAINT sessions_identity_id_fkey FOREIGN KEY (identity_id) REFERENCES identities(id) ON DELETE CASCADE;

ALTER TABLE ONLY sessions
    ADD CONSTRAINT sessions_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks(id) ON UPDATE RESTRICT ON DELETE CASCADE;

INSERT INTO identity_credential_types (id, name) VALUES ('78c1b41d-8341-4507-aa60-aff1d4369670', 'password');

INSERT INTO identity_credential_types (id, name) VALUES ('6fa5e2e0-bfce-4631-b62b-cf2b0252b289', 'oidc');

INSERT INTO identity_credential_types (id, name) VALUES ('5e29b036-aa47-457f-9fe6-aa8b854a752b', 'totp');

INSERT INTO identity_credential_types (id, name) VALUES ('567a0730-7f48-4dd7-a13d-df87a51c245f', 'lookup_secret');

INSERT INTO identity_credential_types (id, name) VALUES ('6b213fa0-e6ad-46cb-8878-b088d2ce2e3c', 'webauthn');

INSERT INTO identity_credential_types (id, name) VALUES ('14f3b7e2-8725-4068-be39-8a796485fd97', 'code');

INSERT INTO identity_credential_types (id, name) VALUES ('8d0ca544-9bf6-45d3-bd75-0bbb3aeba3c7', 'passkey');

INSERT INTO identity_credential_types (id, name) VALUES ('7bddcf6c-f50e-4a18-9b0f-429114c33419', 'saml');

INSERT INTO identity_credential_types (id, name) VALUES ('26433aa2-c33a-4870-85dc-230af354e0bf', 'deviceauthn');
