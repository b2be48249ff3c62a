"""Verification by code driven by Ory's official Python SDK (ory-kratos-client), with mail
delivered by hoplite's courier (`serve --watch-courier`) to an SMTP server the test runs on
loopback: a sign-up sends a code, the SDK asks for a fresh one and submits it, the address ends
up verified; a wrong code comes back as a flow the SDK parses. With `verify_new_address`, a
profile change that adds an address comes back as a settings flow announcing the verification
flow, and the code mailed to the new address applies it."""

from __future__ import annotations

import re
import socketserver
import threading
import time

import pytest
from ory_kratos_client.api.identity_api import IdentityApi
from ory_kratos_client.models.settings_flow import SettingsFlow
from ory_kratos_client.models.update_settings_flow_body import UpdateSettingsFlowBody
from ory_kratos_client.models.update_settings_flow_with_profile_method import (
    UpdateSettingsFlowWithProfileMethod,
)
from ory_kratos_client.models.update_verification_flow_body import UpdateVerificationFlowBody
from ory_kratos_client.models.update_verification_flow_with_code_method import (
    UpdateVerificationFlowWithCodeMethod,
)
from ory_kratos_client.models.verification_flow import VerificationFlow

import ory_kratos_client
from test_registration_sdk import DATABASES, database_dsn, new_email, register, start_server

MAILS: list[str] = []


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for one mail per command sequence; keeps each DATA section."""

    def handle(self) -> None:
        self.wfile.write(b"220 sink\r\n")
        while line := self.rfile.readline():
            command = line.upper()
            if command.startswith(b"DATA"):
                self.wfile.write(b"354 go\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                MAILS.append(data.decode(errors="replace"))
                self.wfile.write(b"250 queued\r\n")
            elif command.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            elif command.startswith(b"EHLO"):
                self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture(scope="module")
def smtp_port():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module", params=DATABASES)
def verifying(request, tmp_path_factory, smtp_port):
    env = {
        "SELFSERVICE_FLOWS_VERIFICATION_ENABLED": "true",
        "COURIER_SMTP_CONNECTION_URI": f"smtp://127.0.0.1:{smtp_port}/?disable_starttls=true",
        "COURIER_WORKER_PULL_WAIT": "100ms",
    }
    return start_server(
        request, tmp_path_factory, "unified", database_dsn(request, request.param), env, ("--watch-courier",)
    )


def code_for(email: str, after: int) -> str:
    """The code in the first mail to `email` received after the first `after` mails."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for mail in MAILS[after:]:
            if email.lower() in mail.lower():
                match = re.search(r"Subject: Use code (\d{6})", mail)
                assert match, mail
                return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no mail to {email}")


def body(**fields) -> UpdateVerificationFlowBody:
    return UpdateVerificationFlowBody(UpdateVerificationFlowWithCodeMethod(method="code", **fields))


def test_a_code_from_the_mail_verifies_the_address(verifying):
    api = verifying.frontend()
    email = new_email()
    seen = len(MAILS)
    registered = register(api, email)
    code_for(email, seen)  # the sign-up's own mail

    flow = api.create_native_verification_flow()
    assert isinstance(flow, VerificationFlow) and flow.state == "choose_method"
    seen = len(MAILS)
    sent = api.update_verification_flow(flow.id, body(email=email))
    assert sent.state == "sent_email"
    assert [m.id for m in sent.ui.messages] == [1080003]
    code = code_for(email, seen)

    wrong = "000000" if code != "000000" else "111111"
    again = api.update_verification_flow(flow.id, body(code=wrong))
    assert [m.id for m in again.ui.messages] == [4070006]

    done = api.update_verification_flow(flow.id, body(code=code))
    assert done.state == "passed_challenge"
    assert [m.id for m in done.ui.messages] == [1080002]

    admin = IdentityApi(ory_kratos_client.ApiClient(ory_kratos_client.Configuration(host=verifying.admin_url)))
    identity = admin.get_identity(registered.identity.id)
    address = identity.verifiable_addresses[0]
    assert address.verified is True and address.status == "completed"


@pytest.fixture(scope="module", params=DATABASES)
def verifying_new_addresses(request, tmp_path_factory, smtp_port):
    env = {
        "SELFSERVICE_FLOWS_VERIFICATION_ENABLED": "true",
        "SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS": '[{"hook": "verify_new_address"}]',
        "COURIER_SMTP_CONNECTION_URI": f"smtp://127.0.0.1:{smtp_port}/?disable_starttls=true",
        "COURIER_WORKER_PULL_WAIT": "100ms",
    }
    return start_server(
        request, tmp_path_factory, "unified", database_dsn(request, request.param), env, ("--watch-courier",)
    )


def test_a_new_address_waits_for_its_code(verifying_new_addresses):
    """verify_new_address: the SDK parses the settings flow that announces the verification flow
    (continue_with), and the code from the mail to the new address applies the change."""
    api = verifying_new_addresses.frontend()
    email, new = new_email(), new_email()
    seen = len(MAILS)
    token = register(api, email).session_token
    code_for(email, seen)

    flow = api.create_native_settings_flow(x_session_token=token)
    seen = len(MAILS)
    change = UpdateSettingsFlowBody(
        UpdateSettingsFlowWithProfileMethod(
            method="profile", traits={"email": new, "name": {"first": "Ada", "last": "Lovelace"}}
        )
    )
    parked = api.update_settings_flow(flow.id, change, x_session_token=token)
    assert isinstance(parked, SettingsFlow) and parked.state == "show_form"
    item = parked.continue_with[0].actual_instance
    assert item.action == "show_verification_ui"
    assert item.flow.verifiable_address == new.lower()  # stored as the schema normalises it
    assert api.to_session(x_session_token=token).identity.traits["email"] == email

    code = code_for(new, seen)
    done = api.update_verification_flow(item.flow.id, body(code=code))
    assert done.state == "passed_challenge"
    assert [m.id for m in done.ui.messages] == [1080002]
    identity = api.to_session(x_session_token=token).identity
    assert identity.traits["email"] == new
    assert identity.verifiable_addresses[0].value == new.lower()
    assert identity.verifiable_addresses[0].verified is True
