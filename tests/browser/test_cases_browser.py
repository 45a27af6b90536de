"""In a real browser: bob opens a case from an asset page, support answers and resolves it
with a corrected version, bob sees the resolution and downloads the corrected version."""

import re
from urllib.parse import quote

import pytest
from django.test import Client

from audit.models import Event
from cases.models import Case
from tests import factories as f

pytestmark = pytest.mark.browser

def signed_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    return context.new_page()


def test_bob_gets_a_corrected_version_through_a_case(browser, live_server, presets, bob,
                                                     support, alice_asset):
    from playwright.sync_api import expect

    # given: bob is on the asset page
    bob_page = signed_in_page(browser, live_server, bob)
    bob_page.goto(f"/assets/{alice_asset.pk}/")
    # when: he opens a case from it
    bob_page.get_by_role("link", name="Open a case about this asset").click()
    bob_page.get_by_label("What is wrong?").select_option(label="Incorrect asset")
    bob_page.get_by_label("Subject").fill("Wrong packaging photo")
    bob_page.get_by_label("Describe the problem").fill("The box is **last year's**.")
    bob_page.get_by_role("button", name="Open case").click()
    expect(bob_page.get_by_role("heading", level=1)).to_contain_text("Wrong packaging photo")
    case = Case.objects.get()
    assert bob_page.url.endswith(f"/cases/{case.reference}/")
    assert case.asset_version == alice_asset.current_version

    # and: a corrected version is approved and released; support replies and resolves with it
    corrected = f.AssetVersionFactory(asset=alice_asset, delivery_public_id="copy/v2",
                                      delivery_version=2)
    alice_asset.current_version, alice_asset.version = corrected, corrected.version
    alice_asset.approved_version, alice_asset.release_public_id = corrected, "copy/v2"
    alice_asset.save(update_fields=["current_version", "version", "approved_version",
                                    "release_public_id"])
    staff_page = signed_in_page(browser, live_server, support)
    staff_page.goto(f"/cases/{case.reference}/")
    staff_page.get_by_label("Reply or note").fill("Thanks, we are fixing the photo.")
    staff_page.get_by_role("button", name="Send").click()
    expect(staff_page.get_by_text("Reply sent.")).to_be_visible()
    staff_page.get_by_label("Find a corrected version or replacement in the catalog").fill(
        alice_asset.title)
    staff_page.get_by_role("button", name="Search").click()
    staff_page.get_by_label(re.compile(rf"{re.escape(corrected.label)} \(partners get this\)")
                            ).check()
    staff_page.get_by_label("Note to the partner").fill("Here is this year's box.")
    staff_page.get_by_role("button", name="Resolve case").click()
    expect(staff_page.get_by_text("Case resolved")).to_be_visible()

    # then: bob sees the reply and the resolution, and downloads the corrected version
    bob_page.reload()
    expect(bob_page.get_by_text("Thanks, we are fixing the photo.")).to_be_visible()
    resolution = bob_page.get_by_role("heading", name="Resolution")
    expect(resolution).to_be_visible()
    expect(bob_page.get_by_text(corrected.label).first).to_be_visible()
    download = bob_page.get_by_role("link", name=f"Download {corrected.label} (current version)")
    href = download.get_attribute("href")
    assert href == f"/assets/{alice_asset.pk}/download/original/"
    response = bob_page.request.get(href, max_redirects=0)
    assert response.status == 302
    assert f"public_id={quote('copy/v2', safe='')}&" in response.headers["location"]
    downloaded = Event.objects.get(action="asset.downloaded")
    assert (downloaded.actor_user_id, downloaded.asset_id, downloaded.asset_version) == (
        bob.pk, alice_asset.pk, corrected.version)
