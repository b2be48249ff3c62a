"""Registration over the API flow, driven by Ory's official Python SDK (ory-kratos-client).

The SDK is generated from Kratos' OpenAPI document and deserialises every body into pydantic
models, so these tests fail when hoplite's JSON differs from Kratos' in shape or type, not only
in behaviour. The exchanges follow registration-spec.md §23.

Each server is the real binary (env HOPLITE_BIN, default <repo>/target/debug/hoplite), started with
`serve --dev -c <config>` on free loopback ports and a temporary working directory; it is stopped
when the module's tests are done. Every test runs on an in-memory SQLite database (DSN=memory) and,
when TEST_DATABASE_POSTGRESQL / TEST_DATABASE_MYSQL name a server (CI sets both), again on a fresh
PostgreSQL and MySQL database, migrated with `hoplite migrate sql` as an operator would.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

import ory_kratos_client
from ory_kratos_client.api.frontend_api import FrontendApi
from ory_kratos_client.exceptions import ApiException
from ory_kratos_client.models.error_generic import ErrorGeneric
from ory_kratos_client.models.registration_flow import RegistrationFlow
from ory_kratos_client.models.session import Session
from ory_kratos_client.models.successful_native_registration import SuccessfulNativeRegistration
from ory_kratos_client.models.update_registration_flow_body import UpdateRegistrationFlowBody
from ory_kratos_client.models.update_registration_flow_with_password_method import (
    UpdateRegistrationFlowWithPasswordMethod,
)
from ory_kratos_client.models.update_registration_flow_with_profile_method import (
    UpdateRegistrationFlowWithProfileMethod,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60
SHUTDOWN_TIMEOUT_S = 10

# Message ids (shared/reference/messages.tsv).
MSG_DUPLICATE_IDENTIFIER = 4000007
MSG_REGISTRATION_FILL_CREDENTIALS = 1040009

# Long, unrelated to the e-mail addresses (the identifier-similarity check) and never sent to
# HIBP (disabled in the config below, there is no network in CI anyway).
PASSWORD = "Correct-Horse-Battery-Staple-93"

# The quickstart identity schema (shared/reference/example-identity.schema.json).
IDENTITY_SCHEMA = {
    "$id": "https://schemas.ory.sh/presets/kratos/quickstart/email-password/identity.schema.json",
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Person",
    "type": "object",
    "properties": {
        "traits": {
            "type": "object",
            "properties": {
                "email": {
                    "type": "string",
                    "format": "email",
                    "title": "E-Mail",
                    "minLength": 3,
                    "ory.sh/kratos": {
                        "credentials": {"password": {"identifier": True}},
                        "verification": {"via": "email"},
                        "recovery": {"via": "email"},
                    },
                },
                "name": {
                    "type": "object",
                    "properties": {
                        "first": {"title": "First Name", "type": "string"},
                        "last": {"title": "Last Name", "type": "string"},
                    },
                },
            },
            "required": ["email"],
            "additionalProperties": False,
        }
    },
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def config_yaml(public_port: int, admin_port: int, schema_path: Path, style: str) -> str:
    # JSON is YAML; writing it with json.dumps avoids a YAML dependency. The DSN comes from the
    # environment (DSN=...), as Kratos deployments usually do it.
    config = {
        "serve": {
            "public": {
                "host": "127.0.0.1",
                "port": public_port,
                "base_url": f"http://127.0.0.1:{public_port}/",
            },
            "admin": {
                "host": "127.0.0.1",
                "port": admin_port,
                "base_url": f"http://127.0.0.1:{admin_port}/",
            },
        },
        "selfservice": {
            "default_browser_return_url": "http://127.0.0.1:4455/welcome",
            "methods": {
                "password": {
                    "enabled": True,
                    "config": {"haveibeenpwned_enabled": False},
                }
            },
            "flows": {
                "registration": {
                    "style": style,
                    "after": {"password": {"hooks": [{"hook": "session"}]}},
                }
            },
        },
        "identity": {
            "default_schema_id": "default",
            "schemas": [{"id": "default", "url": schema_path.as_uri()}],
        },
        "hashers": {"algorithm": "bcrypt", "bcrypt": {"cost": 4}},
        "secrets": {
            "cookie": ["sdk-test-cookie-secret-not-secure"],
            "cipher": ["32-LONG-SECRET-NOT-SECURE-AT-ALL"],
        },
        "log": {"level": "debug", "leak_sensitive_values": True},
    }
    return json.dumps(config, indent=2) + "\n"


@dataclass
class Server:
    public_url: str
    admin_url: str
    log_path: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as error:
            return f"<cannot read {self.log_path}: {error}>"

    def frontend(self) -> FrontendApi:
        configuration = ory_kratos_client.Configuration(host=self.public_url)
        return FrontendApi(ory_kratos_client.ApiClient(configuration))


def hoplite_bin() -> Path:
    path = Path(os.environ.get("HOPLITE_BIN", "target/debug/hoplite"))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.is_file():
        pytest.fail(f"hoplite binary not found at {path} (build it, or set HOPLITE_BIN)")
    return path


def stop(process: subprocess.Popen) -> None:
    """Stops the server and anything it spawned (its own process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=SHUTDOWN_TIMEOUT_S)


