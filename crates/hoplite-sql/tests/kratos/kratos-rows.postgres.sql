--
-- PostgreSQL database dump
--

\restrict 0pgoiVZRLo8RcMMzS9DmsRrpupBOeRJ24wNg4bpFex3JlSqTir3M8YgwsZrqfMm

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Data for Name: networks; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.networks (id, created_at, updated_at) VALUES ('99f72a53-f764-4702-8f3e-d3f54a119be2', '2026-12-05 21:10:50.314796', '2026-12-05 21:10:50.314796');


--
-- Data for Name: identities; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.identities (id, schema_id, traits, created_at, updated_at, nid, state, state_changed_at, metadata_public, metadata_admin, available_aal, organization_id, external_id) VALUES ('a22e8231-72c8-4d7d-84ab-fa6809b9857b', 'default', '{"name": {}, "email": "ada@example.com"}', '2026-12-05 21:10:58.818564', '2026-12-05 21:10:58.818564', '99f72a53-f764-4702-8f3e-d3f54a119be2', 'active', '2026-12-05 21:10:58.814076', NULL, NULL, 'aal1', NULL, NULL);
INSERT INTO public.identities (id, schema_id, traits, created_at, updated_at, nid, state, state_changed_at, metadata_public, metadata_admin, available_aal, organization_id, external_id) VALUES ('2b445110-0b55-409e-a277-2b138ee31440', 'default', '{"email": "grace@example.com"}', '2026-12-05 21:10:58.843343', '2026-12-05 21:10:58.843343', '99f72a53-f764-4702-8f3e-d3f54a119be2', 'active', '2026-12-05 21:10:58.841147', NULL, '{"tier": 1}', 'aal1', NULL, NULL);


--
-- Data for Name: identity_credential_types; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.identity_credential_types (id, name) VALUES ('78c1b41d-8341-4507-aa60-aff1d4369670', 'password');
INSERT INTO public.identity_credential_types (id, name) VALUES ('6fa5e2e0-bfce-4631-b62b-cf2b0252b289', 'oidc');
INSERT INTO public.identity_credential_types (id, name) VALUES ('5e29b036-aa47-457f-9fe6-aa8b854a752b', 'totp');
INSERT INTO public.identity_credential_types (id, name) VALUES ('567a0730-7f48-4dd7-a13d-df87a51c245f', 'lookup_secret');
INSERT INTO public.identity_credential_types (id, name) VALUES ('6b213fa0-e6ad-46cb-8878-b088d2ce2e3c', 'webauthn');
INSERT INTO public.identity_credential_types (id, name) VALUES ('14f3b7e2-8725-4068-be39-8a796485fd97', 'code');
INSERT INTO public.identity_credential_types (id, name) VALUES ('8d0ca544-9bf6-45d3-bd75-0bbb3aeba3c7', 'passkey');
INSERT INTO public.identity_credential_types (id, name) VALUES ('7bddcf6c-f50e-4a18-9b0f-429114c33419', 'saml');
INSERT INTO public.identity_credential_types (id, name) VALUES ('26433aa2-c33a-4870-85dc-230af354e0bf', 'deviceauthn');


--
-- Data for Name: identity_credentials; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.identity_credentials (id, config, identity_credential_type_id, identity_id, created_at, updated_at, nid, version) VALUES ('984f7595-086b-4b02-935f-4bced4ffdfa0', '{"hashed_password": "$2a$04$F9xYXgP97lVawD1pRfk2GetgozQEDMYeq7S4Yucj2SJh2AtNOj/ei"}', '78c1b41d-8341-4507-aa60-aff1d4369670', 'a22e8231-72c8-4d7d-84ab-fa6809b9857b', '2026-12-05 21:10:58.822791', '2026-12-05 21:10:58.822791', '99f72a53-f764-4702-8f3e-d3f54a119be2', 0);
INSERT INTO public.identity_credentials (id, config, identity_credential_type_id, identity_id, created_at, updated_at, nid, version) VALUES ('9a413bb6-7ee7-4d37-9f3e-7ddc203b0278', '{"hashed_password": "$argon2id$v=19$m=65536,t=1,p=2$Zml4dHVyZS1zYWx0LTE2Yg$vk0sITvDQlLzu9RlKBd6+jqURm6FchC/lAwmrlUhgOk"}', '78c1b41d-8341-4507-aa60-aff1d4369670', '2b445110-0b55-409e-a277-2b138ee31440', '2026-12-05 21:10:58.843978', '2026-12-05 21:10:58.843978', '99f72a53-f764-4702-8f3e-d3f54a119be2', 0);


