"""A demo campaign teaser plays on the asset page in a real browser (Debian's Chromium)."""

import pytest

from emulators.cloudinary import seed_art
from tests import factories as f
from tests.catalog.fixtures import indexed
from tests.catalog.media import asset_from_upload
from tests.conftest import PASSWORD


@pytest.fixture
def teaser(cloudinary_emulator, eu_retailers, settings):
    """The demo cloud's teaser video (same bytes), mirrored and published to bob's community."""
    import cloudinary.uploader

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    data, ext = seed_art.teaser("Winter Launch 2026", "slate")
    assert ext == "mp4"
    result = cloudinary.uploader.upload(data, public_id="kestrel/trail/video/winter-teaser",
                                        resource_type="video", type="upload")
    asset = asset_from_upload(result, title="Winter Launch teaser")
    f.PublicationFactory(community=eu_retailers, asset=asset)
    return indexed(asset)


@pytest.mark.django_db(transaction=True)
def test_bob_plays_the_campaign_teaser_on_its_asset_page(live_server, browser, teaser, bob):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", bob.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    # when
    page.goto(f"{live_server.url}/assets/{teaser.pk}/")
    # then: the player has decoded frames (HAVE_CURRENT_DATA or better) of a real video
    page.wait_for_function("document.querySelector('.preview video').readyState >= 2",
                           timeout=20_000)
    duration = page.eval_on_selector(".preview video", "v => v.duration")
    assert duration == pytest.approx(6.0, abs=0.1)
    size = page.eval_on_selector(".preview video", "v => [v.videoWidth, v.videoHeight]")
    assert size == [960, 540]
    poster = page.eval_on_selector(".preview video", "v => v.poster")
    answer = page.request.get(poster)
    assert (answer.status, answer.headers["content-type"]) == (200, "image/jpeg")