def start_server(
    request,
    tmp_path_factory,
    style: str,
    dsn: str = "memory",
    extra_env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> Server:
    workdir = tmp_path_factory.mktemp(f"hoplite-{style}")
    schema_path = workdir / "identity.schema.json"
    schema_path.write_text(json.dumps(IDENTITY_SCHEMA, indent=2) + "\n")
    public_port, admin_port = free_port(), free_port()
    while admin_port == public_port:
        admin_port = free_port()
    config_path = workdir / "kratos.yml"
    config_path.write_text(config_yaml(public_port, admin_port, schema_path, style))
    log_path = workdir / "hoplite.log"

    env = dict(os.environ)
    env.update({"DSN": dsn, "LOG_LEVEL": "debug"})
    env.update(extra_env or {})
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(hoplite_bin()), "serve", "--dev", "-c", str(config_path), *extra_args],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # Registered before waiting, so that a server that never becomes ready is stopped too.
    request.addfinalizer(lambda: stop(process))

    server = Server(
        public_url=f"http://127.0.0.1:{public_port}",
        admin_url=f"http://127.0.0.1:{admin_port}",
        log_path=log_path,
        process=process,
    )
    print(f"hoplite ({style}) on {server.public_url} / {server.admin_url}, log: {log_path}")
    wait_until_ready(server)
    return server


def wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    pending = [f"{server.public_url}/health/ready", f"{server.admin_url}/health/ready"]
    last_problem = "not polled yet"
    while pending:
        if server.process.poll() is not None:
            pytest.fail(
                f"hoplite exited with status {server.process.returncode} before it was ready;"
                f" log:\n{server.log_tail()}"
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"hoplite not ready within {STARTUP_TIMEOUT_S} s ({last_problem});"
                f" log:\n{server.log_tail()}"
            )
        try:
            response = requests.get(pending[0], timeout=2)
            if response.status_code == 200:
                assert response.json() == {"status": "ok"}, response.text
                pending.pop(0)
                continue
            last_problem = f"{pending[0]} answered {response.status_code}"
        except requests.RequestException as error:
            last_problem = f"{pending[0]}: {error.__class__.__name__}"
        time.sleep(0.1)


DATABASES = ["sqlite"] + [
    kind
    for kind, var in (("postgres", "TEST_DATABASE_POSTGRESQL"), ("mysql", "TEST_DATABASE_MYSQL"))
    if os.environ.get(var)
]


def run_sql(kind: str, admin_url: str, statement: str) -> None:
    """Runs one statement with the database's own command-line client."""
    parts = urllib.parse.urlsplit(admin_url)
    if kind == "postgres":
        command, env = ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", statement], dict(os.environ)
    else:
        command = [
            "mysql", "--protocol=tcp", "-h", parts.hostname or "127.0.0.1", "-P", str(parts.port or 3306),
            "-u", urllib.parse.unquote(parts.username or "root"), "-e", statement,
        ]
        env = dict(os.environ, MYSQL_PWD=urllib.parse.unquote(parts.password or ""))
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd="/")
    if result.returncode != 0:
        pytest.fail(f"{kind}: {statement}: {result.stderr.strip()}")


