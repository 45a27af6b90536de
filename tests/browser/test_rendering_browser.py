"""In a real browser: bob reports a bad crop of the Mobile 640 size; support clicks the
focal point on the preview and resolves; bob sees the resolution with both previews."""

import io
import os

import pytest
import requests
from PIL import Image

from cases.models import Case, RenderingFix
from tests.browser.test_cases_browser import signed_in_page
from tests.cases.rendering_fixtures import is_red, mirrored_product

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PORTAL_SHOTS_DIR", "")


def _shot(page, name):
    """Screenshots for review at desktop and phone widths (only when PORTAL_SHOTS_DIR is set)."""
    if not SHOTS:
        return
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' +
                             Math.round(e.getBoundingClientRect().right))""")
        assert not overflow, f"{name} overflows at {width}px: {wide}"
    page.set_viewport_size({"width": 1366, "height": 900})


def test_support_clicks_the_focal_point_and_bob_sees_both_previews(
        browser, live_server, protected_cloud, presets, content, bob, support, eu_retailers,
        django_capture_on_commit_callbacks):
    from playwright.sync_api import expect

    asset = mirrored_product(eu_retailers, content, django_capture_on_commit_callbacks)
    # given: bob reports a bad crop from the asset page
    bob_page = signed_in_page(browser, live_server, bob)
    bob_page.goto(f"/assets/{asset.pk}/")
    bob_page.locator("a[href*='preset=mobile-640']", has_text="Report a problem").click()
    expect(bob_page.get_by_role("heading", level=1)).to_have_text(
        "Report a problem with this size")
    _shot(bob_page, "report-form")
    bob_page.get_by_label("What went wrong?").select_option(label="Bad crop")
    bob_page.get_by_label("Describe what you saw").fill("The backpack is cut off on phones.")
    bob_page.get_by_role("button", name="Send the report").click()
    expect(bob_page.get_by_role("heading", level=1)).to_contain_text("Bad crop")
    case = Case.objects.get()
    assert case.rendering_report.viewport_width  # filled in by the browser

    # when: support clicks the product on the source preview and resolves
    page = signed_in_page(browser, live_server, support)
    page.goto(f"/cases/{case.reference}/")
    expect(page.get_by_text("What the partner got")).to_be_visible()
    source = page.get_by_alt_text("Source image: click where the product is")
    expect(source).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=source.element_handle())
    box = source.bounding_box()
    source.click(position={"x": box["width"] * 1350 / 1600, "y": box["height"] * 400 / 800})
    assert abs(int(page.get_by_label("x", exact=True).input_value()) - 1190) <= 4
    expect(page.locator("[data-focal-marker]")).to_be_visible()
    _shot(page, "staff-diagnosis")
    page.get_by_role("button", name="Move the focal point and resolve").click()
    expect(page.get_by_text("Focal point moved; the case is resolved.")).to_be_visible()

    # then: the case is resolved and bob sees both previews, loaded
    fix = RenderingFix.objects.get()
    x, y, w, h = fix.after_coordinates
    assert (abs(x - 1190), abs(y - 320), w, h) <= (4, 4, 320, 160) and (w, h) == (320, 160)
    bob_page.goto(f"/cases/{case.reference}/")
    expect(bob_page.get_by_role("heading", name="Fixed by: focal point moved")).to_be_visible()
    for alt in ("Before:", "After:"):
        image = bob_page.get_by_alt_text(alt, exact=False)
        expect(image).to_be_visible()
        image.scroll_into_view_if_needed()
        bob_page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                   arg=image.element_handle())
    expect(bob_page.get_by_text(f"After · {fix.after_width} × {fix.after_height}")).to_be_visible()
    src = bob_page.get_by_alt_text("After:", exact=False).get_attribute("src")
    after = Image.open(io.BytesIO(requests.get(src, timeout=10).content))
    centre = after.getpixel((after.width // 2, after.height // 2))
    assert is_red(centre)
    _shot(bob_page, "partner-resolution")