--
-- Data for Name: identity_credential_identifiers; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.identity_credential_identifiers (id, identifier, identity_credential_id, created_at, updated_at, nid, identity_credential_type_id, identity_id) VALUES ('e9fcf861-f019-4273-9f38-8d0ef49d9f86', 'ada@example.com', '984f7595-086b-4b02-935f-4bced4ffdfa0', '2026-12-05 21:10:58.823448', '2026-12-05 21:10:58.823448', '99f72a53-f764-4702-8f3e-d3f54a119be2', '78c1b41d-8341-4507-aa60-aff1d4369670', 'a22e8231-72c8-4d7d-84ab-fa6809b9857b');
INSERT INTO public.identity_credential_identifiers (id, identifier, identity_credential_id, created_at, updated_at, nid, identity_credential_type_id, identity_id) VALUES ('406350f5-8083-4e97-ba90-587a453cb1e5', 'grace@example.com', '9a413bb6-7ee7-4d37-9f3e-7ddc203b0278', '2026-12-05 21:10:58.844152', '2026-12-05 21:10:58.844152', '99f72a53-f764-4702-8f3e-d3f54a119be2', '78c1b41d-8341-4507-aa60-aff1d4369670', '2b445110-0b55-409e-a277-2b138ee31440');


--
-- Data for Name: identity_recovery_addresses; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.identity_recovery_addresses (id, via, value, identity_id, created_at, updated_at, nid, break_glass_for_organization) VALUES ('99613741-e4fc-4897-803c-3cd15dd9f2be', 'email', 'ada@example.com', 'a22e8231-72c8-4d7d-84ab-fa6809b9857b', '2026-12-05 21:10:58.820571', '2026-12-05 21:10:58.820571', '99f72a53-f764-4702-8f3e-d3f54a119be2', NULL);
INSERT INTO public.identity_recovery_addresses (id, via, value, identity_id, created_at, updated_at, nid, break_glass_for_organization) VALUES ('bf88bd71-1e3a-4e8d-a5e5-a1266eda7be6', 'email', 'grace@example.com', '2b445110-0b55-409e-a277-2b138ee31440', '2026-12-05 21:10:58.843804', '2026-12-05 21:10:58.843804', '99f72a53-f764-4702-8f3e-d3f54a119be2', NULL);


--
-- Data for Name: identity_verifiable_addresses; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.identity_verifiable_addresses (id, status, via, verified, value, verified_at, identity_id, created_at, updated_at, nid) VALUES ('77edbfc7-d02c-4503-af6c-59adf3e78399', 'pending', 'email', false, 'ada@example.com', NULL, 'a22e8231-72c8-4d7d-84ab-fa6809b9857b', '2026-12-05 21:10:58.819639', '2026-12-05 21:10:58.819639', '99f72a53-f764-4702-8f3e-d3f54a119be2');
INSERT INTO public.identity_verifiable_addresses (id, status, via, verified, value, verified_at, identity_id, created_at, updated_at, nid) VALUES ('fb9f890b-43bc-4b6c-94c4-f79eb29a1fe6', 'pending', 'email', false, 'grace@example.com', NULL, '2b445110-0b55-409e-a277-2b138ee31440', '2026-12-05 21:10:58.843623', '2026-12-05 21:10:58.843623', '99f72a53-f764-4702-8f3e-d3f54a119be2');


