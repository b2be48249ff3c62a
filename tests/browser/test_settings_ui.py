"""A signed-in person changes their profile and password on the built-in settings page
(`/ui/settings`, what `serve --dev` points the settings flow at) in a real browser (headless
Chromium), signs in with the new password, and, once the session is too old for a password change,
is asked to sign in again and finds the change applied when coming back (Kratos's re-authentication
and resume)."""

from __future__ import annotations

import time

import pytest

from test_signup_ui import _screenshot, _submit, browser, start_server  # noqa: F401

PASSWORD = "Correct-Horse-Battery-Staple-93"
NEW_PASSWORD = "Another-Long-Passphrase-4711"
THIRD_PASSWORD = "Yet-Another-Passphrase-0815"


@pytest.fixture()
def short_privilege_server():
    # Sessions may change passwords for two seconds after signing in.
    yield from start_server({"SELFSERVICE_FLOWS_SETTINGS_PRIVILEGED_SESSION_MAX_AGE": "2s"})


def _sign_up(browser, server: str, email: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/self-service/registration/browser")
    browser.find_element(By.NAME, "traits.email").send_keys(email)
    _submit(browser, "button[name=method][value=profile]")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert email in browser.find_element(By.ID, "signed-in").text


def test_a_person_changes_profile_and_password(short_privilege_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    server = short_privilege_server
    _sign_up(browser, server, "settings@example.com")

    # The welcome page links to the settings page, which shows the current traits.
    _submit(browser, "#settings")
    assert "/ui/settings?flow=" in browser.current_url
    email = browser.find_element(By.NAME, "traits.email")
    assert email.get_attribute("value") == "settings@example.com"
    _screenshot(browser, "settings-1-form")

    # A profile change (a plain trait, no fresh sign-in needed) is saved: 1050001.
    time.sleep(2.5)
    email.clear()
    email.send_keys("settings@example.com")
    _submit(browser, "button[name=method][value=profile]")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1050001']")

    # The session is now older than two seconds: a password change first asks to sign in again.
    browser.find_element(By.NAME, "password").send_keys(NEW_PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert "/ui/login?flow=" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1010003']")
    _screenshot(browser, "settings-2-reauth")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, "button[name=method][value=password]")

    # Back on the settings page, the paused change went through.
    assert "/ui/settings?flow=" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1050001']")
    _screenshot(browser, "settings-3-saved")

    # Signing out and in again works with the new password only.
    browser.get(f"{server}/ui/welcome")
    _submit(browser, "#sign-out")
    browser.get(f"{server}/self-service/login/browser")
    browser.find_element(By.NAME, "identifier").send_keys("settings@example.com")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='4000006']")
    browser.find_element(By.NAME, "password").send_keys(NEW_PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert "settings@example.com" in browser.find_element(By.ID, "signed-in").text

    # Within two seconds of signing in, a password change needs no detour.
    browser.get(f"{server}/ui/settings")
    browser.find_element(By.NAME, "password").send_keys(THIRD_PASSWORD)
    _submit(browser, "button[name=method][value=password]")
    assert "/ui/settings?flow=" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1050001']")
