"""A person signs up in a real browser (headless Chromium) on the page `hoplite serve --dev` serves.

This is the one-command promise: with no configuration at all, `/self-service/registration/browser`
leads to a working sign-up page (hoplite's built-in UI), the two-step form (traits, then password)
works with real form posts, cookies and redirects, and the person ends up signed in.

Chromium and ChromeDriver come from Debian (`chromium`, `chromium-driver`); .ci/run installs them and
sets HOPLITE_REQUIRE_BROWSER=1 so that a missing browser fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(extra_env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()):
    """Runs `hoplite serve --dev` with no configuration file (plus `extra_env` and `extra_args`)
    and yields its public base URL."""
    binary = os.environ.get("HOPLITE_BIN", str(REPO_ROOT / "target" / "debug" / "hoplite"))
    public, admin = _free_port(), _free_port()
    workdir = tempfile.mkdtemp(prefix="hoplite-ui-")
    env = {k: v for k, v in os.environ.items() if k != "DSN"}
    env.update({"SERVE_PUBLIC_PORT": str(public), "SERVE_ADMIN_PORT": str(admin), "DSN": "memory"})
    env.update(extra_env or {})
    # No config file: the embedded default, exactly as README's run command.
    proc = subprocess.Popen(
        [binary, "serve", "--dev", *extra_args], cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{public}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health/ready", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"hoplite exited: {proc.stderr.read().decode()}")
        time.sleep(0.05)
    else:
        raise RuntimeError("hoplite did not become ready")
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture()
def server():
    yield from start_server()


@pytest.fixture()
def browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("HOPLITE_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium / chromedriver are required but not installed")
        pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1000,900",
    ):
        opts.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="hoplite-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    # find_element retries for up to this long, so a slow page load on a busy CI machine is waited
    # for instead of failing the lookup at once.
    driver.implicitly_wait(15)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _screenshot(driver, name: str) -> None:
    out = os.environ.get("HOPLITE_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(out) / f"{name}.png"))


def _submit(driver, css: str) -> None:
    """Clicks a submit button and waits until the browser has replaced the page.

    `click()` returns as soon as the click is dispatched, before the form post and the redirects that
    follow it have loaded a new document; looking for the next page's fields right away races the
    navigation.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    old_page = driver.find_element(By.TAG_NAME, "html")

    def replaced(_driver) -> bool:
        try:
            old_page.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            # While the old document is being torn down, Chrome sometimes answers with this
            # inspector error instead of "stale element" (seen in CI): the page is going away.
            if "does not belong to the document" in str(error):
                return True
            raise

    driver.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(driver, 30).until(replaced)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_a_person_signs_up_on_the_built_in_page(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/self-service/registration/browser")
    assert "/ui/registration?flow=" in browser.current_url
    _screenshot(browser, "1-traits")
    browser.find_element(By.NAME, "traits.email").send_keys("person@example.com")
    _submit(browser, "button[name=method][value=profile]")

    # Second screen: the email is carried along, the password is asked for.
    password = browser.find_element(By.NAME, "password")
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='1040009']")
    _screenshot(browser, "2-password")
    password.send_keys("short")
    _submit(browser, "button[name=method][value=password]")

    # A too-short password comes back as Kratos's message 4000032 on the form.
    error = browser.find_element(By.CSS_SELECTOR, "[data-message-id='4000032']")
    assert "at least 8 characters" in error.text
    _screenshot(browser, "3-error")
    browser.find_element(By.NAME, "password").send_keys("Correct-Horse-Battery-Staple-93")
    _submit(browser, "button[name=method][value=password]")

    signed_in = browser.find_element(By.ID, "signed-in")
    assert "person@example.com" in signed_in.text
    assert browser.current_url.endswith("/ui/welcome")
    _screenshot(browser, "4-welcome")
    # The session cookie is HttpOnly (not visible to scripts) but the browser holds it.
    assert any(c["name"] == "ory_kratos_session" and c["httpOnly"] for c in browser.get_cookies())

    # Sign out with the link on the welcome page, then sign in again on the built-in login page.
    _submit(browser, "#sign-out")
    assert browser.find_element(By.ID, "signed-out")
    assert not any(c["name"] == "ory_kratos_session" and c["value"] for c in browser.get_cookies())
    browser.get(f"{server}/self-service/login/browser")
    assert "/ui/login?flow=" in browser.current_url
    _screenshot(browser, "5-login")
    browser.find_element(By.NAME, "identifier").send_keys("Person@Example.com")
    browser.find_element(By.NAME, "password").send_keys("wrong-password")
    _submit(browser, "button[name=method][value=password]")
    # The same message for a wrong password and an unknown account.
    assert browser.find_element(By.CSS_SELECTOR, "[data-message-id='4000006']")
    browser.find_element(By.NAME, "password").send_keys("Correct-Horse-Battery-Staple-93")
    _submit(browser, "button[name=method][value=password]")
    assert "person@example.com" in browser.find_element(By.ID, "signed-in").text
    _screenshot(browser, "6-signed-in-again")
