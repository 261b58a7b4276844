"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium).

Browser downloads do not work on our machines, so the tests use the system
Chromium. Without it they are skipped locally and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install Debian's chromium.")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop; Django must allow sync DB use next to it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium_browser, live_server):
    """A fresh browser context on a desktop-sized screen."""
    context = chromium_browser.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium_browser, live_server):
    """A browser context sized and behaving like a phone."""
    context = chromium_browser.new_context(
        base_url=live_server.url,
        locale="nl-NL",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page, email: str, password: str) -> None:
    """Log in as a user would: password, then the code of their authenticator app.

    Every role that sees personal data must have two-step verification, so
    the user gets an authenticator app (a known secret) and the code is
    computed with allauth's own TOTP functions.
    """
    from accounts.models import User
    from accounts.tests.authenticators import give_authenticator_app, totp_code

    give_authenticator_app(User.objects.get(email=email))
    page.goto("/accounts/login/")
    page.fill("main [name=login]", email)
    page.fill("main [name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("main [name=code]", totp_code())
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, "login failed"
    assert "/accounts/2fa/" not in page.url, "the second step failed"
