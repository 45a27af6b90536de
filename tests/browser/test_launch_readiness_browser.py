"""In a real browser: the content team fills the gap of the incomplete demo kit."""

import io
from datetime import date
from pathlib import Path

import pytest

from launches import demo
from launches.models import CellState, LaunchKit
from tests import factories as f
from tests.browser.axe import blocking_violations
from tests.browser.test_cases_browser import signed_in_page

pytestmark = pytest.mark.browser
SHOTS = Path("/work/notes/shots/issue-13")


@pytest.fixture
def demo_kits(eu_retailers, content):
    """The demo's campaigns, markets and images, then launches.demo.seed (the real seed)."""
    markets = [f.MarketFactory(slug=slug, name=name) for slug, name in
               (("de", "Germany"), ("fr", "France"), ("gb", "United Kingdom"))]
    eu_retailers.markets.set(markets)
    for market in markets:  # as communities.demo publishes them to EU Retailers
        f.PublicationFactory(community=eu_retailers, asset=None, market=market)
    for slug, day in (("winter-2026", date(2026, 12, 10)), ("spring-2027", date(2027, 3, 1))):
        campaign = f.CampaignFactory(slug=slug, name=slug.replace("-", " ").title(),
                                     launch_date=day)
        for n, (width, height) in enumerate(((2400, 1600), (1920, 600), (2000, 2000))):
            f.AssetFactory(campaign=campaign, title=f"{campaign.name} image {n + 1}",
                           width=width, height=height, markets=markets)
    demo.seed(io.StringIO())
    return LaunchKit.objects.get(name="Winter 2026 launch kit"), LaunchKit.objects.get(
        name="Spring 2027 launch kit")


def test_the_content_team_fills_the_missing_uk_banner_and_the_matrix_turns_ready(
        browser, live_server, content, demo_kits):
    from playwright.sync_api import expect

    complete, gaps = demo_kits
    assert complete.readiness == 100 and gaps.readiness < 100
    # when the content team opens the kits, least ready first, and the incomplete kit
    page = signed_in_page(browser, live_server, content)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/staff/launches/")
    expect(page.locator("tbody tr").first).to_contain_text("Spring 2027 launch kit")
    violations = blocking_violations(page)
    page.get_by_role("link", name="Spring 2027 launch kit").click()
    # then it sees which market misses what: the hero banner in the United Kingdom
    uk = gaps.markets.get(slug="gb")
    hero = gaps.slots.get(name="Hero banner")
    missing = page.locator(f'tr[data-slot="{hero.pk}"] td[data-market="{uk.pk}"]')
    expect(missing).to_contain_text("Missing")
    expect(missing).to_contain_text("nothing fills this slot yet")
    expect(page.locator(".readiness-percent")).to_have_text(f"{gaps.readiness}% ready")
    violations += blocking_violations(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "readiness-1366.png"), full_page=True)
    # when it fills the slot with the banner the other markets use
    banner = hero.fills.first().asset
    picker = missing.get_by_label(f"Asset for {hero.name} in this market")
    expect(page.locator(f'#kit-assets option[value="{banner.public_id}"]')).to_have_count(1)
    picker.fill(banner.public_id)
    missing.get_by_role("button", name="Fill").click()
    # then the matrix turns ready
    expect(page.get_by_role("status").first).to_contain_text("fills “Hero banner” in United")
    expect(page.locator(".readiness-percent")).to_have_text("100% ready")
    cell = page.locator(f'tr[data-slot="{hero.pk}"] td[data-market="{uk.pk}"]')
    expect(cell).to_contain_text("Ready")
    expect(page.locator("td.cell-missing, td.cell-failing")).to_have_count(
        gaps.cells.filter(slot__required=False).exclude(state=CellState.READY).count())
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "readiness-390.png"), full_page=True)
    page.reload()
    violations += blocking_violations(page)
    assert violations == []
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, page.evaluate("""[...document.querySelectorAll('body *')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .slice(0, 8).map(e => `${e.tagName}.${e.className}: ${e.scrollWidth}/${e.clientWidth}`)
        .concat([document.documentElement.scrollWidth, window.innerWidth])""")
