"""In a real browser: alice sees the files her organisation must confirm and clears them."""
# ruff: noqa: F811  (the compliance fixtures are imported, then requested by name)

import pytest

from compliance.models import Acknowledgement
from tests import factories as f
from tests.browser.test_cases_browser import signed_in_page
from tests.compliance.conftest import download, packaging, release  # noqa: F401

pytestmark = pytest.mark.browser


def test_alice_sees_three_files_need_her_confirmation_and_clears_them(
        browser, live_server, presets, alice, bob, eu_retailers, download, release):
    from playwright.sync_api import expect

    # given: bob downloaded three packaging images whose version 2 was then approved
    for n in range(3):
        asset = f.AssetFactory(title=f"Ridge box {n}", kind=f.AssetKindFactory(slug="packaging"))
        f.PublicationFactory(community=eu_retailers, asset=asset)
        download(bob, asset)
        release(asset)
    # when: alice opens her home page
    page = signed_in_page(browser, live_server, alice)
    page.goto("/")
    # then
    expect(page.get_by_role("heading", name="3 files need your confirmation")).to_be_visible()
    expect(page.locator(".notice-bell .badge")).to_have_text("3")
    # when: she confirms each one
    page.get_by_role("link", name="Review and confirm").click()
    for remaining in (3, 2, 1):
        expect(page.locator(".confirm-count")).to_contain_text(str(remaining))
        page.get_by_role("button", name="We work from version 2").first.click()
        expect(page.get_by_role("status").first).to_be_visible()
    # then: nothing left, here or on the home page
    expect(page.get_by_text("Nothing to confirm")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("heading", name="need your confirmation")).to_have_count(0)
    assert Acknowledgement.objects.filter(state="acknowledged").count() == 3
