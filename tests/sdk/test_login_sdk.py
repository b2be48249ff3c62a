"""The official Python SDK (`ory-kratos-client`) drives register → login → whoami → list and revoke
sessions → logout against hoplite, and its models parse every response (the SDK raises or leaves
`data` empty when a body does not match Kratos's OpenAPI models)."""

from __future__ import annotations

import ory_kratos_client
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models.login_flow import LoginFlow
from ory_kratos_client.models.perform_native_logout_body import PerformNativeLogoutBody
from ory_kratos_client.models.session import Session
from ory_kratos_client.models.successful_native_login import SuccessfulNativeLogin
from ory_kratos_client.models.update_login_flow_body import UpdateLoginFlowBody
from ory_kratos_client.models.update_login_flow_with_password_method import (
    UpdateLoginFlowWithPasswordMethod,
)

from test_registration_sdk import PASSWORD, new_email, register, unified  # noqa: F401


def login_body(identifier: str, password: str = PASSWORD) -> UpdateLoginFlowBody:
    return UpdateLoginFlowBody(
        UpdateLoginFlowWithPasswordMethod(method="password", identifier=identifier, password=password)
    )


def identity_api(server) -> IdentityApi:
    return IdentityApi(ory_kratos_client.ApiClient(ory_kratos_client.Configuration(host=server.admin_url)))


def test_register_login_whoami_sessions_logout(unified):  # noqa: F811
    api = unified.frontend()
    email = new_email()
    registered = register(api, email)

    flow = api.create_native_login_flow()
    assert isinstance(flow, LoginFlow)
    assert flow.type == "api" and flow.refresh is False and flow.requested_aal == "aal1"
    assert api.get_login_flow(flow.id).id == flow.id

    result = api.update_login_flow(flow.id, login_body(email.upper()))
    assert isinstance(result, SuccessfulNativeLogin)
    assert result.session_token and result.session.identity.id == registered.identity.id
    assert [m.method for m in result.session.authentication_methods] == ["password"]

    me = api.to_session(x_session_token=result.session_token)
    assert isinstance(me, Session) and me.id == result.session.id

    # The registration's session shows up among the caller's other sessions, and can be revoked.
    others = api.list_my_sessions(x_session_token=result.session_token)
    assert [s.id for s in others] == [registered.session.id]
    api.disable_my_session(registered.session.id, x_session_token=result.session_token)
    try:
        api.to_session(x_session_token=registered.session_token)
        raise AssertionError("a revoked session must not be accepted")
    except ApiException as error:
        assert error.status == 401

    # The admin API sees and extends the session.
    admin = identity_api(unified)
    sessions = admin.list_identity_sessions(registered.identity.id, active=True)
    assert [s.id for s in sessions] == [result.session.id]
    extended = admin.extend_session(result.session.id)
    assert extended.id == result.session.id
    assert admin.get_session(result.session.id, expand=["identity"]).identity.id == registered.identity.id

    api.perform_native_logout(PerformNativeLogoutBody(session_token=result.session_token))
    try:
        api.to_session(x_session_token=result.session_token)
        raise AssertionError("a logged-out session must not be accepted")
    except ApiException as error:
        assert error.status == 401


def test_wrong_password_comes_back_as_a_login_flow_with_4000006(unified):  # noqa: F811
    api = unified.frontend()
    email = new_email()
    register(api, email)
    flow = api.create_native_login_flow()
    try:
        api.update_login_flow(flow.id, login_body(email, "not-the-password"))
        raise AssertionError("a wrong password must be refused")
    except ApiException as error:
        assert error.status == 400
        parsed = LoginFlow.from_json(error.body)
        assert [m.id for m in parsed.ui.messages] == [4000006]
