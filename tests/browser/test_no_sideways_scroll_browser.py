"""Issue #18: no page of any persona scrolls sideways, at 1366x900 and 390x844.

Each persona's main pages, in one browser context per persona (the viewport is resized
between the two sizes): the partner's home, catalog, asset page, cases, case page,
notifications and launch kits; support's queue and case page; the content team's launch
readiness and the admin asset list. A failure names the elements wider than their box.
"""

import pytest

from cases import services as cases
from notifications.services import notify
from tests import factories as f
from tests.browser.test_cases_browser import signed_in_page
from tests.browser.test_launch_readiness_browser import demo_kits  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
SIZES = [(1366, 900), (390, 844)]

# The overflow, and the elements sticking out of the viewport or out of their own box.
WIDE = """() => [document.documentElement.scrollWidth - innerWidth,
  [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > innerWidth + 1
                 || e.scrollWidth > e.clientWidth + 1
                    && getComputedStyle(e).overflowX === 'visible')
    .slice(0, 6)
    .map(e => `${e.tagName}.${e.className}: right ${Math.round(e.getBoundingClientRect().right)},`
              + ` ${e.scrollWidth}/${e.clientWidth}`)]"""


@pytest.fixture
def world(demo_kits, presets, bob, support, eu_retailers):  # noqa: F811 (fixture)
    """A partner's world with long words in it: a versioned asset, a case with a reply and
    a resolution, a notice, and the demo's launch kits."""
    asset = f.AssetFactory(title="Ridge Runner GTX Mid packaging front (ja-JP, 2026 refresh)",
                           description="Retail-ready packaging shot, white background.")
    f.AssetVersionFactory(asset=asset, width=4000, height=3000, bytes=12_345_678)
    f.PublicationFactory(community=eu_retailers, asset=asset)
    case = cases.case_open(
        opener=bob, asset=asset, category="incorrect_asset",
        subject="The Ridge Runner box shows last year's barcode and the old compliance label",
        body="See https://retail.alpine-outfitters.example/products/ridge-runner-gtx-mid-2026"
             "?variant=packaging-front-ja-JP for where we use it.")
    cases.case_reply(case=case, author=support, body="Looking into it with the content team.")
    cases.case_reply(case=case, author=support, body="Internal: ask packaging.", internal=True)
    notify([bob.pk], kind="new_asset", key=f"asset:{asset.pk}",
           title=f"New in EU Retailers: {asset.title}", url=f"/assets/{asset.pk}/")
    kits = demo_kits
    return {"asset": asset, "case": case, "kits": kits}


def _sideways(browser, live_server, user, paths):
    """Every path at both sizes in one context; returns the pages that scroll sideways."""
    page = signed_in_page(browser, live_server, user)
    problems = []
    try:
        for width, height in SIZES:
            page.set_viewport_size({"width": width, "height": height})
            for path in paths:
                response = page.goto(path)
                assert response.status == 200, f"{path}: {response.status}"
                overflow, wide = page.evaluate(WIDE)
                if overflow > 0:
                    problems.append(f"{path} at {width}px scrolls {overflow}px sideways: {wide}")
    finally:
        page.context.close()
    return problems


def test_no_partner_page_scrolls_sideways(browser, live_server, world, bob):
    winter, spring = world["kits"]
    paths = ["/", "/catalog/", "/catalog/?sort=newest", f"/assets/{world['asset'].pk}/",
             "/cases/", f"/cases/{world['case'].reference}/", "/notifications/",
             "/launches/", f"/launches/{spring.pk}/", f"/launches/{winter.pk}/"]
    problems = _sideways(browser, live_server, bob, paths)
    assert problems == [], "\n".join(problems)


def test_no_support_page_scrolls_sideways(browser, live_server, world, support):
    paths = ["/cases/queue/", f"/cases/{world['case'].reference}/", "/cases/"]
    problems = _sideways(browser, live_server, support, paths)
    assert problems == [], "\n".join(problems)


def test_no_content_team_page_scrolls_sideways(browser, live_server, world, content):
    winter, spring = world["kits"]
    paths = ["/staff/launches/", f"/staff/launches/{spring.pk}/", f"/staff/launches/{winter.pk}/",
             "/admin/assets/asset/", "/admin/assets/asset/?review=waiting",
             f"/admin/assets/asset/{world['asset'].pk}/change/"]
    problems = _sideways(browser, live_server, content, paths)
    assert problems == [], "\n".join(problems)
