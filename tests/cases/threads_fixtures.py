"""Shared helpers of the Trading Grid thread tests."""

from unittest import mock

import pytest

from communities.models import Community

BOB = "bob@alpine-outfitters.example"
EU = "COMM-EU-RETAIL"




def published_asset(f, title="Trailblazer 2 front view", community=EU):
    asset = f.AssetFactory(title=title)
    f.PublicationFactory(community=Community.objects.get(tg_id=community), asset=asset)
    return asset


def reference(asset, version=None):
    from cases.threads import cloud_name

    cloud = cloud_name()
    tail = f":v{version}" if version else ""
    return {"type": "asset", "urn": f"cld:{cloud}:{asset.asset_id}{tail}",
            "url": f"http://127.0.0.1:8000/assets/{asset.pk}/"}


@pytest.fixture
def tg(db, settings):
    """The demo Trading Grid on a free port, its directory mirrored, thread calls unretried."""
    from cases import threads
    from communities import tradinggrid
    from communities.sync import sync_directory
    from emulators.tradinggrid import TradingGridEmulator

    emu = TradingGridEmulator(seed="demo").start()
    settings.TRADING_GRID_URL = emu.trading_grid_url
    sync_directory()
    try:
        with mock.patch.object(threads, "client", lambda: tradinggrid.ThreadClient(
                max_retries=0, sleep=lambda s: None)):
            yield emu
    finally:
        emu.stop()
