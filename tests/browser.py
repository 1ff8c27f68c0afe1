"""Headless Chromium (Debian's package) driven by Playwright, for tests and screenshots."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("WORKSHOP_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"chromium not found at {CHROMIUM}; `make test` installs it")
        pytest.skip(f"chromium not found at {CHROMIUM} (run `make test`, which installs it)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def login_page(browser, base_url, email, password, **context_args):
    context = browser.new_context(**context_args)
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/measures")
    return page


@pytest.fixture
def browser():
    with sync_playwright() as pw:
        browser = launch(pw)
        yield browser
        browser.close()


@pytest.fixture(scope="module", name="browser")
def module_browser():
    """One browser for a whole module (import it into a module that starts one server for all its tests)."""
    with sync_playwright() as pw:
        chromium = launch(pw)
        yield chromium
        chromium.close()
