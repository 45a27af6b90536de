"""The partner's three clicks, in a real browser (Debian's Chromium driven by Playwright).

bob signs in, searches for a product, narrows by market, opens the asset and downloads the
Web 1200 WebP preset: the file comes from the Cloudinary emulator and is 1200x800 pixels.
charlie, doing the same, never sees the asset.
"""

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests import factories as f
from tests.catalog.fixtures import ensure_default_presets, indexed
from tests.catalog.media import asset_from_upload, upload_image
from tests.conftest import PASSWORD


@pytest.fixture
def published(cloudinary_emulator, eu_retailers, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    ensure_default_presets()
    germany = f.MarketFactory(slug="de", name="Germany")
    france = f.MarketFactory(slug="fr", name="France")
    line = f.ProductLineFactory(slug="trail", name="Trail Series")
    assets = {}
    for key, market in (("de", germany), ("fr", france)):
        result = upload_image(f"kestrel/trail/trailblazer-{key}", 2400, 1600, "authenticated")
        asset = asset_from_upload(result, title=f"Trailblazer hero {key.upper()}",
                                  description="The Trailblazer 2 on a ridge.", product_line=line)
        asset.markets.set([market])
        f.PublicationFactory(community=eu_retailers, asset=asset)
        assets[key] = indexed(asset)
    return assets


def _sign_in(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def _search(page, text):
    page.fill("#home-q", text)
    page.press("#home-q", "Enter")
    page.wait_for_url("**/catalog/?q=*")


@pytest.mark.django_db(transaction=True)
def test_bob_finds_and_downloads_the_web_preset_in_three_clicks(live_server, browser, published,
                                                                bob, tmp_path):
    page = browser.new_context(accept_downloads=True).new_page()
    _sign_in(page, live_server.url, bob)
    # when: search, narrow by market, open the asset
    _search(page, "Trailblazer")
    assert page.locator("article.asset-card").count() == 2
    page.get_by_label("Germany").check()
    # a locator wait, not wait_for_function: the CSP forbids the eval Playwright would use
    expect(page.locator("article.asset-card")).to_have_count(1)
    assert "market=de" in page.url
    page.get_by_role("link", name="Trailblazer hero DE").click()
    page.wait_for_url(f"**/assets/{published['de'].pk}/")
    # when: download the Web 1200 WebP preset
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Web 1200 WebP").click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    # then
    with Image.open(target) as image:
        assert (image.format, image.size) == ("WEBP", (1200, 800))


@pytest.mark.django_db(transaction=True)
def test_charlie_doing_the_same_never_sees_the_asset(live_server, browser, published, charlie):
    page = browser.new_context().new_page()
    _sign_in(page, live_server.url, charlie)
    # when
    _search(page, "Trailblazer")
    # then
    assert page.locator("article.asset-card").count() == 0
    assert "Trailblazer hero" not in page.content()
    assert page.get_by_label("Germany").count() == 0  # not even as a facet
    # when: he types the asset's address
    response = page.goto(f"{live_server.url}/assets/{published['de'].pk}/")
    download = page.goto(f"{live_server.url}/assets/{published['de'].pk}/download/original/")
    # then
    assert (response.status, download.status) == (404, 404)
