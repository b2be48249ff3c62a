-- hoplite's MySQL schema: the tables, columns, types, defaults, indexes and constraints that
-- Ory Kratos's MySQL migrations produce at Kratos b86338da04a0, written for MariaDB 10.11 and
-- MySQL 8 (8.0.16 or later, for CHECK constraints). Applied once on an empty database under the
-- server's default sql_mode, statement by statement (MySQL commits DDL as it goes), hoplite then
-- records every Kratos migration version (versions.mysql.txt) in schema_migration.
--
-- Kratos's own MySQL migrations do not run on MariaDB 10.11, so this file is written out as the
-- final state instead of replaying them. Deliberate differences from what they produce on MySQL 8:
--
-- 1. identity_pending_traits_changes.pending_identity_key is generated from
--    CASE WHEN status = 'pending' THEN RTRIM(identity_id) ELSE NULL END
--    where Kratos has THEN identity_id. MariaDB refuses to index a generated column whose
--    expression returns a CHAR column unchanged (its value would depend on the sql_mode
--    PAD_CHAR_TO_FULL_LENGTH), and the unique index on (nid, pending_identity_key) needs it.
--    The values are the same: ids are UUIDs without trailing spaces, and CHAR values are read
--    back without trailing spaces anyway. The column stays CHAR(36) VIRTUAL.
--
-- Nothing else differs. Notes for readers of the catalog, not differences:
-- * No table names a character set or collation, as in Kratos: tables take the database
--   default (utf8mb4 on MySQL 8 and on Debian's MariaDB). The two BINARY columns
--   (identity_credential_identifiers.identifier, identity_recovery_tokens.token) get the binary
--   collation of that character set, as in Kratos.
-- * JSON is MySQL's native JSON type. On MariaDB it is LONGTEXT with a json_valid() CHECK, which
--   is what Kratos's JSON columns would be there too.
-- * Timestamps have no fractional seconds anywhere (DATETIME or TIMESTAMP, precision 0), as
--   Kratos's migrations declare them. Booleans are TINYINT(1).
-- * Foreign keys are added at the end, after every table exists. Where Kratos names a foreign
--   key this file uses that name. Where Kratos leaves it unnamed this file spells out the name
--   MySQL generates (table_ibfk_N, renamed with the table by ALTER TABLE ... RENAME), except the
--   two of identity_credentials, which stay unnamed so that their implicit indexes get the
--   column names (identity_id, identity_credential_type_id) as in Kratos. Indexes that Kratos
--   never creates itself but the server creates for a foreign key are likewise left to the
--   server, so they are implicit (named after the constraint) just as in Kratos.
-- * ON UPDATE RESTRICT is written where Kratos writes it (MySQL reports it, MariaDB treats it as
--   the default). The CHECK on identities.external_id is an unnamed column check, as in Kratos
--   (MySQL names it identities_chk_1).
-- * The one Kratos MySQL migration that fails on MariaDB under the default sql_mode
--   (20200317160354000002, "Field 'created_at' doesn't have a default value") copies rows into a
--   table that later migrations drop, so it leaves no trace in the final schema.

CREATE TABLE networks (
    id CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id)
) ENGINE=InnoDB;

CREATE TABLE identity_credential_types (
    id CHAR(36) NOT NULL,
    name VARCHAR(32) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY identity_credential_types_name_idx (name)
) ENGINE=InnoDB;

CREATE TABLE identities (
    id CHAR(36) NOT NULL,
    schema_id VARCHAR(2048) NOT NULL,
    traits JSON NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    nid CHAR(36) NULL,
    state VARCHAR(255) NOT NULL DEFAULT 'active',
    state_changed_at DATETIME NULL,
    metadata_public JSON NULL,
    metadata_admin JSON NULL,
    available_aal VARCHAR(4) NULL,
    organization_id CHAR(36) NULL,
    external_id VARCHAR(64) NULL CHECK (external_id IS NULL OR external_id <> ''),
    PRIMARY KEY (id),
    UNIQUE KEY identities_nid_external_id_idx (nid, external_id),
    KEY identities_nid_id_idx (nid, id),
    KEY identities_nid_organization_id_idx (organization_id)
) ENGINE=InnoDB;

