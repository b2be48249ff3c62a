"""Recovery by code driven by Ory's official Python SDK (ory-kratos-client), with the code read
from mail hoplite's courier delivers to an SMTP server on loopback: the SDK asks for a code,
submits it, gets the session token and the settings flow through `continue_with` (Kratos's
`use_continue_with_transitions`), and sets a new password that then signs in."""

from __future__ import annotations

import pytest
from ory_kratos_client.models.recovery_flow import RecoveryFlow
from ory_kratos_client.models.update_recovery_flow_body import UpdateRecoveryFlowBody
from ory_kratos_client.models.update_recovery_flow_with_code_method import (
    UpdateRecoveryFlowWithCodeMethod,
)
from ory_kratos_client.models.update_settings_flow_body import UpdateSettingsFlowBody
from ory_kratos_client.models.update_settings_flow_with_password_method import (
    UpdateSettingsFlowWithPasswordMethod,
)

from test_login_sdk import login_body
from test_registration_sdk import DATABASES, database_dsn, new_email, register, start_server
from test_verification_sdk import MAILS, smtp_port  # noqa: F401

import re
import time

NEW_PASSWORD = "Another-Long-Passphrase-4711"


@pytest.fixture(scope="module", params=DATABASES)
def recovering(request, tmp_path_factory, smtp_port):  # noqa: F811
    env = {
        "SELFSERVICE_FLOWS_RECOVERY_ENABLED": "true",
        "FEATURE_FLAGS_USE_CONTINUE_WITH_TRANSITIONS": "true",
        "COURIER_SMTP_CONNECTION_URI": f"smtp://127.0.0.1:{smtp_port}/?disable_starttls=true",
        "COURIER_WORKER_PULL_WAIT": "100ms",
    }
    return start_server(
        request, tmp_path_factory, "unified", database_dsn(request, request.param), env, ("--watch-courier",)
    )


def recovery_code(email: str, after: int) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for mail in MAILS[after:]:
            if email.lower() in mail.lower():
                match = re.search(r"Subject: Use code (\d{6}) to recover", mail)
                if match:
                    return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no recovery mail to {email}")


def body(**fields) -> UpdateRecoveryFlowBody:
    return UpdateRecoveryFlowBody(UpdateRecoveryFlowWithCodeMethod(method="code", **fields))


def test_a_code_from_the_mail_recovers_the_account(recovering):
    api = recovering.frontend()
    email = new_email()
    register(api, email)

    flow = api.create_native_recovery_flow()
    assert isinstance(flow, RecoveryFlow) and flow.state == "choose_method"
    seen = len(MAILS)
    sent = api.update_recovery_flow(flow.id, body(email=email))
    assert sent.state == "sent_email"
    assert [m.id for m in sent.ui.messages] == [1060003]
    done = api.update_recovery_flow(flow.id, body(code=recovery_code(email, seen)))
    assert done.state == "passed_challenge"
    items = [item.actual_instance for item in done.continue_with]
    assert items[0].action == "set_ory_session_token"
    assert items[1].action == "show_settings_ui"
    token = items[0].ory_session_token
    settings_id = items[1].flow.id

    settings = api.get_settings_flow(settings_id, x_session_token=token)
    assert [m.id for m in settings.ui.messages] == [1060001]
    changed = api.update_settings_flow(
        settings_id,
        UpdateSettingsFlowBody(UpdateSettingsFlowWithPasswordMethod(method="password", password=NEW_PASSWORD)),
        x_session_token=token,
    )
    assert changed.state == "success"
    login = api.create_native_login_flow()
    assert api.update_login_flow(login.id, login_body(email, NEW_PASSWORD)).session_token