--
-- Data for Name: selfservice_login_flows; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.selfservice_login_flows (id, request_url, issued_at, expires_at, active_method, csrf_token, created_at, updated_at, forced, type, ui, nid, requested_aal, internal_context, oauth2_login_challenge, oauth2_login_challenge_data, state, submit_count, organization_id, identity_schema_id, test_flow) VALUES ('9a15197f-a104-4d83-8e61-933f07aadacc', 'http://127.0.0.1:7433/self-service/login/api', '2026-12-05 21:10:58.827691', '2026-12-05 22:10:58.827691', 'password', '', '2026-12-05 21:10:58.829389', '2026-12-05 21:10:58.829389', false, 'api', '{"nodes": [{"meta": {}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "csrf_token", "type": "hidden", "value": "", "disabled": false, "required": true, "node_type": "input"}}, {"meta": {"label": {"id": 1070002, "text": "E-Mail", "type": "info", "context": {"name": "traits.email", "title": "E-Mail"}}}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "identifier", "type": "text", "value": "", "disabled": false, "required": true, "node_type": "input"}}, {"meta": {"label": {"id": 1070001, "text": "Password", "type": "info"}}, "type": "input", "group": "password", "messages": [], "attributes": {"name": "password", "type": "password", "disabled": false, "required": true, "node_type": "input", "autocomplete": "current-password"}}, {"meta": {"label": {"id": 1010022, "text": "Sign in with password", "type": "info"}}, "type": "input", "group": "password", "messages": [], "attributes": {"name": "method", "type": "submit", "value": "password", "disabled": false, "node_type": "input"}}], "action": "http://127.0.0.1:7433/self-service/login?flow=9a15197f-a104-4d83-8e61-933f07aadacc", "method": "POST"}', '99f72a53-f764-4702-8f3e-d3f54a119be2', 'aal1', '{}', NULL, NULL, 'choose_method', 0, NULL, '', NULL);
INSERT INTO public.selfservice_login_flows (id, request_url, issued_at, expires_at, active_method, csrf_token, created_at, updated_at, forced, type, ui, nid, requested_aal, internal_context, oauth2_login_challenge, oauth2_login_challenge_data, state, submit_count, organization_id, identity_schema_id, test_flow) VALUES ('d4b3d3a8-1791-450b-ade4-0f49a61f10af', 'http://127.0.0.1:7433/self-service/login/api', '2026-12-05 21:10:58.847659', '2026-12-05 22:10:58.847659', '', '', '2026-12-05 21:10:58.849204', '2026-12-05 21:10:58.849204', false, 'api', '{"nodes": [{"meta": {}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "csrf_token", "type": "hidden", "value": "", "disabled": false, "required": true, "node_type": "input"}}, {"meta": {"label": {"id": 1070002, "text": "E-Mail", "type": "info", "context": {"name": "traits.email", "title": "E-Mail"}}}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "identifier", "type": "text", "value": "", "disabled": false, "required": true, "node_type": "input"}}, {"meta": {"label": {"id": 1070001, "text": "Password", "type": "info"}}, "type": "input", "group": "password", "messages": [], "attributes": {"name": "password", "type": "password", "disabled": false, "required": true, "node_type": "input", "autocomplete": "current-password"}}, {"meta": {"label": {"id": 1010022, "text": "Sign in with password", "type": "info"}}, "type": "input", "group": "password", "messages": [], "attributes": {"name": "method", "type": "submit", "value": "password", "disabled": false, "node_type": "input"}}], "action": "http://127.0.0.1:7433/self-service/login?flow=d4b3d3a8-1791-450b-ade4-0f49a61f10af", "method": "POST"}', '99f72a53-f764-4702-8f3e-d3f54a119be2', 'aal1', '{}', NULL, NULL, 'choose_method', 0, NULL, '', NULL);