CREATE TABLE identity_credentials (
    id CHAR(36) NOT NULL,
    config JSON NOT NULL,
    identity_credential_type_id CHAR(36) NOT NULL,
    identity_id CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    nid CHAR(36) NULL,
    version INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    KEY identity_credentials_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE identity_credential_identifiers (
    id CHAR(36) NOT NULL,
    identifier VARCHAR(255) BINARY NULL,
    identity_credential_id CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    nid CHAR(36) NULL,
    identity_credential_type_id CHAR(36) NOT NULL,
    identity_id CHAR(36) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY identity_credential_identifiers_identifier_nid_type_uq_idx (nid, identity_credential_type_id, identifier),
    KEY identity_credential_identifiers_nid_i_ici_idx (nid, identifier, identity_credential_id),
    KEY identity_credential_identifiers_ici_nid_i_idx (identity_credential_id, nid, identifier),
    KEY identity_credential_identifiers_identity_id_fk_idx (identity_id)
) ENGINE=InnoDB;

CREATE TABLE identity_verifiable_addresses (
    id CHAR(36) NOT NULL,
    status VARCHAR(16) NOT NULL,
    via VARCHAR(16) NOT NULL,
    verified TINYINT(1) NOT NULL,
    value VARCHAR(400) NOT NULL,
    verified_at DATETIME NULL,
    identity_id CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    nid CHAR(36) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY identity_verifiable_addresses_status_via_uq_idx (nid, via, value),
    KEY identity_verifiable_addresses_identity_id_idx (identity_id)
) ENGINE=InnoDB;

CREATE TABLE identity_recovery_addresses (
    id CHAR(36) NOT NULL,
    via VARCHAR(16) NOT NULL,
    value VARCHAR(400) NOT NULL,
    identity_id CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    nid CHAR(36) NULL,
    break_glass_for_organization CHAR(36) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY identity_recovery_addresses_status_via_uq_idx (nid, via, value),
    KEY identity_recovery_addresses_identity_id_idx (identity_id)
) ENGINE=InnoDB;

CREATE TABLE sessions (
    id CHAR(36) NOT NULL,
    issued_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME NOT NULL,
    authenticated_at DATETIME NOT NULL,
    identity_id CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    token VARCHAR(39) NULL,
    active TINYINT(1) NULL DEFAULT 0,
    nid CHAR(36) NULL,
    logout_token VARCHAR(39) NULL,
    aal VARCHAR(4) NOT NULL DEFAULT 'aal1',
    authentication_methods JSON NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY sessions_token_uq_idx (token),
    UNIQUE KEY sessions_logout_token_uq_idx (logout_token),
    KEY sessions_list_idx (nid, created_at DESC, id),
    KEY sessions_list_active_idx (nid, expires_at, active, created_at DESC, id),
    KEY sessions_list_identity_idx (identity_id, nid, created_at DESC)
) ENGINE=InnoDB;

CREATE TABLE session_devices (
    id CHAR(36) NOT NULL,
    ip_address VARCHAR(50) NULL DEFAULT '',
    user_agent VARCHAR(512) NULL DEFAULT '',
    location VARCHAR(512) NULL DEFAULT '',
    session_id CHAR(36) NOT NULL,
    nid CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    identity_id CHAR(36) NOT NULL,
    PRIMARY KEY (id),
    KEY session_devices_nid_idx (nid),
    KEY session_devices_session_id_idx (session_id),
    KEY session_devices_identity_id_fk_idx (identity_id)
) ENGINE=InnoDB;

CREATE TABLE session_token_exchanges (
    id CHAR(36) NOT NULL,
    nid CHAR(36) NOT NULL,
    flow_id CHAR(36) NOT NULL,
    session_id CHAR(36) NULL,
    init_code VARCHAR(64) NOT NULL,
    return_to_code VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY session_token_exchanges_flow_id_nid_init_code_idx (flow_id, nid, init_code),
    KEY session_token_exchanges_nid_init_code_idx (nid, init_code)
) ENGINE=InnoDB;

CREATE TABLE selfservice_login_flows (
    id CHAR(36) NOT NULL,
    request_url TEXT NULL,
    issued_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME NOT NULL,
    active_method VARCHAR(32) NOT NULL,
    csrf_token VARCHAR(255) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    forced TINYINT(1) NOT NULL DEFAULT 0,
    type VARCHAR(16) NOT NULL DEFAULT 'browser',
    ui JSON NULL,
    nid CHAR(36) NULL,
    requested_aal VARCHAR(4) NOT NULL DEFAULT 'aal1',
    internal_context JSON NOT NULL,
    oauth2_login_challenge CHAR(36) NULL,
    oauth2_login_challenge_data TEXT NULL,
    state VARCHAR(255) NULL,
    submit_count INT NOT NULL DEFAULT 0,
    organization_id CHAR(36) NULL,
    identity_schema_id VARCHAR(128) NULL,
    test_flow TINYINT(1) NULL,
    PRIMARY KEY (id),
    KEY selfservice_login_flows_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE selfservice_registration_flows (
    id CHAR(36) NOT NULL,
    request_url TEXT NULL,
    issued_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME NOT NULL,
    active_method VARCHAR(32) NOT NULL,
    csrf_token VARCHAR(255) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    type VARCHAR(16) NOT NULL DEFAULT 'browser',
    ui JSON NULL,
    nid CHAR(36) NULL,
    internal_context JSON NOT NULL,
    oauth2_login_challenge CHAR(36) NULL,
    oauth2_login_challenge_data TEXT NULL,
    state VARCHAR(255) NULL,
    submit_count INT NOT NULL DEFAULT 0,
    organization_id CHAR(36) NULL,
    identity_schema_id VARCHAR(128) NULL,
    PRIMARY KEY (id),
    KEY selfservice_registration_flows_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE selfservice_settings_flows (
    id CHAR(36) NOT NULL,
    request_url TEXT NULL,
    issued_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME NOT NULL,
    identity_id CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    active_method VARCHAR(32) NULL,
    state VARCHAR(255) NOT NULL DEFAULT 'show_form',
    type VARCHAR(16) NOT NULL DEFAULT 'browser',
    ui JSON NULL,
    nid CHAR(36) NULL,
    internal_context JSON NOT NULL,
    organization_id CHAR(36) NULL,
    PRIMARY KEY (id),
    KEY selfservice_settings_flows_nid_idx (nid),
    KEY selfservice_settings_flows_identity_id_idx (identity_id)
) ENGINE=InnoDB;

CREATE TABLE selfservice_recovery_flows (
    id CHAR(36) NOT NULL,
    request_url TEXT NULL,
    issued_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME NOT NULL,
    active_method VARCHAR(32) NULL,
    csrf_token VARCHAR(255) NOT NULL,
    state VARCHAR(32) NOT NULL,
    recovered_identity_id CHAR(36) NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    type VARCHAR(16) NOT NULL DEFAULT 'browser',
    ui JSON NULL,
    nid CHAR(36) NULL,
    submit_count INT NOT NULL DEFAULT 0,
    skip_csrf_check TINYINT(1) NOT NULL DEFAULT 0,
    internal_context JSON NULL,
    PRIMARY KEY (id),
    KEY selfservice_recovery_flows_nid_idx (nid),
    KEY selfservice_recovery_flows_recovered_identity_id_idx (recovered_identity_id)
) ENGINE=InnoDB;

CREATE TABLE selfservice_verification_flows (
    id CHAR(36) NOT NULL,
    request_url TEXT NULL,
    issued_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at DATETIME NOT NULL,
    csrf_token VARCHAR(255) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    type VARCHAR(16) NOT NULL DEFAULT 'browser',
    state VARCHAR(255) NOT NULL DEFAULT 'show_form',
    active_method VARCHAR(32) NULL,
    ui JSON NULL,
    nid CHAR(36) NULL,
    submit_count INT NOT NULL DEFAULT 0,
    oauth2_login_challenge TEXT NULL,
    session_id VARCHAR(36) NULL,
    identity_id VARCHAR(36) NULL,
    authentication_methods JSON NULL,
    internal_context JSON NULL,
    PRIMARY KEY (id),
    KEY selfservice_verification_flows_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE selfservice_errors (
    id CHAR(36) NOT NULL,
    errors JSON NOT NULL,
    seen_at DATETIME NULL,
    was_seen TINYINT(1) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    csrf_token VARCHAR(255) NOT NULL DEFAULT '',
    nid CHAR(36) NULL,
    PRIMARY KEY (id),
    KEY selfservice_errors_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE continuity_containers (
    id CHAR(36) NOT NULL,
    identity_id CHAR(36) NULL,
    name VARCHAR(255) NOT NULL,
    payload JSON NULL,
    expires_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    nid CHAR(36) NULL,
    PRIMARY KEY (id),
    KEY continuity_containers_identity_id_idx (identity_id),
    KEY continuity_containers_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE courier_messages (
    id CHAR(36) NOT NULL,
    type INT NOT NULL,
    status INT NOT NULL,
    body TEXT NOT NULL,
    subject VARCHAR(255) NOT NULL,
    recipient VARCHAR(255) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    template_type VARCHAR(255) NOT NULL DEFAULT '',
    template_data BLOB NULL,
    nid CHAR(36) NULL,
    send_count INT NOT NULL DEFAULT 0,
    channel VARCHAR(32) NULL,
    request_headers JSON NULL,
    PRIMARY KEY (id),
    KEY courier_messages_nid_status_created_at_id_idx (nid, status, created_at DESC),
    KEY courier_messages_nid_recipient_created_at_id_idx (nid, recipient, created_at DESC),
    KEY courier_messages_status_id_idx (status, id),
    KEY courier_messages_nid_id_created_at_idx (nid, id, created_at DESC),
    KEY courier_messages_nid_created_at_id_idx (nid, created_at DESC, id),
    KEY courier_messages_status_created_at_idx (status, created_at)
) ENGINE=InnoDB;

CREATE TABLE courier_message_dispatches (
    id CHAR(36) NOT NULL,
    message_id CHAR(36) NOT NULL,
    status VARCHAR(7) NOT NULL,
    error JSON NULL,
    nid CHAR(36) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY courier_message_dispatches_message_id_idx (message_id, created_at DESC),
    KEY courier_message_dispatches_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE identity_recovery_tokens (
    id CHAR(36) NOT NULL,
    token VARCHAR(64) BINARY NULL,
    used TINYINT(1) NOT NULL DEFAULT 0,
    used_at DATETIME NULL,
    identity_recovery_address_id CHAR(36) NULL,
    selfservice_recovery_flow_id CHAR(36) NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL DEFAULT '2000-01-01 00:00:00',
    issued_at DATETIME NOT NULL DEFAULT '2000-01-01 00:00:00',
    nid CHAR(36) NULL,
    identity_id CHAR(36) NOT NULL,
    token_type INT NOT NULL DEFAULT 0,
    PRIMARY KEY (id),
    UNIQUE KEY identity_recovery_addresses_code_uq_idx (token),
    KEY identity_recovery_tokens_selfservice_recovery_flow_id_idx (selfservice_recovery_flow_id),
    KEY identity_recovery_tokens_identity_recovery_address_id_idx (identity_recovery_address_id),
    KEY identity_recovery_tokens_identity_id_idx (identity_id),
    KEY identity_recovery_tokens_nid_idx (nid),
    CONSTRAINT identity_recovery_tokens_token_type_ck CHECK (token_type = 1 OR token_type = 2)
) ENGINE=InnoDB;

CREATE TABLE identity_recovery_codes (
    id CHAR(36) NOT NULL,
    code VARCHAR(64) NOT NULL,
    used_at TIMESTAMP NULL DEFAULT NULL,
    identity_recovery_address_id CHAR(36) NULL,
    code_type INT NOT NULL,
    expires_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00',
    issued_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00',
    selfservice_recovery_flow_id CHAR(36) NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    nid CHAR(36) NOT NULL,
    identity_id CHAR(36) NOT NULL,
    PRIMARY KEY (id),
    KEY identity_recovery_codes_address_id_idx (identity_recovery_address_id),
    KEY identity_recovery_codes_identity_id_idx (identity_id),
    KEY identity_recovery_codes_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE identity_verification_tokens (
    id CHAR(36) NOT NULL,
    token VARCHAR(64) NOT NULL,
    used TINYINT(1) NOT NULL DEFAULT 0,
    used_at DATETIME NULL,
    expires_at DATETIME NOT NULL,
    issued_at DATETIME NOT NULL,
    identity_verifiable_address_id CHAR(36) NULL,
    selfservice_verification_flow_id CHAR(36) NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    nid CHAR(36) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY identity_verification_tokens_token_uq_idx (token),
    KEY identity_verification_tokens_verifiable_address_id_idx (identity_verifiable_address_id),
    KEY identity_verification_tokens_verification_flow_id_idx (selfservice_verification_flow_id),
    KEY identity_verification_tokens_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE identity_verification_codes (
    id CHAR(36) NOT NULL,
    code_hmac VARCHAR(64) NOT NULL,
    used_at TIMESTAMP NULL DEFAULT NULL,
    identity_verifiable_address_id CHAR(36) NULL,
    expires_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00',
    issued_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00',
    selfservice_verification_flow_id CHAR(36) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    nid CHAR(36) NOT NULL,
    PRIMARY KEY (id),
    KEY identity_verification_codes_verifiable_address_idx (identity_verifiable_address_id),
    KEY identity_verification_codes_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE identity_login_codes (
    id CHAR(36) NOT NULL,
    code VARCHAR(64) NOT NULL,
    address VARCHAR(255) NOT NULL,
    address_type VARCHAR(36) NULL,
    used_at TIMESTAMP NULL DEFAULT NULL,
    expires_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00',
    issued_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00',
    selfservice_login_flow_id CHAR(36) NULL,
    identity_id CHAR(36) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    nid CHAR(36) NOT NULL,
    PRIMARY KEY (id),
    KEY identity_login_codes_nid_idx (nid)
) ENGINE=InnoDB;

CREATE TABLE identity_registration_codes (
    id CHAR(36) NOT NULL,
    code VARCHAR(64) NOT NULL,
    address VARCHAR(255) NOT NULL,
    address_type VARCHAR(36) NULL,
    used_at TIMESTAMP NULL DEFAULT NULL,
    expires_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00',
    issued_at TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00',
    selfservice_registration_flow_id CHAR(36) NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    nid CHAR(36) NOT NULL,
    PRIMARY KEY (id),
    KEY identity_registration_codes_nid_idx (nid)
) ENGINE=InnoDB;

-- pending_identity_key: see difference 1 in the header.
CREATE TABLE identity_pending_traits_changes (
    id CHAR(36) NOT NULL,
    identity_id CHAR(36) NOT NULL,
    nid CHAR(36) NOT NULL,
    new_address_value VARCHAR(255) NOT NULL,
    new_address_via VARCHAR(16) NOT NULL,
    original_traits_hash VARCHAR(64) NOT NULL,
    proposed_traits JSON NOT NULL,
    verification_flow_id CHAR(36) NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending',
    pending_identity_key CHAR(36) GENERATED ALWAYS AS (CASE WHEN status = 'pending' THEN RTRIM(identity_id) ELSE NULL END) VIRTUAL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    session_id CHAR(36) NULL,
    origin_settings_flow_id CHAR(36) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY identity_pending_traits_changes_nid_identity_pending_idx (nid, pending_identity_key),
    KEY identity_pending_traits_changes_nid_identity_id_status_idx (nid, identity_id, status),
    KEY identity_pending_traits_changes_nid_verification_flow_id_idx (nid, verification_flow_id),
    KEY identity_pending_traits_changes_nid_session_id_idx (nid, session_id),
    KEY identity_pending_traits_changes_nid_origin_settings_flow_id_idx (nid, origin_settings_flow_id)
) ENGINE=InnoDB;

-- The migration status table, as Kratos's migrator (popx) creates it on MySQL. hoplite inserts
-- the versions itself.
CREATE TABLE schema_migration (version VARCHAR (48) NOT NULL, version_self INT NOT NULL DEFAULT 0);

CREATE UNIQUE INDEX schema_migration_version_idx ON schema_migration (version);

CREATE INDEX schema_migration_version_self_idx ON schema_migration (version_self);

-- The credential types Kratos's migrations seed, with their fixed ids.
INSERT INTO identity_credential_types (id, name) VALUES
    ('78c1b41d-8341-4507-aa60-aff1d4369670', 'password'),
    ('6fa5e2e0-bfce-4631-b62b-cf2b0252b289', 'oidc'),
    ('5e29b036-aa47-457f-9fe6-aa8b854a752b', 'totp'),
    ('567a0730-7f48-4dd7-a13d-df87a51c245f', 'lookup_secret'),
    ('6b213fa0-e6ad-46cb-8878-b088d2ce2e3c', 'webauthn'),
    ('14f3b7e2-8725-4068-be39-8a796485fd97', 'code'),
    ('8d0ca544-9bf6-45d3-bd75-0bbb3aeba3c7', 'passkey'),
    ('7bddcf6c-f50e-4a18-9b0f-429114c33419', 'saml'),
    ('26433aa2-c33a-4870-85dc-230af354e0bf', 'deviceauthn');

-- Foreign keys, now that every table exists. Names and ON UPDATE / ON DELETE rules as Kratos
-- has them. A foreign key without an index of its own here gets one from the server, named
-- after the constraint, as in Kratos.

ALTER TABLE identities
    ADD CONSTRAINT identities_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

-- Unnamed, as in Kratos: the server names them identity_credentials_ibfk_1 and _2 and their
-- indexes identity_id and identity_credential_type_id.
ALTER TABLE identity_credentials
    ADD FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE;

ALTER TABLE identity_credentials
    ADD FOREIGN KEY (identity_credential_type_id) REFERENCES identity_credential_types (id) ON DELETE CASCADE;

ALTER TABLE identity_credentials
    ADD CONSTRAINT identity_credentials_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE identity_credential_identifiers
    ADD CONSTRAINT identity_credential_identifiers_ibfk_1 FOREIGN KEY (identity_credential_id) REFERENCES identity_credentials (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_credential_identifiers_identity_id_fk FOREIGN KEY (identity_id) REFERENCES identities (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_credential_identifiers_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_credential_identifiers_type_id_fk_idx FOREIGN KEY (identity_credential_type_id) REFERENCES identity_credential_types (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE identity_verifiable_addresses
    ADD CONSTRAINT identity_verifiable_addresses_ibfk_1 FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_verifiable_addresses_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE identity_recovery_addresses
    ADD CONSTRAINT identity_recovery_addresses_ibfk_1 FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_recovery_addresses_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE sessions
    ADD CONSTRAINT sessions_ibfk_1 FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    ADD CONSTRAINT sessions_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE session_devices
    ADD CONSTRAINT session_devices_ibfk_1 FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE,
    ADD CONSTRAINT session_devices_ibfk_2 FOREIGN KEY (nid) REFERENCES networks (id) ON DELETE CASCADE,
    ADD CONSTRAINT session_devices_identity_id_fk FOREIGN KEY (identity_id) REFERENCES identities (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE session_token_exchanges
    ADD CONSTRAINT session_token_exchanges_nid_fk FOREIGN KEY (nid) REFERENCES networks (id) ON DELETE CASCADE;

ALTER TABLE selfservice_login_flows
    ADD CONSTRAINT selfservice_login_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE selfservice_registration_flows
    ADD CONSTRAINT selfservice_registration_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE selfservice_settings_flows
    ADD CONSTRAINT selfservice_settings_flows_ibfk_1 FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    ADD CONSTRAINT selfservice_settings_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE selfservice_recovery_flows
    ADD CONSTRAINT selfservice_recovery_flows_ibfk_1 FOREIGN KEY (recovered_identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    ADD CONSTRAINT selfservice_recovery_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE selfservice_verification_flows
    ADD CONSTRAINT selfservice_verification_flows_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE selfservice_errors
    ADD CONSTRAINT selfservice_errors_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE continuity_containers
    ADD CONSTRAINT continuity_containers_ibfk_1 FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    ADD CONSTRAINT continuity_containers_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE courier_messages
    ADD CONSTRAINT courier_messages_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE courier_message_dispatches
    ADD CONSTRAINT courier_message_dispatches_message_id_fk FOREIGN KEY (message_id) REFERENCES courier_messages (id) ON DELETE CASCADE,
    ADD CONSTRAINT courier_message_dispatches_nid_fk FOREIGN KEY (nid) REFERENCES networks (id) ON DELETE CASCADE;

ALTER TABLE identity_recovery_tokens
    ADD CONSTRAINT identity_recovery_tokens_ibfk_1 FOREIGN KEY (identity_recovery_address_id) REFERENCES identity_recovery_addresses (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_recovery_tokens_ibfk_2 FOREIGN KEY (selfservice_recovery_flow_id) REFERENCES selfservice_recovery_flows (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_recovery_tokens_identity_id_fk_idx FOREIGN KEY (identity_id) REFERENCES identities (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_recovery_tokens_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE identity_recovery_codes
    ADD CONSTRAINT identity_recovery_codes_identity_id_fk FOREIGN KEY (identity_id) REFERENCES identities (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_recovery_codes_identity_recovery_addresses_id_fk FOREIGN KEY (identity_recovery_address_id) REFERENCES identity_recovery_addresses (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_recovery_codes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_recovery_codes_selfservice_recovery_flows_id_fk FOREIGN KEY (selfservice_recovery_flow_id) REFERENCES selfservice_recovery_flows (id) ON DELETE CASCADE;

ALTER TABLE identity_verification_tokens
    ADD CONSTRAINT identity_verification_tokens_ibfk_1 FOREIGN KEY (identity_verifiable_address_id) REFERENCES identity_verifiable_addresses (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_verification_tokens_ibfk_2 FOREIGN KEY (selfservice_verification_flow_id) REFERENCES selfservice_verification_flows (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_verification_tokens_nid_fk_idx FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE;

ALTER TABLE identity_verification_codes
    ADD CONSTRAINT identity_verification_codes_identity_verifiable_addresses_id_fk FOREIGN KEY (identity_verifiable_address_id) REFERENCES identity_verifiable_addresses (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_verification_codes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_verification_codes_selfservice_verification_flows_id_fk FOREIGN KEY (selfservice_verification_flow_id) REFERENCES selfservice_verification_flows (id) ON DELETE CASCADE;

ALTER TABLE identity_login_codes
    ADD CONSTRAINT identity_login_codes_identity_id_fk FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    ADD CONSTRAINT identity_login_codes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_login_codes_selfservice_login_flows_id_fk FOREIGN KEY (selfservice_login_flow_id) REFERENCES selfservice_login_flows (id) ON DELETE CASCADE;

ALTER TABLE identity_registration_codes
    ADD CONSTRAINT identity_registration_codes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_registration_codes_selfservice_registration_flows_id_fk FOREIGN KEY (selfservice_registration_flow_id) REFERENCES selfservice_registration_flows (id) ON DELETE CASCADE;

ALTER TABLE identity_pending_traits_changes
    ADD CONSTRAINT identity_pending_traits_changes_identities_id_fk FOREIGN KEY (identity_id) REFERENCES identities (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_pending_traits_changes_networks_id_fk FOREIGN KEY (nid) REFERENCES networks (id) ON UPDATE RESTRICT ON DELETE CASCADE,
    ADD CONSTRAINT identity_pending_traits_changes_verification_flows_id_fk FOREIGN KEY (verification_flow_id) REFERENCES selfservice_verification_flows (id) ON DELETE CASCADE,
    ADD CONSTRAINT identity_pending_traits_changes_sessions_id_fk FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE SET NULL,
    ADD CONSTRAINT identity_pending_traits_changes_settings_flow_id_fk FOREIGN KEY (origin_settings_flow_id) REFERENCES selfservice_settings_flows (id) ON DELETE CASCADE;
