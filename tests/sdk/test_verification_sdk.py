"""Verification by code driven by Ory's official Python SDK (ory-kratos-client), with mail
delivered by hoplite's courier (`serve --watch-courier`) to an SMTP server the test runs on
loopback: a sign-up sends a code, the SDK asks for a fresh one and submits it, the address ends
up verified; a wrong code comes back as a flow the SDK parses."""

from __future__ import annotations

import re
import socketserver
import threading
import time

import pytest
from ory_kratos_client.api.identity_api import IdentityApi
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