--
-- Data for Name: selfservice_registration_flows; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.selfservice_registration_flows (id, request_url, issued_at, expires_at, active_method, csrf_token, created_at, updated_at, type, ui, nid, internal_context, oauth2_login_challenge, oauth2_login_challenge_data, state, submit_count, organization_id, identity_schema_id) VALUES ('262dd117-f814-48f9-b8e1-f1a5dbc160fe', 'http://127.0.0.1:7433/self-service/registration/api', '2026-12-05 21:10:58.79599', '2026-12-05 22:10:58.79599', '', '', '2026-12-05 21:10:58.796717', '2026-12-05 21:10:58.796717', 'api', '{"nodes": [{"meta": {}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "csrf_token", "type": "hidden", "value": "", "disabled": false, "required": true, "node_type": "input"}}, {"meta": {"label": {"id": 1070002, "text": "E-Mail", "type": "info", "context": {"name": "traits.email", "title": "E-Mail"}}}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "traits.email", "type": "hidden", "value": "ada@example.com", "disabled": false, "required": true, "node_type": "input", "autocomplete": "email"}}, {"meta": {"label": {"id": 1070001, "text": "Password", "type": "info"}}, "type": "input", "group": "password", "messages": [], "attributes": {"name": "password", "type": "password", "disabled": false, "required": true, "node_type": "input", "autocomplete": "new-password"}}, {"meta": {"label": {"id": 1070002, "text": "First Name", "type": "info", "context": {"name": "traits.name.first", "title": "First Name"}}}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "traits.name.first", "type": "hidden", "disabled": false, "node_type": "input"}}, {"meta": {"label": {"id": 1070002, "text": "Last Name", "type": "info", "context": {"name": "traits.name.last", "title": "Last Name"}}}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "traits.name.last", "type": "hidden", "disabled": false, "node_type": "input"}}, {"meta": {"label": {"id": 1040001, "text": "Sign up", "type": "info"}}, "type": "input", "group": "password", "messages": [], "attributes": {"name": "method", "type": "submit", "value": "password", "disabled": false, "node_type": "input"}}, {"meta": {"label": {"id": 1040008, "text": "Back", "type": "info"}}, "type": "input", "group": "profile", "messages": [], "attributes": {"name": "screen", "type": "submit", "value": "previous", "disabled": false, "node_type": "input"}}], "action": "http://127.0.0.1:7433/self-service/registration?flow=262dd117-f814-48f9-b8e1-f1a5dbc160fe", "method": "POST", "messages": [{"id": 1040009, "text": "Please choose a credential to authenticate yourself with.", "type": "info"}]}', '99f72a53-f764-4702-8f3e-d3f54a119be2', '{}', NULL, NULL, 'choose_method', 0, NULL, '');
INSERT INTO public.selfservice_registration_flows (id, request_url, issued_at, expires_at, active_method, csrf_token, created_at, updated_at, type, ui, nid, internal_context, oauth2_login_challenge, oauth2_login_challenge_data, state, submit_count, organization_id, identity_schema_id) VALUES ('2f7c1440-b18a-4cf4-9f23-59d1bec6f669', 'http://127.0.0.1:7433/self-service/registration/api', '2026-12-05 21:10:58.845571', '2026-12-05 22:10:58.845571', '', '', '2026-12-05 21:10:58.846464', '2026-12-05 21:10:58.846464', 'api', '{"nodes": [{"meta": {}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "csrf_token", "type": "hidden", "value": "", "disabled": false, "required": true, "node_type": "input"}}, {"meta": {"label": {"id": 1070002, "text": "E-Mail", "type": "info", "context": {"name": "traits.email", "title": "E-Mail"}}}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "traits.email", "type": "email", "disabled": false, "required": true, "node_type": "input", "autocomplete": "email"}}, {"meta": {"label": {"id": 1070002, "text": "First Name", "type": "info", "context": {"name": "traits.name.first", "title": "First Name"}}}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "traits.name.first", "type": "text", "disabled": false, "node_type": "input"}}, {"meta": {"label": {"id": 1070002, "text": "Last Name", "type": "info", "context": {"name": "traits.name.last", "title": "Last Name"}}}, "type": "input", "group": "default", "messages": [], "attributes": {"name": "traits.name.last", "type": "text", "disabled": false, "node_type": "input"}}, {"meta": {"label": {"id": 1040001, "text": "Sign up", "type": "info"}}, "type": "input", "group": "profile", "messages": [], "attributes": {"name": "method", "type": "submit", "value": "profile", "disabled": false, "node_type": "input"}}], "action": "http://127.0.0.1:7433/self-service/registration?flow=2f7c1440-b18a-4cf4-9f23-59d1bec6f669", "method": "POST"}', '99f72a53-f764-4702-8f3e-d3f54a119be2', '{}', NULL, NULL, 'choose_method', 0, NULL, '');


