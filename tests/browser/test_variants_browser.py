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