def database_dsn(request, kind: str) -> str:
    """`memory`, or a new PostgreSQL/MySQL database (migrated, dropped after the module)."""
    if kind == "sqlite":
        return "memory"
    admin_url = os.environ["TEST_DATABASE_POSTGRESQL" if kind == "postgres" else "TEST_DATABASE_MYSQL"]
    name = f"hoplite_sdk_{uuid.uuid4().hex[:12]}"
    run_sql(kind, admin_url, f"CREATE DATABASE {name}")
    request.addfinalizer(lambda: run_sql(kind, admin_url, f"DROP DATABASE IF EXISTS {name}"))
    dsn = urllib.parse.urlunsplit(urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}"))
    migrated = subprocess.run([str(hoplite_bin()), "migrate", "sql", dsn, "--yes"], capture_output=True, text=True)
    if migrated.returncode != 0:
        pytest.fail(f"hoplite migrate sql failed: {migrated.stderr}")
    return dsn


@pytest.fixture(scope="module", params=DATABASES)
def unified(request, tmp_path_factory) -> Server:
    return start_server(request, tmp_path_factory, "unified", database_dsn(request, request.param))


@pytest.fixture(scope="module", params=DATABASES)
def two_step(request, tmp_path_factory) -> Server:
    return start_server(request, tmp_path_factory, "profile_first", database_dsn(request, request.param))


def new_email() -> str:
    # Mixed case on purpose: traits keep it verbatim, identifiers are lower-cased (spec §23).
    return f"Sdk-{uuid.uuid4().hex[:12]}@Example.com"


def password_body(email: str) -> UpdateRegistrationFlowBody:
    return UpdateRegistrationFlowBody(
        UpdateRegistrationFlowWithPasswordMethod(
            method="password", password=PASSWORD, traits={"email": email}
        )
    )


def profile_body(email: str) -> UpdateRegistrationFlowBody:
    return UpdateRegistrationFlowBody(
        UpdateRegistrationFlowWithProfileMethod(method="profile", traits={"email": email})
    )


def expect_api_error(status: int, call, *args, **kwargs) -> ApiException:
    with pytest.raises(ApiException) as caught:
        call(*args, **kwargs)
    error = caught.value
    assert error.status == status, f"expected HTTP {status}, got {error.status}: {error.body}"
    assert error.body, "error response without a body"
    return error


def flow_from_400(error: ApiException) -> RegistrationFlow:
    """A 400 on submit carries the flow; the raw body must be a valid RegistrationFlow."""
    flow = RegistrationFlow.from_json(error.body)
    # The SDK deserialises error bodies too, but swallows failures (data is then None).
    assert isinstance(error.data, RegistrationFlow), f"SDK could not parse the 400 body: {error.body}"
    return flow


def node_names(flow: RegistrationFlow) -> list[str]:
    return [node.attributes.actual_instance.name for node in flow.ui.nodes if node.type == "input"]


def assert_registered(result: SuccessfulNativeRegistration, email: str) -> None:
    assert isinstance(result, SuccessfulNativeRegistration)
    assert result.session_token, "no session_token although the session hook is configured"
    # Only the e-mail: other traits may appear as `{}` (Kratos' form-style decoder fills every
    # absent object-typed path, here `traits.name`; registration-spec.md §9.3).
    assert result.identity.traits["email"] == email
    assert result.identity.schema_id == "default"
    assert result.identity.state == "active"
    assert result.session is not None
    assert result.session.identity is not None
    assert result.session.identity.id == result.identity.id
    addresses = [address.value for address in result.identity.verifiable_addresses or []]
    assert addresses == [email.lower()]
    assert result.continue_with, "continue_with must hold set_ory_session_token"
    tokens = [
        item.actual_instance.ory_session_token
        for item in result.continue_with
        if item.actual_instance.action == "set_ory_session_token"
    ]
    assert tokens == [result.session_token]


def assert_whoami(api: FrontendApi, result: SuccessfulNativeRegistration) -> None:
    session = api.to_session(x_session_token=result.session_token)
    assert isinstance(session, Session)
    assert session.id == result.session.id
    assert session.active is True
    assert session.identity.id == result.identity.id
    assert session.identity.traits == result.identity.traits


def register(api: FrontendApi, email: str) -> SuccessfulNativeRegistration:
    """A complete unified-style registration."""
    flow = api.create_native_registration_flow()
    return api.update_registration_flow(flow.id, password_body(email))


