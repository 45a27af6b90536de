"""End to end: Trading Grid removes a member, a real Celery worker applies the webhook,
and the member's next request for a previously visible asset is a 404."""


import pytest

from accounts.models import User
from communities.models import Community, TradingGridEvent
from communities.sync import sync_directory
from emulators.tradinggrid import TradingGridEmulator
from tests import factories as f
from tests.helpers import wait_for

pytestmark = pytest.mark.redis




def test_member_removed_webhook_makes_the_next_request_a_404(celery_worker, live_server,
                                                            client, settings):
    # given: the portal synced from Trading Grid, which posts its webhooks to the portal
    emulator = TradingGridEmulator(
        seed="demo", webhook_url=live_server.url + "/hooks/tradinggrid/",
        webhook_secret=settings.TRADING_GRID_WEBHOOK_SECRET, webhook_backoff=0.1).start()
    try:
        settings.TRADING_GRID_URL = emulator.trading_grid_url
        sync_directory()
        asset = f.AssetFactory(title="Trailblazer 2 front view")
        f.PublicationFactory(community=Community.objects.get(tg_id="COMM-EU-RETAIL"),
                             asset=asset)
        client.force_login(User.objects.get(email="bob@alpine-outfitters.example"))
        assert client.get(f"/assets/{asset.pk}/").status_code == 200

        # when
        emulator.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")
        attempts = emulator.wait_for_deliveries(timeout=15)

        # then
        assert [a.status for a in attempts] == [200]
        assert wait_for(lambda: TradingGridEvent.objects.filter(state="applied").exists()), \
            "the worker did not apply the event"
        assert client.get(f"/assets/{asset.pk}/").status_code == 404
    finally:
        emulator.stop()
