"""Fixtures of the communities tests: the Trading Grid emulator, wired into settings."""

import pytest
from django.conf import settings as django_settings

from emulators.tradinggrid import TradingGridEmulator


@pytest.fixture
def tg_emulator(settings):
    """The demo directory on a free port, with TRADING_GRID_URL pointing at it."""
    emu = TradingGridEmulator(seed="demo",
                              webhook_secret=django_settings.TRADING_GRID_WEBHOOK_SECRET).start()
    settings.TRADING_GRID_URL = emu.trading_grid_url
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def synced(db, tg_emulator):
    """The demo directory synced once."""
    from communities.sync import sync_directory

    sync_directory()
    return tg_emulator


from tests.communities.sso_fixtures import tg_sso  # noqa: E402,F401 - Trading Grid sign-in