def test_unified_registration_returns_a_session_token_that_whoami_accepts(unified):
    api = unified.frontend()
    flow = api.create_native_registration_flow()
    assert isinstance(flow, RegistrationFlow)
    assert flow.type == "api"
    assert flow.state == "choose_method"
    assert flow.ui.method == "POST"
    assert flow.ui.action == f"{unified.public_url}/self-service/registration?flow={flow.id}"
    assert {"csrf_token", "traits.email", "password", "method"} <= set(node_names(flow))

    email = new_email()
    result = api.update_registration_flow(flow.id, password_body(email))
    assert_registered(result, email)
    assert_whoami(api, result)


def test_get_registration_flow_round_trips_the_created_flow(unified, request):
    api = unified.frontend()
    created = api.create_native_registration_flow()
    fetched = api.get_registration_flow(created.id)
    assert isinstance(fetched, RegistrationFlow)
    assert fetched.id == created.id
    assert fetched.type == created.type
    # Kratos's MySQL columns keep whole seconds: read back there, a time has lost its fraction.
    whole_seconds = request.node.callspec.params.get("unified") == "mysql"

    def stored(t):
        return t.replace(microsecond=0) if whole_seconds else t

    assert fetched.expires_at == stored(created.expires_at)
    assert fetched.issued_at == stored(created.issued_at)
    assert fetched.request_url == created.request_url
    assert fetched.ui.to_dict() == created.ui.to_dict()

    # The raw body deserialises on its own as well.
    raw = requests.get(
        f"{unified.public_url}/self-service/registration/flows",
        params={"id": created.id},
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert raw.status_code == 200, raw.text
    assert RegistrationFlow.from_json(raw.text).id == created.id


def test_duplicate_email_is_rejected_with_message_4000007(unified):
    api = unified.frontend()
    email = new_email()
    assert_registered(register(api, email), email)

    flow = api.create_native_registration_flow()
    # Same address, different case: identifiers are compared lower-cased.
    error = expect_api_error(400, api.update_registration_flow, flow.id, password_body(email.upper()))
    rejected = flow_from_400(error)
    assert rejected.id == flow.id
    ids = [message.id for message in rejected.ui.messages or []]
    assert MSG_DUPLICATE_IDENTIFIER in ids, f"ui.messages: {ids}"


def test_unknown_flow_is_a_404_error_generic(unified):
    api = unified.frontend()
    error = expect_api_error(404, api.get_registration_flow, str(uuid.uuid4()))
    body = ErrorGeneric.from_json(error.body)
    assert body.error.code == 404
    assert body.error.message
    assert isinstance(error.data, ErrorGeneric), f"SDK could not parse the 404 body: {error.body}"


def test_whoami_without_a_valid_token_is_a_401_error_generic(unified):
    api = unified.frontend()
    error = expect_api_error(401, api.to_session, x_session_token="ory_st_not-a-real-token")
    body = ErrorGeneric.from_json(error.body)
    assert body.error.code == 401
    assert body.error.status == "Unauthorized"


def test_two_step_registration_goes_through_the_profile_screen(two_step):
    api = two_step.frontend()
    flow = api.create_native_registration_flow()
    assert isinstance(flow, RegistrationFlow)
    assert "password" not in node_names(flow), "two-step: no password field on the first screen"

    email = new_email()
    error = expect_api_error(400, api.update_registration_flow, flow.id, profile_body(email))
    second = flow_from_400(error)
    assert second.id == flow.id
    assert "password" in node_names(second)
    ids = [message.id for message in second.ui.messages or []]
    assert MSG_REGISTRATION_FILL_CREDENTIALS in ids, f"ui.messages: {ids}"

    # The second screen is saved with the flow.
    fetched = api.get_registration_flow(flow.id)
    assert node_names(fetched) == node_names(second)

    result = api.update_registration_flow(flow.id, password_body(email))
    assert_registered(result, email)
    assert_whoami(api, result)


def test_two_step_duplicate_email_is_rejected_with_message_4000007(two_step):
    api = two_step.frontend()
    email = new_email()

    flow = api.create_native_registration_flow()
    expect_api_error(400, api.update_registration_flow, flow.id, profile_body(email))
    assert_registered(api.update_registration_flow(flow.id, password_body(email)), email)

    flow = api.create_native_registration_flow()
    flow_from_400(expect_api_error(400, api.update_registration_flow, flow.id, profile_body(email)))
    error = expect_api_error(400, api.update_registration_flow, flow.id, password_body(email))
    ids = [message.id for message in flow_from_400(error).ui.messages or []]
    assert MSG_DUPLICATE_IDENTIFIER in ids, f"ui.messages: {ids}"
