"""In a real browser: bob reports slow loading of Mobile 640; support switches the preset to
q_auto/f_auto for EU Retailers only from the case page; bob sees "fixed by: preset changed"
with both previews and the saving."""

import pytest

from assets.models import DownloadPreset
from assets.presets import preset_sync_transformation
from cases.models import RenderingFix
from cases.rendering import rendering_report_open
from tests.browser.axe import blocking_violations
from tests.browser.test_cases_browser import signed_in_page
from tests.browser.test_rendering_browser import _shot
from tests.cases.rendering_fixtures import mirrored_product

pytestmark = pytest.mark.browser


def test_support_changes_the_preset_for_one_community_and_bob_sees_the_result(
        browser, live_server, protected_cloud, presets, content, bob, support, eu_retailers,
        django_capture_on_commit_callbacks):
    from playwright.sync_api import expect

    asset = mirrored_product(eu_retailers, content, django_capture_on_commit_callbacks)
    preset_sync_transformation(preset_id=DownloadPreset.objects.get(slug="mobile-640").pk)
    case = rendering_report_open(opener=bob, asset=asset, preset_slug="mobile-640",
                                 problem="slow_loading", body="Slow on our phones.",
                                 device_class="mobile", viewport_width=390)

    # when: support picks q_auto and f_auto for EU Retailers only
    page = signed_in_page(browser, live_server, support)
    page.goto(f"/cases/{case.reference}/")
    form = page.locator("[data-preset-form]")
    expect(form.get_by_label("Only EU Retailers")).to_be_checked()
    form.get_by_label("Quality").select_option("auto")
    form.get_by_label("Format").select_option("auto")
    _shot(page, "staff-preset-form")
    form.get_by_role("button", name="Change the preset and resolve").click()
    expect(page.get_by_text("Preset changed; the case is resolved.")).to_be_visible()
    _shot(page, "staff-preset-resolved")
    page.goto("/cases/rendering/fixes/")
    expect(page.get_by_role("cell", name="Preset changed")).to_be_visible()
    assert blocking_violations(page) == []
    _shot(page, "rendering-fixes")

    # then: bob sees the fix, both previews loaded, and how much smaller it is
    fix = RenderingFix.objects.get()
    bob_page = signed_in_page(browser, live_server, bob)
    bob_page.goto(f"/cases/{case.reference}/")
    expect(bob_page.get_by_role("heading", name="Fixed by: preset changed")).to_be_visible()
    expect(bob_page.locator("[data-role=preset-change]")).to_contain_text(
        "for EU Retailers only")
    expect(bob_page.locator("[data-role=preset-change]")).to_contain_text(
        f"{round(100 * fix.byte_saving / fix.before_bytes)}% smaller")
    for role in ("before-preview", "after-preview"):
        image = bob_page.locator(f"[data-role={role}]")
        image.scroll_into_view_if_needed()
        bob_page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                                   arg=image.element_handle())
    expect(bob_page.get_by_text(f"After · 640 × 800 · {fix.after_bytes / 1024:.1f} KB · WEBP")
           ).to_be_visible()
    assert blocking_violations(bob_page) == []
    _shot(bob_page, "partner-preset-resolution")
