"""The settings flow driven by Ory's official Python SDK (ory-kratos-client): a signed-up user
changes a name, then the password, and signs in with the new password and not the old; form errors
come back as settings flows the SDK parses, and a session too old for a password change gets
Kratos's `session_refresh_required` body."""

from __future__ import annotations

import json

from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models.settings_flow import SettingsFlow
from ory_kratos_client.models.update_settings_flow_body import UpdateSettingsFlowBody
from ory_kratos_client.models.update_settings_flow_with_password_method import (
    UpdateSettingsFlowWithPasswordMethod,
)
from ory_kratos_client.models.update_settings_flow_with_profile_method import (
    UpdateSettingsFlowWithProfileMethod,
)

from test_login_sdk import login_body
from test_registration_sdk import PASSWORD, expect_api_error, new_email, register, unified  # noqa: F401

NEW_PASSWORD = "Another-Long-Passphrase-4711"
MSG_SAVED = 1050001
MSG_SAME_PASSWORD = 4000039


def profile(email: str, first: str) -> UpdateSettingsFlowBody:
    return UpdateSettingsFlowBody(
        UpdateSettingsFlowWithProfileMethod(
            method="profile", traits={"email": email, "name": {"first": first, "last": "Lovelace"}}
        )
    )


def password(value: str) -> UpdateSettingsFlowBody:
    return UpdateSettingsFlowBody(UpdateSettingsFlowWithPasswordMethod(method="password", password=value))


def test_profile_and_password_changes(unified):  # noqa: F811
    api = unified.frontend()
    email = new_email()
    token = register(api, email).session_token

    flow = api.create_native_settings_flow(x_session_token=token)
    assert isinstance(flow, SettingsFlow)
    assert flow.type == "api" and flow.state == "show_form"
    assert flow.identity.traits["email"] == email
    assert api.get_settings_flow(flow.id, x_session_token=token).id == flow.id

    done = api.update_settings_flow(flow.id, profile(email, "Ada"), x_session_token=token)
    assert isinstance(done, SettingsFlow)
    assert done.state == "success"
    assert [m.id for m in done.ui.messages] == [MSG_SAVED]
    assert api.to_session(x_session_token=token).identity.traits["name"]["first"] == "Ada"

    # The current password again: a 400 whose body is a settings flow with 4000039.
    flow = api.create_native_settings_flow(x_session_token=token)
    error = expect_api_error(400, api.update_settings_flow, flow.id, password(PASSWORD), x_session_token=token)
    assert isinstance(error.data, SettingsFlow), f"SDK could not parse the 400 body: {error.body}"
    node = next(n for n in error.data.ui.nodes if n.attributes.actual_instance.name == "password")
    assert [m.id for m in node.messages] == [MSG_SAME_PASSWORD]

    done = api.update_settings_flow(flow.id, password(NEW_PASSWORD), x_session_token=token)
    assert done.state == "success"
    login = api.create_native_login_flow()
    expect_api_error(400, api.update_login_flow, login.id, login_body(email))
    login = api.create_native_login_flow()
    assert api.update_login_flow(login.id, login_body(email, NEW_PASSWORD)).session_token


def test_settings_needs_a_session(unified):  # noqa: F811
    api = unified.frontend()
    error = expect_api_error(401, api.create_native_settings_flow, x_session_token="ory_st_not-a-session")
    assert json.loads(error.body)["error"]["id"] == "session_inactive"
    try:
        api.get_settings_flow("00000000-0000-0000-0000-000000000001", x_session_token="ory_st_nope")
        raise AssertionError("a flow without a session must be refused")
    except ApiException as caught:
        assert caught.status == 401
