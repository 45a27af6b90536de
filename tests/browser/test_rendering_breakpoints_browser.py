"""In a real browser at a phone's width: bob's asset page loads the 640 px preview, support
sets responsive breakpoints from bob's "poor mobile rendering" case, and the same page then
loads a breakpoint Cloudinary chose, narrower than the fixed one (issue #15)."""

import re

import pytest
from django.test import Client

from assets.models import AssetVersion
from cases.rendering import rendering_report_open
from tests.browser.test_cases_browser import signed_in_page
from tests.cases.rendering_fixtures import mirrored_product

pytestmark = pytest.mark.browser


def _phone(browser, live_server, user, ratio):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 390, "height": 844},
                                  device_scale_factor=ratio, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    return context.new_page()


def _picked_width(page, asset) -> int:
    """The width of the preview file the browser chose (its currentSrc)."""
    page.goto(f"/assets/{asset.pk}/")
    image = page.locator(".preview img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    src = image.evaluate("img => img.currentSrc")
    # the file's own width (an <img> with srcset reports its density-corrected width)
    natural = image.evaluate("""img => new Promise(done => {
        const file = new Image(); file.onload = () => done(file.naturalWidth);
        file.src = img.currentSrc; })""")
    steps = re.findall(r"[/,]w_(\d+)", src)
    width = int(steps[-1])
    assert natural == width, (src, natural)
    return width


def test_a_390_px_phone_loads_a_breakpoint_narrower_than_the_fixed_preview(
        browser, live_server, protected_cloud, presets, content, bob, support, eu_retailers,
        django_capture_on_commit_callbacks):
    from playwright.sync_api import expect

    asset = mirrored_product(eu_retailers, content, django_capture_on_commit_callbacks)
    phones = {ratio: _phone(browser, live_server, bob, ratio) for ratio in (1, 2)}
    before = {ratio: _picked_width(page, asset) for ratio, page in phones.items()}
    assert before == {1: 640, 2: 960}  # the fixed 640/960/1280/1920 srcset
    case = rendering_report_open(opener=bob, asset=asset, preset_slug="mobile-640",
                                 problem="poor_mobile", body="Heavy on our phones.",
                                 device_class="mobile", viewport_width=390)

    # when: support sets responsive breakpoints from the case page
    staff = signed_in_page(browser, live_server, support)
    staff.goto(f"/cases/{case.reference}/")
    staff.get_by_role("button", name="Set responsive breakpoints and resolve").click()
    expect(staff.get_by_text("Responsive breakpoints set; the case is resolved.")).to_be_visible()

    # then: the phone picks one of Cloudinary's breakpoints, close to 370 css px x its ratio
    widths = AssetVersion.objects.get(pk=asset.approved_version_id).breakpoints["widths"]
    after = {ratio: _picked_width(page, asset) for ratio, page in phones.items()}
    for ratio, width in after.items():
        assert width in widths
        assert width <= before[ratio]
        # the narrowest breakpoint covering the image's 95vw box in device pixels
        need = 390 * 0.95 * ratio
        assert width == min(w for w in widths if w >= need), (ratio, widths)
    assert after[1] < 640
