"""Verification and recovery on the built-in pages in a real browser (headless Chromium), with the
codes read from mail that hoplite's courier (`serve --watch-courier`) delivers to an SMTP server
the test runs on loopback: a new account verifies its address from the welcome page; a person
who forgot the password recovers the account from the sign-in page, sets a new password on the
settings page it leads to, and signs in with it; with `verify_new_address`, a new address typed
on the settings page counts only once its code from the mail is entered."""

from __future__ import annotations

import re
import socketserver
import threading
import time

import pytest

from test_signup_ui import _screenshot, _submit, browser, start_server  # noqa: F401

PASSWORD = "Correct-Horse-Battery-Staple-93"
NEW_PASSWORD = "Another-Long-Passphrase-4711"
MAILS: list[str] = []


class _Smtp(socketserver.StreamRequestHandler):
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


@pytest.fixture()
def mail_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture()
def server(mail_server):
    env = {
        "SELFSERVICE_FLOWS_VERIFICATION_ENABLED": "true",
        "SELFSERVICE_FLOWS_RECOVERY_ENABLED": "true",
        "COURIER_SMTP_CONNECTION_URI": f"smtp://127.0.0.1:{mail_server}/?disable_starttls=true",
        "COURIER_WORKER_PULL_WAIT": "100ms",
    }
    yield from start_server(env, ("--watch-courier",))


def _code(kind: str, after: int) -> str:
    """The code of the first `kind` ("verify" or "recover") mail after the first `after` mails."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for mail in MAILS[after:]:
            match = re.search(r"Subject: Use code (\d{6}) to " + kind, mail)
            if match:
                return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no {kind} mail")


def test_verify_then_recover_on_the_built_in_pages(server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    # Sign up: the code for the address is mailed at once.
    seen = len(MAILS)
    browser.get(f"{server}/self-service/registration/browser")
    browser.find_element(By.NAME, "traits.email").send_keys("forgetful@example.com")
    _submit(browser, "button[name=method][value=profile]")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert "forgetful@example.com" in browser.find_element(By.ID, "signed-in").text
    _code("verify", seen)

    # Verify from the welcome page: ask for a fresh code, enter it.
    _submit(browser, "#verify")
    assert "/ui/verification?flow=" in browser.current_url
    browser.find_element(By.NAME, "email").send_keys("forgetful@example.com")
    seen = len(MAILS)
    _submit(browser, "button[name=method][value=code]")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1080003']")
    browser.find_element(By.NAME, "code").send_keys(_code("verify", seen))
    _submit(browser, "button[name=method][value=code]")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1080002']")
    _screenshot(browser, "verify-done")
    browser.get(f"{server}/ui/welcome")
    assert not browser.find_elements(By.ID, "verify"), "verified: no link any more"

    # Forget the password: sign out, recover from the sign-in page.
    _submit(browser, "#sign-out")
    browser.get(f"{server}/self-service/login/browser")
    _submit(browser, "#forgot-password")
    assert "/ui/recovery?flow=" in browser.current_url
    browser.find_element(By.NAME, "email").send_keys("forgetful@example.com")
    seen = len(MAILS)
    _submit(browser, "button[name=method][value=code]")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1060003']")
    browser.find_element(By.NAME, "code").send_keys(_code("recover", seen))
    _submit(browser, "button[name=method][value=code]")

    # Signed in again, on the settings page that says so: set the new password.
    assert "/ui/settings?flow=" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1060001']")
    _screenshot(browser, "recovery-settings")
    browser.find_element(By.NAME, "password").send_keys(NEW_PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1050001']")

    # The new password signs in; the old one does not.
    browser.get(f"{server}/ui/welcome")
    _submit(browser, "#sign-out")
    browser.get(f"{server}/self-service/login/browser")
    browser.find_element(By.NAME, "identifier").send_keys("forgetful@example.com")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='4000006']")
    browser.find_element(By.NAME, "password").send_keys(NEW_PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert "forgetful@example.com" in browser.find_element(By.ID, "signed-in").text


@pytest.fixture()
def verify_new_address_server(mail_server):
    env = {
        "SELFSERVICE_FLOWS_VERIFICATION_ENABLED": "true",
        "SELFSERVICE_FLOWS_SETTINGS_AFTER_PROFILE_HOOKS": '[{"hook": "verify_new_address"}]',
        "COURIER_SMTP_CONNECTION_URI": f"smtp://127.0.0.1:{mail_server}/?disable_starttls=true",
        "COURIER_WORKER_PULL_WAIT": "100ms",
    }
    yield from start_server(env, ("--watch-courier",))


def test_a_new_address_is_verified_before_it_counts(verify_new_address_server, browser):  # noqa: F811
    """verify_new_address on the built-in pages: the settings page sends the new address to the
    verification page, and only its code from the mail makes it the account's address."""
    from selenium.webdriver.common.by import By

    server = verify_new_address_server
    seen = len(MAILS)
    browser.get(f"{server}/self-service/registration/browser")
    browser.find_element(By.NAME, "traits.email").send_keys("mover@example.com")
    _submit(browser, "button[name=method][value=profile]")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert "mover@example.com" in browser.find_element(By.ID, "signed-in").text
    _code("verify", seen)

    _submit(browser, "#settings")
    email = browser.find_element(By.NAME, "traits.email")
    email.clear()
    email.send_keys("moved@example.com")
    seen = len(MAILS)
    _submit(browser, "button[name=method][value=profile]")
    assert "/ui/verification?flow=" in browser.current_url
    verification_page = browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1080003']")
    _screenshot(browser, "verify-new-address")
    code = _code("verify", seen)
    assert any("moved@example.com" in m for m in MAILS[seen:]), "the code goes to the new address"

    # Not changed yet.
    browser.get(f"{server}/ui/welcome")
    assert "mover@example.com" in browser.find_element(By.ID, "signed-in").text
    browser.get(verification_page)
    browser.find_element(By.NAME, "code").send_keys(code)
    _submit(browser, "button[name=method][value=code]")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1080002']")
    browser.get(f"{server}/ui/welcome")
    assert "moved@example.com" in browser.find_element(By.ID, "signed-in").text
