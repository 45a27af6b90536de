"""The staff completeness page of a master's locale variants, at desktop and phone widths."""

import os
from pathlib import Path

import pytest

from tests.assets.test_locale_variants import banner_family, markets  # noqa: F401
from tests.browser.test_cases_browser import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_completeness_matrix_reads_at_1366_and_390_pixels(
        browser, live_server, banner_family, content):  # noqa: F811
    page = signed_in_page(browser, live_server, content)
    shots = os.environ.get("PORTAL_SHOTS_DIR")
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/staff/variants/assets/{banner_family['master'].pk}/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Locale variants")
        assert page.locator("tr.state-unapproved").count() == 1
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"horizontal overflow of {overflow}px at {width}px"
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/completeness-{width}.png", full_page=True)


def test_charlie_gets_the_japanese_banner_switches_to_the_master_and_downloads_it(
        browser, live_server, banner_family, charlie, settings, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    from tests.catalog.fixtures import ensure_default_presets

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    ensure_default_presets()
    japanese, master = banner_family["ja-JP"], banner_family["master"]
    page = signed_in_page(browser, live_server, charlie)
    shots = os.environ.get("PORTAL_SHOTS_DIR")

    # when: the catalog shows one card for the family, the Japanese variant by default
    page.goto("/catalog/")
    cards = page.locator("article.asset-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("ja-JP version (your language)")
    # (the unapproved fr-FR variant is not charlie's to see; the master has no locale)
    expect(cards.first).to_contain_text("2 languages: de-DE, ja-JP")
    if shots:
        page.screenshot(path=f"{shots}/variants-catalog-1366.png", full_page=True)
    cards.first.get_by_role("link").first.click()
    page.wait_for_url(f"**/assets/{japanese.pk}/")
    expect(page.locator(".family-list [aria-current=page]")).to_have_text("Japanese (ja-JP)")

    # when: charlie switches to the master on the asset page and downloads it
    page.locator(".family-list").get_by_role("link", name="Original").click()
    page.wait_for_url(f"**/assets/{master.pk}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Web 1200 WebP").click()

    # then
    assert download_info.value.suggested_filename == "banner_web-1200.webp"
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert target.stat().st_size > 0
    if shots:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"/assets/{japanese.pk}/")
        page.screenshot(path=f"{shots}/variants-asset-390.png", full_page=True)
