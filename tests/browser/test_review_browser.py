"""In a real browser: the content team reviews a new version side by side and approves it."""

import io

import cloudinary.uploader
import pytest

from assets import services
from assets.models import Asset
from assets.sync import sync_full
from tests import factories as f
from tests.browser.test_cases_browser import signed_in_page
from tests.catalog.media import png_bytes

pytestmark = pytest.mark.browser


def _upload(public_id, size, colour):
    cloudinary.uploader.upload(io.BytesIO(png_bytes(*size, colour=colour)), public_id=public_id,
                               type="upload", context={"kind": "packaging",
                                                       "title": "Ridge box"})


def test_the_content_team_approves_a_new_version_side_by_side(
        browser, live_server, protected_cloud, presets, content, bob, eu_retailers,
        django_capture_on_commit_callbacks):
    from playwright.sync_api import expect

    # given: version 1 approved and published; the brand uploads version 2 in Cloudinary
    _upload("kestrel/pack/ridge-box", (1200, 900), (20, 110, 80))
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    asset = Asset.objects.get()
    f.PublicationFactory(community=eu_retailers, asset=asset)
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_set_approval(assets=[asset], state="approved", actor=content)
    _upload("kestrel/pack/ridge-box", (1200, 600), (200, 40, 40))
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    # when: the content team opens the asset in the admin
    page = signed_in_page(browser, live_server, content)
    page.goto(f"/admin/assets/asset/{asset.pk}/change/")
    # then: both versions, whole, side by side, with what changed; no Save button
    expect(page.get_by_role("heading", name="New version of an approved asset")).to_be_visible()
    for name in ("Approved version 1", "Proposed version 2"):
        image = page.get_by_alt_text(name, exact=False)
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), name
    expect(page.get_by_role("cell", name="1200×900")).to_be_visible()
    expect(page.get_by_role("cell", name="1200×600")).to_be_visible()
    assert page.get_by_role("button", name="Save").count() == 0
    # when: they approve it
    page.get_by_role("button", name="Approve version 2").click()
    # then
    expect(page.get_by_text("Version 2 approved.")).to_be_visible()
    asset.refresh_from_db()
    assert asset.approved_version.number == 2
    bob_page = signed_in_page(browser, live_server, bob)
    bob_page.goto(f"/assets/{asset.pk}/")
    expect(bob_page.get_by_text("Version 2 ·").first).to_be_visible()
    preview = bob_page.locator(".preview img")
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    assert preview.evaluate("img => img.naturalWidth / img.naturalHeight") == 2.0
