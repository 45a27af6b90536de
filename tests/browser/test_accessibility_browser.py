"""axe-core over every page a partner, support or content user visits (admin included), at
desktop and mobile size: no critical and no serious violation."""

import pytest
from django.test import Client

from tests import factories as f
from tests.browser.axe import blocking_violations

pytestmark = pytest.mark.browser

MISSING_PAGE = "/nothing-here/"  # the branded 404 page is a page partners see too
SIZES = [{"width": 1366, "height": 900}, {"width": 390, "height": 844}]


def _pages_for(browser, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    return context, context.new_page()


def _check(browser, live_server, user, paths):
    problems = []
    for viewport in SIZES:
        context, page = _pages_for(browser, live_server, user, viewport)
        for path in paths:
            response = page.goto(path)
            expected = 404 if path == MISSING_PAGE else 200
            assert response.status == expected, f"{path}: {response.status}"
            problems += blocking_violations(page)
        context.close()
    return problems


@pytest.fixture
def case_on_asset(bob, alice_asset):
    from cases import services

    return services.case_open(opener=bob, asset=alice_asset, category="incorrect_asset",
                              subject="Wrong photo", body="Last year's box.")



def test_partner_pages_have_no_serious_accessibility_violations(
        browser, live_server, presets, bob, alice_asset, case_on_asset):
    paths = ["/", "/catalog/", "/catalog/?q=trail", f"/assets/{alice_asset.pk}/", "/cases/",
             "/cases/new/", f"/cases/new/?asset={alice_asset.pk}",
             f"/cases/{case_on_asset.reference}/", "/communities/", "/notifications/",
             "/notifications/preferences/", "/confirmations/", "/me/tokens/",
             "/accounts/2fa/", MISSING_PAGE]
    problems = _check(browser, live_server, bob, paths)
    assert problems == [], "\n".join(problems)


def test_support_pages_have_no_serious_accessibility_violations(
        browser, live_server, presets, support, alice_asset, case_on_asset):
    paths = ["/", "/cases/queue/", "/cases/queue/?q=00001", "/cases/queue/?q=Bob",
             f"/cases/{case_on_asset.reference}/",
             "/audit/received/", "/admin/", "/admin/cases/case/",
             f"/admin/cases/case/{case_on_asset.pk}/change/"]
    problems = _check(browser, live_server, support, paths)
    assert problems == [], "\n".join(problems)


def test_content_pages_have_no_serious_accessibility_violations(
        browser, live_server, presets, content, alice_asset, eu_retailers):
    f.AssetVersionFactory(asset=alice_asset)
    f.AssetFactory(title="Ridge Runner box")  # so a filter shows "1 result (2 total)"
    us = f.MarketFactory(slug="us", name="United States")
    eu_retailers.markets.set([f.MarketFactory(slug="de", name="Germany")])
    rule = f.PublicationFactory(community=eu_retailers, asset=None, market=us)  # warns
    # the content team's landing page after sign-in: the versions awaiting review
    paths = ["/", "/admin/", "/admin/assets/asset/", "/admin/assets/asset/?review=waiting",
             "/admin/assets/asset/?q=Trailblazer",
             f"/admin/assets/asset/{alice_asset.pk}/change/",
             "/admin/communities/publication/", "/admin/communities/publication/add/",
             f"/admin/communities/publication/{rule.pk}/change/",
             f"/staff/currency/assets/{alice_asset.pk}/",
             f"/staff/currency/communities/{eu_retailers.pk}/"]
    problems = _check(browser, live_server, content, paths)
    assert problems == [], "\n".join(problems)