--
-- Data for Name: sessions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.sessions (id, issued_at, expires_at, authenticated_at, identity_id, created_at, updated_at, token, active, nid, logout_token, aal, authentication_methods) VALUES ('f89d2fa3-9727-4f02-bc5b-5c071758d80e', '2026-12-05 21:10:58.824632', '2026-12-06 21:10:58.824632', '2026-12-05 21:10:58.824632', 'a22e8231-72c8-4d7d-84ab-fa6809b9857b', '2026-12-05 21:10:58.824903', '2026-12-05 21:10:58.824903', 'ory_st_DtSpeC6Bb5zCJybNpnxi9cPQX67JbEuX', true, '99f72a53-f764-4702-8f3e-d3f54a119be2', 'ory_lo_aLJsfCsO46p7pROk8jfvLVW9fw6dSR8f', 'aal1', '[{"aal": "aal1", "method": "password", "completed_at": "2026-12-05T21:10:58.824631961Z"}]');
INSERT INTO public.sessions (id, issued_at, expires_at, authenticated_at, identity_id, created_at, updated_at, token, active, nid, logout_token, aal, authentication_methods) VALUES ('6a655d5f-fe90-45e8-9c0b-b42e1b17045b', '2026-12-05 21:10:58.836987', '2026-12-06 21:10:58.836987', '2026-12-05 21:10:58.836987', 'a22e8231-72c8-4d7d-84ab-fa6809b9857b', '2026-12-05 21:10:58.837196', '2026-12-05 21:10:58.837196', 'ory_st_3SO9MkOJ8GcYGHvDPiPM4Nn3k7tZ36q4', true, '99f72a53-f764-4702-8f3e-d3f54a119be2', 'ory_lo_t3XAukUAsOLnrlUmRONTufvK2YRLjhyV', 'aal1', '[{"aal": "aal1", "method": "password", "completed_at": "2026-12-05T21:10:58.836928478Z"}]');


--
-- Data for Name: session_devices; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.session_devices (id, ip_address, user_agent, location, nid, session_id, created_at, updated_at, identity_id) VALUES ('c46fe1ff-4b5d-4488-9c9e-ee0c6cbf8d25', '127.0.0.1:53546', 'fixture-agent/1.0', '', '99f72a53-f764-4702-8f3e-d3f54a119be2', 'f89d2fa3-9727-4f02-bc5b-5c071758d80e', '2026-12-05 21:10:58.825732', '2026-12-05 21:10:58.825732', 'a22e8231-72c8-4d7d-84ab-fa6809b9857b');
INSERT INTO public.session_devices (id, ip_address, user_agent, location, nid, session_id, created_at, updated_at, identity_id) VALUES ('84ea6f53-2254-4d3d-9258-536083f111c8', '127.0.0.1:53552', 'fixture-agent/1.0', '', '99f72a53-f764-4702-8f3e-d3f54a119be2', '6a655d5f-fe90-45e8-9c0b-b42e1b17045b', '2026-12-05 21:10:58.837471', '2026-12-05 21:10:58.837471', 'a22e8231-72c8-4d7d-84ab-fa6809b9857b');


--
-- PostgreSQL database dump complete
--

\unrestrict 0pgoiVZRLo8RcMMzS9DmsRrpupBOeRJ24wNg4bpFex3JlSqTir3M8YgwsZrqfMm

