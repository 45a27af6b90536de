"""Both emulators over real HTTP: a Trading Grid thread becomes a case, support's corrected
version goes back as exactly one post, and bob's next post becomes a case message."""

import pytest

from accounts.models import User
from cases import services
from cases.models import Case, Message
from cases.thread_models import CaseThread, ThreadPost
from communities.sync import sync_directory
from emulators.tradinggrid import TradingGridEmulator
from tests import factories as f
from tests.cases.threads_fixtures import BOB, EU, published_asset, reference
from tests.helpers import wait_for

INTERNAL = "Internal: the crop came from the old master, do not tell the partner"


@pytest.fixture
def tg_live(live_server, settings, cloudinary_emulator):
    emu = TradingGridEmulator(seed="demo", webhook_url=live_server.url + "/hooks/tradinggrid/",
                              webhook_secret=settings.TRADING_GRID_WEBHOOK_SECRET,
                              webhook_backoff=0.1).start()
    settings.TRADING_GRID_URL = emu.trading_grid_url
    try:
        yield emu, cloudinary_emulator
    finally:
        emu.stop()


def test_a_thread_becomes_a_case_and_the_corrected_version_is_posted_back_once(
        tg_live, transactional_db, support):
    tg_live, cloud = tg_live
    # given: the directory mirrored and an asset published to bob's community
    sync_directory()
    asset = published_asset(f)
    # when: bob opens a thread in Trading Grid naming the asset
    opened = tg_live.create_thread(EU, BOB, title="Wrong crop on the front view",
                                   body="The front view is cropped at the top.",
                                   attachments=[reference(asset)])
    thread_id = opened["thread"]["id"]
    tg_live.wait_for_deliveries(15)
    # then: the case is in the portal's queue, opened by bob, on that asset
    assert wait_for(lambda: Case.objects.filter(asset=asset).exists())
    case = Case.objects.get(asset=asset)
    assert case.opener == User.objects.get(email=BOB)
    assert case.messages.get().body == "The front view is cropped at the top."
    assert case.tg_thread.tg_thread_id == thread_id

    # when: support writes an internal note and resolves with a corrected version
    corrected = f.AssetVersionFactory(asset=asset, number=2)
    services.case_reply(case=case, author=support, body=INTERNAL, internal=True)
    services.case_resolve(case=case, actor=support, resolution_kind="version",
                          version=corrected, note="Here is the re-cropped front view.")
    tg_live.wait_for_deliveries(15)
    # then: exactly one new post, with the version's reference and no internal note
    posts = tg_live.threads.all_posts(thread_id)
    assert len(posts) == 2
    reply = posts[1]
    assert reply["author"]["type"] == "integration"
    assert [a["urn"] for a in reply["attachments"]] == [
        f"cld:portal-test:{asset.asset_id}:v{corrected.version}"]
    assert reply["attachments"][0]["url"].endswith(f"/assets/{asset.pk}/")
    assert "Here is the re-cropped front view." in reply["body"]
    assert "Internal" not in reply["body"] and cloud.url not in str(reply)
    # ...and its echo by webhook was recognised, not turned into a message
    assert wait_for(lambda: ThreadPost.objects.filter(tg_post_id=reply["id"]).exists())
    assert case.messages.filter(kind=Message.Kind.REPLY).count() == 1

    # when: bob posts again in Trading Grid
    tg_live.add_post(thread_id, BOB, body="Thanks, but the file name is still wrong.")
    tg_live.wait_for_deliveries(15)
    # then: a new message on the case, by bob, which is open again
    assert wait_for(lambda: case.messages.filter(
        body="Thanks, but the file name is still wrong.", author__email=BOB).exists())
    case.refresh_from_db()
    assert case.is_open
    assert CaseThread.objects.get(case=case).last_seq == 3
