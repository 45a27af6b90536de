"""Browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`)."""

import pytest
from django.db import connections

from tests.catalog.fixtures import presets  # noqa: F401
from tests.services import need_chromium

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium for the test; skips locally (fails in CI) without /usr/bin/chromium."""
    executable = need_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
            # ORM calls made while Playwright's greenlet runs get their own connection
            # (Django keeps connections per context); close it so the test database can
            # be dropped.
            connections.close_all()
