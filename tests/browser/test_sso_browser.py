"""Sign in with Trading Grid in a real browser: portal login page -> emulator -> catalog."""

import pytest
from django.conf import settings as django_settings

from accounts.sso_settings import trading_grid_providers
from emulators.tradinggrid import TradingGridEmulator

BOB = "bob@alpine-outfitters.example"


@pytest.fixture
def trading_grid(settings):
    """The demo directory, mirrored, with its OIDC provider configured for the portal."""
    from communities.sync import sync_directory

    emu = TradingGridEmulator(seed="demo",
                              webhook_secret=django_settings.TRADING_GRID_WEBHOOK_SECRET).start()
    settings.TRADING_GRID_URL = emu.trading_grid_url
    settings.SOCIALACCOUNT_PROVIDERS = trading_grid_providers(emu.root_url, emu.client_id,
                                                              emu.client_secret)
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    sync_directory()
    try:
        yield emu
    finally:
        emu.stop()


def test_bob_signs_in_with_trading_grid_from_the_login_page_and_lands_in_the_catalog(
        browser, live_server, trading_grid, alice_asset, charlie_asset):
    page = browser.new_context(base_url=live_server.url).new_page()
    # given: the portal's login page
    page.goto("/accounts/login/?next=/catalog/")
    # when: he chooses Trading Grid and signs in there
    page.get_by_role("button", name="Sign in with Trading Grid").click()
    page.wait_for_url(f"{trading_grid.root_url}/oidc/authorize**")
    assert page.get_by_role("heading", name="Sign in to OpenText Trading Grid").is_visible()
    page.get_by_label("Email address").fill(BOB)
    page.get_by_label("Password").fill("portal-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    # then: back in the portal, in the catalog, seeing his community's asset only
    page.wait_for_url(f"{live_server.url}/catalog/**")
    assert page.get_by_text(alice_asset.title).first.is_visible()
    assert page.get_by_text(charlie_asset.title).count() == 0
    assert page.get_by_text("Bob Becker").first.is_visible()
